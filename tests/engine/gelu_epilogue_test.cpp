// The GELU epilogue fusion (Note [GELU epilogue]) with the engine's own CPU reference as the
// evaluator: exact and tanh GELUs are recognized whatever their spelling, other functions are not,
// and the fused graph computes what it replaced (exactly for the tanh form, within the tanh
// approximation's 5e-4 for the exact one).
#include <cmath>
#include <gtest/gtest.h>

#include "../ir/graph_builder.h"
#include "engine/host_evaluation.h"
#include "ir/passes/gelu_epilogue_fusion.h"
#include "ir/passes/optimize.h"
#include "op_test_driver.h"

namespace rill::engine {
namespace {

using ir::testing::node;
using ir::testing::value;

void add_scalar(ir::Graph& g, const std::string& name, float v) {
  g.initializers[name] = ir::HostTensor::scalar<float>(v);
}

// y = x @ w + b, then `activation` nodes reading "y" and writing "out".
ir::Graph dense(std::vector<ir::Node> activation) {
  ir::Graph g;
  g.opset = 17;
  g.inputs = {value("x", {4, 8})};
  g.outputs = {value("out", {4, 16})};
  g.initializers["w"] = testing::random_tensor(DType::kFloat32, {8, 16}, 11, -1.0, 1.0);
  g.initializers["b"] = testing::random_tensor(DType::kFloat32, {16}, 12, -1.0, 1.0);
  g.nodes = {node("mm", "MatMul", {"x", "w"}, {"xw"}), node("bias", "Add", {"xw", "b"}, {"y"})};
  for (ir::Node& n : activation) g.nodes.push_back(std::move(n));
  // ONNX shape inference annotates every intermediate; elementwise fusion relies on it.
  for (const ir::Node& n : g.nodes) {
    if (n.outputs[0] != "out") ir::testing::annotate(g, n.outputs[0], {4, 16});
  }
  return g;
}

ir::Graph exact_gelu() {  // as torch exports nn.GELU() at opset 17
  ir::Graph g =
      dense({node("div", "Div", {"y", "sqrt2"}, {"t0"}), node("erf", "Erf", {"t0"}, {"t1"}),
             node("add", "Add", {"t1", "one"}, {"t2"}), node("mul", "Mul", {"y", "t2"}, {"t3"}),
             node("half", "Mul", {"t3", "c_half"}, {"out"})});
  add_scalar(g, "sqrt2", std::sqrt(2.0f));
  add_scalar(g, "one", 1.0f);
  add_scalar(g, "c_half", 0.5f);
  return g;
}

ir::Graph tanh_gelu() {  // 0.5 * y * (1 + tanh(k * (y + 0.044715 * y^3))), spelled with Pow
  ir::Graph g = dense(
      {node("cube", "Pow", {"y", "three"}, {"t0"}), node("c", "Mul", {"t0", "c044"}, {"t1"}),
       node("inner", "Add", {"y", "t1"}, {"t2"}), node("k", "Mul", {"t2", "kk"}, {"t3"}),
       node("tanh", "Tanh", {"t3"}, {"t4"}), node("p1", "Add", {"t4", "one"}, {"t5"}),
       node("hy", "Mul", {"y", "c_half"}, {"t6"}), node("out", "Mul", {"t6", "t5"}, {"out"})});
  add_scalar(g, "three", 3.0f);
  add_scalar(g, "c044", 0.044715f);
  add_scalar(g, "kk", 0.7978845608f);
  add_scalar(g, "one", 1.0f);
  add_scalar(g, "c_half", 0.5f);
  return g;
}

ir::Graph swish() {
  return dense({node("sig", "Sigmoid", {"y"}, {"s"}), node("mul", "Mul", {"y", "s"}, {"out"})});
}

ir::HostTensor run(const ir::Graph& g, const ir::HostTensor& x) {
  std::map<std::string, ir::HostTensor> values(g.initializers.begin(), g.initializers.end());
  values["x"] = x;
  for (const ir::Node& n : g.nodes) {
    std::vector<ir::HostTensor> in;
    for (const std::string& name : n.inputs) in.push_back(values.at(name));
    std::vector<ir::HostTensor> out = evaluate_on_host(n, in);
    for (size_t i = 0; i < out.size(); ++i) values[n.outputs[i]] = std::move(out[i]);
  }
  return values.at("out");
}

size_t optimize_and_fuse(ir::Graph& g, bool allow_tanh_approximation) {
  (void)ir::optimize(g, &evaluate_on_host);
  return ir::fuse_gelu_epilogue(g, &evaluate_on_host, allow_tanh_approximation);
}

TEST(GeluEpilogue, ExactGeluFusesOnlyWhereTheApproximationIsAllowed) {
  const ir::HostTensor x = testing::random_tensor(DType::kFloat32, {4, 8}, 13, -2.0, 2.0);
  const ir::Graph original = exact_gelu();
  ir::Graph strict = original;
  EXPECT_EQ(optimize_and_fuse(strict, false), 0u);
  ir::Graph half = original;
  ASSERT_EQ(optimize_and_fuse(half, true), 1u);
  ASSERT_EQ(half.nodes.size(), 1u);
  EXPECT_EQ(half.nodes[0].op_type, "rill.FusedMatMul");
  EXPECT_EQ(half.nodes[0].attr_string("rill_activation", ""), "GeluTanh");
  EXPECT_EQ(half.nodes[0].outputs[0], "out");
  const ir::HostTensor want = run(original, x);
  const ir::HostTensor got = run(half, x);
  double max_diff = 0;
  for (int64_t i = 0; i < want.elements(); ++i) {
    max_diff = std::max(max_diff, std::fabs(double(got.data<float>()[i]) - want.data<float>()[i]));
  }
  EXPECT_LT(max_diff, 5e-4) << "within the tanh approximation's error";
  EXPECT_GT(max_diff, 0.0) << "the fused node computes the tanh form, not the exact one";
}

TEST(GeluEpilogue, UnfusedChainsWithoutShapeAnnotationsFuseToo) {
  // Exporters that write no value_info leave elementwise fusion nothing to go on (BERT from
  // torch's TorchScript exporter): the pass must take the raw Div/Erf/Add/Mul/Mul chain.
  ir::Graph g = exact_gelu();
  g.value_info.clear();
  const ir::Graph original = g;
  ASSERT_EQ(optimize_and_fuse(g, true), 1u);
  ASSERT_EQ(g.nodes.size(), 1u);
  const ir::HostTensor x = testing::random_tensor(DType::kFloat32, {4, 8}, 15, -2.0, 2.0);
  EXPECT_LT(testing::relative_l2(run(g, x), run(original, x)), 1e-3);
}

TEST(GeluEpilogue, TanhGeluFusesInFloat32AndComputesTheSame) {
  const ir::HostTensor x = testing::random_tensor(DType::kFloat32, {4, 8}, 14, -2.0, 2.0);
  const ir::Graph original = tanh_gelu();
  ir::Graph g = original;
  ASSERT_EQ(optimize_and_fuse(g, false), 1u);
  EXPECT_LT(testing::relative_l2(run(g, x), run(original, x)), 1e-6);
}

TEST(GeluEpilogue, OtherFunctionsAndSharedValuesAreLeftAlone) {
  ir::Graph s = swish();
  EXPECT_EQ(optimize_and_fuse(s, true), 0u);
  ir::Graph shared = exact_gelu();
  shared.outputs.push_back(value("y", {4, 16}));  // y is read outside the GELU too
  EXPECT_EQ(optimize_and_fuse(shared, true), 0u);
}

}  // namespace
}  // namespace rill::engine
