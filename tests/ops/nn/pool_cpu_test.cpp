// CPU reference tests of MaxPool, AveragePool and BatchNormalization.
#include <cmath>
#include <gtest/gtest.h>

#include "nn_test_util.h"

namespace rill::testing::nn {
namespace {

using ir::HostTensor;

TEST(PoolCpu, CeilMode) {
  // ONNX's test_maxpool_2d_ceil / test_averagepool_2d_ceil: 1..16 as 4x4, kernel 3, stride 2.
  const HostTensor x = iota({1, 1, 4, 4}, 1.0f);
  const std::map<std::string, ir::AttributeValue> attrs{
      {"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}};
  EXPECT_EQ(values(run_cpu(make_case("MaxPool", {x}, attrs))[0]),
            (std::vector<float>{11, 12, 15, 16}));
  EXPECT_EQ(values(run_cpu(make_case("AveragePool", {x}, attrs))[0]),
            (std::vector<float>{6, 7.5f, 12, 13.5f}));
}

TEST(PoolCpu, CountIncludePad) {
  const HostTensor x = floats({1, 1, 2, 2}, {1, 1, 1, 1});
  std::map<std::string, ir::AttributeValue> attrs{{"kernel_shape", Ints{3, 3}},
                                                  {"pads", Ints{1, 1, 1, 1}}};
  EXPECT_EQ(values(run_cpu(make_case("AveragePool", {x}, attrs))[0]),
            (std::vector<float>{1, 1, 1, 1}));
  attrs["count_include_pad"] = int64_t{1};
  const auto v = values(run_cpu(make_case("AveragePool", {x}, attrs))[0]);
  for (float f : v) EXPECT_FLOAT_EQ(f, 4.0f / 9.0f);
}

TEST(PoolCpu, DilationsSameAndThreeD) {
  // ONNX's test_maxpool_2d_dilations: 1..16, kernel 2, dilation 2 -> [[11,12],[15,16]].
  EXPECT_EQ(
      values(run_cpu(make_case("MaxPool", {iota({1, 1, 4, 4}, 1.0f)},
                               {{"kernel_shape", Ints{2, 2}}, {"dilations", Ints{2, 2}}}))[0]),
      (std::vector<float>{11, 12, 15, 16}));
  const HostTensor same = run_cpu(make_case("MaxPool", {iota({1, 2, 5, 5})},
                                            {{"kernel_shape", Ints{3, 3}},
                                             {"strides", Ints{2, 2}},
                                             {"auto_pad", std::string("SAME_UPPER")}}))[0];
  EXPECT_EQ(same.shape(), (ir::Shape{1, 2, 3, 3}));
  EXPECT_EQ(values(same)[0], 6.0f);  // pads 1+1: the first window covers rows/cols 0-1
  const HostTensor d3 = run_cpu(
      make_case("AveragePool", {iota({1, 1, 2, 2, 2})}, {{"kernel_shape", Ints{2, 2, 2}}}))[0];
  EXPECT_EQ(values(d3), (std::vector<float>{3.5f}));
  const HostTensor d1 = run_cpu(make_case("MaxPool", {iota({1, 1, 5})},
                                          {{"kernel_shape", Ints{2}}, {"strides", Ints{2}}}))[0];
  EXPECT_EQ(values(d1), (std::vector<float>{1, 3}));
}

TEST(PoolCpu, MaxPoolUint8AndUnsupportedIndices) {
  const HostTensor x = HostTensor::from<uint8_t>({1, 1, 2, 2}, {3, 250, 7, 9});
  const HostTensor y = run_cpu(make_case("MaxPool", {x}, {{"kernel_shape", Ints{2, 2}}}))[0];
  EXPECT_EQ(y.dtype(), DType::kUInt8);
  EXPECT_EQ(y.data<uint8_t>()[0], 250);
  OpCase indices = make_case("MaxPool", {iota({1, 1, 2, 2})}, {{"kernel_shape", Ints{2, 2}}}, 2);
  try {
    run_cpu(indices);
    FAIL() << "Indices output accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_EQ(e.context_value("op"), "MaxPool");
  }
}

TEST(BatchNormCpu, HandComputed) {
  // ONNX's test_batchnorm_example shape family, with values chosen by hand.
  const HostTensor x = floats({1, 2, 1, 2}, {1, 2, 3, 4});
  const HostTensor scale = floats({2}, {2, 1});
  const HostTensor bias = floats({2}, {0, 1});
  const HostTensor mean = floats({2}, {1, 3});
  const HostTensor var = floats({2}, {4, 1});
  OpCase c = make_case("BatchNormalization", {x, scale, bias, mean, var}, {{"epsilon", 0.0f}});
  EXPECT_EQ(values(run_cpu(c)[0]), (std::vector<float>{0, 1, 1, 2}));
  OpCase training =
      make_case("BatchNormalization", {x, scale, bias, mean, var}, {{"training_mode", int64_t{1}}});
  EXPECT_THROW(run_cpu(training), Error);
  const auto eps = values(run_cpu(make_case("BatchNormalization", {x, scale, bias, mean, var}))[0]);
  EXPECT_NEAR(eps[1], 2.0 * (2 - 1) / std::sqrt(4 + 1e-5), 1e-6);
}

}  // namespace
}  // namespace rill::testing::nn
