// rill.Attention's geometry, decided once and shared by attention.cpp (shape inference, CPU
// reference) and attention_gpu.cpp. The op is defined in Note [Attention]
// (ir/passes/attention_fusion.h).
#pragma once

#include <array>
#include <memory>
#include <span>
#include <vector>

#include "ops/op.h"

namespace rill::ops::transformer {

//! Validated rill.Attention inputs: q [Bq, Sq, Hq, D], k [Bk, Sk, Hk, D], v [Bv, Sk, Hv, Dv],
//! optional mask broadcastable to [B, H, Sq, Sk]; batch and head dims broadcast (numpy) to B, H.
struct AttentionSpec {
  int64_t batch = 0, heads = 0, seq_q = 0, seq_k = 0, head_dim = 0, value_dim = 0;
  double scale = 1.0;  //!< attribute "scale", default 1/sqrt(D)
  bool has_mask = false;
  ir::Shape out_shape;  //!< [B, Sq, H, Dv]
  //! Element strides (batch, seq, head) of q, k, v and out in their [B, S, H, D] layouts; 0 on a
  //! broadcast dim.
  std::array<int64_t, 3> q_strides{}, k_strides{}, v_strides{}, out_strides{};
  //! Element offsets of q, k and v in their inputs: non-zero for packed QKV (Note [Packed QKV]).
  std::array<int64_t, 3> qkv_offsets{};
  //! Element strides (batch, head, query, key) of the mask; 0 on broadcast dims.
  std::array<int64_t, 4> mask_strides{};
};

// Note [Packed QKV]
// ~~~~~~~~~~~~~~~~~
// With attribute qkv_packed = 1, q, k and v name one value of shape [B, S, 3, H, D]: the output
// of a single projection GEMM (x @ [Wq | Wk | Wv] + [bq | bk | bv], reshaped), which
// ir/passes/qkv_packing.h makes from three. q, k and v are then strided views of it: offsets 0,
// H*D and 2*H*D elements, sequence stride 3*H*D. One GEMM instead of three, and no copy.

//! Throws kInvalidModel (naming node, op and input types) when the inputs do not fit.
AttentionSpec attention_spec(const Node& node, std::span<const TensorDesc> inputs);

std::vector<TensorDesc> infer_attention(const InferContext& ctx);
std::vector<HostTensor> run_attention_cpu(const Node& node, std::span<const HostTensor> inputs);
std::unique_ptr<GpuKernel> prepare_attention_gpu(const GpuPrepareContext& ctx);

}  // namespace rill::ops::transformer
