# Per-target settings shared by every rill target.

# Language level and warnings (as errors when RILL_WERROR is on) for C++ and CUDA sources.
function(rill_target_options target)
  # -Wno-restrict: GCC 12 reports false -Wrestrict overlaps inside std::string (GCC bug 105329).
  set(cxx_warnings -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wno-missing-field-initializers -Wno-restrict)
  if(RILL_WERROR)
    list(APPEND cxx_warnings -Werror)
  endif()
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:${cxx_warnings}>
    # nvcc: host-compiler warnings through -Xcompiler; -Wpedantic is left out because the CUDA
    # front end emits constructs (launch stubs) that it flags.
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra,-Wno-missing-field-initializers>
    $<$<AND:$<COMPILE_LANGUAGE:CUDA>,$<BOOL:${RILL_WERROR}>>:-Werror=all-warnings>
    $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr>)
endfunction()

# A static library of one layer: `rill_layer(NAME SOURCES ... DEPENDS ...)`.
function(rill_layer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC
    ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPENDS})
  set_target_properties(${name} PROPERTIES CUDA_SEPARABLE_COMPILATION OFF)
  rill_target_options(${name})
endfunction()
