// Helpers shared by the rill.Attention op tests.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "op_test_driver.h"
#include "ops/families.h"

namespace rill::testing::transformer {

inline std::span<const ops::OpDef> transformer_table() {
  static const std::vector<ops::OpDef> table = ops::transformer_ops();
  return table;
}

//! Random values in [lo, hi) of `dtype` (drawn in float32, then rounded once).
inline ir::HostTensor random_of(DType dtype, ir::Shape shape, uint64_t seed, double lo = -1.0,
                                double hi = 1.0) {
  ir::HostTensor t = random_tensor(DType::kFloat32, std::move(shape), seed, lo, hi);
  return dtype == DType::kFloat32 ? t : ir::convert_floating(t, dtype);
}

struct AttentionShapes {
  int64_t batch = 1, heads = 12, seq_q = 128, seq_k = 128, head_dim = 64, value_dim = 64;
  int64_t kv_batch = -1;  //!< batch of k and v (-1: same as q's), 1 to broadcast
  ir::Shape mask;         //!< empty: no mask
};

//! An OpCase of rill.Attention: q [B, Sq, H, D], k [B, Sk, H, D], v [B, Sk, H, Dv], optional mask
//! (random in [-3, 1), every 7th element -1e4 so that some keys are all but masked out).
inline OpCase attention_case(DType dtype, const AttentionShapes& s, uint64_t seed,
                             double range = 1.0) {
  OpCase c;
  c.def = find_def(transformer_table(), "rill.Attention");
  const bool has_mask = !s.mask.empty();
  c.node = make_node("rill.Attention", has_mask ? 4 : 3, 1,
                     {{"scale", static_cast<float>(1.0 / std::sqrt(double(s.head_dim)))}});
  c.node.domain = "rill";
  const int64_t kv_batch = s.kv_batch < 0 ? s.batch : s.kv_batch;
  c.inputs.push_back(
      random_of(dtype, {s.batch, s.seq_q, s.heads, s.head_dim}, seed, -range, range));
  c.inputs.push_back(
      random_of(dtype, {kv_batch, s.seq_k, s.heads, s.head_dim}, seed + 1, -range, range));
  c.inputs.push_back(
      random_of(dtype, {kv_batch, s.seq_k, s.heads, s.value_dim}, seed + 2, -range, range));
  if (has_mask) {
    ir::HostTensor mask = random_tensor(DType::kFloat32, s.mask, seed + 3, -3.0, 1.0);
    // Masked keys (-1e4) every 7th element, but never every key of a row: a shift of all of a
    // row's scores by -1e4 leaves softmax unchanged in exact arithmetic and only measures
    // float32's rounding at 1e4 (about 1e-3), which the unfused Add + Softmax has as well.
    if (s.mask.back() > 1) {
      for (int64_t i = 0; i < mask.elements(); i += 7) mask.data<float>()[i] = -1e4f;
    }
    c.inputs.push_back(dtype == DType::kFloat32 ? mask : ir::convert_floating(mask, dtype));
  }
  return c;
}

//! Relative L2 tolerance of the GPU against the CPU reference: float32 computes in float (expf),
//! float16/bfloat16 round P to the input dtype before P V and round the output.
inline double tolerance(DType dtype) {
  switch (dtype) {
    case DType::kFloat16:
      return 2e-3;
    case DType::kBFloat16:
      return 1e-2;
    default:
      return 1e-5;
  }
}

}  // namespace rill::testing::transformer
