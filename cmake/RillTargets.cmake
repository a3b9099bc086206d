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
