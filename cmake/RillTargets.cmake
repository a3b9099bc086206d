# Per-target settings shared by every rill target.

# Language level and warnings (as errors when RILL_WERROR is on) for C++ and CUDA sources.
function(rill_target_options target)
  # -Wno-restrict: GCC 12 reports false -Wrestrict overlaps inside std::string (GCC bug 105329).
  set(cxx_warnings -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wno-missing-field-initializers -Wno-restrict)
  # The fuzzing build's clang (cmake/RillFuzz.cmake) warns about more than g++ does; g++ is the
  # authority, so there C++ warnings stay warnings. Its CUDA flags stay as here, which lets ccache
  # reuse the main build's CUDA objects.
  if(RILL_WERROR AND NOT RILL_BUILD_FUZZERS)
    list(APPEND cxx_warnings -Werror)
  endif()
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:${cxx_warnings}>
    # nvcc: host-compiler warnings through -Xcompiler; -Wpedantic is left out because the CUDA
    # front end emits constructs (launch stubs) that it flags.
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra,-Wno-missing-field-initializers>
    $<$<AND:$<COMPILE_LANGUAGE:CUDA>,$<BOOL:${RILL_WERROR}>>:-Werror=all-warnings>
    $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr>)
  rill_sanitizer_options(${target})
endfunction()

# Note [Sanitizer builds]
# -DRILL_SANITIZE=address,undefined (any list that -fsanitize= takes) instruments rill's host C++
# and links the sanitizer runtimes; scripts/sanitize.sh builds and runs the host tests that way.
# - Only C++ sources are instrumented. The .cu files (device kernels and their launchers) are
#   compiled by nvcc unsanitized: their host side is thin launch code, the GPU tests that reach it
#   do not run without a GPU, and unchanged flags let ccache reuse the normal build's .cu objects,
#   which are most of the build's time. compute-sanitizer covers the device side (issue 12).
# - The link flag is PUBLIC: a static library compiled with it needs the runtime in whatever links
#   it, including a find_package(rill) consumer of the installed tree (tests/install).
# - Targets that nvcc links (CUDA-only executables) hold no instrumented object and are skipped.
# - -fno-sanitize-recover makes every UBSan finding fatal, so a test cannot pass over one.
set(RILL_SANITIZE "" CACHE STRING
  "Sanitizers for rill's host C++, as for -fsanitize= (e.g. address,undefined); empty: none")
function(rill_sanitizer_options target)
  if(NOT RILL_SANITIZE)
    return()
  endif()
  set(flags -fsanitize=${RILL_SANITIZE} -fno-omit-frame-pointer)
  if(RILL_SANITIZE MATCHES "undefined")
    list(APPEND flags -fno-sanitize-recover=undefined)
  endif()
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${flags}>)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "STATIC_LIBRARY")
    target_link_options(${target} INTERFACE $<$<LINK_LANGUAGE:CXX>:${flags}>)
  else()
    target_link_options(${target} PRIVATE $<$<LINK_LANGUAGE:CXX>:${flags}>)
  endif()
endfunction()

# A static library of one layer: `rill_layer(NAME SOURCES ... DEPENDS ...)`.
function(rill_layer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  # src/ is an include directory inside the build only: installed consumers see include/ alone.
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src>
    $<INSTALL_INTERFACE:include>)
  target_link_libraries(${name} PUBLIC ${ARG_DEPENDS})
  set_target_properties(${name} PROPERTIES CUDA_SEPARABLE_COMPILATION OFF)
  rill_target_options(${name})
endfunction()

# The rill_* libraries `target` links, directly or not (for installing them with it).
function(rill_linked_layers target out)
  set(seen)
  set(pending ${target})
  while(pending)
    list(POP_FRONT pending current)
    if(NOT TARGET ${current} OR current IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${current})
    get_target_property(type ${current} TYPE)
    set(links)
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(links ${current} LINK_LIBRARIES)
    endif()
    get_target_property(interface_links ${current} INTERFACE_LINK_LIBRARIES)
    foreach(link IN LISTS links interface_links)
      if(link MATCHES "^rill_")
        list(APPEND pending ${link})
      endif()
    endforeach()
  endwhile()
  set(${out} ${seen} PARENT_SCOPE)
endfunction()
