// Dead-node elimination, identity removal, constant and shape folding, BatchNorm folding.
#include <gtest/gtest.h>

#include "graph_builder.h"
#include "ir/passes/batchnorm_folding.h"
#include "ir/passes/constant_folding.h"
#include "ir/passes/dead_node_elimination.h"
#include "ir/passes/identity_elimination.h"
#include "test_evaluator.h"

namespace rill::ir {
namespace {

using testing::annotate;
using testing::node;
using testing::op_types;
using testing::value;

TEST(DeadNodeElimination, RemovesUnreachableNodesAndInitializers) {
  Graph g;
  g.inputs = {value("x", {4})};
  g.outputs = {value("y", {4})};
  g.initializers["w"] = HostTensor::from<float>({4}, {1, 2, 3, 4});
  g.initializers["unused"] = HostTensor::scalar(1.f);
  g.nodes = {node("a", "Relu", {"x"}, {"a_out"}), node("dead1", "Mul", {"x", "w"}, {"d1"}),
             node("dead2", "Relu", {"d1"}, {"d2"}), node("b", "Neg", {"a_out"}, {"y"})};
  annotate(g, "d1", {4});
  EXPECT_EQ(eliminate_dead_nodes(g), 2u);
  EXPECT_EQ(op_types(g), (std::vector<std::string>{"Relu", "Neg"}));
  EXPECT_TRUE(g.initializers.empty());
  EXPECT_EQ(g.value_info.count("d1"), 0u);
  EXPECT_EQ(g.inputs.size(), 1u);
  EXPECT_NO_THROW(g.validate());
}

TEST(DeadNodeElimination, KeepsMultiOutputNodeWithOneLiveOutput) {
  Graph g;
  g.inputs = {value("x", {4})};
  g.outputs = {value("b", {2})};
  g.nodes = {node("split", "Split", {"x"}, {"a", "b"})};
  EXPECT_EQ(eliminate_dead_nodes(g), 0u);
  EXPECT_EQ(g.nodes.size(), 1u);
}

TEST(IdentityElimination, RewiresConsumersAndKeepsOutputNames) {
  Graph g;
  g.inputs = {value("x", {4})};
  g.outputs = {value("y", {4}), value("x_copy", {4})};
  g.nodes = {node("r", "Relu", {"x"}, {"r_out"}), node("id1", "Identity", {"r_out"}, {"id1_out"}),
             node("n", "Neg", {"id1_out"}, {"n_out"}),
             node("id2", "Identity", {"n_out"}, {"y"}),    // graph output: producer renamed
             node("id3", "Identity", {"x"}, {"x_copy"})};  // copies a graph input: stays
  EXPECT_EQ(remove_identities(g), 2u);
  EXPECT_EQ(op_types(g), (std::vector<std::string>{"Relu", "Neg", "Identity"}));
  EXPECT_EQ(g.nodes[1].inputs[0], "r_out");
  EXPECT_EQ(g.nodes[1].outputs[0], "y");
  EXPECT_NO_THROW(g.validate());

  const HostTensor x = testing::random_tensor({4}, 1);
  const auto out = testing::run_graph(g, {{"x", x}});
  EXPECT_EQ(out.at("x_copy").values<float>()[2], x.values<float>()[2]);
  EXPECT_EQ(out.at("y").values<float>()[0], -std::max(0.f, x.values<float>()[0]));
}

TEST(ConstantFolding, FoldsChainsOfConstantsAndConstantNodes) {
  Graph g;
  g.inputs = {value("x", {3})};
  g.outputs = {value("y", {3})};
  g.initializers["a"] = HostTensor::from<float>({3}, {1, -2, 3});
  g.nodes = {
      node("c", "Constant", {}, {"c_out"}, {{"value", HostTensor::from<float>({3}, {2, 2, 2})}}),
      node("cf", "Constant", {}, {"half"}, {{"value_float", 0.5f}}),
      node("m", "Mul", {"a", "c_out"}, {"m_out"}),
      node("r", "Relu", {"m_out"}, {"r_out"}),
      node("s", "Mul", {"r_out", "half"}, {"s_out"}),
      node("add", "Add", {"x", "s_out"}, {"y"})};
  annotate(g, "m_out", {3});
  const Graph original = g;
  EXPECT_EQ(fold_constants(g, testing::evaluate), 5u);
  EXPECT_EQ(op_types(g), (std::vector<std::string>{"Add"}));
  ASSERT_TRUE(g.is_initializer("s_out"));
  EXPECT_EQ(g.initializers.at("s_out").values<float>()[0], 1.f);
  EXPECT_EQ(g.initializers.at("s_out").values<float>()[1], 0.f);
  EXPECT_EQ(g.value_info.count("m_out"), 0u);

  const HostTensor x = testing::random_tensor({3}, 2);
  EXPECT_EQ(testing::max_abs_diff(testing::run_graph(g, {{"x", x}}).at("y"),
                                  testing::run_graph(original, {{"x", x}}).at("y")),
            0.f);
}

TEST(ConstantFolding, ShapeOfStaticInputFoldsWithStartEnd) {
  Graph g;
  g.inputs = {value("x", {2, 3, 5, 7})};
  g.outputs = {value("y", {2, 3, 5, 7})};
  g.nodes = {node("shape", "Shape", {"x"}, {"s"}, {{"start", int64_t{1}}, {"end", int64_t{-1}}}),
             node("use", "Reshape", {"x", "s"}, {"y"})};
  EXPECT_EQ(fold_constants(g, testing::evaluate), 1u);
  ASSERT_TRUE(g.is_initializer("s"));
  EXPECT_EQ(g.initializers.at("s").as_int64s(), (std::vector<int64_t>{3, 5}));
}

TEST(ConstantFolding, ShapeOfSymbolicInputStays) {
  Graph g;
  g.inputs = {ValueInfo{"x", DType::kFloat32, SymbolicShape{{-1, "batch"}, {3, ""}}}};
  g.outputs = {value("y", {2})};
  g.nodes = {node("shape", "Shape", {"x"}, {"s"}), node("use", "Neg", {"s"}, {"y"})};
  EXPECT_EQ(fold_constants(g, testing::evaluate), 0u);
  EXPECT_EQ(g.nodes.size(), 2u);
}

TEST(ConstantFolding, LeavesUnsupportedGraphOutputsAndOversizedResults) {
  Graph g;
  g.inputs = {value("x", {2})};
  g.outputs = {value("y", {2}), value("direct", {2})};
  g.initializers["a"] = HostTensor::from<float>({2}, {1, 2});
  g.initializers["big"] = HostTensor(DType::kFloat32, {100});
  g.nodes = {node("unsupported", "Softsign", {"a"}, {"u"}),       // evaluator: kUnsupported
             node("out", "Neg", {"a"}, {"direct"}),               // produces a graph output
             node("large", "Neg", {"big"}, {"large_out"}),        // result over the cap
             node("random", "RandomNormalLike", {"a"}, {"rnd"}),  // nondeterministic
             node("sum", "Add", {"x", "u"}, {"s1"}),
             node("sum2", "Add", {"s1", "rnd"}, {"s2"}),
             node("y", "Add", {"s2", "large_out"}, {"y"})};
  annotate(g, "large_out", {100});
  ConstantFoldingOptions options;
  options.max_folded_elements = 50;
  EXPECT_EQ(fold_constants(g, testing::evaluate, options), 0u);
  EXPECT_EQ(g.nodes.size(), 7u);
}

TEST(ConstantFolding, EvaluatorErrorsCarryNodeContext) {
  Graph g;
  g.outputs = {value("y", {2})};
  g.initializers["a"] = HostTensor::from<float>({2}, {1, 2});
  g.nodes = {node("bad", "Add", {"a", "a"}, {"t"}), node("y", "Neg", {"t"}, {"y"})};
  auto failing = [](const Node&, std::span<const HostTensor>) -> std::vector<HostTensor> {
    throw Error(ErrorKind::kInvalidModel, "shapes do not broadcast");
  };
  try {
    fold_constants(g, failing);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel);
    EXPECT_EQ(e.context_value("node"), "bad");
    EXPECT_EQ(e.context_value("op"), "Add");
  }
}

Graph conv_bn_graph(bool with_bias) {
  Graph g;
  g.inputs = {value("x", {2, 3, 4, 4})};
  g.outputs = {value("y", {2, 5, 4, 4})};
  g.initializers["w"] = testing::random_tensor({5, 3, 1, 1}, 10);
  if (with_bias) g.initializers["b"] = testing::random_tensor({5}, 11);
  g.initializers["scale"] = testing::random_tensor({5}, 12, 0.5f, 2.f);
  g.initializers["shift"] = testing::random_tensor({5}, 13);
  g.initializers["mean"] = testing::random_tensor({5}, 14);
  g.initializers["var"] = testing::random_tensor({5}, 15, 0.1f, 3.f);
  std::vector<std::string> conv_inputs = {"x", "w"};
  if (with_bias) conv_inputs.push_back("b");
  g.nodes = {node("conv", "Conv", conv_inputs, {"c"}),
             node("bn", "BatchNormalization", {"c", "scale", "shift", "mean", "var"}, {"bn_out"},
                  {{"epsilon", 1e-3f}}),
             node("relu", "Relu", {"bn_out"}, {"y"})};
  annotate(g, "c", {2, 5, 4, 4});
  return g;
}

TEST(BatchNormFolding, MatchesUnfoldedNumerically) {
  for (bool with_bias : {true, false}) {
    Graph g = conv_bn_graph(with_bias);
    const Graph original = g;
    EXPECT_EQ(fold_batchnorm_into_conv(g), 1u);
    EXPECT_EQ(op_types(g), (std::vector<std::string>{"Conv", "Relu"}));
    EXPECT_EQ(g.nodes[0].outputs[0], "bn_out");
    ASSERT_EQ(g.nodes[0].inputs.size(), 3u);
    EXPECT_NE(g.nodes[0].inputs[1], "w");  // new initializers, the original may be shared
    EXPECT_NO_THROW(g.validate());

    const HostTensor x = testing::random_tensor({2, 3, 4, 4}, 20);
    EXPECT_LT(testing::max_abs_diff(testing::run_graph(g, {{"x", x}}).at("y"),
                                    testing::run_graph(original, {{"x", x}}).at("y")),
              1e-5f);
    eliminate_dead_nodes(g);
    EXPECT_EQ(g.initializers.count("scale"), 0u);
  }
}

TEST(BatchNormFolding, SkipsWhenConvOutputHasOtherReadersOrWeightsAreInputs) {
  Graph shared = conv_bn_graph(true);
  shared.outputs.push_back(value("c", {2, 5, 4, 4}));
  EXPECT_EQ(fold_batchnorm_into_conv(shared), 0u);

  Graph runtime_weights = conv_bn_graph(true);
  runtime_weights.initializers.erase("w");
  runtime_weights.inputs.push_back(value("w", {5, 3, 1, 1}));
  EXPECT_EQ(fold_batchnorm_into_conv(runtime_weights), 0u);

  Graph training = conv_bn_graph(true);
  training.nodes[1].attributes["training_mode"] = int64_t{1};
  EXPECT_EQ(fold_batchnorm_into_conv(training), 0u);
}

}  // namespace
}  // namespace rill::ir
