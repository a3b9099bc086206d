// Every input under fuzz/corpus/<target>/ and fuzz/regressions/<target>/ must be accepted or
// rejected with a rill::Error (not kInternal) by its fuzz target: the seeds keep working, and
// each input that once crashed a target stays fixed. The findings' own tests, which check what
// the fix does, sit beside the code they fixed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/targets.h"

namespace rill::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class FuzzReplay : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzReplay, CheckedInInputsEndCleanly) {
  const Target target = GetParam();
  size_t replayed = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    const fs::path dir = fs::path(RILL_SOURCE_DIR) / "fuzz" / kind / target.name;
    if (!fs::exists(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::vector<uint8_t> bytes = read_bytes(entry.path());
      EXPECT_NO_THROW(target.run(bytes)) << entry.path();
      ++replayed;
    }
  }
  EXPECT_GT(replayed, 0u) << "no seed corpus for " << target.name;
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, ::testing::ValuesIn(kTargets),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace rill::fuzz
