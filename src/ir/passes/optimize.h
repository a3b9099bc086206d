// The standard pass pipeline the engine builder runs on an imported graph.
#pragma once

#include <cstddef>
#include <string>

#include "ir/graph.h"
#include "ir/passes/constant_folding.h"
#include "ir/passes/evaluator.h"

namespace rill::ir {

//! What optimize() did, for the CLI's build summary.
struct OptimizeStats {
  size_t nodes_before = 0;
  size_t nodes_after = 0;
  size_t identities_removed = 0;
  size_t constants_folded = 0;  //!< nodes replaced by initializers (Constant, Shape, computed)
  size_t batchnorms_folded = 0;
  size_t dead_nodes_removed = 0;
  size_t matmul_bias_fused = 0;     //!< MatMul + Add -> rill.FusedMatMul
  size_t attention_fused = 0;       //!< attention patterns -> rill.Attention
  size_t qkv_packed = 0;            //!< rill.Attention nodes whose Q/K/V projections became one
  size_t activations_fused = 0;     //!< Relu & co. into Conv / Gemm / rill.FusedMatMul
  size_t elementwise_fused = 0;     //!< rill.FusedElementwise nodes created
  size_t add_layer_norm_fused = 0;  //!< rill.AddLayerNorm nodes created
};

//! One line such as "19 -> 9 nodes (folded 0, bn 1, dead 0, matmul+bias 0, act 3, eltwise 1)".
std::string summary(const OptimizeStats& stats);

//! Runs, in order: identity removal, constant folding (with shape folding), BatchNorm folding,
//! dead-node elimination, MatMul+bias fusion, attention fusion, activation fusion, elementwise
//! fusion, Add + LayerNormalization fusion, dead-node elimination. Folding goes first so that
//! fusions see constants as initializers; attention fusion precedes elementwise fusion, which
//! would take the scores' scale and mask; activation fusion precedes elementwise fusion so that a
//! Relu after a GEMM becomes its epilogue rather than a separate kernel. The graph is validated
//! before and after.
OptimizeStats optimize(Graph& graph, const Evaluator& evaluate,
                       const ConstantFoldingOptions& folding = {});

}  // namespace rill::ir
