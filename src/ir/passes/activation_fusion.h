// Activations fused into the producing Conv / Gemm / rill.FusedMatMul as an epilogue.
//
// Note [Epilogue activations]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~
// A fused node carries the activation as attributes, and its output is the activation's output:
//   "rill_activation"        STRING  "Relu", "Sigmoid", "Tanh" or "LeakyRelu"
//   "rill_activation_alpha"  FLOAT   LeakyRelu's alpha (only for LeakyRelu)
// Conv accepts all four (cuDNN runs them as a fused epilogue or a cheap pointwise op); Gemm and
// rill.FusedMatMul accept Relu only, the one cuBLASLt epilogue that is exact. Gelu (Erf-based) is
// never folded into a GEMM: cuBLASLt's GELU epilogue is the tanh approximation, off by up to 1e-3,
// so Gelu is left to elementwise fusion (see elementwise_fusion.h).
#pragma once

#include <cstddef>
#include <string_view>

#include "ir/graph.h"

namespace rill::ir {

inline constexpr std::string_view kActivationAttribute = "rill_activation";
inline constexpr std::string_view kActivationAlphaAttribute = "rill_activation_alpha";

//! Fuses an activation that is the only reader of a Conv, Gemm or rill.FusedMatMul output (and
//! that output is not a graph output) into that node. Returns the number of fusions.
size_t fuse_activations(Graph& graph);

}  // namespace rill::ir
