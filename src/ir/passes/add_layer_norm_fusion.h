// Residual Add + LayerNormalization fused into rill.AddLayerNorm.
//
// Note [AddLayerNorm]
// ~~~~~~~~~~~~~~~~~~~
// op_type "rill.AddLayerNorm", domain "rill", inputs (A, B, Scale, optional Bias), outputs
// (Y, optional Sum), attribute "epsilon" (FLOAT, default 1e-5):
//   Sum = A + B            (numpy broadcasting, rounded to the dtype, exactly ONNX Add)
//   Y   = LayerNormalization(Sum, Scale, Bias, axis = -1, epsilon)
// A, B, Scale, Bias and both outputs share one dtype (float32, float16, bfloat16 on the GPU).
// Sum is present only when the Add's result has readers besides the LayerNormalization (or is a
// graph output); it is then the Add's own output value, so those readers are untouched.
// Transformer exports (BERT: 24 times) end every sublayer with LayerNorm(x + sublayer(x)); as one
// node the residual sum is read and written once, and with no Sum output not at all, instead of
// a write by Add and a read by LayerNormalization.
//
// What the pass fuses: a LayerNormalization (default domain) with axis -1, stash_type 1, only its
// Y output, Scale and Bias initializers (so the fused node can take the Add's place in the node
// order), of float32 (Scale's dtype), whose X is the output of an Add (default domain, two
// inputs). Shapes are not known when the pass runs, so the op keeps Add's broadcasting: the GPU
// kernel reads a broadcast operand whose shape is a suffix of the output's (a [S, H] position
// table against [B, S, H]) in place, and any other broadcast through an extra elementwise launch.
#pragma once

#include <cstddef>
#include <string_view>

#include "ir/graph.h"

namespace rill::ir {

inline constexpr std::string_view kAddLayerNormOp = "rill.AddLayerNorm";

//! Rewrites Add -> LayerNormalization into rill.AddLayerNorm (see Note [AddLayerNorm]). Returns
//! the number of fusions.
size_t fuse_add_layer_norm(Graph& graph);

}  // namespace rill::ir
