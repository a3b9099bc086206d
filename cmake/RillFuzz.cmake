# The fuzzing configuration (RILL_BUILD_FUZZERS, driven by scripts/fuzz.sh): every C++ source of
# rill compiled by clang with AddressSanitizer, UndefinedBehaviorSanitizer and libFuzzer's
# coverage instrumentation. CUDA sources stay with nvcc and its host g++: their kernels never
# run on a fuzzing path and only have to link. The main build never includes this file.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "RILL_BUILD_FUZZERS needs clang (libFuzzer): configure with "
                      "-DCMAKE_CXX_COMPILER=clang++-14, as scripts/fuzz.sh does")
endif()
# -fno-sanitize-recover: a UBSan report aborts, so that libFuzzer stops on it with the input.
add_compile_options(
  $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=fuzzer-no-link,address,undefined>
  $<$<COMPILE_LANGUAGE:CXX>:-fno-sanitize-recover=all>
  $<$<COMPILE_LANGUAGE:CXX>:-fno-omit-frame-pointer>)
add_link_options($<$<LINK_LANGUAGE:CXX>:-fsanitize=address,undefined>)
