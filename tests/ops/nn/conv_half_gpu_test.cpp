// Conv, rill.ConvNhwc and ConvTranspose on the GPU in float32, float16 and bfloat16 against the
// CPU reference (plain launch and graph replay): NCHW and NHWC, with and without bias, fused
// activation and the residual input Z (Note [Fused residual convolutions]).
#include <gtest/gtest.h>

#include "gpu_test.h"
#include "nn_test_util.h"
#include "ops/channels_last.h"

namespace rill::testing::nn {
namespace {

using ir::HostTensor;
using Attrs = std::map<std::string, ir::AttributeValue>;

constexpr DType kDTypes[] = {DType::kFloat32, DType::kFloat16, DType::kBFloat16};

// Relative L2 bounds: float32 is FMA math (no TF32); half data accumulates in float and rounds
// once at the store, so the error is a few units in the last place of the output dtype.
double tolerance(DType dtype) {
  switch (dtype) {
    case DType::kFloat16:
      return 3e-3;
    case DType::kBFloat16:
      return 1.5e-2;
    default:
      return 1e-5;
  }
}

HostTensor random_of(DType dtype, ir::Shape shape, uint64_t seed) {
  const HostTensor t = random_tensor(DType::kFloat32, std::move(shape), seed);
  return dtype == DType::kFloat32 ? t : ir::convert_floating(t, dtype);
}

struct Case {
  const char* name;
  ir::Shape x, w;  // NCHW / KCRS; transposed for the NHWC op
  bool bias;
  Attrs attrs;
};

const std::vector<Case>& resnet_cases() {
  static const std::vector<Case> cases{
      {"stem 7x7/2 + relu",
       {1, 3, 56, 56},
       {64, 3, 7, 7},
       true,
       {{"strides", Ints{2, 2}},
        {"pads", Ints{3, 3, 3, 3}},
        {"rill_activation", std::string("Relu")}}},
      {"3x3 64 + bias + relu",
       {2, 64, 28, 28},
       {64, 64, 3, 3},
       true,
       {{"pads", Ints{1, 1, 1, 1}}, {"rill_activation", std::string("Relu")}}},
      {"1x1 256->64 + bias", {2, 256, 14, 14}, {64, 256, 1, 1}, true, {}},
      {"1x1 no bias", {2, 64, 14, 14}, {256, 64, 1, 1}, false, {}},
      {"1x1/2 downsample + bias",
       {2, 128, 14, 14},
       {256, 128, 1, 1},
       true,
       {{"strides", Ints{2, 2}}}},
      {"3x3/2 + bias + relu",
       {1, 32, 15, 15},
       {48, 32, 3, 3},
       true,
       {{"strides", Ints{2, 2}},
        {"pads", Ints{1, 1, 1, 1}},
        {"rill_activation", std::string("Relu")}}},
      {"depthwise 3x3 + bias + relu",
       {2, 32, 14, 14},
       {32, 1, 3, 3},
       true,
       {{"group", int64_t{32}},
        {"pads", Ints{1, 1, 1, 1}},
        {"rill_activation", std::string("Relu")}}},
      {"sigmoid (unfused epilogue)",
       {1, 16, 12, 12},
       {16, 16, 3, 3},
       true,
       {{"pads", Ints{1, 1, 1, 1}}, {"rill_activation", std::string("Sigmoid")}}},
  };
  return cases;
}

std::vector<HostTensor> conv_inputs(const Case& k, DType dtype, uint64_t seed) {
  std::vector<HostTensor> inputs{random_of(dtype, k.x, seed), random_of(dtype, k.w, seed + 1)};
  if (k.bias) inputs.push_back(random_of(dtype, {k.w[0]}, seed + 2));
  return inputs;
}

TEST(ConvHalfGpu, NchwConvInEveryDType) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 1000;
  for (DType dtype : kDTypes) {
    for (const Case& k : resnet_cases()) {
      SCOPED_TRACE(std::string(k.name) + " " + std::string(dtype_name(dtype)));
      expect_gpu_matches_cpu(make_case("Conv", conv_inputs(k, dtype, seed += 10), k.attrs),
                             tolerance(dtype));
    }
    SCOPED_TRACE(std::string("asymmetric pads ") + std::string(dtype_name(dtype)));
    const Case asym{"asymmetric pads",
                    {2, 8, 11, 9},
                    {6, 8, 3, 2},
                    true,
                    {{"strides", Ints{2, 1}}, {"pads", Ints{1, 0, 2, 1}}}};
    expect_gpu_matches_cpu(make_case("Conv", conv_inputs(asym, dtype, seed += 10), asym.attrs),
                           tolerance(dtype));
  }
}

// rill.ConvNhwc with and without the residual Z, in every dtype. Without bias, or with a
// non-relu activation, the residual takes the unfused path (copy Z, conv with beta = 1).
TEST(ConvHalfGpu, NhwcConvWithAndWithoutResidual) {
  RILL_REQUIRE_GPU();
  const std::vector<int64_t> to_nhwc{0, 2, 3, 1};
  uint64_t seed = 2000;
  for (DType dtype : kDTypes) {
    for (const Case& k : resnet_cases()) {
      for (bool residual : {false, true}) {
        SCOPED_TRACE(std::string(k.name) + " " + std::string(dtype_name(dtype)) +
                     (residual ? " +residual" : ""));
        std::vector<HostTensor> nchw = conv_inputs(k, dtype, seed += 10);
        std::vector<HostTensor> inputs{ops::nn::permute(nchw[0], to_nhwc),
                                       ops::nn::permute(nchw[1], to_nhwc)};
        inputs.push_back(k.bias ? nchw[2] : HostTensor{});
        OpCase shape_only = make_case("rill.ConvNhwc", inputs, k.attrs);
        const ir::Shape out = run_cpu(shape_only)[0].shape();
        if (residual) inputs.push_back(random_of(dtype, out, seed + 5));
        expect_gpu_matches_cpu(make_case("rill.ConvNhwc", inputs, k.attrs), tolerance(dtype));
      }
    }
  }
}

TEST(ConvHalfGpu, ResidualWithoutActivationAndWithoutBias) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 3000;
  for (DType dtype : kDTypes) {
    for (bool bias : {true, false}) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + (bias ? " bias" : " no bias"));
      std::vector<HostTensor> inputs{random_of(dtype, {2, 14, 14, 64}, seed),
                                     random_of(dtype, {256, 1, 1, 64}, seed + 1),
                                     bias ? random_of(dtype, {256}, seed + 2) : HostTensor{},
                                     random_of(dtype, {2, 14, 14, 256}, seed + 3)};
      expect_gpu_matches_cpu(make_case("rill.ConvNhwc", inputs, {}), tolerance(dtype));
      seed += 10;
    }
  }
}

TEST(ConvHalfGpu, ConvTransposeInHalf) {
  RILL_REQUIRE_GPU();
  uint64_t seed = 4000;
  for (DType dtype : {DType::kFloat16, DType::kBFloat16}) {
    SCOPED_TRACE(dtype_name(dtype));
    std::vector<HostTensor> inputs{random_of(dtype, {2, 16, 10, 10}, seed),
                                   random_of(dtype, {16, 8, 3, 3}, seed + 1),
                                   random_of(dtype, {8}, seed + 2)};
    expect_gpu_matches_cpu(
        make_case(
            "ConvTranspose", inputs,
            {{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}, {"output_padding", Ints{1, 1}}}),
        tolerance(dtype));
    seed += 10;
  }
}

}  // namespace
}  // namespace rill::testing::nn
