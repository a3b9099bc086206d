#include "fuzz/fuzz_guard.h"
#include "fuzz/targets.h"
#include "io/npy.h"

namespace rill::fuzz {

void npy_reader(Bytes data) {
  expect_clean_outcome([&] {
    (void)io::read_npy_bytes(
        std::string_view(reinterpret_cast<const char*>(data.data()), data.size()), "<fuzz>");
  });
}

}  // namespace rill::fuzz
