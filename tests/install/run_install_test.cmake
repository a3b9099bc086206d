# CTest `install_consumer`: installs the build into a scratch prefix with `cmake --install`, then
# configures, builds and runs tests/install/consumer against it with find_package(rill).
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... [-DGENERATOR=...] -P run_install_test.cmake
cmake_minimum_required(VERSION 3.25)  # script mode: IN_LIST and friends
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "failed (${status}): ${ARGN}")
  endif()
endfunction()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
# Public headers only: nothing of src/ may be installed.
file(GLOB_RECURSE installed_headers RELATIVE ${prefix}/include ${prefix}/include/*)
foreach(header IN LISTS installed_headers)
  if(NOT header MATCHES "^rill/[a-z_]+\\.h$")
    message(FATAL_ERROR "not a public header, but installed: include/${header}")
  endif()
endforeach()
if(NOT "rill/engine.h" IN_LIST installed_headers)
  message(FATAL_ERROR "include/rill/engine.h was not installed")
endif()
set(generator_args)
if(GENERATOR)
  set(generator_args -G ${GENERATOR})
endif()
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install/consumer -B ${WORK_DIR}/build ${generator_args}
  -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/rill_consumer ${SOURCE_DIR}/models/tiny_cnn.onnx
  ${SOURCE_DIR}/models/tiny_cnn_reference)
