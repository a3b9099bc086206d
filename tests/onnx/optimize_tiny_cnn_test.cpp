// The standard pipeline on the bundled CNN: import, then optimize(), checking what each pass did.
#include <gtest/gtest.h>

#include "ir/passes/optimize.h"
#include "onnx/importer.h"

namespace rill::onnx {
namespace {

const std::string kTinyCnn = std::string(RILL_SOURCE_DIR) + "/models/tiny_cnn.onnx";

TEST(OptimizeTinyCnn, FoldsAndFuses) {
  ir::Graph graph = import_onnx_file(kTinyCnn);
  // Nothing in this model is constant-foldable; an evaluator call would be a bug.
  auto no_evaluation = [](const ir::Node& node,
                          std::span<const ir::HostTensor>) -> std::vector<ir::HostTensor> {
    ADD_FAILURE() << "unexpected evaluation of " << node.name;
    throw Error(ErrorKind::kUnsupported, "not in this test");
  };
  const ir::OptimizeStats stats = ir::optimize(graph, no_evaluation);
  EXPECT_EQ(stats.nodes_before, 19u);
  EXPECT_EQ(stats.batchnorms_folded, 1u);
  EXPECT_EQ(stats.activations_fused, 2u);  // relu1 into conv1, relu2 into conv2
  EXPECT_EQ(stats.elementwise_fused, 2u);  // residual Add + relu3, and the GELU chain
  EXPECT_EQ(stats.nodes_after, 11u);
  EXPECT_FALSE(ir::summary(stats).empty());

  std::vector<std::string> ops;
  for (const ir::Node& node : graph.nodes) ops.push_back(node.op_type);
  const std::vector<std::string> expected = {"Conv",
                                             "MaxPool",
                                             "Conv",
                                             "Conv",
                                             "rill.FusedElementwise",
                                             "GlobalAveragePool",
                                             "Flatten",
                                             "Gemm",
                                             "rill.FusedElementwise",
                                             "Gemm",
                                             "Softmax"};
  EXPECT_EQ(ops, expected);
  EXPECT_EQ(graph.nodes[0].attr_string("rill_activation", ""), "Relu");
  EXPECT_EQ(graph.nodes[0].outputs[0], "relu1_out");
  EXPECT_EQ(graph.nodes[2].attr_string("rill_activation", ""), "Relu");
  EXPECT_FALSE(graph.nodes[3].has_attribute("rill_activation"));
  const ir::Node& gelu = graph.nodes[8];
  EXPECT_EQ(gelu.inputs,
            (std::vector<std::string>{"fc1_out", "gelu.sqrt2", "gelu.one", "gelu.half"}));
  EXPECT_EQ(gelu.outputs[0], "gelu_out");
  EXPECT_EQ(graph.outputs[0].name, "logits");
  EXPECT_EQ(graph.outputs[1].name, "probs");
  // BN parameters are gone, replaced by the folded weight and bias.
  EXPECT_EQ(graph.initializers.count("bn1.scale"), 0u);
  EXPECT_EQ(graph.initializers.count("conv1.weight"), 0u);
  EXPECT_NO_THROW(graph.validate());
}

}  // namespace
}  // namespace rill::onnx
