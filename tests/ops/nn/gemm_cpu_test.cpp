// CPU reference tests of Gemm, MatMul and rill.FusedMatMul.
#include <gtest/gtest.h>

#include "nn_test_util.h"

namespace rill::testing::nn {
namespace {

using ir::HostTensor;

TEST(GemmCpu, HandComputedWithAllAttributes) {
  // A^T = [[1,2],[3,4]] stored as A = [[1,3],[2,4]]; B^T = [[1,0],[1,1]] stored as B.
  const HostTensor a = floats({2, 2}, {1, 3, 2, 4});
  const HostTensor b = floats({2, 2}, {1, 1, 0, 1});
  const HostTensor c = floats({2}, {10, 20});
  OpCase gemm =
      make_case("Gemm", {a, b, c},
                {{"transA", int64_t{1}}, {"transB", int64_t{1}}, {"alpha", 2.0f}, {"beta", 0.5f}});
  // op(A) op(B) = [[1,2],[3,4]] [[1,0],[1,1]] = [[3,2],[7,4]]; *2 + 0.5*[10,20].
  EXPECT_EQ(values(run_cpu(gemm)[0]), (std::vector<float>{11, 14, 19, 18}));
}

TEST(GemmCpu, CBroadcastShapes) {
  const HostTensor a = iota({2, 3});
  const HostTensor b = floats({3, 2}, {1, 0, 0, 1, 0, 0});  // picks A's first two columns
  const std::vector<float> ab{0, 1, 3, 4};
  struct Case {
    HostTensor c;
    std::vector<float> add;
  };
  for (const Case& k :
       {Case{floats({}, {5}), {5, 5, 5, 5}}, Case{floats({1}, {5}), {5, 5, 5, 5}},
        Case{floats({2}, {1, 2}), {1, 2, 1, 2}}, Case{floats({2, 1}, {1, 2}), {1, 1, 2, 2}},
        Case{floats({2, 2}, {1, 2, 3, 4}), {1, 2, 3, 4}}}) {
    const auto y = values(run_cpu(make_case("Gemm", {a, b, k.c}))[0]);
    for (size_t i = 0; i < 4; ++i)
      EXPECT_EQ(y[i], ab[i] + k.add[i]) << ir::shape_string(k.c.shape());
  }
  OpCase bad = make_case("Gemm", {a, b, floats({3}, {1, 2, 3})});
  EXPECT_THROW(run_cpu(bad), Error);
}

TEST(GemmCpu, FusedRelu) {
  OpCase gemm = make_case("Gemm", {floats({1, 2}, {1, -1}), floats({2, 2}, {1, 0, 2, 1})},
                          {{"rill_activation", std::string("Relu")}});
  EXPECT_EQ(values(run_cpu(gemm)[0]), (std::vector<float>{0, 0}));  // [-1, -1] -> relu
}

TEST(MatMulCpu, VectorPromotion) {
  const HostTensor v = floats({3}, {1, 2, 3});
  const HostTensor m = iota({3, 2});
  EXPECT_EQ(run_cpu(make_case("MatMul", {v, m}))[0].shape(), (ir::Shape{2}));
  EXPECT_EQ(values(run_cpu(make_case("MatMul", {v, m}))[0]), (std::vector<float>{16, 22}));
  EXPECT_EQ(values(run_cpu(make_case("MatMul", {iota({2, 3}), v}))[0]),
            (std::vector<float>{8, 26}));
  EXPECT_EQ(run_cpu(make_case("MatMul", {v, v}))[0].shape(), (ir::Shape{}));
  EXPECT_EQ(run_cpu(make_case("MatMul", {iota({4, 2, 3}), v}))[0].shape(), (ir::Shape{4, 2}));
}

TEST(MatMulCpu, BatchBroadcasting) {
  const HostTensor a = random_tensor(DType::kFloat32, {2, 1, 3, 4}, 1);
  const HostTensor b = random_tensor(DType::kFloat32, {5, 4, 2}, 2);
  const HostTensor y = run_cpu(make_case("MatMul", {a, b}))[0];
  ASSERT_EQ(y.shape(), (ir::Shape{2, 5, 3, 2}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 5; ++j)
      for (int64_t r = 0; r < 3; ++r)
        for (int64_t c = 0; c < 2; ++c) {
          double acc = 0;
          for (int64_t p = 0; p < 4; ++p) {
            acc +=
                double(a.data<float>()[(i * 3 + r) * 4 + p]) * b.data<float>()[(j * 4 + p) * 2 + c];
          }
          EXPECT_NEAR(y.data<float>()[((i * 5 + j) * 3 + r) * 2 + c], acc, 1e-6);
        }
  EXPECT_THROW(run_cpu(make_case("MatMul", {iota({2, 3, 4}), iota({3, 4, 2})})), Error);
  EXPECT_THROW(run_cpu(make_case("MatMul", {iota({2, 3}), iota({4, 2})})), Error);
}

TEST(FusedMatMulCpu, BiasAndRelu) {
  const HostTensor a = floats({2, 1, 2}, {1, 2, -3, 1});
  const HostTensor b = floats({2, 2}, {1, 0, 0, 1});
  const HostTensor bias = floats({2}, {0.5f, -0.5f});
  const HostTensor y = run_cpu(make_case("rill.FusedMatMul", {a, b, bias}))[0];
  EXPECT_EQ(y.shape(), (ir::Shape{2, 1, 2}));
  EXPECT_EQ(values(y), (std::vector<float>{1.5f, 1.5f, -2.5f, 0.5f}));
  const HostTensor r = run_cpu(
      make_case("rill.FusedMatMul", {a, b, bias}, {{"rill_activation", std::string("Relu")}}))[0];
  EXPECT_EQ(values(r), (std::vector<float>{1.5f, 1.5f, 0, 0.5f}));
}

}  // namespace
}  // namespace rill::testing::nn
