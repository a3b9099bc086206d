// Multi-head attention, as transformer exports write it, fused into one rill.Attention node.
//
// Note [Attention]
// ~~~~~~~~~~~~~~~~
// op_type "rill.Attention", domain "rill", inputs (q, k, v[, mask]), one output:
//   q [Bq, Sq, Hq, D], k [Bk, Sk, Hk, D], v [Bv, Sk, Hv, Dv]  (the layout a Reshape of a linear
//   layer's [B, S, H*D] output produces: heads are not transposed out)
//   mask: optional additive mask broadcastable to [B, H, Sq, Sk]; q's dtype
//   out [B, Sq, H, Dv] = per (b, h): softmax(scale * q k^T + mask, over keys) v
// with batch and head dims broadcast (numpy) to B and H, attribute "scale" (float; default
// 1/sqrt(D)). Reading q/k/v in [B, S, H, D] and writing out in [B, Sq, H, Dv] absorbs the three
// head Transposes and the output Transpose as strides; the Reshapes around the pattern are
// aliases (no kernel), so a whole self-attention block is one launch.
//
// The pattern (PyTorch eager attention, TorchScript exporter):
//   qt = Transpose(q, perm 0,2,1,3)         [B, H, Sq, D]      (q: the Reshape's output)
//   kt = Transpose(k, perm 0,2,3,1)         [B, H, D, Sk]   (or Transposes composing to it)
//   vt = Transpose(v, perm 0,2,1,3)         [B, H, Sk, Dv]
//   s  = MatMul(qt, kt), scaled by Mul/Div with scalar constants (on s, or on qt/kt, or on q/k
//        before their Transposes), then optionally Add(s, mask) (either operand order)
//   p  = Softmax(s, axis -1)
//   out = Transpose(MatMul(p, vt), perm 0,2,1,3)   [B, Sq, H, Dv]
// Every value inside the pattern must have this one reader and not be a graph output. The perms
// make the stride absorption exact: the rank-4 Transposes fix the layouts, and MatMul's batch
// broadcasting is the op's. The shapes themselves are checked when the op is planned (exports of
// dynamic-batch models carry no shapes for these values).
#pragma once

#include <cstddef>
#include <string_view>

#include "ir/graph.h"

namespace rill::ir {

inline constexpr std::string_view kAttentionOp = "rill.Attention";

//! Rewrites each attention pattern of Note [Attention] into one rill.Attention node (placed where
//! the output Transpose was; the pattern's other nodes are removed). Returns the number fused.
size_t fuse_attention(Graph& graph);

}  // namespace rill::ir
