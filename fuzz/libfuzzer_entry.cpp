// libFuzzer's entry for one target, chosen at compile time (RILL_FUZZ_TARGET, fuzz/CMakeLists.txt).
// An exception that escapes the target ends the process and libFuzzer reports the input.
#include <cstddef>
#include <cstdint>

#include "fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rill::fuzz::RILL_FUZZ_TARGET(rill::fuzz::Bytes(data, size));
  return 0;
}
