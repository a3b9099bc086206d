// Reduction, Softmax and LayerNormalization GPU kernels against the CPU reference. Skips without
// a GPU.
#include "elementwise_test_util.h"
#include "gpu_test.h"

namespace rill::testing::ew {
namespace {

HostTensor axes(std::vector<int64_t> a) {
  const auto n = static_cast<int64_t>(a.size());
  return HostTensor::from<int64_t>({n}, a);
}

TEST(ReduceGpu, SumMeanMaxOverAxes) {
  RILL_REQUIRE_GPU();
  struct Case {
    Shape shape;
    std::vector<int64_t> axes;
  };
  const std::vector<Case> cases = {
      {{8, 128, 768}, {-1}},    // rows, warp per row
      {{4, 5000}, {1}},         // rows, block per row
      {{8, 128, 768}, {1}},     // [outer, R, inner]
      {{8, 128, 768}, {0, 2}},  // non-adjacent axes
      {{3, 1, 7, 5}, {0, 1}},   // size-1 dims merge away
      {{37, 3}, {0}},           // [R, inner]
      {{1000, 999}, {}},        // everything, one row
      {{6}, {0}},
      {{2, 3, 4, 5, 6}, {1, 3}},
  };
  for (const char* op : {"ReduceSum", "ReduceMean", "ReduceMax"}) {
    for (size_t i = 0; i < cases.size(); ++i) {
      for (int64_t keepdims : {0, 1}) {
        const HostTensor x = random_tensor(DType::kFloat32, cases[i].shape, 100 + i);
        OpCase c = std::string(op) == "ReduceSum"
                       ? make_case(op, {x, axes(cases[i].axes)}, {{"keepdims", keepdims}})
                       : make_case(op, {x}, {{"axes", cases[i].axes}, {"keepdims", keepdims}});
        SCOPED_TRACE(std::string(op) + " " + ir::desc_string(x.desc()) + " case " +
                     std::to_string(i));
        expect_gpu_matches_cpu(c, 1e-5);
      }
    }
  }
  // noop_with_empty_axes: a copy.
  expect_gpu_matches_cpu(make_case("ReduceSum",
                                   {random_tensor(DType::kFloat32, {3, 5}, 1), axes({})},
                                   {{"noop_with_empty_axes", int64_t{1}}}));
}

TEST(ReduceGpu, GlobalAveragePool) {
  RILL_REQUIRE_GPU();
  for (const Shape& shape : {Shape{2, 64, 7, 7}, Shape{1, 3, 5, 5}, Shape{2, 2048, 1, 1},
                             Shape{1, 8, 64, 64}, Shape{4, 3, 11}}) {
    expect_gpu_matches_cpu(
        make_case("GlobalAveragePool", {random_tensor(DType::kFloat32, shape, 7)}));
  }
}

TEST(SoftmaxGpu, RowsAndColumns) {
  RILL_REQUIRE_GPU();
  struct Case {
    Shape shape;
    int64_t axis;
  };
  for (const Case& c : std::vector<Case>{{{8, 128, 768}, -1},
                                         {{8, 12, 128, 128}, 3},
                                         {{4, 3000}, 1},
                                         {{37}, 0},
                                         {{2, 3, 5}, 1},
                                         {{3, 4, 5}, 0},
                                         {{16, 1, 33}, -1}}) {
    SCOPED_TRACE(ir::shape_string(c.shape));
    // Wide inputs exercise the max subtraction.
    expect_gpu_matches_cpu(
        make_case("Softmax", {random_tensor(DType::kFloat32, c.shape, 9, -30, 30)},
                  {{"axis", c.axis}}),
        1e-6);
  }
}

TEST(LayerNormGpu, RowsBiasStatistics) {
  RILL_REQUIRE_GPU();
  struct Case {
    Shape shape;
    int64_t axis;
    bool bias;
    int outputs;
  };
  for (const Case& c : std::vector<Case>{{{8, 128, 768}, -1, true, 1},
                                         {{4, 4096}, -1, true, 3},
                                         {{2, 3, 5}, 1, false, 3},
                                         {{7, 33}, -1, true, 2},
                                         {{3, 4}, 0, true, 1}}) {
    SCOPED_TRACE(ir::shape_string(c.shape));
    const Shape norm(
        c.shape.begin() + (c.axis < 0 ? static_cast<int64_t>(c.shape.size()) + c.axis : c.axis),
        c.shape.end());
    // An offset mean checks the two-pass variance.
    std::vector<HostTensor> inputs = {random_tensor(DType::kFloat32, c.shape, 11, 2, 4),
                                      random_tensor(DType::kFloat32, norm, 12, 0.5, 1.5)};
    if (c.bias) inputs.push_back(random_tensor(DType::kFloat32, norm, 13));
    expect_gpu_matches_cpu(make_case("LayerNormalization", std::move(inputs),
                                     {{"axis", c.axis}, {"epsilon", 1e-5f}}, c.outputs),
                           1e-5);
  }
  // Scalar scale and bias.
  expect_gpu_matches_cpu(
      make_case("LayerNormalization", {random_tensor(DType::kFloat32, {5, 300}, 14),
                                       HostTensor::scalar(1.5f), HostTensor::scalar(-0.25f)}));
}

}  // namespace
}  // namespace rill::testing::ew
