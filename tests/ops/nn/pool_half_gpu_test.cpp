// MaxPool, AveragePool (NCHW and channels-last) and BatchNormalization on the GPU in float32,
// float16 and bfloat16 against the CPU reference.
#include <gtest/gtest.h>

#include <limits>

#include "gpu_test.h"
#include "nn_test_util.h"

namespace rill::testing::nn {
namespace {

using ir::HostTensor;
using Attrs = std::map<std::string, ir::AttributeValue>;

constexpr DType kDTypes[] = {DType::kFloat32, DType::kFloat16, DType::kBFloat16};

// Max pooling is exact; averages round once (float sums).
double tolerance(DType dtype) {
  return dtype == DType::kFloat32 ? 1e-6 : dtype == DType::kFloat16 ? 2e-3 : 1e-2;
}

HostTensor random_of(DType dtype, ir::Shape shape, uint64_t seed) {
  const HostTensor t = random_tensor(DType::kFloat32, std::move(shape), seed);
  return dtype == DType::kFloat32 ? t : ir::convert_floating(t, dtype);
}

const std::vector<std::pair<ir::Shape, Attrs>>& pool_cases() {
  static const std::vector<std::pair<ir::Shape, Attrs>> cases{
      {{2, 64, 56, 56},
       {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}},
      {{1, 3, 28, 28},
       {{"kernel_shape", Ints{3, 3}},
        {"pads", Ints{2, 2, 2, 2}},
        {"count_include_pad", int64_t{1}}}},
      {{1, 5, 9, 9},
       {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}}},
  };
  return cases;
}

TEST(PoolHalfGpu, NchwPoolsInEveryDType) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 5000;
  for (DType dtype : kDTypes) {
    for (const auto& [shape, attrs] : pool_cases()) {
      for (const char* op : {"MaxPool", "AveragePool"}) {
        SCOPED_TRACE(std::string(op) + " " + ir::shape_string(shape) + " " +
                     std::string(dtype_name(dtype)));
        expect_gpu_matches_cpu(make_case(op, {random_of(dtype, shape, seed++)}, attrs),
                               tolerance(dtype));
      }
    }
  }
}

TEST(PoolHalfGpu, NhwcPoolsInEveryDType) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 6000;
  for (DType dtype : kDTypes) {
    for (const auto& [shape, attrs] : pool_cases()) {
      const ir::Shape nhwc{shape[0], shape[2], shape[3], shape[1]};
      for (const char* op : {"rill.MaxPoolNhwc", "rill.AveragePoolNhwc"}) {
        SCOPED_TRACE(std::string(op) + " " + ir::shape_string(nhwc) + " " +
                     std::string(dtype_name(dtype)));
        expect_gpu_matches_cpu(make_case(op, {random_of(dtype, nhwc, seed++)}, attrs),
                               tolerance(dtype));
      }
    }
  }
}

// Channels a whole number of 16-byte vectors take the vectorized channels-last kernel (pool.cu):
// padding counted or not, ceil mode, dilation, and NaN propagation through max, in every dtype.
TEST(PoolHalfGpu, NhwcVectorPathEdgeCases) {
  RILL_REQUIRE_GPU();
  const std::vector<std::pair<ir::Shape, Attrs>> cases{
      {{2, 13, 11, 16},
       {{"kernel_shape", Ints{3, 3}}, {"pads", Ints{2, 1, 2, 1}}, {"count_include_pad", int64_t{1}}}},
      {{1, 9, 9, 8},
       {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}}},
      {{3, 10, 12, 24}, {{"kernel_shape", Ints{2, 3}}, {"dilations", Ints{2, 2}}}},
  };
  uint64_t seed = 6500;
  for (DType dtype : kDTypes) {
    for (const auto& [shape, attrs] : cases) {
      for (const char* op : {"rill.MaxPoolNhwc", "rill.AveragePoolNhwc"}) {
        if (std::string(op) == "rill.AveragePoolNhwc" && attrs.count("dilations")) continue;
        SCOPED_TRACE(std::string(op) + " " + ir::shape_string(shape) + " " +
                     std::string(dtype_name(dtype)));
        HostTensor x = random_of(DType::kFloat32, shape, seed++);
        // A NaN in one channel of one pixel: every max window over it is NaN there.
        x.data<float>()[5 * shape[3] + 3] = std::numeric_limits<float>::quiet_NaN();
        if (dtype != DType::kFloat32) x = ir::convert_floating(x, dtype);
        expect_gpu_matches_cpu(make_case(op, {x}, attrs), tolerance(dtype));
      }
    }
  }
}

TEST(BatchNormHalfGpu, InferenceModeInHalf) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 7000;
  for (DType dtype : {DType::kFloat16, DType::kBFloat16}) {
    SCOPED_TRACE(dtype_name(dtype));
    const int64_t c = 16;
    HostTensor var = random_tensor(DType::kFloat32, {c}, seed + 4, 0.5, 1.5);
    std::vector<HostTensor> inputs{random_of(dtype, {2, c, 7, 7}, seed),
                                   random_of(dtype, {c}, seed + 1), random_of(dtype, {c}, seed + 2),
                                   random_of(dtype, {c}, seed + 3),
                                   ir::convert_floating(var, dtype)};
    expect_gpu_matches_cpu(make_case("BatchNormalization", inputs), tolerance(dtype));
    seed += 10;
  }
}

}  // namespace
}  // namespace rill::testing::nn
