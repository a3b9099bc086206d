// The Add + LayerNormalization fusion pass (ir/passes/add_layer_norm_fusion.h) on hand-built
// graphs, checked for structure and, through the ops' CPU references, for equal outputs.
#include "ir/passes/add_layer_norm_fusion.h"

#include "elementwise_test_util.h"

namespace rill::testing::ew {
namespace {

using ir::Graph;
using ir::Node;

Node node(const std::string& name, const std::string& op, std::vector<std::string> inputs,
          std::vector<std::string> outputs, std::map<std::string, ir::AttributeValue> attrs = {}) {
  Node n;
  n.name = name;
  n.op_type = op;
  if (op.rfind("rill.", 0) == 0) n.domain = "rill";
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.attributes = std::move(attrs);
  return n;
}

ir::ValueInfo value(const std::string& name, const Shape& shape) {
  ir::SymbolicShape dims;
  for (int64_t d : shape) dims.push_back(ir::Dim{d, {}});
  return ir::ValueInfo{name, DType::kFloat32, dims};
}

//! Runs the graph node by node with the family's CPU references.
std::map<std::string, HostTensor> run_graph(const Graph& g,
                                            const std::map<std::string, HostTensor>& inputs) {
  std::map<std::string, HostTensor> values(inputs.begin(), inputs.end());
  for (const auto& [name, t] : g.initializers) values[name] = t;
  for (const Node& n : g.nodes) {
    const ops::OpDef* def = find_def(family(), n.op_type);
    if (def == nullptr) return {};
    std::vector<HostTensor> ins;
    for (const std::string& in : n.inputs) ins.push_back(in.empty() ? HostTensor() : values.at(in));
    std::vector<HostTensor> outs = def->run_cpu(n, ins);
    for (size_t i = 0; i < n.outputs.size() && i < outs.size(); ++i) {
      if (!n.outputs[i].empty()) values[n.outputs[i]] = outs[i];
    }
  }
  std::map<std::string, HostTensor> outputs;
  for (const ir::ValueInfo& o : g.outputs) outputs[o.name] = values.at(o.name);
  return outputs;
}

void expect_same_outputs(const Graph& before, const Graph& after,
                         const std::map<std::string, HostTensor>& inputs) {
  const auto want = run_graph(before, inputs);
  const auto got = run_graph(after, inputs);
  ASSERT_EQ(want.size(), got.size());
  for (const auto& [name, tensor] : want) {
    // Bit-identical: the fused reference is the unfused pair's.
    EXPECT_TRUE(tensors_close(got.at(name), tensor, 0.0)) << name;
  }
}

//! y = LayerNorm(a + r) over [2, 8, 64]; `extra_reader` adds z = Neg(a + r) as a second output.
Graph residual_graph(bool extra_reader, bool with_bias = true) {
  Graph g;
  g.inputs = {value("a", {2, 8, 64}), value("r", {2, 8, 64})};
  g.outputs = {value("y", {2, 8, 64})};
  g.initializers["scale"] = random_tensor(DType::kFloat32, {64}, 1, 0.5, 1.5);
  g.initializers["bias"] = random_tensor(DType::kFloat32, {64}, 2);
  g.nodes.push_back(node("add", "Add", {"a", "r"}, {"sum"}));
  if (extra_reader) {
    g.nodes.push_back(node("neg", "Neg", {"sum"}, {"z"}));
    g.outputs.push_back(value("z", {2, 8, 64}));
  }
  std::vector<std::string> ln_inputs = {"sum", "scale"};
  if (with_bias) ln_inputs.push_back("bias");
  g.nodes.push_back(node("ln", "LayerNormalization", ln_inputs, {"y"},
                         {{"axis", int64_t{-1}}, {"epsilon", 1e-12f}}));
  return g;
}

std::map<std::string, HostTensor> residual_inputs() {
  return {{"a", random_tensor(DType::kFloat32, {2, 8, 64}, 3)},
          {"r", random_tensor(DType::kFloat32, {2, 8, 64}, 4)}};
}

TEST(AddLayerNormFusion, FusesResidualAddIntoLayerNorm) {
  for (bool with_bias : {true, false}) {
    Graph g = residual_graph(false, with_bias);
    const Graph original = g;
    EXPECT_EQ(ir::fuse_add_layer_norm(g), 1u);
    ASSERT_EQ(g.nodes.size(), 1u);
    const Node& fused = g.nodes[0];
    EXPECT_EQ(fused.op_type, ir::kAddLayerNormOp);
    EXPECT_EQ(fused.domain, "rill");
    EXPECT_EQ(fused.name, "ln");
    std::vector<std::string> expected = {"a", "r", "scale"};
    if (with_bias) expected.push_back("bias");
    EXPECT_EQ(fused.inputs, expected);
    EXPECT_EQ(fused.outputs, (std::vector<std::string>{"y"}));
    EXPECT_FLOAT_EQ(fused.attr_float("epsilon", 0.f), 1e-12f);
    EXPECT_NO_THROW(g.validate());
    expect_same_outputs(original, g, residual_inputs());
  }
}

TEST(AddLayerNormFusion, KeepsTheSumForOtherReadersInPlace) {
  Graph g = residual_graph(true);
  const Graph original = g;
  EXPECT_EQ(ir::fuse_add_layer_norm(g), 1u);
  ASSERT_EQ(g.nodes.size(), 2u);
  // The fused node takes the Add's place, before the other reader of the sum.
  EXPECT_EQ(g.nodes[0].op_type, ir::kAddLayerNormOp);
  EXPECT_EQ(g.nodes[0].outputs, (std::vector<std::string>{"y", "sum"}));
  EXPECT_EQ(g.nodes[1].op_type, "Neg");
  EXPECT_NO_THROW(g.validate());
  expect_same_outputs(original, g, residual_inputs());

  Graph sum_is_output = residual_graph(false);
  sum_is_output.outputs.push_back(value("sum", {2, 8, 64}));
  EXPECT_EQ(ir::fuse_add_layer_norm(sum_is_output), 1u);
  EXPECT_EQ(sum_is_output.nodes[0].outputs, (std::vector<std::string>{"y", "sum"}));
}

TEST(AddLayerNormFusion, BroadcastOperandIsKept) {
  // BERT's embeddings: a [S, H] position table added to [B, S, H].
  Graph g;
  g.inputs = {value("x", {2, 8, 64})};
  g.outputs = {value("y", {2, 8, 64})};
  g.initializers["pos"] = random_tensor(DType::kFloat32, {8, 64}, 5);
  g.initializers["scale"] = random_tensor(DType::kFloat32, {64}, 6, 0.5, 1.5);
  g.nodes = {node("add", "Add", {"pos", "x"}, {"sum"}),
             node("ln", "LayerNormalization", {"sum", "scale"}, {"y"})};
  const Graph original = g;
  EXPECT_EQ(ir::fuse_add_layer_norm(g), 1u);
  expect_same_outputs(original, g, {{"x", random_tensor(DType::kFloat32, {2, 8, 64}, 7)}});
}

TEST(AddLayerNormFusion, SkipsWhatItCannotExpress) {
  Graph other_axis = residual_graph(false);
  other_axis.nodes.back().attributes["axis"] = int64_t{1};
  EXPECT_EQ(ir::fuse_add_layer_norm(other_axis), 0u);

  Graph statistics = residual_graph(false);
  statistics.nodes.back().outputs = {"y", "mean", "inv_std"};
  EXPECT_EQ(ir::fuse_add_layer_norm(statistics), 0u);

  Graph runtime_scale = residual_graph(false);
  runtime_scale.initializers.erase("scale");
  runtime_scale.inputs.push_back(value("scale", {64}));
  EXPECT_EQ(ir::fuse_add_layer_norm(runtime_scale), 0u);

  Graph not_add = residual_graph(false);
  not_add.nodes[0].op_type = "Sub";
  EXPECT_EQ(ir::fuse_add_layer_norm(not_add), 0u);

  Graph double_scale = residual_graph(false);
  double_scale.initializers["scale"] =
      ir::convert_floating(double_scale.initializers["scale"], DType::kFloat64);
  EXPECT_EQ(ir::fuse_add_layer_norm(double_scale), 0u);
}

TEST(AddLayerNormFusion, TwoLayerNormsOfOneSumFuseOnce) {
  Graph g = residual_graph(false);
  g.nodes.push_back(node("ln2", "LayerNormalization", {"sum", "scale"}, {"y2"}));
  g.outputs.push_back(value("y2", {2, 8, 64}));
  const Graph original = g;
  EXPECT_EQ(ir::fuse_add_layer_norm(g), 1u);
  EXPECT_EQ(g.nodes[0].outputs, (std::vector<std::string>{"y", "sum"}));
  EXPECT_NO_THROW(g.validate());
  expect_same_outputs(original, g, residual_inputs());
}

}  // namespace
}  // namespace rill::testing::ew
