// CPU tests of the alias ops (Reshape, Flatten, Squeeze, Unsqueeze, Identity) and the
// shape-valued ops (Shape, Constant, ConstantOfShape, Range), with hand-computed expectations.
#include <gtest/gtest.h>

#include "movement_test_util.h"

namespace rill::movement_test {
namespace {

Shape out_shape(const testing::OpCase& c) {
  return testing::run_cpu(c).at(0).shape();
}

TEST(Reshape, ZeroCopiesAndMinusOneInfers) {
  auto c = make_case("Reshape", {iota({2, 3, 4}), ints({0, -1})});
  const auto out = testing::run_cpu(c);
  EXPECT_EQ(out.at(0).shape(), (Shape{2, 12}));
  EXPECT_TRUE(testing::tensors_close(out[0], iota({2, 12}), 0));
  EXPECT_EQ(c.def->output_kind, ops::OutputKind::kAliasOfInput0);
}

TEST(Reshape, AllowZeroKeepsZero) {
  auto c = make_case("Reshape", {iota({0, 3}), ints({3, 0})}, {{"allowzero", int64_t{1}}});
  EXPECT_EQ(out_shape(c), (Shape{3, 0}));
}

TEST(Reshape, RejectsTwoMinusOnesAndBadCounts) {
  auto two = make_case("Reshape", {iota({2, 3}), ints({-1, -1})});
  EXPECT_THROW(testing::run_cpu(two), Error);
  auto bad = make_case("Reshape", {iota({2, 3}), ints({4, -1})});
  try {
    testing::run_cpu(bad);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel);
    EXPECT_EQ(e.context_value("op"), "Reshape");
    EXPECT_EQ(e.context_value("input0"), "float32[2,3]");
  }
}

TEST(Reshape, ShapeMustBeAPlanTimeConstant) {
  auto c = make_case("Reshape", {iota({2, 3}), ints({6})});
  c.use_def_constant_inputs = false;  // nothing known at plan time
  EXPECT_THROW(testing::run_cpu(c), Error);
}

TEST(Flatten, Axes) {
  EXPECT_EQ(out_shape(make_case("Flatten", {iota({2, 3, 4})})), (Shape{2, 12}));
  EXPECT_EQ(out_shape(make_case("Flatten", {iota({2, 3, 4})}, {{"axis", int64_t{0}}})),
            (Shape{1, 24}));
  EXPECT_EQ(out_shape(make_case("Flatten", {iota({2, 3, 4})}, {{"axis", int64_t{-1}}})),
            (Shape{6, 4}));
  EXPECT_EQ(out_shape(make_case("Flatten", {iota({2, 3, 4})}, {{"axis", int64_t{3}}})),
            (Shape{24, 1}));
  EXPECT_THROW(testing::run_cpu(make_case("Flatten", {iota({2})}, {{"axis", int64_t{2}}})), Error);
}

TEST(Squeeze, AxesInputNegativeAndAll) {
  EXPECT_EQ(out_shape(make_case("Squeeze", {iota({1, 3, 1, 2}), ints({-2})})), (Shape{1, 3, 2}));
  EXPECT_EQ(out_shape(make_case("Squeeze", {iota({1, 3, 1, 2})})), (Shape{3, 2}));
  EXPECT_THROW(testing::run_cpu(make_case("Squeeze", {iota({1, 3}), ints({1})})), Error);
}

TEST(Unsqueeze, UnsortedAndNegativeAxes) {
  EXPECT_EQ(out_shape(make_case("Unsqueeze", {iota({2, 3}), ints({-1, 0})})), (Shape{1, 2, 3, 1}));
  EXPECT_EQ(out_shape(make_case("Unsqueeze", {iota({2, 3}), ints({1, 3})})), (Shape{2, 1, 3, 1}));
  EXPECT_THROW(testing::run_cpu(make_case("Unsqueeze", {iota({2}), ints({0, 0})})), Error);
}

TEST(Identity, SameValues) {
  const auto x = testing::random_tensor(DType::kInt64, {3, 2}, 7, -50, 50);
  const auto out = testing::run_cpu(make_case("Identity", {x}));
  EXPECT_TRUE(testing::tensors_close(out.at(0), x, 0));
}

TEST(Shape, StartEndClamp) {
  const auto x = iota({2, 3, 4, 5});
  auto all = testing::run_cpu(make_case("Shape", {x}));
  EXPECT_TRUE(testing::tensors_close(all.at(0), ints({2, 3, 4, 5}), 0));
  auto mid =
      testing::run_cpu(make_case("Shape", {x}, {{"start", int64_t{1}}, {"end", int64_t{-1}}}));
  EXPECT_TRUE(testing::tensors_close(mid.at(0), ints({3, 4}), 0));
  auto clipped =
      testing::run_cpu(make_case("Shape", {x}, {{"start", int64_t{-10}}, {"end", int64_t{10}}}));
  EXPECT_TRUE(testing::tensors_close(clipped.at(0), ints({2, 3, 4, 5}), 0));
  auto empty =
      testing::run_cpu(make_case("Shape", {x}, {{"start", int64_t{3}}, {"end", int64_t{1}}}));
  EXPECT_EQ(empty.at(0).shape(), (Shape{0}));
}

TEST(Constant, AttributeForms) {
  auto ints_case = make_case("Constant", {}, {{"value_ints", std::vector<int64_t>{4, 5}}});
  EXPECT_TRUE(testing::tensors_close(testing::run_cpu(ints_case).at(0), ints({4, 5}), 0));
  auto scalar = make_case("Constant", {}, {{"value_float", 2.5f}});
  EXPECT_TRUE(testing::tensors_close(testing::run_cpu(scalar).at(0), HostTensor::scalar(2.5f), 0));
  const auto tensor = floats({2}, {1.0f, -1.0f});
  auto value = make_case("Constant", {}, {{"value", tensor}});
  EXPECT_TRUE(testing::tensors_close(testing::run_cpu(value).at(0), tensor, 0));
  EXPECT_THROW(testing::run_cpu(make_case("Constant", {})), Error);
}

TEST(ConstantOfShape, DefaultAndTypedValue) {
  auto zeros = testing::run_cpu(make_case("ConstantOfShape", {ints({2, 3})}));
  EXPECT_TRUE(testing::tensors_close(zeros.at(0), HostTensor(DType::kFloat32, {2, 3}), 0));
  auto sevens =
      testing::run_cpu(make_case("ConstantOfShape", {ints({3})}, {{"value", int64s({1}, {7})}}));
  EXPECT_TRUE(testing::tensors_close(sevens.at(0), int64s({3}, {7, 7, 7}), 0));
  auto empty =
      testing::run_cpu(make_case("ConstantOfShape", {ints({0})}, {{"value", int64s({1}, {1})}}));
  EXPECT_EQ(empty.at(0).shape(), (Shape{0}));
}

TEST(Range, FloatAndNegativeIntDelta) {
  auto f = testing::run_cpu(make_case(
      "Range", {HostTensor::scalar(1.0f), HostTensor::scalar(5.0f), HostTensor::scalar(2.0f)}));
  EXPECT_TRUE(testing::tensors_close(f.at(0), floats({2}, {1.0f, 3.0f}), 0));
  auto i = testing::run_cpu(
      make_case("Range", {HostTensor::scalar(int32_t{10}), HostTensor::scalar(int32_t{6}),
                          HostTensor::scalar(int32_t{-3})}));
  EXPECT_TRUE(testing::tensors_close(i.at(0), HostTensor::from<int32_t>({2}, {10, 7}), 0));
  auto none = testing::run_cpu(
      make_case("Range", {HostTensor::scalar(int64_t{0}), HostTensor::scalar(int64_t{-3}),
                          HostTensor::scalar(int64_t{1})}));
  EXPECT_EQ(none.at(0).shape(), (Shape{0}));
  EXPECT_THROW(
      testing::run_cpu(make_case(
          "Range", {HostTensor::scalar(0.0f), HostTensor::scalar(1.0f), HostTensor::scalar(0.0f)})),
      Error);
}

TEST(MovementOps, RegistryTableIsComplete) {
  for (const char* op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Shape",
                         "Constant", "ConstantOfShape", "Range", "Transpose", "Concat", "Split",
                         "Slice", "Gather", "GatherElements", "Expand", "Pad", "Resize"}) {
    const ops::OpDef* def = testing::find_def(movement_table(), op);
    ASSERT_NE(def, nullptr) << op;
    EXPECT_NE(def->infer, nullptr) << op;
    EXPECT_NE(def->run_cpu, nullptr) << op;
    if (def->output_kind == ops::OutputKind::kComputed) {
      EXPECT_NE(def->prepare_gpu, nullptr) << op;
    }
  }
}

}  // namespace
}  // namespace rill::movement_test
