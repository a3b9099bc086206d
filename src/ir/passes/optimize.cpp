#include "ir/passes/optimize.h"

#include "ir/passes/qkv_packing.h"

#include "ir/passes/activation_fusion.h"
#include "ir/passes/add_layer_norm_fusion.h"
#include "ir/passes/attention_fusion.h"
#include "ir/passes/batchnorm_folding.h"
#include "ir/passes/dead_node_elimination.h"
#include "ir/passes/elementwise_fusion.h"
#include "ir/passes/identity_elimination.h"
#include "ir/passes/matmul_bias_fusion.h"

namespace rill::ir {

std::string summary(const OptimizeStats& stats) {
  return std::to_string(stats.nodes_before) + " -> " + std::to_string(stats.nodes_after) +
         " nodes (identity " + std::to_string(stats.identities_removed) + ", folded " +
         std::to_string(stats.constants_folded) + ", bn " +
         std::to_string(stats.batchnorms_folded) + ", dead " +
         std::to_string(stats.dead_nodes_removed) + ", matmul+bias " +
         std::to_string(stats.matmul_bias_fused) + ", attention " +
         std::to_string(stats.attention_fused) + ", qkv " + std::to_string(stats.qkv_packed) +
         ", act " +
         std::to_string(stats.activations_fused) + ", eltwise " +
         std::to_string(stats.elementwise_fused) + ", add+layernorm " +
         std::to_string(stats.add_layer_norm_fused) + ")";
}

OptimizeStats optimize(Graph& graph, const Evaluator& evaluate,
                       const ConstantFoldingOptions& folding) {
  OptimizeStats stats;
  stats.nodes_before = graph.nodes.size();
  graph.validate();
  stats.identities_removed = remove_identities(graph);
  stats.constants_folded = fold_constants(graph, evaluate, folding);
  stats.batchnorms_folded = fold_batchnorm_into_conv(graph);
  stats.dead_nodes_removed = eliminate_dead_nodes(graph);
  stats.matmul_bias_fused = fuse_matmul_bias(graph);
  // Before elementwise fusion, which would otherwise take the scores' scale and mask Add.
  stats.attention_fused = fuse_attention(graph);
  stats.qkv_packed = pack_qkv_projections(graph);
  stats.activations_fused = fuse_activations(graph);
  stats.elementwise_fused = fuse_elementwise(graph);
  stats.add_layer_norm_fused = fuse_add_layer_norm(graph);
  stats.dead_nodes_removed += eliminate_dead_nodes(graph);
  try {
    graph.validate();
  } catch (Error& error) {
    // The input validated, so a failure here is a pass bug, not a model problem.
    throw Error(ErrorKind::kInternal, "graph broken by optimization: " + error.message(),
                error.context());
  }
  stats.nodes_after = graph.nodes.size();
  return stats;
}

}  // namespace rill::ir
