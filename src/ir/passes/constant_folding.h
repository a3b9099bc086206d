// Constant folding, including shape folding.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ir/graph.h"
#include "ir/passes/evaluator.h"

namespace rill::ir {

struct ConstantFoldingOptions {
  //! Results larger than this stay computed at run time: folding an Expand or ConstantOfShape
  //! could otherwise turn a few bytes of model into gigabytes of initializer.
  int64_t max_folded_elements = int64_t{64} << 20;
};

//! Replaces computable nodes by initializers, in one topological sweep (so chains fold fully):
//!  - Constant nodes (value, value_float(s), value_int(s)) become initializers;
//!  - a Shape node whose input has a fully static declared shape becomes an int64 initializer,
//!    so the shape arithmetic of transformer exports folds away when shapes are static;
//!  - any other deterministic ONNX node whose inputs are all initializers is computed with
//!    `evaluate`. A kUnsupported error from the evaluator leaves the node in place; other errors
//!    propagate with the node's context.
//! Nodes that produce a graph output are left alone, so that graph outputs stay node outputs.
//! Returns the number of nodes folded.
size_t fold_constants(Graph& graph, const Evaluator& evaluate,
                      const ConstantFoldingOptions& options = {});

}  // namespace rill::ir
