// MaxPool, AveragePool and BatchNormalization on the GPU against the CPU reference.
#include <gtest/gtest.h>

#include "gpu_test.h"
#include "nn_test_util.h"

namespace rill::testing::nn {
namespace {

using ir::HostTensor;

TEST(PoolGpu, MaxAndAverageGeometries) {
  RILL_REQUIRE_GPU();
  using Attrs = std::map<std::string, ir::AttributeValue>;
  const std::vector<std::pair<ir::Shape, Attrs>> cases{
      {{2, 64, 112, 112},
       {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}},
      {{1, 3, 32, 32}, {{"kernel_shape", Ints{2, 2}}, {"auto_pad", std::string("SAME_LOWER")}}},
      {{1, 3, 28, 28},
       {{"kernel_shape", Ints{3, 3}},
        {"pads", Ints{2, 2, 2, 2}},
        {"count_include_pad", int64_t{1}}}},
      {{1, 2, 9, 9},
       {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}}},
      {{1, 2, 10, 10},
       {{"kernel_shape", Ints{2, 2}}, {"dilations", Ints{2, 2}}, {"pads", Ints{0, 1, 1, 0}}}},
      {{2, 4, 40}, {{"kernel_shape", Ints{4}}, {"strides", Ints{3}}}},
      {{1, 2, 6, 7, 8}, {{"kernel_shape", Ints{2, 3, 2}}, {"strides", Ints{2, 2, 2}}}},
  };
  uint64_t seed = 500;
  for (const auto& [shape, attrs] : cases) {
    for (const char* op : {"MaxPool", "AveragePool"}) {
      SCOPED_TRACE(std::string(op) + " " + ir::shape_string(shape));
      expect_gpu_matches_cpu(make_case(op, {random_tensor(DType::kFloat32, shape, seed++)}, attrs));
    }
  }
}

TEST(BatchNormGpu, InferenceMode) {
  RILL_REQUIRE_GPU();
  for (const ir::Shape& shape :
       {ir::Shape{2, 64, 56, 56}, ir::Shape{3, 5}, ir::Shape{1, 7, 3, 4, 5}}) {
    SCOPED_TRACE(ir::shape_string(shape));
    const int64_t c = shape[1];
    OpCase k =
        make_case("BatchNormalization",
                  {random_tensor(DType::kFloat32, shape, 1), random_tensor(DType::kFloat32, {c}, 2),
                   random_tensor(DType::kFloat32, {c}, 3), random_tensor(DType::kFloat32, {c}, 4),
                   random_tensor(DType::kFloat32, {c}, 5, 0.1, 2.0)},
                  {{"epsilon", 1e-3f}});
    expect_gpu_matches_cpu(k);
  }
}

}  // namespace
}  // namespace rill::testing::nn
