// rill.Attention on the host: shape inference, the CPU reference against the unfused formula,
// masks (broadcast, -inf), and which GPU kernel a shape gets (plans are made without a GPU).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <limits>

#include "attention_test_util.h"

namespace rill::testing::transformer {
namespace {

using ir::HostTensor;
using ir::Shape;

// softmax(scale q_h k_h^T + mask) v_h written out with plain loops over the [B, S, H, D] inputs,
// broadcasting by index clamping: the definition, not the reference's stride arithmetic.
std::vector<double> unfused(const OpCase& c, double scale) {
  const std::vector<double> q = c.inputs[0].as_doubles();
  const std::vector<double> k = c.inputs[1].as_doubles();
  const std::vector<double> v = c.inputs[2].as_doubles();
  const Shape& qs = c.inputs[0].shape();
  const Shape& ks = c.inputs[1].shape();
  const Shape& vs = c.inputs[2].shape();
  const bool has_mask = c.inputs.size() > 3;
  Shape ms{1, 1, 1, 1};
  std::vector<double> mask;
  if (has_mask) {
    const Shape& m = c.inputs[3].shape();
    for (size_t d = 0; d < m.size(); ++d) ms[4 - m.size() + d] = m[d];
    mask = c.inputs[3].as_doubles();
  }
  const int64_t batch = std::max({qs[0], ks[0], vs[0], ms[0]});
  const int64_t heads = std::max({qs[2], ks[2], vs[2], ms[1]});
  const int64_t sq = qs[1], sk = ks[1], dim = qs[3], dv = vs[3];
  auto pick = [](int64_t size, int64_t i) { return size == 1 ? 0 : i; };
  std::vector<double> out(static_cast<size_t>(batch * sq * heads * dv));
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t i = 0; i < sq; ++i) {
        std::vector<double> s(static_cast<size_t>(sk));
        for (int64_t j = 0; j < sk; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < dim; ++d) {
            dot += q[static_cast<size_t>(
                       ((pick(qs[0], b) * sq + i) * qs[2] + pick(qs[2], h)) * dim + d)] *
                   k[static_cast<size_t>(
                       ((pick(ks[0], b) * sk + j) * ks[2] + pick(ks[2], h)) * dim + d)];
          }
          s[static_cast<size_t>(j)] = dot * scale;
          if (has_mask) {
            s[static_cast<size_t>(j)] += mask[static_cast<size_t>(
                ((pick(ms[0], b) * ms[1] + pick(ms[1], h)) * ms[2] + pick(ms[2], i)) * ms[3] +
                pick(ms[3], j))];
          }
        }
        const double max = *std::max_element(s.begin(), s.end());
        double sum = 0;
        for (double& x : s) sum += (x = std::exp(x - max));
        for (int64_t d = 0; d < dv; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < sk; ++j) {
            acc += s[static_cast<size_t>(j)] *
                   v[static_cast<size_t>(((pick(vs[0], b) * sk + j) * vs[2] + pick(vs[2], h)) * dv +
                                         d)];
          }
          out[static_cast<size_t>(((b * sq + i) * heads + h) * dv + d)] = acc / sum;
        }
      }
    }
  }
  return out;
}

void expect_matches_unfused(const OpCase& c, double scale) {
  const std::vector<HostTensor> got = run_cpu(c);
  ASSERT_EQ(got.size(), 1u);
  const std::vector<double> want = unfused(c, scale);
  const std::vector<double> actual = got[0].as_doubles();
  ASSERT_EQ(actual.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_NEAR(actual[i], want[i], 1e-6 * (1.0 + std::abs(want[i]))) << i;
  }
}

TEST(AttentionCpu, InfersBSHDv) {
  AttentionShapes s{2, 3, 5, 7, 8, 4, -1, {5, 7}};
  const OpCase c = attention_case(DType::kFloat32, s, 1);
  const auto out = infer(c);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dtype, DType::kFloat32);
  EXPECT_EQ(out[0].shape, (Shape{2, 5, 3, 4}));
}

TEST(AttentionCpu, RejectsMismatchedShapes) {
  OpCase head_dim = attention_case(DType::kFloat32, {1, 2, 4, 4, 8, 8, -1, {}}, 1);
  head_dim.inputs[1] = random_tensor(DType::kFloat32, {1, 4, 2, 6}, 2);
  EXPECT_THROW(infer(head_dim), Error);
  OpCase mask = attention_case(DType::kFloat32, {1, 2, 4, 4, 8, 8, -1, {1, 2, 3, 4}}, 1);
  EXPECT_THROW(infer(mask), Error);
  OpCase rank = attention_case(DType::kFloat32, {1, 2, 4, 4, 8, 8, -1, {}}, 1);
  rank.inputs[0] = random_tensor(DType::kFloat32, {4, 2, 8}, 3);
  EXPECT_THROW(infer(rank), Error);
  OpCase dtype = attention_case(DType::kFloat32, {1, 2, 4, 4, 8, 8, -1, {4, 4}}, 1);
  dtype.inputs[3] = random_of(DType::kFloat16, {4, 4}, 4);
  EXPECT_THROW(infer(dtype), Error);
}

TEST(AttentionCpu, MatchesUnfusedFormula) {
  const std::vector<AttentionShapes> shapes = {
      {2, 2, 16, 16, 8, 8, -1, {2, 1, 16, 16}},
      {2, 3, 5, 9, 4, 6, -1, {}},
      {3, 2, 7, 7, 8, 8, 1, {7}},            // k, v broadcast over batch; key-only mask
      {2, 2, 4, 6, 8, 8, -1, {1, 2, 4, 6}},  // per-head mask
      {2, 2, 4, 6, 8, 8, -1, {2, 1, 1, 6}},  // key-padding mask
  };
  uint64_t seed = 10;
  for (const AttentionShapes& s : shapes) {
    const OpCase c = attention_case(DType::kFloat32, s, seed += 10, 2.0);
    expect_matches_unfused(c, 1.0 / std::sqrt(double(s.head_dim)));
  }
}

TEST(AttentionCpu, ScaleAttributeDefaultsToInverseSqrtHeadDim) {
  OpCase c = attention_case(DType::kFloat32, {1, 2, 4, 4, 16, 16, -1, {}}, 5, 2.0);
  c.node.attributes.erase("scale");
  expect_matches_unfused(c, 0.25);
  c.node.attributes["scale"] = 0.7f;
  expect_matches_unfused(c, double{0.7f});
}

TEST(AttentionCpu, HalfOutputsAreTheFloatResultRoundedOnce) {
  for (DType dtype : {DType::kFloat16, DType::kBFloat16}) {
    const OpCase c = attention_case(dtype, {2, 2, 8, 8, 8, 8, -1, {2, 1, 8, 8}}, 7);
    const std::vector<HostTensor> got = run_cpu(c);
    ASSERT_EQ(got[0].dtype(), dtype);
    const std::vector<double> want = unfused(c, 1.0 / std::sqrt(8.0));
    HostTensor as_float(DType::kFloat32, got[0].shape());
    for (size_t i = 0; i < want.size(); ++i)
      as_float.data<float>()[i] = static_cast<float>(want[i]);
    const HostTensor rounded = ir::convert_floating(as_float, dtype);
    EXPECT_EQ(std::memcmp(rounded.raw(), got[0].raw(), rounded.bytes()), 0) << dtype_name(dtype);
  }
}

TEST(AttentionCpu, FullyMaskedRowsAreNaNLikeSoftmax) {
  OpCase c = attention_case(DType::kFloat32, {1, 1, 3, 4, 8, 8, -1, {3, 4}}, 9);
  float* mask = c.inputs[3].data<float>();
  for (int j = 0; j < 4; ++j) mask[4 + j] = -std::numeric_limits<float>::infinity();  // row 1
  mask[0] = -std::numeric_limits<float>::infinity();  // row 0: one key out
  const std::vector<HostTensor> got = run_cpu(c);
  const float* out = got[0].data<float>();
  for (int d = 0; d < 8; ++d) {
    EXPECT_FALSE(std::isnan(out[d])) << d;
    EXPECT_TRUE(std::isnan(out[8 + d])) << d;
    EXPECT_FALSE(std::isnan(out[16 + d])) << d;
  }
}

std::string plan_of(DType dtype, const AttentionShapes& s) {
  const OpCase c = attention_case(dtype, s, 1);
  std::vector<ir::TensorDesc> descs;
  for (const HostTensor& t : c.inputs) descs.push_back(t.desc());
  std::vector<const HostTensor*> constants(descs.size(), nullptr);
  const std::vector<ir::TensorDesc> outs = infer(c);
  const ops::LibraryHandles none;
  const ops::GpuPrepareContext ctx{c.node, descs, constants, outs, none};
  return c.def->prepare_gpu(ctx)->describe();
}

TEST(AttentionCpu, PlansPickTensorCoresForHalfHeadDimsUpTo128) {
  EXPECT_EQ(plan_of(DType::kFloat16, {1, 12, 128, 128, 64, 64, -1, {}}),
            "attention tensor cores (float16, d64, 4 warps/CTA)");
  EXPECT_EQ(plan_of(DType::kFloat16, {1, 12, 16, 128, 64, 64, -1, {}}),
            "attention tensor cores (float16, d64, 1 warps/CTA)");
  EXPECT_EQ(plan_of(DType::kBFloat16, {32, 12, 128, 128, 64, 64, -1, {32, 1, 128, 128}}),
            "attention tensor cores (bfloat16, d64, 4 warps/CTA)");
  EXPECT_EQ(plan_of(DType::kFloat16, {3, 12, 30, 128, 64, 64, -1, {}}),
            "attention tensor cores (float16, d64, 2 warps/CTA)");
  EXPECT_EQ(plan_of(DType::kFloat16, {8, 12, 128, 128, 40, 40, -1, {}}),
            "attention tensor cores (float16, d64, 4 warps/CTA)");
  EXPECT_EQ(plan_of(DType::kFloat16, {8, 12, 128, 128, 128, 128, -1, {}}),
            "attention tensor cores (float16, d128, 4 warps/CTA)");
  EXPECT_EQ(plan_of(DType::kFloat16, {8, 12, 128, 128, 20, 20, -1, {}}),
            "attention rows (float16)");
  EXPECT_EQ(plan_of(DType::kFloat16, {1, 2, 16, 16, 100, 100, -1, {}}), "attention rows (float16)");
  EXPECT_EQ(plan_of(DType::kFloat32, {1, 12, 128, 128, 64, 64, -1, {}}),
            "attention rows (float32)");
}

TEST(AttentionCpu, PlanRejectsHeadDimsAbove128) {
  EXPECT_THROW(plan_of(DType::kFloat16, {1, 1, 4, 4, 160, 160, -1, {}}), Error);
}

}  // namespace
}  // namespace rill::testing::transformer
