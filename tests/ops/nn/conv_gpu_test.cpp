// Conv and ConvTranspose on the GPU against the CPU reference (plain launch and graph replay).
#include <gtest/gtest.h>

#include "gpu_test.h"
#include "nn_test_util.h"

namespace rill::testing::nn {
namespace {

using ir::HostTensor;

struct ConvCase {
  const char* name;
  ir::Shape x, w;
  bool bias;
  std::map<std::string, ir::AttributeValue> attrs;
};

void run_conv(const ConvCase& k, uint64_t seed) {
  SCOPED_TRACE(k.name);
  std::vector<HostTensor> inputs{random_tensor(DType::kFloat32, k.x, seed),
                                 random_tensor(DType::kFloat32, k.w, seed + 1)};
  if (k.bias) inputs.push_back(random_tensor(DType::kFloat32, {k.w[0]}, seed + 2));
  expect_gpu_matches_cpu(make_case("Conv", inputs, k.attrs));
}

TEST(ConvGpu, ResNetShapes) {
  RILL_REQUIRE_GPU();
  const std::vector<ConvCase> cases{
      {"stem 7x7/2 + relu",
       {1, 3, 224, 224},
       {64, 3, 7, 7},
       true,
       {{"strides", Ints{2, 2}},
        {"pads", Ints{3, 3, 3, 3}},
        {"rill_activation", std::string("Relu")}}},
      {"3x3 64 + bias", {2, 64, 56, 56}, {64, 64, 3, 3}, true, {{"pads", Ints{1, 1, 1, 1}}}},
      {"1x1 256->64 no bias", {2, 256, 28, 28}, {64, 256, 1, 1}, false, {}},
      {"1x1/2 downsample + relu",
       {2, 128, 28, 28},
       {256, 128, 1, 1},
       true,
       {{"strides", Ints{2, 2}}, {"rill_activation", std::string("Relu")}}},
      {"3x3/2 relu no bias",
       {1, 32, 33, 33},
       {48, 32, 3, 3},
       false,
       {{"strides", Ints{2, 2}},
        {"pads", Ints{1, 1, 1, 1}},
        {"rill_activation", std::string("Relu")}}},
  };
  uint64_t seed = 100;
  for (const ConvCase& k : cases) run_conv(k, seed += 10);
}

TEST(ConvGpu, GroupsDepthwiseDilationsAndPads) {
  RILL_REQUIRE_GPU();
  const std::vector<ConvCase> cases{
      {"depthwise 3x3 + bias + relu",
       {2, 32, 28, 28},
       {32, 1, 3, 3},
       true,
       {{"group", int64_t{32}},
        {"pads", Ints{1, 1, 1, 1}},
        {"rill_activation", std::string("Relu")}}},
      {"depthwise 3x3/2 same_upper",
       {1, 16, 15, 15},
       {16, 1, 3, 3},
       false,
       {{"group", int64_t{16}}, {"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}}},
      {"group 4",
       {2, 16, 14, 14},
       {32, 4, 3, 3},
       true,
       {{"group", int64_t{4}}, {"pads", Ints{1, 1, 1, 1}}}},
      {"dilation 2",
       {1, 8, 20, 20},
       {8, 8, 3, 3},
       true,
       {{"dilations", Ints{2, 2}}, {"pads", Ints{2, 2, 2, 2}}}},
      {"asymmetric pads",
       {2, 4, 11, 9},
       {6, 4, 3, 2},
       true,
       {{"strides", Ints{2, 1}}, {"pads", Ints{1, 0, 2, 1}}}},
      {"same_lower even kernel",
       {1, 4, 8, 8},
       {4, 4, 2, 2},
       false,
       {{"auto_pad", std::string("SAME_LOWER")}}},
      {"valid", {1, 3, 10, 7}, {5, 3, 3, 3}, true, {{"auto_pad", std::string("VALID")}}},
  };
  uint64_t seed = 200;
  for (const ConvCase& k : cases) run_conv(k, seed += 10);
}

TEST(ConvGpu, UnfusedActivationsAndOtherRanks) {
  RILL_REQUIRE_GPU();
  const std::vector<ConvCase> cases{
      {"sigmoid",
       {1, 8, 12, 12},
       {8, 8, 3, 3},
       true,
       {{"pads", Ints{1, 1, 1, 1}}, {"rill_activation", std::string("Sigmoid")}}},
      {"tanh no bias",
       {1, 8, 12, 12},
       {8, 8, 3, 3},
       false,
       {{"rill_activation", std::string("Tanh")}}},
      {"leaky relu",
       {1, 8, 12, 12},
       {8, 8, 1, 1},
       true,
       {{"rill_activation", std::string("LeakyRelu")}, {"rill_activation_alpha", 0.2f}}},
      {"1-D", {2, 6, 50}, {8, 6, 5}, true, {{"strides", Ints{2}}, {"pads", Ints{2, 2}}}},
      {"3-D", {1, 4, 8, 9, 10}, {6, 4, 3, 3, 3}, true, {{"pads", Ints{1, 1, 1, 1, 1, 1}}}},
  };
  uint64_t seed = 300;
  for (const ConvCase& k : cases) run_conv(k, seed += 10);
}

TEST(ConvTransposeGpu, Geometries) {
  RILL_REQUIRE_GPU();
  const std::vector<ConvCase> cases{
      {"plain", {1, 4, 7, 7}, {4, 6, 3, 3}, true, {}},
      {"stride 2 pads 1 output_padding 1",
       {2, 8, 10, 10},
       {8, 4, 3, 3},
       true,
       {{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}, {"output_padding", Ints{1, 1}}}},
      {"asymmetric pads",
       {1, 2, 3, 3},
       {2, 3, 3, 3},
       false,
       {{"strides", Ints{3, 2}}, {"pads", Ints{1, 2, 1, 2}}}},
      {"output_shape beyond full",
       {1, 1, 3, 3},
       {1, 2, 3, 3},
       true,
       {{"strides", Ints{3, 2}}, {"output_shape", Ints{10, 8}}}},
      {"same_upper",
       {1, 3, 5, 5},
       {3, 2, 3, 3},
       false,
       {{"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}}},
      {"groups + dilation",
       {1, 8, 6, 6},
       {8, 2, 3, 3},
       true,
       {{"group", int64_t{4}}, {"dilations", Ints{2, 2}}, {"strides", Ints{2, 2}}}},
      {"upsample 2x2/2", {2, 64, 16, 16}, {64, 32, 2, 2}, true, {{"strides", Ints{2, 2}}}},
  };
  uint64_t seed = 400;
  for (const ConvCase& k : cases) {
    SCOPED_TRACE(k.name);
    const int64_t out_channels =
        k.w[1] * (k.attrs.count("group") ? std::get<int64_t>(k.attrs.at("group")) : 1);
    std::vector<HostTensor> inputs{random_tensor(DType::kFloat32, k.x, seed),
                                   random_tensor(DType::kFloat32, k.w, seed + 1)};
    if (k.bias) inputs.push_back(random_tensor(DType::kFloat32, {out_channels}, seed + 2));
    expect_gpu_matches_cpu(make_case("ConvTranspose", inputs, k.attrs));
    seed += 10;
  }
}

}  // namespace
}  // namespace rill::testing::nn
