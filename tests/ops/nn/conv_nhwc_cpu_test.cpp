// CPU references of the channels-last ops (rill.ConvNhwc, rill.MaxPoolNhwc,
// rill.AveragePoolNhwc): shape inference, and agreement with the NCHW references transposed;
// the residual input Z; half-precision inputs.
#include <gtest/gtest.h>

#include "nn_test_util.h"
#include "ops/channels_last.h"

namespace rill::testing::nn {
namespace {

using ir::HostTensor;

const std::vector<int64_t> kToNhwc{0, 2, 3, 1};
const std::vector<int64_t> kToNchw{0, 3, 1, 2};

HostTensor nhwc(const HostTensor& t) {
  return ops::nn::permute(t, kToNhwc);
}

TEST(ChannelsLastCpu, PermuteRoundTrips) {
  const HostTensor x = iota({2, 3, 4, 5});
  const HostTensor y = nhwc(x);
  EXPECT_EQ(y.shape(), (ir::Shape{2, 4, 5, 3}));
  // y[n, h, w, c] = x[n, c, h, w]: y[0, 1, 2, 1] = x[0, 1, 1, 2] = 1*20 + 1*5 + 2.
  EXPECT_EQ(y.values<float>()[((0 * 4 + 1) * 5 + 2) * 3 + 1], 27.0f);
  EXPECT_EQ(values(ops::nn::permute(y, kToNchw)), values(x));
  EXPECT_EQ(ops::nn::to_channels_last_perm(4), kToNhwc);
  EXPECT_EQ(ops::nn::to_channels_first_perm(4), kToNchw);
}

TEST(ChannelsLastCpu, ConvNhwcInfersChannelsLastShape) {
  OpCase c = make_case("rill.ConvNhwc",
                       {random_tensor(DType::kFloat32, {2, 9, 9, 3}, 1),
                        random_tensor(DType::kFloat32, {4, 3, 3, 3}, 2)},
                       {{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}});
  const auto out = run_cpu(c);
  EXPECT_EQ(out[0].shape(), (ir::Shape{2, 5, 5, 4}));
}

// rill.ConvNhwc(X', W', B, Z') == relu(Conv(X, W, B) + Z) transposed.
TEST(ChannelsLastCpu, ConvNhwcMatchesConvWithResidualAndRelu) {
  const HostTensor x = random_tensor(DType::kFloat32, {2, 6, 7, 7}, 10);
  const HostTensor w = random_tensor(DType::kFloat32, {5, 6, 3, 3}, 11);
  const HostTensor b = random_tensor(DType::kFloat32, {5}, 12);
  const HostTensor z = random_tensor(DType::kFloat32, {2, 5, 7, 7}, 13);
  const std::map<std::string, ir::AttributeValue> attrs{{"pads", Ints{1, 1, 1, 1}}};
  HostTensor expected = run_cpu(make_case("Conv", {x, w, b}, attrs))[0];
  {
    float* e = expected.data<float>();
    const auto zv = z.values<float>();
    for (size_t i = 0; i < zv.size(); ++i) e[i] = std::max(0.0f, e[i] + zv[i]);
  }
  auto with_relu = attrs;
  with_relu["rill_activation"] = std::string("Relu");
  const auto out = run_cpu(make_case("rill.ConvNhwc", {nhwc(x), nhwc(w), b, nhwc(z)}, with_relu));
  EXPECT_EQ(out[0].shape(), (ir::Shape{2, 7, 7, 5}));
  EXPECT_TRUE(tensors_close(out[0], nhwc(expected), 1e-6));
}

TEST(ChannelsLastCpu, ConvNhwcGroupedWithoutBias) {
  const HostTensor x = random_tensor(DType::kFloat32, {1, 8, 6, 6}, 20);
  const HostTensor w = random_tensor(DType::kFloat32, {8, 2, 3, 3}, 21);
  const std::map<std::string, ir::AttributeValue> attrs{{"group", int64_t{4}},
                                                        {"strides", Ints{2, 2}}};
  const HostTensor expected = run_cpu(make_case("Conv", {x, w}, attrs))[0];
  const auto out = run_cpu(make_case("rill.ConvNhwc", {nhwc(x), nhwc(w)}, attrs));
  EXPECT_TRUE(tensors_close(out[0], nhwc(expected), 1e-6));
}

TEST(ChannelsLastCpu, ConvNhwcRejectsBroadcastResidual) {
  OpCase c =
      make_case("rill.ConvNhwc", {random_tensor(DType::kFloat32, {1, 4, 4, 3}, 1),
                                  random_tensor(DType::kFloat32, {2, 1, 1, 3}, 2), HostTensor{},
                                  random_tensor(DType::kFloat32, {1, 1, 1, 2}, 3)});
  EXPECT_THROW(run_cpu(c), Error);
}

TEST(ChannelsLastCpu, ConvNhwcHalfRoundsOnce) {
  for (DType dtype : {DType::kFloat16, DType::kBFloat16}) {
    const HostTensor x =
        ir::convert_floating(random_tensor(DType::kFloat32, {1, 4, 5, 5}, 30), dtype);
    const HostTensor w =
        ir::convert_floating(random_tensor(DType::kFloat32, {3, 4, 3, 3}, 31), dtype);
    const HostTensor z =
        ir::convert_floating(random_tensor(DType::kFloat32, {1, 3, 5, 5}, 32), dtype);
    const std::map<std::string, ir::AttributeValue> attrs{{"pads", Ints{1, 1, 1, 1}}};
    // Reference: the float32 convolution of the same (exactly representable) values, plus Z,
    // rounded once.
    HostTensor expected = run_cpu(make_case(
        "Conv",
        {ir::convert_floating(x, DType::kFloat32), ir::convert_floating(w, DType::kFloat32)},
        attrs))[0];
    const HostTensor zf = ir::convert_floating(z, DType::kFloat32);
    for (size_t i = 0; i < zf.values<float>().size(); ++i) {
      expected.data<float>()[i] += zf.values<float>()[i];
    }
    const auto out =
        run_cpu(make_case("rill.ConvNhwc", {nhwc(x), nhwc(w), HostTensor{}, nhwc(z)}, attrs));
    EXPECT_EQ(out[0].dtype(), dtype);
    EXPECT_TRUE(tensors_close(out[0], ir::convert_floating(nhwc(expected), dtype), 1e-3));
  }
}

TEST(ChannelsLastCpu, PoolsNhwcMatchNchw) {
  const HostTensor x = random_tensor(DType::kFloat32, {2, 3, 9, 9}, 40);
  const std::map<std::string, ir::AttributeValue> attrs{
      {"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}};
  for (const char* op : {"MaxPool", "AveragePool"}) {
    SCOPED_TRACE(op);
    const HostTensor expected = run_cpu(make_case(op, {x}, attrs))[0];
    const auto out = run_cpu(make_case(std::string("rill.") + op + "Nhwc", {nhwc(x)}, attrs));
    EXPECT_EQ(out[0].shape(), (ir::Shape{2, 5, 5, 3}));
    EXPECT_TRUE(tensors_close(out[0], nhwc(expected), 1e-7));
  }
}

TEST(ChannelsLastCpu, MaxPoolAcceptsHalf) {
  const HostTensor x =
      ir::convert_floating(random_tensor(DType::kFloat32, {1, 2, 4, 4}, 50), DType::kFloat16);
  const auto out = run_cpu(make_case("MaxPool", {x}, {{"kernel_shape", Ints{2, 2}}}));
  EXPECT_EQ(out[0].dtype(), DType::kFloat16);
  EXPECT_EQ(out[0].shape(), (ir::Shape{1, 2, 3, 3}));
}

TEST(ChannelsLastCpu, GpuDTypesDeclared) {
  for (const char* op : {"Conv", "ConvTranspose", "BatchNormalization", "MaxPool", "AveragePool",
                         "rill.ConvNhwc", "rill.MaxPoolNhwc", "rill.AveragePoolNhwc"}) {
    SCOPED_TRACE(op);
    const ops::OpDef* def = find_def(nn_table(), op);
    ASSERT_NE(def, nullptr);
    EXPECT_TRUE(def->gpu_dtypes.contains(DType::kFloat16));
    EXPECT_TRUE(def->gpu_dtypes.contains(DType::kBFloat16));
    EXPECT_TRUE(def->gpu_dtypes.contains(DType::kFloat32));
  }
}

}  // namespace
}  // namespace rill::testing::nn
