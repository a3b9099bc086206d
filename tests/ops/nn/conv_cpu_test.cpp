// CPU reference tests of Conv and ConvTranspose: hand-computed cases, a cross-check against an
// im2col + Gemm formulation, and the adjoint identity that ties ConvTranspose to Conv.
#include <cmath>
#include <gtest/gtest.h>

#include "nn_test_util.h"

namespace rill::testing::nn {
namespace {

using ir::HostTensor;

TEST(ConvCpu, HandComputedNoPad) {
  // X = 0..8 as 3x3, W = ones 2x2: each output sums a 2x2 block.
  OpCase c = make_case("Conv", {iota({1, 1, 3, 3}), floats({1, 1, 2, 2}, {1, 1, 1, 1})});
  const auto out = run_cpu(c);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), (ir::Shape{1, 1, 2, 2}));
  EXPECT_EQ(values(out[0]), (std::vector<float>{8, 12, 20, 24}));
}

TEST(ConvCpu, OnnxStridesPaddingExample) {
  // ONNX's test_conv_with_strides_padding: X = 0..34 as 7x5, W = ones 3x3, stride 2, pads 1.
  OpCase c = make_case(
      "Conv", {iota({1, 1, 7, 5}), floats({1, 1, 3, 3}, std::vector<float>(9, 1))},
      {{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}, {"kernel_shape", Ints{3, 3}}});
  const auto out = run_cpu(c);
  EXPECT_EQ(out[0].shape(), (ir::Shape{1, 1, 4, 3}));
  EXPECT_EQ(values(out[0]),
            (std::vector<float>{12, 27, 24, 63, 108, 81, 123, 198, 141, 112, 177, 124}));
}

TEST(ConvCpu, OnnxAsymmetricPaddingExample) {
  // ONNX's test_conv_with_strides_and_asymmetric_padding: pads [1,0,1,0].
  OpCase c = make_case("Conv", {iota({1, 1, 7, 5}), floats({1, 1, 3, 3}, std::vector<float>(9, 1))},
                       {{"strides", Ints{2, 2}}, {"pads", Ints{1, 0, 1, 0}}});
  const auto out = run_cpu(c);
  EXPECT_EQ(out[0].shape(), (ir::Shape{1, 1, 4, 2}));
  EXPECT_EQ(values(out[0]), (std::vector<float>{21, 33, 99, 117, 189, 207, 171, 183}));
}

TEST(ConvCpu, AutoPadSameUpperAndLower) {
  // 4x4 input, 2x2 kernel, stride 1: SAME needs one pad, after (UPPER) or before (LOWER).
  const HostTensor x = iota({1, 1, 4, 4});
  const HostTensor w = floats({1, 1, 2, 2}, {1, 0, 0, 0});  // picks the window's top-left
  OpCase upper = make_case("Conv", {x, w}, {{"auto_pad", std::string("SAME_UPPER")}});
  OpCase lower = make_case("Conv", {x, w}, {{"auto_pad", std::string("SAME_LOWER")}});
  const auto up = run_cpu(upper);
  const auto low = run_cpu(lower);
  EXPECT_EQ(up[0].shape(), (ir::Shape{1, 1, 4, 4}));
  EXPECT_EQ(values(up[0]), values(x));  // top-left of each window is the element itself
  const std::vector<float> shifted{0, 0, 0, 0, 0, 0, 1, 2, 0, 4, 5, 6, 0, 8, 9, 10};
  EXPECT_EQ(values(low[0]), shifted);
}

TEST(ConvCpu, BiasAndFusedActivations) {
  const HostTensor x = floats({1, 1, 1, 2}, {-2, 3});
  const HostTensor w = floats({2, 1, 1, 1}, {1, -1});
  const HostTensor b = floats({2}, {0.5f, 0.5f});
  {
    OpCase c = make_case("Conv", {x, w, b});
    EXPECT_EQ(values(run_cpu(c)[0]), (std::vector<float>{-1.5f, 3.5f, 2.5f, -2.5f}));
  }
  {
    OpCase c = make_case("Conv", {x, w, b}, {{"rill_activation", std::string("Relu")}});
    EXPECT_EQ(values(run_cpu(c)[0]), (std::vector<float>{0, 3.5f, 2.5f, 0}));
  }
  {
    OpCase c =
        make_case("Conv", {x, w, b},
                  {{"rill_activation", std::string("LeakyRelu")}, {"rill_activation_alpha", 0.1f}});
    const auto v = values(run_cpu(c)[0]);
    EXPECT_FLOAT_EQ(v[0], -0.15f);
    EXPECT_FLOAT_EQ(v[3], -0.25f);
  }
  {
    OpCase c = make_case("Conv", {x, w, b}, {{"rill_activation", std::string("Sigmoid")}});
    EXPECT_FLOAT_EQ(values(run_cpu(c)[0])[1], static_cast<float>(1.0 / (1.0 + std::exp(-3.5))));
  }
}

// Conv computed independently: per group, im2col the input and multiply by W through the Gemm
// op's own reference. Covers groups, strides, dilations and asymmetric pads at once.
TEST(ConvCpu, MatchesIm2colGemm) {
  const int64_t n = 2, c = 4, h = 7, w = 6, m = 6, group = 2, kh = 3, kw = 2;
  const int64_t sh = 2, sw = 1, dh = 1, dw = 2, pt = 1, pl = 0, pb = 2, pr = 1;
  const HostTensor x = random_tensor(DType::kFloat32, {n, c, h, w}, 1);
  const HostTensor wt = random_tensor(DType::kFloat32, {m, c / group, kh, kw}, 2);
  const HostTensor bias = random_tensor(DType::kFloat32, {m}, 3);
  OpCase conv = make_case("Conv", {x, wt, bias},
                          {{"group", group},
                           {"strides", Ints{sh, sw}},
                           {"dilations", Ints{dh, dw}},
                           {"pads", Ints{pt, pl, pb, pr}}});
  const HostTensor y = run_cpu(conv)[0];
  const int64_t oh = (h + pt + pb - ((kh - 1) * dh + 1)) / sh + 1;
  const int64_t ow = (w + pl + pr - ((kw - 1) * dw + 1)) / sw + 1;
  ASSERT_EQ(y.shape(), (ir::Shape{n, m, oh, ow}));

  const int64_t cg = c / group, mg = m / group, rows = cg * kh * kw, cols = oh * ow;
  const float* xv = x.data<float>();
  const float* wv = wt.data<float>();
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t g = 0; g < group; ++g) {
      std::vector<float> col(static_cast<size_t>(rows * cols), 0.0f);
      for (int64_t ci = 0; ci < cg; ++ci)
        for (int64_t i = 0; i < kh; ++i)
          for (int64_t j = 0; j < kw; ++j)
            for (int64_t oy = 0; oy < oh; ++oy)
              for (int64_t ox = 0; ox < ow; ++ox) {
                const int64_t iy = oy * sh - pt + i * dh, ix = ox * sw - pl + j * dw;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                col[((ci * kh + i) * kw + j) * cols + oy * ow + ox] =
                    xv[((b * c + g * cg + ci) * h + iy) * w + ix];
              }
      std::vector<float> wg(wv + g * mg * rows, wv + (g + 1) * mg * rows);
      std::vector<float> bg(bias.data<float>() + g * mg, bias.data<float>() + (g + 1) * mg);
      OpCase gemm = make_case(
          "Gemm", {floats({mg, rows}, wg), floats({rows, cols}, col), floats({mg, 1}, bg)});
      const HostTensor expected = run_cpu(gemm)[0];
      const float* yv = y.data<float>() + (b * m + g * mg) * cols;
      for (int64_t i = 0; i < mg * cols; ++i) {
        ASSERT_NEAR(yv[i], expected.data<float>()[i], 1e-5) << "batch " << b << " group " << g;
      }
    }
  }
}

TEST(ConvCpu, OneAndThreeDimensional) {
  OpCase c1 =
      make_case("Conv", {iota({1, 1, 5}), floats({1, 1, 3}, {1, 1, 1})}, {{"pads", Ints{1, 1}}});
  EXPECT_EQ(values(run_cpu(c1)[0]), (std::vector<float>{1, 3, 6, 9, 7}));
  OpCase c3 =
      make_case("Conv", {iota({1, 1, 2, 2, 2}), floats({1, 1, 2, 2, 2}, std::vector<float>(8, 1))});
  EXPECT_EQ(values(run_cpu(c3)[0]), (std::vector<float>{28}));
}

TEST(ConvCpu, ErrorsCarryNodeAndShapes) {
  OpCase c = make_case("Conv", {iota({1, 3, 4, 4}), iota({2, 2, 3, 3})});
  try {
    run_cpu(c);
    FAIL() << "channel mismatch accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel);
    EXPECT_EQ(e.context_value("node"), "Conv_under_test");
    EXPECT_NE(e.context_value("inputs").find("[2,2,3,3]"), std::string::npos) << e.what();
  }
  OpCase bad_act = make_case("Conv", {iota({1, 1, 3, 3}), iota({1, 1, 1, 1})},
                             {{"rill_activation", std::string("Gelu")}});
  EXPECT_THROW(run_cpu(bad_act), Error);
}

// Found by the plan_loader fuzz target (fuzz/regressions/plan_loader/crash-a21f85b7...): W's
// channels times group overflowed int64 (UBSan). With 4 x (2^62 + 1) wrapping to 4 the channels
// seemed to match; a group that does not divide the input channels is now rejected first.
TEST(ConvCpu, RejectsAGroupWhoseProductOverflows) {
  const int64_t group = (int64_t{1} << 62) + 1;
  OpCase c = make_case("Conv", {iota({1, 4, 2, 2}), iota({0, 4, 1, 1})}, {{"group", group}});
  try {
    run_cpu(c);
    FAIL() << "a group of 2^62 + 1 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel);
    EXPECT_EQ(e.context_value("group"), std::to_string(group));
  }
}

TEST(ConvTransposeCpu, OnnxExample) {
  // ONNX's test_convtranspose: X = 0..8 as 3x3, W = ones [1, 2, 3, 3].
  OpCase c = make_case("ConvTranspose",
                       {iota({1, 1, 3, 3}), floats({1, 2, 3, 3}, std::vector<float>(18, 1))});
  const auto out = run_cpu(c);
  ASSERT_EQ(out[0].shape(), (ir::Shape{1, 2, 5, 5}));
  const std::vector<float> plane{0,  1,  3, 3,  2,  3,  8,  15, 12, 7,  9,  21, 36,
                                 27, 15, 9, 20, 33, 24, 13, 6,  13, 21, 15, 8};
  std::vector<float> both = plane;
  both.insert(both.end(), plane.begin(), plane.end());
  EXPECT_EQ(values(out[0]), both);
}

TEST(ConvTransposeCpu, OutputShapeAndAutoPad) {
  const HostTensor x = iota({1, 1, 3, 3});
  const HostTensor w = floats({1, 2, 3, 3}, std::vector<float>(18, 1));
  // output_shape beyond the full 9x7 result: the extra row and column are zeros at the end.
  OpCase big =
      make_case("ConvTranspose", {x, w}, {{"strides", Ints{3, 2}}, {"output_shape", Ints{10, 8}}});
  const HostTensor y = run_cpu(big)[0];
  ASSERT_EQ(y.shape(), (ir::Shape{1, 2, 10, 8}));
  for (int64_t j = 0; j < 8; ++j) EXPECT_EQ(y.data<float>()[9 * 8 + j], 0.0f);
  for (int64_t i = 0; i < 10; ++i) EXPECT_EQ(y.data<float>()[i * 8 + 7], 0.0f);
  EXPECT_EQ(y.data<float>()[8 * 8 + 6], 8.0f);  // last value of the full result
  // SAME_UPPER with stride 2: output 6x6 is the full 7x7 result without its last row/column.
  OpCase same = make_case("ConvTranspose", {x, w},
                          {{"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}});
  const HostTensor s = run_cpu(same)[0];
  ASSERT_EQ(s.shape(), (ir::Shape{1, 2, 6, 6}));
  // First row of ONNX's test_convtranspose_autopad_same output.
  const std::vector<float> all = values(s);
  const std::vector<float> row(all.begin(), all.begin() + 6);
  EXPECT_EQ(row, (std::vector<float>{0, 0, 1, 1, 3, 2}));
}

// <conv(x, W), y> == <x, convT(y, W)> for every geometry: ConvTranspose is Conv's adjoint.
TEST(ConvTransposeCpu, IsTheAdjointOfConv) {
  struct Geo {
    Ints strides, dilations, pads;
    int64_t group;
  };
  for (const Geo& g :
       {Geo{{1, 1}, {1, 1}, {0, 0, 0, 0}, 1}, Geo{{2, 3}, {1, 1}, {1, 0, 1, 0}, 1},
        Geo{{2, 2}, {2, 1}, {1, 1, 1, 1}, 2}, Geo{{3, 2}, {1, 2}, {2, 1, 2, 1}, 4}}) {
    const int64_t n = 2, c = 4, m = 8, h = 9, w = 8;
    const HostTensor x = random_tensor(DType::kFloat32, {n, c, h, w}, 10);
    const HostTensor wt = random_tensor(DType::kFloat32, {m, c / g.group, 3, 3}, 11);
    std::map<std::string, ir::AttributeValue> attrs{
        {"strides", g.strides}, {"dilations", g.dilations}, {"pads", g.pads}, {"group", g.group}};
    const HostTensor y = run_cpu(make_case("Conv", {x, wt}, attrs))[0];
    const HostTensor r = random_tensor(DType::kFloat32, y.shape(), 12);
    // ConvTranspose maps Conv's output space back to its input space; output_padding restores
    // the rows and columns the strided Conv skipped at the end.
    Ints output_padding;
    const Ints in{h, w};
    for (size_t d = 0; d < 2; ++d) {
      const int64_t dk = 2 * g.dilations[d] + 1;
      output_padding.push_back((in[d] + g.pads[d] + g.pads[d + 2] - dk) % g.strides[d]);
    }
    std::map<std::string, ir::AttributeValue> t_attrs = attrs;
    t_attrs["output_padding"] = output_padding;
    // ConvTranspose's W is [C_in_T, M_T/group, k] = [m, c/group, k]: the same tensor.
    const HostTensor xt = run_cpu(make_case("ConvTranspose", {r, wt}, t_attrs))[0];
    ASSERT_EQ(xt.shape(), x.shape());
    double lhs = 0, rhs = 0;
    for (int64_t i = 0; i < y.elements(); ++i)
      lhs += double(y.data<float>()[i]) * r.data<float>()[i];
    for (int64_t i = 0; i < x.elements(); ++i)
      rhs += double(x.data<float>()[i]) * xt.data<float>()[i];
    EXPECT_NEAR(lhs, rhs, 1e-6 * (std::abs(lhs) + 1)) << "strides " << g.strides[0];
  }
}

}  // namespace
}  // namespace rill::testing::nn
