// CPU tests of Pad and Resize. Resize expectations are ONNX's own conformance outputs
// (onnx/backend/test/data/node/test_resize_*).
#include <gtest/gtest.h>

#include "movement_test_util.h"

namespace rill::movement_test {
namespace {

HostTensor run1(const testing::OpCase& c) {
  return testing::run_cpu(c).at(0);
}

TEST(Pad, ConstantWithValueAndNegativePads) {
  const auto x = floats({2, 2}, {1, 2, 3, 4});
  auto c = make_case("Pad", {x, ints({0, 1, 1, 0}), HostTensor::from<float>({}, {9})});
  EXPECT_TRUE(testing::tensors_close(run1(c), floats({3, 3}, {9, 1, 2, 9, 3, 4, 9, 9, 9}), 0));
  auto crop = make_case("Pad", {iota({3, 3}), ints({-1, 0, 0, -1})}, {}, 1);
  EXPECT_TRUE(testing::tensors_close(run1(crop), floats({2, 2}, {3, 4, 6, 7}), 0));
  auto zero = make_case("Pad", {x, ints({1, 0, 0, 0})});
  EXPECT_TRUE(testing::tensors_close(run1(zero), floats({3, 2}, {0, 0, 1, 2, 3, 4}), 0));
}

TEST(Pad, ReflectAndEdge) {
  const auto x = floats({3}, {1, 2, 3});
  auto reflect = make_case("Pad", {x, ints({2, 2})}, {{"mode", std::string("reflect")}});
  EXPECT_TRUE(testing::tensors_close(run1(reflect), floats({7}, {3, 2, 1, 2, 3, 2, 1}), 0));
  // Pads wider than the axis keep reflecting (numpy's behaviour).
  auto wide =
      make_case("Pad", {floats({2}, {1, 2}), ints({3, 0})}, {{"mode", std::string("reflect")}});
  EXPECT_TRUE(testing::tensors_close(run1(wide), floats({5}, {2, 1, 2, 1, 2}), 0));
  auto edge = make_case("Pad", {x, ints({2, 1})}, {{"mode", std::string("edge")}});
  EXPECT_TRUE(testing::tensors_close(run1(edge), floats({6}, {1, 1, 1, 2, 3, 3}), 0));
  // 2-D reflect, ONNX's example.
  auto r2 =
      make_case("Pad", {floats({3, 2}, {1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f}), ints({0, 2, 0, 0})},
                {{"mode", std::string("reflect")}});
  EXPECT_TRUE(testing::tensors_close(
      run1(r2),
      floats({3, 4}, {1.0f, 1.2f, 1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f, 4.5f, 5.7f}), 0));
  EXPECT_THROW(run1(make_case("Pad", {x, ints({1, 1})}, {{"mode", std::string("wrap")}})), Error);
}

TEST(Pad, Int64ValueInput) {
  auto c = make_case("Pad", {int64s({2}, {5, 6}), ints({1, 1}), int64s({}, {-7})});
  EXPECT_TRUE(testing::tensors_close(run1(c), int64s({4}, {-7, 5, 6, -7}), 0));
}

// Resize inputs: X, roi (absent), scales or sizes.
testing::OpCase resize_scales(HostTensor x, std::vector<float> scales,
                              std::map<std::string, ir::AttributeValue> attributes) {
  const auto n = static_cast<int64_t>(scales.size());
  return make_case("Resize", {std::move(x), HostTensor(), floats({n}, scales)},
                   std::move(attributes), 1, {1});
}
testing::OpCase resize_sizes(HostTensor x, std::vector<int64_t> sizes,
                             std::map<std::string, ir::AttributeValue> attributes) {
  return make_case("Resize", {std::move(x), HostTensor(), HostTensor(), ints(sizes)},
                   std::move(attributes), 1, {1, 2});
}

const HostTensor k2x2 = floats({1, 1, 2, 2}, {1, 2, 3, 4});
const HostTensor k2x4 = floats({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
HostTensor k4x4() {
  std::vector<float> v(16);
  for (int i = 0; i < 16; ++i) v[i] = static_cast<float>(i + 1);
  return floats({1, 1, 4, 4}, v);
}

TEST(Resize, UpsampleScalesNearest) {
  auto c = resize_scales(k2x2, {1, 1, 2, 3}, {{"mode", std::string("nearest")}});
  EXPECT_TRUE(testing::tensors_close(run1(c),
                                     floats({1, 1, 4, 6}, {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,
                                                           3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}),
                                     0));
}

TEST(Resize, DownsampleScalesNearestAndLinear) {
  auto nearest = resize_scales(k2x4, {1, 1, 0.6f, 0.6f}, {{"mode", std::string("nearest")}});
  EXPECT_TRUE(testing::tensors_close(run1(nearest), floats({1, 1, 1, 2}, {1, 3}), 0));
  auto linear = resize_scales(k2x4, {1, 1, 0.6f, 0.6f}, {{"mode", std::string("linear")}});
  EXPECT_TRUE(
      testing::tensors_close(run1(linear), floats({1, 1, 1, 2}, {2.6666665f, 4.333333f}), 1e-6));
}

TEST(Resize, UpsampleLinearHalfPixelAndAlignCorners) {
  auto half = resize_scales(k2x2, {1, 1, 2, 2}, {{"mode", std::string("linear")}});
  EXPECT_TRUE(testing::tensors_close(run1(half),
                                     floats({1, 1, 4, 4}, {1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5,
                                                           2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4}),
                                     1e-6));
  auto corners = resize_scales(k2x2, {1, 1, 2, 2},
                               {{"mode", std::string("linear")},
                                {"coordinate_transformation_mode", std::string("align_corners")}});
  EXPECT_TRUE(testing::tensors_close(
      run1(corners),
      floats({1, 1, 4, 4},
             {1.f, 1.3333334f, 1.6666666f, 2.f, 1.6666666f, 2.f, 2.3333333f, 2.6666667f, 2.3333333f,
              2.6666667f, 3.f, 3.3333333f, 3.f, 3.3333333f, 3.6666667f, 4.f}),
      1e-6));
}

TEST(Resize, SizesPytorchHalfPixelLinear) {
  auto c = resize_sizes(k4x4(), {1, 1, 3, 1},
                        {{"mode", std::string("linear")},
                         {"coordinate_transformation_mode", std::string("pytorch_half_pixel")}});
  EXPECT_TRUE(
      testing::tensors_close(run1(c), floats({1, 1, 3, 1}, {1.6666666f, 7.f, 12.333333f}), 1e-6));
}

const std::vector<float> kCeilHalfPixel8x8 = {
    1,  2,  2,  3,  3,  4,  4,  4,  5,  6,  6,  7,  7,  8,  8,  8,  5,  6,  6,  7,  7,  8,
    8,  8,  9,  10, 10, 11, 11, 12, 12, 12, 9,  10, 10, 11, 11, 12, 12, 12, 13, 14, 14, 15,
    15, 16, 16, 16, 13, 14, 14, 15, 15, 16, 16, 16, 13, 14, 14, 15, 15, 16, 16, 16};

TEST(Resize, NearestModes) {
  auto ceil = resize_sizes(k4x4(), {1, 1, 8, 8},
                           {{"mode", std::string("nearest")},
                            {"coordinate_transformation_mode", std::string("half_pixel")},
                            {"nearest_mode", std::string("ceil")}});
  EXPECT_TRUE(testing::tensors_close(run1(ceil), floats({1, 1, 8, 8}, kCeilHalfPixel8x8), 0));
  auto prefer_ceil = resize_sizes(k4x4(), {1, 1, 8, 8},
                                  {{"mode", std::string("nearest")},
                                   {"coordinate_transformation_mode", std::string("asymmetric")},
                                   {"nearest_mode", std::string("round_prefer_ceil")}});
  EXPECT_TRUE(
      testing::tensors_close(run1(prefer_ceil), floats({1, 1, 8, 8}, kCeilHalfPixel8x8), 0));
  auto floor = resize_sizes(k4x4(), {1, 1, 8, 8},
                            {{"mode", std::string("nearest")},
                             {"coordinate_transformation_mode", std::string("align_corners")},
                             {"nearest_mode", std::string("floor")}});
  EXPECT_TRUE(testing::tensors_close(
      run1(floor),
      floats({1, 1, 8, 8},
             {1,  1,  1,  2,  2, 3, 3, 4,  1,  1,  1,  2,  2,  3,  3,  4,  1,  1,  1,  2, 2, 3,
              3,  4,  5,  5,  5, 6, 6, 7,  7,  8,  5,  5,  5,  6,  6,  7,  7,  8,  9,  9, 9, 10,
              10, 11, 11, 12, 9, 9, 9, 10, 10, 11, 11, 12, 13, 13, 13, 14, 14, 15, 15, 16}),
      0));
  auto tf = resize_sizes(k4x4(), {1, 1, 3, 2},
                         {{"mode", std::string("nearest")},
                          {"coordinate_transformation_mode", std::string("tf_half_pixel_for_nn")}});
  EXPECT_TRUE(testing::tensors_close(run1(tf), floats({1, 1, 3, 2}, {6, 8, 10, 12, 14, 16}), 0));
}

TEST(Resize, UnsupportedCasesSayWhy) {
  auto cubic = resize_scales(k2x2, {1, 1, 2, 2}, {{"mode", std::string("cubic")}});
  try {
    run1(cubic);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_NE(e.message().find("cubic"), std::string::npos);
    EXPECT_EQ(e.context_value("op"), "Resize");
  }
  auto both = make_case(
      "Resize", {k2x2, HostTensor(), floats({4}, {1, 1, 2, 2}), ints({1, 1, 4, 4})}, {}, 1, {1});
  EXPECT_THROW(run1(both), Error);
  auto crop = resize_scales(
      k2x2, {1, 1, 2, 2}, {{"coordinate_transformation_mode", std::string("tf_crop_and_resize")}});
  EXPECT_THROW(run1(crop), Error);
}

}  // namespace
}  // namespace rill::movement_test
