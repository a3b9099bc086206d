// Activation epilogues, MatMul + bias, elementwise fusion and its program encoding.
#include <gtest/gtest.h>

#include "graph_builder.h"
#include "ir/passes/activation_fusion.h"
#include "ir/passes/elementwise_fusion.h"
#include "ir/passes/matmul_bias_fusion.h"
#include "test_evaluator.h"

namespace rill::ir {
namespace {

using testing::annotate;
using testing::node;
using testing::op_types;
using testing::value;

void expect_same_outputs(const Graph& before, const Graph& after,
                         const std::unordered_map<std::string, HostTensor>& inputs, float tol) {
  const auto want = testing::run_graph(before, inputs);
  const auto got = testing::run_graph(after, inputs);
  for (const auto& [name, tensor] : want) {
    EXPECT_LE(testing::max_abs_diff(got.at(name), tensor), tol) << name;
  }
}

TEST(ActivationFusion, ConvTakesReluSigmoidTanhLeakyRelu) {
  for (const char* act : {"Relu", "Sigmoid", "Tanh", "LeakyRelu"}) {
    Graph g;
    g.inputs = {value("x", {1, 2, 3, 3})};
    g.outputs = {value("y", {1, 4, 3, 3})};
    g.initializers["w"] = testing::random_tensor({4, 2, 1, 1}, 1);
    g.nodes = {node("conv", "Conv", {"x", "w"}, {"c"}), node("act", act, {"c"}, {"y"})};
    if (std::string(act) == "LeakyRelu") g.nodes[1].attributes["alpha"] = 0.3f;
    const Graph original = g;
    EXPECT_EQ(fuse_activations(g), 1u) << act;
    ASSERT_EQ(g.nodes.size(), 1u);
    EXPECT_EQ(g.nodes[0].attr_string("rill_activation", ""), act);
    EXPECT_EQ(g.nodes[0].outputs[0], "y");
    if (std::string(act) == "LeakyRelu") {
      EXPECT_FLOAT_EQ(g.nodes[0].attr_float("rill_activation_alpha", 0.f), 0.3f);
    }
    expect_same_outputs(original, g, {{"x", testing::random_tensor({1, 2, 3, 3}, 2)}}, 1e-6f);
  }
}

TEST(ActivationFusion, GemmTakesOnlyRelu) {
  Graph g;
  g.inputs = {value("x", {2, 4})};
  g.outputs = {value("y", {2, 3}), value("z", {2, 3})};
  g.initializers["w"] = testing::random_tensor({4, 3}, 3);
  g.nodes = {node("g1", "Gemm", {"x", "w"}, {"g1_out"}), node("r", "Relu", {"g1_out"}, {"y"}),
             node("g2", "Gemm", {"x", "w"}, {"g2_out"}), node("s", "Sigmoid", {"g2_out"}, {"z"})};
  EXPECT_EQ(fuse_activations(g), 1u);
  EXPECT_EQ(op_types(g), (std::vector<std::string>{"Gemm", "Gemm", "Sigmoid"}));
  EXPECT_EQ(g.nodes[0].attr_string("rill_activation", ""), "Relu");
}

TEST(ActivationFusion, SkipsSharedAndGraphOutputValues) {
  Graph g;
  g.inputs = {value("x", {1, 2, 3, 3})};
  g.outputs = {value("y", {1, 4, 3, 3}), value("c", {1, 4, 3, 3})};
  g.initializers["w"] = testing::random_tensor({4, 2, 1, 1}, 1);
  g.nodes = {node("conv", "Conv", {"x", "w"}, {"c"}), node("act", "Relu", {"c"}, {"y"})};
  EXPECT_EQ(fuse_activations(g), 0u);

  g.outputs = {value("y", {1, 4, 3, 3}), value("z", {1, 4, 3, 3})};
  g.nodes.push_back(node("other", "Neg", {"c"}, {"z"}));
  EXPECT_EQ(fuse_activations(g), 0u);
}

Graph linear_graph(const Shape& bias_shape, bool add_bias_first) {
  Graph g;
  g.inputs = {value("a", {3, 4})};
  g.outputs = {value("y", {3, 5})};
  g.initializers["b"] = testing::random_tensor({4, 5}, 4);
  g.initializers["bias"] = testing::random_tensor(bias_shape, 5);
  const std::vector<std::string> add_inputs = add_bias_first
                                                  ? std::vector<std::string>{"bias", "mm"}
                                                  : std::vector<std::string>{"mm", "bias"};
  g.nodes = {node("mm", "MatMul", {"a", "b"}, {"mm"}), node("add", "Add", add_inputs, {"sum"}),
             node("relu", "Relu", {"sum"}, {"y"})};
  annotate(g, "mm", {3, 5});
  return g;
}

TEST(MatMulBiasFusion, FusesBiasThenRelu) {
  for (bool bias_first : {false, true}) {
    Graph g = linear_graph({5}, bias_first);
    const Graph original = g;
    EXPECT_EQ(fuse_matmul_bias(g), 1u);
    EXPECT_EQ(fuse_activations(g), 1u);
    ASSERT_EQ(g.nodes.size(), 1u);
    const Node& fused = g.nodes[0];
    EXPECT_EQ(fused.op_type, "rill.FusedMatMul");
    EXPECT_EQ(fused.domain, "rill");
    EXPECT_EQ(fused.inputs, (std::vector<std::string>{"a", "b", "bias"}));
    EXPECT_EQ(fused.attr_string("rill_activation", ""), "Relu");
    EXPECT_EQ(fused.outputs[0], "y");
    EXPECT_NO_THROW(g.validate());
    expect_same_outputs(original, g, {{"a", testing::random_tensor({3, 4}, 6)}}, 1e-5f);
  }
}

TEST(MatMulBiasFusion, SkipsNonVectorBiasAndRuntimeWeights) {
  Graph matrix_bias = linear_graph({3, 5}, false);
  EXPECT_EQ(fuse_matmul_bias(matrix_bias), 0u);
  Graph runtime_b = linear_graph({5}, false);
  runtime_b.initializers.erase("b");
  runtime_b.inputs.push_back(value("b", {4, 5}));
  EXPECT_EQ(fuse_matmul_bias(runtime_b), 0u);
}

// GELU as PyTorch exports it (x * 0.5 * (1 + erf(x / sqrt2))), on a value with a second reader.
Graph gelu_graph() {
  Graph g;
  g.inputs = {value("x", {4, 8})};
  g.outputs = {value("y", {4, 8})};
  g.initializers["sqrt2"] = HostTensor::scalar(1.41421356f);
  g.initializers["one"] = HostTensor::scalar(1.f);
  g.initializers["half"] = HostTensor::scalar(0.5f);
  g.nodes = {node("div", "Div", {"x", "sqrt2"}, {"d"}), node("erf", "Erf", {"d"}, {"e"}),
             node("add", "Add", {"e", "one"}, {"a"}), node("mul", "Mul", {"x", "a"}, {"m"}),
             node("half", "Mul", {"m", "half"}, {"y"})};
  for (const char* v : {"d", "e", "a", "m"}) annotate(g, v, {4, 8});
  return g;
}

TEST(ElementwiseFusion, GeluBecomesOneProgram) {
  Graph g = gelu_graph();
  const Graph original = g;
  EXPECT_EQ(fuse_elementwise(g), 1u);
  ASSERT_EQ(g.nodes.size(), 1u);
  const Node& fused = g.nodes[0];
  EXPECT_EQ(fused.op_type, "rill.FusedElementwise");
  EXPECT_EQ(fused.domain, "rill");
  EXPECT_EQ(fused.inputs, (std::vector<std::string>{"x", "sqrt2", "one", "half"}));
  EXPECT_EQ(fused.outputs, std::vector<std::string>{"y"});
  EXPECT_EQ(std::get<std::vector<std::string>>(fused.attributes.at("ops")),
            (std::vector<std::string>{"Div", "Erf", "Add", "Mul", "Mul"}));
  // n = 4 inputs: step k is operand 4 + k.
  EXPECT_EQ(fused.attr_ints("args"), (std::vector<int64_t>{0, 1, 4, -1, 5, 2, 0, 6, 7, 3}));
  EXPECT_EQ(fused.attr_floats("alphas"), std::vector<float>(10, 0.f));
  for (const char* v : {"d", "e", "a", "m"}) EXPECT_EQ(g.value_info.count(v), 0u) << v;
  EXPECT_NO_THROW(g.validate());
  expect_same_outputs(original, g, {{"x", testing::random_tensor({4, 8}, 7)}}, 0.f);
}

TEST(ElementwiseFusion, ConstantsOfClipLeakyHardSigmoidGoToAlphas) {
  Graph g;
  g.inputs = {value("x", {2, 3}), value("b", {3})};
  g.outputs = {value("y", {2, 3})};
  g.initializers["lo"] = HostTensor::scalar(-0.5f);
  g.nodes = {node("add", "Add", {"x", "b"}, {"s"}),
             node("leaky", "LeakyRelu", {"s"}, {"l"}, {{"alpha", 0.2f}}),
             node("clip", "Clip", {"l", "lo", ""}, {"c"}),
             node("hs", "HardSigmoid", {"c"}, {"h"}, {{"alpha", 0.3f}}),
             node("max", "Max", {"h", "h"}, {"y"})};
  const Graph original = g;
  EXPECT_EQ(fuse_elementwise(g), 1u);
  ASSERT_EQ(g.nodes.size(), 1u);
  const ElementwiseProgram program = decode_elementwise_program(g.nodes[0]);
  EXPECT_EQ(program.input_count, 2u);  // Clip's bound is a constant, not an input
  ASSERT_EQ(program.steps.size(), 5u);
  EXPECT_FLOAT_EQ(program.steps[1].alpha, 0.2f);
  EXPECT_FLOAT_EQ(program.steps[2].alpha, -0.5f);
  EXPECT_TRUE(std::isinf(program.steps[2].beta));
  EXPECT_FLOAT_EQ(program.steps[3].alpha, 0.3f);
  EXPECT_FLOAT_EQ(program.steps[3].beta, 0.5f);
  EXPECT_EQ(program.steps[4].lhs, 5);  // Max(h, h): both operands are step 3
  EXPECT_EQ(program.steps[4].rhs, 5);
  expect_same_outputs(
      original, g,
      {{"x", testing::random_tensor({2, 3}, 8)}, {"b", testing::random_tensor({3}, 9)}}, 0.f);
}

TEST(ElementwiseFusion, StopsAtSharedValuesGraphOutputsAndOtherTypes) {
  Graph g;
  g.inputs = {value("x", {8}), value("i", {8}, DType::kInt64)};
  g.outputs = {value("y", {8}), value("mid", {8}), value("z", {8}, DType::kInt64)};
  g.nodes = {node("n1", "Neg", {"x"}, {"a"}),
             node("n2", "Exp", {"a"}, {"mid"}),  // graph output: the group ends here
             node("n3", "Relu", {"mid"}, {"b"}),
             node("n4", "Tanh", {"b"}, {"y"}),
             node("i1", "Neg", {"i"}, {"j"}),  // int64: never fused
             node("i2", "Abs", {"j"}, {"z"})};
  EXPECT_EQ(fuse_elementwise(g), 2u);
  EXPECT_EQ(op_types(g), (std::vector<std::string>{"rill.FusedElementwise", "rill.FusedElementwise",
                                                   "Neg", "Abs"}));
  EXPECT_EQ(g.nodes[0].outputs[0], "mid");
  EXPECT_EQ(g.nodes[1].inputs, std::vector<std::string>{"mid"});
  EXPECT_NO_THROW(g.validate());
}

TEST(ElementwiseFusion, NeedsTwoStepsAndKnownShapes) {
  Graph single;
  single.inputs = {value("x", {8})};
  single.outputs = {value("y", {8})};
  single.nodes = {node("n", "Neg", {"x"}, {"y"})};
  EXPECT_EQ(fuse_elementwise(single), 0u);

  Graph unknown;
  unknown.inputs = {ValueInfo{"x", DType::kFloat32, std::nullopt}};
  unknown.outputs = {value("y", {8})};
  unknown.nodes = {node("n", "Neg", {"x"}, {"a"}), node("e", "Exp", {"a"}, {"y"})};
  EXPECT_EQ(fuse_elementwise(unknown), 0u);
}

TEST(ElementwiseFusion, TreeWithBroadcastInputs) {
  Graph g;
  g.inputs = {value("x", {2, 3, 4}), value("s", {3, 1}), value("t", {4})};
  g.outputs = {value("y", {2, 3, 4})};
  g.initializers["two"] = HostTensor::scalar(2.f);
  g.nodes = {node("a", "Mul", {"x", "s"}, {"a"}), node("b", "Sigmoid", {"t"}, {"b"}),
             node("c", "Sub", {"a", "b"}, {"c"}), node("d", "Pow", {"c", "two"}, {"d"}),
             node("e", "Sqrt", {"d"}, {"e"}),     node("f", "HardSwish", {"e"}, {"y"})};
  const Graph original = g;
  EXPECT_EQ(fuse_elementwise(g), 1u);
  EXPECT_EQ(g.nodes[0].inputs, (std::vector<std::string>{"x", "s", "t", "two"}));
  expect_same_outputs(original, g,
                      {{"x", testing::random_tensor({2, 3, 4}, 1)},
                       {"s", testing::random_tensor({3, 1}, 2)},
                       {"t", testing::random_tensor({4}, 3)}},
                      0.f);
}

Node program_node(std::vector<std::string> ops, std::vector<int64_t> args, size_t alphas,
                  size_t inputs = 1) {
  Node n = node("fused", "rill.FusedElementwise", std::vector<std::string>(inputs, "x"), {"y"});
  n.attributes["ops"] = std::move(ops);
  n.attributes["args"] = std::move(args);
  n.attributes["alphas"] = std::vector<float>(alphas, 0.f);
  return n;
}

TEST(DecodeElementwiseProgram, RejectsMalformedPrograms) {
  EXPECT_NO_THROW(decode_elementwise_program(program_node({"Neg", "Add"}, {0, -1, 1, 0}, 4)));
  const std::vector<Node> bad = {
      program_node({"Neg", "Add"}, {0, -1, 1}, 4),      // args too short
      program_node({"Neg", "Add"}, {0, -1, 1, 0}, 3),   // alphas too short
      program_node({"Neg", "Add"}, {0, -1, 2, 0}, 4),   // step 1 reads itself
      program_node({"Neg", "Add"}, {0, 0, 1, 0}, 4),    // unary with a second operand
      program_node({"Conv", "Add"}, {0, -1, 1, 0}, 4),  // not elementwise
      program_node({"Add"}, {0, -1}, 2),                // binary missing an operand
      program_node({}, {}, 0),                          // empty
  };
  for (const Node& n : bad) {
    try {
      decode_elementwise_program(n);
      ADD_FAILURE() << "expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel);
      EXPECT_EQ(e.context_value("node"), "fused");
    }
  }
}

TEST(ElementwiseStepArity, KnowsTheFamily) {
  EXPECT_EQ(elementwise_step_arity("Pow"), 2);
  EXPECT_EQ(elementwise_step_arity("Clip"), 1);
  EXPECT_EQ(elementwise_step_arity("HardSwish"), 1);
  EXPECT_EQ(elementwise_step_arity("Gelu"), 0);
  EXPECT_EQ(elementwise_step_arity("Conv"), 0);
}

}  // namespace
}  // namespace rill::ir
