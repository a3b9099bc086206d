// The timing cache file (engine/timing_cache.h): round trips, and every kind of bad file is
// rejected with a warning that says why and leaves an empty cache, never a crash.
#include "engine/timing_cache.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

#include "engine/binary_io.h"
#include "engine/file_frame.h"
#include "engine/plan_file.h"

namespace rill::engine {
namespace {

kernels::TuningEnvironment h200() {
  return {"NVIDIA H200", 9, 0, 130100, 91000};
}

TimingCache sample_cache() {
  TimingCache cache(h200());
  cache.put("cublaslt_matmul float16 m=128 n=3072 k=768",
            {std::vector<uint8_t>(64, 0x11), 0.02f, 8});
  cache.put("cudnn_conv_fwd N=1 C=64 K=64", {{0, 0, 0, 0, 1, 0, 0, 0}, 0.0075f, 5});
  cache.put("cudnn_conv_bwd_data N=1 C=8", {{1, 0, 0, 0, 0, 0, 0, 0}, 0.5f, 2});
  return cache;
}

class TimingCacheFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("timing_cache_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "model.cache").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write_bytes(const std::vector<std::byte>& bytes) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  // Loads the file as this (H200) build would and expects it rejected for `why`.
  void expect_rejected(const std::string& why) const {
    const LoadedTimingCache loaded = TimingCache::load(path_, h200());
    ASSERT_TRUE(loaded.warning.has_value()) << "accepted, expected: " << why;
    EXPECT_NE(loaded.warning->find(why), std::string::npos) << *loaded.warning;
    EXPECT_NE(loaded.warning->find(path_), std::string::npos) << *loaded.warning;
    EXPECT_TRUE(loaded.cache.entries().empty());
    EXPECT_EQ(loaded.cache.environment(), h200());  // a fresh cache for this build to fill
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST(TimingCache, RoundTripsInMemory) {
  const TimingCache cache = sample_cache();
  const std::vector<std::byte> bytes = cache.serialize();
  const TimingCache back = TimingCache::deserialize(bytes, "memory");
  EXPECT_EQ(back.environment(), h200());
  EXPECT_EQ(back.entries(), cache.entries());
  EXPECT_EQ(back.serialize(), bytes);  // deterministic: entries in key order
  const kernels::AlgorithmChoice* conv = back.find("cudnn_conv_fwd N=1 C=64 K=64");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->candidates, 5u);
  EXPECT_FLOAT_EQ(conv->milliseconds, 0.0075f);
  EXPECT_EQ(back.find("cudnn_conv_fwd N=2 C=64 K=64"), nullptr);
}

TEST_F(TimingCacheFile, SavesAtomicallyAndLoads) {
  sample_cache().save(path_);
  // Only the cache itself is left: the temporary file was renamed into place.
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    ++files;
    EXPECT_EQ(entry.path().filename(), "model.cache");
  }
  EXPECT_EQ(files, 1u);
  const LoadedTimingCache loaded = TimingCache::load(path_, h200());
  EXPECT_FALSE(loaded.warning.has_value()) << *loaded.warning;
  EXPECT_EQ(loaded.cache.entries(), sample_cache().entries());

  // Saving again replaces the file whole.
  TimingCache smaller(h200());
  smaller.put("only", {{7}, 1.0f, 1});
  smaller.save(path_);
  EXPECT_EQ(TimingCache::load(path_, h200()).cache.entries().size(), 1u);
}

TEST_F(TimingCacheFile, MissingFileIsAnEmptyCacheWithoutWarning) {
  const LoadedTimingCache loaded = TimingCache::load(path_, h200());
  EXPECT_FALSE(loaded.warning.has_value());
  EXPECT_TRUE(loaded.cache.entries().empty());
}

TEST_F(TimingCacheFile, SaveIntoMissingDirectoryThrowsIo) {
  try {
    sample_cache().save((dir_ / "no" / "such" / "dir.cache").string());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
  }
}

TEST_F(TimingCacheFile, RejectsAFlippedByteAnywhere) {
  const std::vector<std::byte> bytes = sample_cache().serialize();
  for (size_t at = 32; at < bytes.size(); at += 7) {
    std::vector<std::byte> corrupt = bytes;
    corrupt[at] ^= std::byte{0x01};
    write_bytes(corrupt);
    expect_rejected("checksum mismatch");
  }
  // A flipped byte in the header's checksum field itself.
  std::vector<std::byte> corrupt = bytes;
  corrupt[24] ^= std::byte{0x80};
  write_bytes(corrupt);
  expect_rejected("checksum mismatch");
}

TEST_F(TimingCacheFile, RejectsTruncation) {
  const std::vector<std::byte> bytes = sample_cache().serialize();
  for (size_t n : {size_t{0}, size_t{7}, size_t{31}}) {
    write_bytes(std::vector<std::byte>(bytes.begin(), bytes.begin() + n));
    expect_rejected("bad magic");
  }
  for (size_t n : {size_t{32}, bytes.size() / 2, bytes.size() - 1}) {
    write_bytes(std::vector<std::byte>(bytes.begin(), bytes.begin() + n));
    expect_rejected("truncated");
  }
}

TEST_F(TimingCacheFile, RejectsWrongMagic) {
  // A plan file is not a timing cache.
  std::vector<std::byte> bytes = sample_cache().serialize();
  std::memcpy(bytes.data(), "RILLPLAN", 8);
  write_bytes(bytes);
  expect_rejected("not a rill timing cache (bad magic)");
}

TEST_F(TimingCacheFile, RejectsWrongVersion) {
  std::vector<std::byte> bytes = sample_cache().serialize();
  bytes[8] = std::byte{kTimingCacheFormatVersion + 1};
  write_bytes(bytes);
  expect_rejected("format version " + std::to_string(kTimingCacheFormatVersion + 1));
}

TEST_F(TimingCacheFile, RejectsAnotherEnvironment) {
  const auto expect_other = [&](kernels::TuningEnvironment env) {
    TimingCache other = sample_cache();
    TimingCache made_elsewhere(env);
    for (const auto& [key, choice] : other.entries()) made_elsewhere.put(key, choice);
    made_elsewhere.save(path_);
    expect_rejected("made for " + env.to_string());
  };
  kernels::TuningEnvironment env = h200();
  env.gpu_name = "NVIDIA H100 80GB HBM3";
  expect_other(env);
  env = h200();
  env.compute_minor = 7;
  expect_other(env);
  env = h200();
  env.cublaslt_version = 120900;
  expect_other(env);
  env = h200();
  env.cudnn_version = 90100;
  expect_other(env);
}

TEST_F(TimingCacheFile, RejectsAConsistentButMalformedPayload) {
  // Header and checksum agree, the payload lies about a length: the bounds-checked reader says
  // so rather than reading past the end.
  BinaryWriter w;
  put_environment(w, h200());
  w.put<uint64_t>(1000);  // entries claimed; none follow
  std::vector<std::byte> file(32);
  std::memcpy(file.data(), "RILLTIME", 8);
  const uint32_t version = kTimingCacheFormatVersion;
  const uint64_t size = w.bytes().size();
  const uint64_t checksum = fnv1a64(w.bytes());
  std::memcpy(file.data() + 8, &version, 4);
  std::memcpy(file.data() + 16, &size, 8);
  std::memcpy(file.data() + 24, &checksum, 8);
  file.insert(file.end(), w.bytes().begin(), w.bytes().end());
  write_bytes(file);
  expect_rejected("timing cache is truncated or corrupt");
  try {
    (void)TimingCache::deserialize(file, "memory");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kPlanFile);
  }
}

TEST_F(TimingCacheFile, RejectsADirectory) {
  std::filesystem::create_directories(path_);
  const LoadedTimingCache loaded = TimingCache::load(path_, h200());
  EXPECT_TRUE(loaded.warning.has_value());
  EXPECT_TRUE(loaded.cache.entries().empty());
}

}  // namespace
}  // namespace rill::engine
