// CPU tests of Transpose, Concat, Split, Slice, Gather, GatherElements and Expand, with
// hand-computed expectations.
#include <gtest/gtest.h>

#include "movement_test_util.h"

namespace rill::movement_test {
namespace {

HostTensor run1(const testing::OpCase& c) {
  return testing::run_cpu(c).at(0);
}

TEST(Transpose, DefaultReversesAndPerm) {
  // [[0,1,2],[3,4,5]] -> [[0,3],[1,4],[2,5]]
  EXPECT_TRUE(testing::tensors_close(run1(make_case("Transpose", {iota({2, 3})})),
                                     floats({3, 2}, {0, 3, 1, 4, 2, 5}), 0));
  // [2,3,2] perm (1,0,2): out[j][i][k] = in[i][j][k]
  const auto out =
      run1(make_case("Transpose", {iota({2, 3, 2})}, {{"perm", std::vector<int64_t>{1, 0, 2}}}));
  EXPECT_TRUE(
      testing::tensors_close(out, floats({3, 2, 2}, {0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11}), 0));
  EXPECT_THROW(run1(make_case("Transpose", {iota({2, 3})}, {{"perm", std::vector<int64_t>{0, 0}}})),
               Error);
}

TEST(Concat, NegativeAxisAndEmptyInput) {
  const auto a = iota({2, 2});
  const auto b = floats({2, 1}, {10, 11});
  const auto empty = HostTensor(DType::kFloat32, {2, 0});
  const auto out = run1(make_case("Concat", {a, empty, b}, {{"axis", int64_t{-1}}}));
  EXPECT_TRUE(testing::tensors_close(out, floats({2, 3}, {0, 1, 10, 2, 3, 11}), 0));
  const auto rows = run1(make_case("Concat", {a, a}, {{"axis", int64_t{0}}}));
  EXPECT_TRUE(testing::tensors_close(rows, floats({4, 2}, {0, 1, 2, 3, 0, 1, 2, 3}), 0));
  EXPECT_THROW(run1(make_case("Concat", {a, iota({3, 1})}, {{"axis", int64_t{1}}})), Error);
}

TEST(Split, ExplicitAndEqualParts) {
  const auto x = iota({2, 3});
  auto c = make_case("Split", {x, ints({1, 2})}, {{"axis", int64_t{1}}}, 2);
  const auto parts = testing::run_cpu(c);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_TRUE(testing::tensors_close(parts[0], floats({2, 1}, {0, 3}), 0));
  EXPECT_TRUE(testing::tensors_close(parts[1], floats({2, 2}, {1, 2, 4, 5}), 0));
  const auto equal = testing::run_cpu(make_case("Split", {iota({6})}, {}, 3));
  ASSERT_EQ(equal.size(), 3u);
  EXPECT_TRUE(testing::tensors_close(equal[2], floats({2}, {4, 5}), 0));
  auto zero = make_case("Split", {iota({3}), ints({0, 3})}, {}, 2);
  EXPECT_EQ(testing::run_cpu(zero).at(0).shape(), (Shape{0}));
  EXPECT_THROW(testing::run_cpu(make_case("Split", {iota({5})}, {}, 2)), Error);
  EXPECT_THROW(testing::run_cpu(make_case("Split", {iota({5}), ints({2, 2})}, {}, 2)), Error);
}

TEST(Slice, StepsAxesAndClamping) {
  const auto x = iota({3, 4});
  // rows 0..2 step 2, cols 1..end (end clamped from 1000)
  auto c = make_case("Slice", {x, ints({0, 1}), ints({3, 1000}), ints({0, -1}), ints({2, 1})});
  EXPECT_TRUE(testing::tensors_close(run1(c), floats({2, 3}, {1, 2, 3, 9, 10, 11}), 0));
  // default axes and steps; negative start
  auto d = make_case("Slice", {x, ints({-2}), ints({kInt64Max})}, {}, 1);
  EXPECT_TRUE(testing::tensors_close(run1(d), floats({2, 4}, {4, 5, 6, 7, 8, 9, 10, 11}), 0));
  // start past the end gives an empty axis
  auto e = make_case("Slice", {x, ints({10}), ints({20}), ints({1})});
  EXPECT_EQ(run1(e).shape(), (Shape{3, 0}));
}

TEST(Slice, NegativeSteps) {
  const auto x = iota({5});
  // Full reversal: start -1, end INT64_MIN, step -1.
  auto rev = make_case("Slice", {x, ints({-1}), ints({kInt64Min}), ints({0}), ints({-1})});
  EXPECT_TRUE(testing::tensors_close(run1(rev), floats({5}, {4, 3, 2, 1, 0}), 0));
  // start 20 clamps to 4; end 0 excluded; step -2
  auto step2 = make_case("Slice", {x, ints({20}), ints({0}), ints({0}), ints({-2})});
  EXPECT_TRUE(testing::tensors_close(run1(step2), floats({2}, {4, 2}), 0));
  // end -1 means index 4 (not "before 0"): empty
  auto empty = make_case("Slice", {x, ints({3}), ints({-1}), ints({0}), ints({-1})});
  EXPECT_EQ(run1(empty).shape(), (Shape{0}));
  auto zero = make_case("Slice", {x, ints({0}), ints({5}), ints({0}), ints({0})});
  EXPECT_THROW(run1(zero), Error);
}

TEST(Gather, AxisNegativeIndicesAnd2dIndices) {
  const auto x = iota({3, 2});
  auto rows = make_case("Gather", {x, int64s({2}, {-1, 0})});
  EXPECT_TRUE(testing::tensors_close(run1(rows), floats({2, 2}, {4, 5, 0, 1}), 0));
  auto cols = make_case("Gather", {x, HostTensor::from<int32_t>({2, 2}, {1, 0, 1, 1})},
                        {{"axis", int64_t{-1}}});
  EXPECT_TRUE(testing::tensors_close(run1(cols),
                                     floats({3, 2, 2}, {1, 0, 1, 1, 3, 2, 3, 3, 5, 4, 5, 5}), 0));
  auto scalar = make_case("Gather", {x, HostTensor::scalar(int64_t{1})});
  EXPECT_TRUE(testing::tensors_close(run1(scalar), floats({2}, {2, 3}), 0));
  auto bad = make_case("Gather", {x, int64s({1}, {3})});
  try {
    run1(bad);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(e.context_value("index"), "3");
  }
}

TEST(GatherElements, OnnxExamples) {
  auto c = make_case("GatherElements", {floats({2, 2}, {1, 2, 3, 4}), int64s({2, 2}, {0, 0, 1, 0})},
                     {{"axis", int64_t{1}}});
  EXPECT_TRUE(testing::tensors_close(run1(c), floats({2, 2}, {1, 1, 4, 3}), 0));
  auto d = make_case("GatherElements", {floats({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}),
                                        HostTensor::from<int32_t>({2, 3}, {-1, -2, 0, -2, 0, 0})});
  EXPECT_TRUE(testing::tensors_close(run1(d), floats({2, 3}, {7, 5, 3, 4, 2, 3}), 0));
}

TEST(Expand, BidirectionalBroadcast) {
  const auto x = floats({3, 1}, {1, 2, 3});
  auto c = make_case("Expand", {x, ints({2, 1, 2})});
  EXPECT_TRUE(
      testing::tensors_close(run1(c), floats({2, 3, 2}, {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}), 0));
  // A target dim of 1 keeps the input's dim.
  auto keep = make_case("Expand", {x, ints({1, 1})});
  EXPECT_EQ(run1(keep).shape(), (Shape{3, 1}));
  EXPECT_THROW(run1(make_case("Expand", {x, ints({2, 2})})), Error);
}

}  // namespace
}  // namespace rill::movement_test
