// MatMul + bias Add fused into rill.FusedMatMul.
//
// Note [FusedMatMul]
// ~~~~~~~~~~~~~~~~~~
// op_type "rill.FusedMatMul", domain "rill", inputs (A, B, bias), one output:
//   Y = MatMul(A, B) + bias
// with B a float32 initializer of shape [K, N], bias a float32 initializer of shape [N]
// (broadcast over the last dim), A float32 of shape [..., K] (numpy MatMul semantics; rank >= 1).
// An optional "rill_activation" = "Relu" applies after the bias (see Note [Epilogue activations]).
// This is the linear layer of transformer exports, which PyTorch writes as MatMul + Add rather
// than Gemm; as one node it runs as a single cuBLASLt call with a bias epilogue.
#pragma once

#include <cstddef>
#include <string_view>

#include "ir/graph.h"

namespace rill::ir {

inline constexpr std::string_view kFusedMatMulOp = "rill.FusedMatMul";

//! Rewrites MatMul(A, B) -> Add(_, bias) (either Add operand order) into rill.FusedMatMul when
//! the MatMul output feeds only the Add and is not a graph output. Returns the number of fusions.
size_t fuse_matmul_bias(Graph& graph);

}  // namespace rill::ir
