// GELU into the GEMM epilogue: rill.FusedMatMul followed by a GELU becomes one cuBLASLt call with
// the GELU_BIAS epilogue (BERT's feed-forward: one kernel instead of two, and the [tokens, 3072]
// activation is written once instead of written, read and written again).
//
// Note [GELU epilogue]
// ~~~~~~~~~~~~~~~~~~~~
// cuBLASLt's GELU epilogue computes the tanh approximation
//   gelu_tanh(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))),
// which differs from the exact x * Phi(x) that models export (Div, Erf, Add, Mul, Mul) by at most
// about 5e-4 in absolute value (near |x| = 2). That is below float16's rounding of such values
// (2^-11 relative) and far below bfloat16's, so reduced-precision engines take the epilogue for an
// exact GELU; float32 engines keep the exact form (their tolerance is 1e-4) and take the epilogue
// only for a GELU that already is the tanh form.
//
// The pass recognizes a GELU by what it computes, not by how it is spelled: the candidate is the
// elementwise region that reads the matmul's output and nothing else but scalar constants (one
// rill.FusedElementwise, or the unfused Div/Erf/Add/Mul/Mul chain where shapes were unknown to
// elementwise fusion) with a single value read outside it; the region is evaluated with the
// engine's CPU reference on probe values in [-8, 8] and compared with both forms. Any spelling
// of either form fuses; anything else is left alone.
#pragma once

#include <cstddef>

#include "ir/graph.h"
#include "ir/passes/evaluator.h"

namespace rill::ir {

//! Fuses as described in Note [GELU epilogue]. `allow_tanh_approximation`: an exact GELU may
//! become the tanh form (reduced-precision engines). Returns the number of fusions.
size_t fuse_gelu_epilogue(Graph& graph, const Evaluator& evaluate, bool allow_tanh_approximation);

}  // namespace rill::ir
