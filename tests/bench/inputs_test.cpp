#include <cstring>
#include <gtest/gtest.h>

#include "rill/error.h"

#include "bench/bench_config.h"
#include "bench/bench_inputs.h"

namespace rill::bench {
namespace {

TensorInfo image_input() {
  TensorInfo info{"input", DType::kFloat32, {-1, 3, 224, 224}, {}};
  info.range = {{1, 3, 224, 224}, {1, 3, 224, 224}, {64, 3, 224, 224}};
  return info;
}

TEST(BenchInputs, BatchReplacesADynamicLeadingDim) {
  BenchConfig c;
  c.batch = 8;
  EXPECT_EQ(bench_input_shape(image_input(), c), (std::vector<int64_t>{8, 3, 224, 224}));
  c.batch = 0;  // keep the engine's opt shape
  EXPECT_EQ(bench_input_shape(image_input(), c), (std::vector<int64_t>{1, 3, 224, 224}));
}

TEST(BenchInputs, StaticLeadingDimAndExplicitShapesWin) {
  TensorInfo info{"x", DType::kFloat32, {2, 16}, {{2, 16}, {2, 16}, {2, 16}}};
  BenchConfig c;
  c.batch = 8;
  EXPECT_EQ(bench_input_shape(info, c), (std::vector<int64_t>{2, 16})) << "a static dim stays";
  c.input_shapes["input"] = {4, 3, 64, 64};
  EXPECT_EQ(bench_input_shape(image_input(), c), (std::vector<int64_t>{4, 3, 64, 64}));
}

TEST(BenchInputs, UnresolvedDynamicDimIsAnError) {
  TensorInfo info{"ids", DType::kInt64, {-1, -1}, {}};
  BenchConfig c;
  EXPECT_THROW(bench_input_shape(info, c), Error);
}

// Element by element: GCC 12 misreads a memcpy into a fresh vector (-Wfree-nonheap-object).
template <class T>
std::vector<T> values(const std::vector<std::byte>& bytes) {
  std::vector<T> out;
  for (size_t i = 0; i + sizeof(T) <= bytes.size(); i += sizeof(T)) {
    T v;
    std::memcpy(&v, bytes.data() + i, sizeof(T));
    out.push_back(v);
  }
  return out;
}

TEST(BenchInputs, RandomFloatsAreInRangeVariedAndNeverAllZero) {
  std::vector<std::byte> bytes(4096 * sizeof(float));
  fill_random(bytes, DType::kFloat32, 1);
  const auto v = values<float>(bytes);
  int zeros = 0;
  float lo = 1, hi = -1;
  for (float x : v) {
    zeros += x == 0.0f;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  EXPECT_LT(zeros, 2);
  EXPECT_GE(lo, -1.0f);
  EXPECT_LE(hi, 1.0f);
  EXPECT_LT(lo, -0.9f);
  EXPECT_GT(hi, 0.9f);
  std::vector<std::byte> other(bytes.size());
  fill_random(other, DType::kFloat32, 2);
  EXPECT_NE(bytes, other) << "another seed, other data";
}

TEST(BenchInputs, RandomIntegersAreValidTokenIds) {
  std::vector<std::byte> bytes(1000 * sizeof(int64_t));
  fill_random(bytes, DType::kInt64, 3);
  int64_t lo = 100, hi = -1;
  for (int64_t x : values<int64_t>(bytes)) {
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 99);
}

TEST(BenchInputs, RandomHalfsAreFiniteAndNonZero) {
  std::vector<std::byte> bytes(512 * 2);
  fill_random(bytes, DType::kFloat16, 4);
  for (uint16_t bits : values<uint16_t>(bytes)) {
    const int exponent = (bits >> 10) & 0x1F;
    EXPECT_GE(exponent, 11);
    EXPECT_LE(exponent, 14);
  }
}

TEST(BenchConfig, StreamModesRoundTripAndValidate) {
  for (StreamMode m :
       {StreamMode::kNaive, StreamMode::kDefault, StreamMode::kExplicit, StreamMode::kDedicated}) {
    EXPECT_EQ(parse_stream_mode(stream_mode_name(m)), m);
  }
  EXPECT_THROW(parse_stream_mode("legacy"), Error);

  BenchConfig c;
  c.iterations = 10;
  EXPECT_NO_THROW(c.validate());
  c.threads = 0;
  EXPECT_THROW(c.validate(), Error);
  c.threads = 4;
  c.iterations = 3;
  EXPECT_THROW(c.validate(), Error) << "fewer iterations than threads";
  c.iterations = 0;
  c.duration_s = 0;
  EXPECT_THROW(c.validate(), Error) << "neither iterations nor a duration";
}

TEST(BenchConfig, StreamsPerModeAndDescription) {
  BenchConfig c;
  c.threads = 2;
  c.streams = 6;
  EXPECT_EQ(c.effective_streams(), 6);
  c.streams = 0;
  EXPECT_EQ(c.effective_streams(), 2);
  c.stream_mode = StreamMode::kDefault;
  c.streams = 6;
  EXPECT_EQ(c.effective_streams(), 2) << "default-stream callers: one (legacy) stream per thread";
  c.stream_mode = StreamMode::kNaive;
  EXPECT_EQ(c.describe(),
            "naive stream, CUDA graphs off, sync after each call, 2 threads x 2 streams");
}

}  // namespace
}  // namespace rill::bench
