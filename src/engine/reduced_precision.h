// Reduced-precision engines: rewriting an optimized float32 graph to compute in float16 or
// bfloat16 wherever the ops can (BuildOptions::precision).
//
// Note [Reduced-precision engines]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// The rewrite decides per node, from data (Note [Dtypes as data] in ops/op.h):
//  - a node runs in half precision when its op's gpu_dtypes holds the target dtype and it reads
//    or writes float32 values; it is left in float32 when its op cannot, when it is evaluated on
//    the host at plan time (shape arithmetic keeps its exact values), or when its output dtype
//    is fixed by an attribute (ConstantOfShape);
//  - the float32 outputs of a half node become half, and Cast nodes that produce float32 produce
//    half instead (so an exported `mask.to(torch.float32)` feeds half arithmetic directly);
//  - float32 initializers read by half nodes are converted once, at build time (a copy is kept
//    when float32 nodes read them too); inputs an op reads on the host (Resize's scales, ...)
//    keep their dtype;
//  - where a half value meets a float32 reader, or a float32 value a half reader, one Cast node
//    per value and direction is inserted. The engine's inputs and outputs keep the model's
//    dtypes, so there are casts at the edges.
// Half kernels accumulate in float (matmuls, convolutions, reductions) and compute sensitive ops
// (normalizations, softmax, exp/log) in float inside the kernel.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>

#include "ir/graph.h"
#include "ops/op.h"

namespace rill::engine {

struct PrecisionReport {
  size_t half_nodes = 0;   //!< nodes that now compute in the reduced dtype
  size_t float_nodes = 0;  //!< GPU nodes left in float32 (their op has no half path)
  size_t casts = 0;        //!< Cast nodes inserted
  size_t converted_weights = 0;
};

//! Whether a node may compute in a half dtype. The engine asks its op's gpu_dtypes; tests may
//! refuse more.
using HalfSupport = std::function<bool(const ir::Node& node, const ops::OpDef& def, DType dtype)>;
bool op_supports_half(const ir::Node& node, const ops::OpDef& def, DType dtype);

//! Rewrites `graph` to compute in `dtype` (kFloat16 or kBFloat16). `input_shapes` are the shapes
//! to infer types with (any shapes inside the engine's range).
PrecisionReport convert_to_reduced_precision(ir::Graph& graph, DType dtype,
                                             const std::map<std::string, ir::Shape>& input_shapes,
                                             const HalfSupport& supports = op_supports_half);

//! Build-time check of Note [Dtypes as data]: every GPU node's floating-point operands must be in
//! its op's gpu_dtypes. Throws kUnsupported naming the node, the op, the dtype and what the op
//! supports.
void check_gpu_dtypes(const ir::Graph& graph, const std::map<std::string, ir::Shape>& input_shapes);

}  // namespace rill::engine
