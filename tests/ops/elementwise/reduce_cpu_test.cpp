// CPU reference of the reductions, Softmax and LayerNormalization against hand-computed values.
#include <cmath>
#include <limits>

#include "elementwise_test_util.h"

namespace rill::testing::ew {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// [3,2,2] = 1..12
HostTensor iota12() {
  std::vector<float> v(12);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i + 1);
  return floats({3, 2, 2}, v);
}

HostTensor axes(std::vector<int64_t> a) {
  const auto n = static_cast<int64_t>(a.size());
  return HostTensor::from<int64_t>({n}, a);
}

TEST(ReduceCpu, SumWithAxesInput) {
  expect_values<float>(cpu1(make_case("ReduceSum", {iota12(), axes({1})})), {3, 1, 2},
                       {4.f, 6.f, 12.f, 14.f, 20.f, 22.f});
  expect_values<float>(
      cpu1(make_case("ReduceSum", {iota12(), axes({-1, 0})}, {{"keepdims", int64_t{0}}})), {2},
      {1.f + 2 + 5 + 6 + 9 + 10, 3.f + 4 + 7 + 8 + 11 + 12});
  // No axes: everything.
  expect_values<float>(cpu1(make_case("ReduceSum", {iota12()})), {1, 1, 1}, {78.f});
  expect_values<float>(cpu1(make_case("ReduceSum", {iota12(), axes({})})), {1, 1, 1}, {78.f});
  // Empty axes with noop_with_empty_axes: the input.
  expect_values<float>(
      cpu1(make_case("ReduceSum", {iota12(), axes({})}, {{"noop_with_empty_axes", int64_t{1}}})),
      {3, 2, 2}, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f, 9.f, 10.f, 11.f, 12.f});
  expect_values<int64_t>(
      cpu1(make_case("ReduceSum", {HostTensor::from<int64_t>({2, 2}, {1, 2, 3, 4}), axes({0})})),
      {1, 2}, {4, 6});
}

TEST(ReduceCpu, MeanAndMaxWithAxesAttribute) {
  expect_values<float>(
      cpu1(make_case("ReduceMean", {iota12()},
                     {{"axes", std::vector<int64_t>{0, 2}}, {"keepdims", int64_t{0}}})),
      {2}, {(1.f + 2 + 5 + 6 + 9 + 10) / 6.f, (3.f + 4 + 7 + 8 + 11 + 12) / 6.f});
  expect_values<float>(cpu1(make_case("ReduceMean", {iota12()})), {1, 1, 1}, {6.5f});
  expect_values<float>(
      cpu1(make_case("ReduceMax", {iota12()}, {{"axes", std::vector<int64_t>{-2}}})), {3, 1, 2},
      {3.f, 4.f, 7.f, 8.f, 11.f, 12.f});
  // NaN propagates through Max.
  expect_values<float>(cpu1(make_case("ReduceMax", {floats({2, 2}, {1.f, kNaN, 3.f, 2.f})},
                                      {{"axes", std::vector<int64_t>{1}}})),
                       {2, 1}, {kNaN, 3.f});
}

TEST(ReduceCpu, GlobalAveragePool) {
  expect_values<float>(cpu1(make_case("GlobalAveragePool", {iota12().reshaped({1, 3, 2, 2})})),
                       {1, 3, 1, 1}, {2.5f, 6.5f, 10.5f});
}

TEST(ReduceCpu, AxisErrors) {
  EXPECT_EQ(infer_error(make_case("ReduceSum", {iota12(), axes({3})})).kind(),
            ErrorKind::kInvalidModel);
  EXPECT_EQ(
      infer_error(make_case("ReduceMean", {iota12()}, {{"axes", std::vector<int64_t>{1, -2}}}))
          .kind(),
      ErrorKind::kInvalidModel);
}

TEST(SoftmaxCpu, LastAxisAndOtherAxes) {
  const HostTensor x = floats({2, 3}, {1.f, 2.f, 3.f, 1000.f, 1000.f, 1000.f});
  const double e1 = std::exp(-2.0), e2 = std::exp(-1.0);
  const double s = e1 + e2 + 1.0;
  expect_values<float>(cpu1(make_case("Softmax", {x})), {2, 3},
                       {static_cast<float>(e1 / s), static_cast<float>(e2 / s),
                        static_cast<float>(1.0 / s), 1.f / 3, 1.f / 3, 1.f / 3});
  // axis 0 of [2,2]: columns.
  const double a = 1.0 / (1.0 + std::exp(1.0));  // softmax([0, 1])[0]
  expect_values<float>(
      cpu1(make_case("Softmax", {floats({2, 2}, {0.f, 5.f, 1.f, 5.f})}, {{"axis", int64_t{0}}})),
      {2, 2}, {static_cast<float>(a), 0.5f, static_cast<float>(1 - a), 0.5f});
}

TEST(LayerNormCpu, LastAxisWithStatistics) {
  // Rows [1,2,3,4] and [2,2,2,2]: mean 2.5 / 2, variance 1.25 / 0.
  const HostTensor x = floats({2, 4}, {1.f, 2.f, 3.f, 4.f, 2.f, 2.f, 2.f, 2.f});
  const HostTensor scale = floats({4}, {1.f, 2.f, 1.f, 1.f});
  const HostTensor bias = floats({4}, {0.f, 0.f, 0.f, 1.f});
  OpCase c = make_case("LayerNormalization", {x, scale, bias}, {{"epsilon", 0.f}}, 3);
  std::vector<HostTensor> out = run_cpu(c);
  ASSERT_EQ(out.size(), 3u);
  const float r = static_cast<float>(1.0 / std::sqrt(1.25));
  expect_values<float>(out[0], {2, 4},
                       {-1.5f * r, -0.5f * r * 2, 0.5f * r, 1.5f * r + 1, kNaN, kNaN, kNaN, kNaN});
  expect_values<float>(out[1], {2, 1}, {2.5f, 2.f});
  EXPECT_NEAR(out[2].data<float>()[0], r, 1e-6);
  EXPECT_TRUE(std::isinf(out[2].data<float>()[1]));
}

TEST(LayerNormCpu, AxisAndEpsilon) {
  // axis 0 normalizes everything; no bias; scale broadcast from [1].
  const HostTensor x = floats({2, 2}, {0.f, 2.f, 4.f, 6.f});  // mean 3, var 5
  OpCase c = make_case("LayerNormalization", {x, floats({1}, {2.f})},
                       {{"axis", int64_t{0}}, {"epsilon", 1.f}});
  const double r = 1.0 / std::sqrt(6.0);
  expect_values<float>(cpu1(c), {2, 2},
                       {static_cast<float>(-6 * r), static_cast<float>(-2 * r),
                        static_cast<float>(2 * r), static_cast<float>(6 * r)});
  EXPECT_EQ(infer_error(make_case("LayerNormalization", {x, floats({3}, {1.f, 1.f, 1.f})})).kind(),
            ErrorKind::kInvalidModel);
}

}  // namespace
}  // namespace rill::testing::ew
