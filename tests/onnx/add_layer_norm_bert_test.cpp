// The Add + LayerNormalization fusion on the exported BERT ($RILL_MODELS_DIR/bert, not in CI): after
// the embeddings every LayerNormalization reads a residual Add, 24 in all; the embeddings' own
// LayerNormalization reads an Add of a broadcast position table, which fuses too (the fused op
// keeps Add's broadcasting, see Note [AddLayerNorm]).
#include <filesystem>
#include <gtest/gtest.h>

#include "ir/passes/add_layer_norm_fusion.h"
#include "ir/passes/optimize.h"
#include "onnx/importer.h"
#include "ops/op.h"
#include "test_paths.h"

namespace rill::onnx {
namespace {

TEST(AddLayerNormBert, FusesEveryResidualLayerNorm) {
  const std::string bert = testing::exported_model_path("bert/model.onnx");
  if (bert.empty()) GTEST_SKIP() << "no exported BERT-base: set RILL_MODELS_DIR";
  ir::Graph graph = import_onnx_file(bert);
  size_t layer_norms = 0;
  for (const ir::Node& node : graph.nodes) layer_norms += node.op_type == "LayerNormalization";
  auto evaluate = [](const ir::Node& node, std::span<const ir::HostTensor> inputs) {
    const ops::OpDef* def = ops::find_op(node.op_type);
    if (def == nullptr) throw Error(ErrorKind::kUnsupported, "no op", node.context());
    return def->run_cpu(node, inputs);
  };
  const ir::OptimizeStats stats = ir::optimize(graph, evaluate);
  size_t fused = 0;
  size_t with_sum = 0;
  size_t left = 0;
  for (const ir::Node& node : graph.nodes) {
    if (node.op_type == ir::kAddLayerNormOp) {
      ++fused;
      with_sum += node.outputs.size() > 1;
    }
    left += node.op_type == "LayerNormalization";
  }
  EXPECT_EQ(layer_norms, 25u);
  EXPECT_EQ(stats.add_layer_norm_fused, fused);
  EXPECT_EQ(fused, 25u) << ir::summary(stats);  // 24 residual + the embeddings
  EXPECT_EQ(left, 0u);
  // Every residual sum is read only by its LayerNormalization: no Sum output is needed.
  EXPECT_EQ(with_sum, 0u);
}

}  // namespace
}  // namespace rill::onnx
