// Attention fusion (Note [Attention]): the pattern of PyTorch's eager attention becomes one
// rill.Attention node, and the rewritten graph computes what the original did, both run on the
// ops' CPU references. Also: the pass fires once per layer on the exported BERT-base model.
#include "ir/passes/attention_fusion.h"
#include "ir/passes/qkv_packing.h"
#include "test_paths.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <unordered_map>

#include "engine/host_evaluation.h"
#include "graph_builder.h"
#include "ir/passes/matmul_bias_fusion.h"
#include "ir/passes/optimize.h"
#include "onnx/importer.h"
#include "ops/op.h"
#include "test_evaluator.h"

namespace rill::ir {
namespace {

using testing::node;
using testing::op_types;
using testing::value;

constexpr int64_t kB = 2, kS = 16, kH = 2, kD = 8, kHidden = kH * kD;

enum class Scale { kMul, kDiv, kSplit, kMulFirst, kSdpa };
enum class Mask { kNone, kSecond, kFirst, kKeysOnly };

HostTensor int64s(std::vector<int64_t> values) {
  const Shape shape{static_cast<int64_t>(values.size())};
  return HostTensor::from(shape, values);
}

// BERT's self-attention at B=2, S=16, H=2, D=8, as the TorchScript exporter writes it.
Graph attention_graph(Scale scale, Mask mask) {
  Graph g;
  g.opset = 17;
  g.inputs = {value("x", {kB, kS, kHidden})};
  if (mask == Mask::kKeysOnly) {
    g.inputs.push_back(value("mask", {kB, 1, 1, kS}));
  } else if (mask != Mask::kNone) {
    g.inputs.push_back(value("mask", {kB, 1, kS, kS}));
  }
  g.outputs = {value("y", {kB, kS, kHidden})};
  g.initializers["shape4"] = int64s({kB, kS, kH, kD});
  g.initializers["shape3"] = int64s({kB, kS, kHidden});
  const double full = 1.0 / std::sqrt(double(kD));
  g.initializers["scale"] =
      HostTensor::scalar(static_cast<float>(scale == Scale::kDiv ? std::sqrt(double(kD)) : full));
  g.initializers["half_scale"] = HostTensor::scalar(static_cast<float>(std::sqrt(full)));
  uint32_t seed = 10;
  for (const std::string p : {"q", "k", "v"}) {
    g.initializers["w" + p] = testing::random_tensor({kHidden, kHidden}, seed++, -0.5f, 0.5f);
    g.initializers["b" + p] = testing::random_tensor({kHidden}, seed++);
    g.nodes.push_back(node(p + "_mm", "MatMul", {"x", "w" + p}, {p + "_mm"}));
    g.nodes.push_back(node(p + "_add", "Add", {"b" + p, p + "_mm"}, {p + "_lin"}));
    g.nodes.push_back(node(p + "_reshape", "Reshape", {p + "_lin", "shape4"}, {p + "_r"}));
    if (scale == Scale::kSdpa && p == "k") {
      // scaled_dot_product_attention's export: heads out, then key.transpose(-2, -1).
      g.nodes.push_back(node("k_heads", "Transpose", {"k_r"}, {"k_h"},
                             {{"perm", std::vector<int64_t>{0, 2, 1, 3}}}));
      g.nodes.push_back(
          node("k_t", "Transpose", {"k_h"}, {"k_t"}, {{"perm", std::vector<int64_t>{0, 1, 3, 2}}}));
    } else {
      const std::vector<int64_t> perm =
          p == "k" ? std::vector<int64_t>{0, 2, 3, 1} : std::vector<int64_t>{0, 2, 1, 3};
      g.nodes.push_back(node(p + "_t", "Transpose", {p + "_r"}, {p + "_t"}, {{"perm", perm}}));
    }
    if ((scale == Scale::kSplit || scale == Scale::kSdpa) && p != "v") {
      g.nodes.push_back(node(p + "_scale", "Mul", {p + "_t", "half_scale"}, {p + "_ts"}));
    }
  }
  const bool split = scale == Scale::kSplit || scale == Scale::kSdpa;
  g.nodes.push_back(node("qk", "MatMul", {split ? "q_ts" : "q_t", split ? "k_ts" : "k_t"}, {"s"}));
  std::string scores = "s";
  if (scale == Scale::kMul) {
    g.nodes.push_back(node("scale", "Mul", {"s", "scale"}, {"s_scaled"}));
    scores = "s_scaled";
  } else if (scale == Scale::kMulFirst) {
    g.nodes.push_back(node("scale", "Mul", {"scale", "s"}, {"s_scaled"}));
    scores = "s_scaled";
  } else if (scale == Scale::kDiv) {
    g.nodes.push_back(node("scale", "Div", {"s", "scale"}, {"s_scaled"}));
    scores = "s_scaled";
  }
  if (mask != Mask::kNone) {
    const std::vector<std::string> in = mask == Mask::kFirst
                                            ? std::vector<std::string>{"mask", scores}
                                            : std::vector<std::string>{scores, "mask"};
    g.nodes.push_back(node("mask_add", "Add", in, {"s_masked"}));
    scores = "s_masked";
  }
  g.nodes.push_back(node("softmax", "Softmax", {scores}, {"probs"}, {{"axis", int64_t{-1}}}));
  g.nodes.push_back(node("pv", "MatMul", {"probs", "v_t"}, {"ctx"}));
  g.nodes.push_back(
      node("ctx_t", "Transpose", {"ctx"}, {"ctx_t"}, {{"perm", std::vector<int64_t>{0, 2, 1, 3}}}));
  g.nodes.push_back(node("ctx_reshape", "Reshape", {"ctx_t", "shape3"}, {"y"}));
  return g;
}

// Runs the graph on the ops' CPU references.
std::unordered_map<std::string, HostTensor> run_reference(
    const Graph& graph, const std::unordered_map<std::string, HostTensor>& inputs) {
  std::unordered_map<std::string, HostTensor> values = inputs;
  for (const auto& [name, tensor] : graph.initializers) values[name] = tensor;
  for (const Node& n : graph.nodes) {
    std::vector<HostTensor> args;
    for (const std::string& in : n.inputs)
      args.push_back(in.empty() ? HostTensor() : values.at(in));
    std::vector<HostTensor> outs = engine::evaluate_on_host(n, args);
    for (size_t i = 0; i < n.outputs.size(); ++i) values[n.outputs[i]] = std::move(outs[i]);
  }
  std::unordered_map<std::string, HostTensor> outputs;
  for (const ValueInfo& out : graph.outputs) outputs[out.name] = values.at(out.name);
  return outputs;
}

std::unordered_map<std::string, HostTensor> random_inputs(Mask mask) {
  std::unordered_map<std::string, HostTensor> inputs;
  inputs["x"] = testing::random_tensor({kB, kS, kHidden}, 1);
  if (mask == Mask::kNone) return inputs;
  const Shape shape = mask == Mask::kKeysOnly ? Shape{kB, 1, 1, kS} : Shape{kB, 1, kS, kS};
  HostTensor m = testing::random_tensor(shape, 2, -3.f, 1.f);
  // Mask some positions out the way BERT does (a large negative number), never a whole row.
  for (int64_t i = 0; i < m.elements(); ++i) {
    if (i % 5 == 3) m.data<float>()[i] = -1e9f;
  }
  inputs["mask"] = std::move(m);
  return inputs;
}

void expect_fused_and_equivalent(Scale scale, Mask mask, const std::string& what) {
  Graph g = attention_graph(scale, mask);
  const Graph original = g;
  EXPECT_EQ(fuse_matmul_bias(g), 3u) << what;
  EXPECT_EQ(fuse_attention(g), 1u) << what;
  EXPECT_NO_THROW(g.validate()) << what;
  EXPECT_EQ(op_types(g),
            (std::vector<std::string>{"rill.FusedMatMul", "Reshape", "rill.FusedMatMul", "Reshape",
                                      "rill.FusedMatMul", "Reshape", "rill.Attention", "Reshape"}))
      << what;
  const Node& attention = g.nodes[6];
  EXPECT_EQ(attention.domain, "rill");
  const std::vector<std::string> want_inputs =
      mask == Mask::kNone ? std::vector<std::string>{"q_r", "k_r", "v_r"}
                          : std::vector<std::string>{"q_r", "k_r", "v_r", "mask"};
  EXPECT_EQ(attention.inputs, want_inputs) << what;
  EXPECT_EQ(attention.outputs, std::vector<std::string>{"ctx_t"}) << what;
  EXPECT_NEAR(attention.attr_float("scale", 0.f), 1.0 / std::sqrt(double(kD)), 1e-6) << what;

  const auto inputs = random_inputs(mask);
  const auto want = run_reference(original, inputs);
  const auto got = run_reference(g, inputs);
  EXPECT_LE(testing::max_abs_diff(got.at("y"), want.at("y")), 2e-6f) << what;
  // The comparison can fail: a wrong scale is seen.
  g.nodes[6].attributes["scale"] = 2.f * attention.attr_float("scale", 0.f);
  EXPECT_GT(testing::max_abs_diff(run_reference(g, inputs).at("y"), want.at("y")), 1e-3f) << what;
}

// Note [Packed QKV]: the three projections become one GEMM read as strided views, with the same
// result; q's shape subgraph gives the packed shape.
TEST(QkvPacking, OneGemmThreeViewsSameResult) {
  Graph g = attention_graph(Scale::kMul, Mask::kSecond);
  const Graph original = g;
  ASSERT_EQ(fuse_matmul_bias(g), 3u);
  ASSERT_EQ(fuse_attention(g), 1u);
  ASSERT_EQ(pack_qkv_projections(g), 1u);
  EXPECT_NO_THROW(g.validate());
  EXPECT_EQ(op_types(g), (std::vector<std::string>{"Slice", "Slice", "Concat", "rill.FusedMatMul",
                                                   "Reshape", "rill.Attention", "Reshape"}));
  const Node& attention = g.nodes[5];
  EXPECT_EQ(attention.attr_int("qkv_packed", 0), 1);
  EXPECT_EQ(attention.inputs[0], attention.inputs[1]);
  EXPECT_EQ(attention.inputs[0], attention.inputs[2]);
  EXPECT_EQ(g.nodes[3].inputs[0], "x");
  const auto inputs = random_inputs(Mask::kSecond);
  EXPECT_LE(testing::max_abs_diff(run_reference(g, inputs).at("y"),
                                  run_reference(original, inputs).at("y")),
            2e-6f);
  EXPECT_EQ(pack_qkv_projections(g), 0u) << "packed attention is left alone";
}

TEST(QkvPacking, ProjectionsOfDifferentInputsOrShapesAreLeftAlone) {
  Graph g = attention_graph(Scale::kMul, Mask::kSecond);
  ASSERT_EQ(fuse_matmul_bias(g), 3u);
  ASSERT_EQ(fuse_attention(g), 1u);
  Graph other_shape = g;
  other_shape.initializers["shape4_v"] = other_shape.initializers.at("shape4");
  other_shape.initializers["shape4_v"].data<int64_t>()[2] = 1;  // another head split for v
  for (Node& n : other_shape.nodes) {
    if (n.name == "v_reshape") n.inputs[1] = "shape4_v";
  }
  EXPECT_EQ(pack_qkv_projections(other_shape), 0u);
  Graph other_input = g;
  other_input.inputs.push_back(value("x2", {kB, kS, kHidden}));
  for (Node& n : other_input.nodes) {
    if (n.op_type == "rill.FusedMatMul" && n.outputs[0] == "k_lin") n.inputs[0] = "x2";
  }
  EXPECT_EQ(pack_qkv_projections(other_input), 0u);
}

TEST(AttentionFusion, FusesMulScaleWithMask) {
  expect_fused_and_equivalent(Scale::kMul, Mask::kSecond, "mul");
}

TEST(AttentionFusion, FusesScaleConstantFirst) {
  expect_fused_and_equivalent(Scale::kMulFirst, Mask::kSecond, "constant first");
}

TEST(AttentionFusion, FusesDivScale) {
  expect_fused_and_equivalent(Scale::kDiv, Mask::kSecond, "div");
}

TEST(AttentionFusion, FusesScaleSplitOverQAndK) {
  expect_fused_and_equivalent(Scale::kSplit, Mask::kSecond, "split");
}

TEST(AttentionFusion, FusesScaledDotProductAttentionExport) {
  expect_fused_and_equivalent(Scale::kSdpa, Mask::kSecond, "sdpa");
}

TEST(AttentionFusion, FusesWithoutMask) {
  expect_fused_and_equivalent(Scale::kMul, Mask::kNone, "no mask");
}

TEST(AttentionFusion, FusesMaskAsFirstAddOperand) {
  expect_fused_and_equivalent(Scale::kDiv, Mask::kFirst, "mask first");
}

TEST(AttentionFusion, FusesKeyPaddingMask) {
  expect_fused_and_equivalent(Scale::kMul, Mask::kKeysOnly, "[B,1,1,S] mask");
}

TEST(AttentionFusion, SkipsWrongPerms) {
  Graph g = attention_graph(Scale::kMul, Mask::kSecond);
  for (Node& n : g.nodes) {
    if (n.name == "k_t") n.attributes["perm"] = std::vector<int64_t>{0, 2, 1, 3};
  }
  EXPECT_EQ(fuse_attention(g), 0u);
  Graph out = attention_graph(Scale::kMul, Mask::kSecond);
  for (Node& n : out.nodes) {
    if (n.name == "ctx_t") n.attributes["perm"] = std::vector<int64_t>{0, 1, 2, 3};
  }
  EXPECT_EQ(fuse_attention(out), 0u);
}

TEST(AttentionFusion, SkipsValuesWithOtherReaders) {
  Graph probs_out = attention_graph(Scale::kMul, Mask::kSecond);
  probs_out.outputs.push_back(value("probs", {kB, kH, kS, kS}));
  EXPECT_EQ(fuse_attention(probs_out), 0u);

  Graph shared = attention_graph(Scale::kMul, Mask::kSecond);
  shared.outputs.push_back(value("s_sq", {kB, kH, kS, kS}));
  shared.nodes.push_back(node("extra", "Mul", {"s", "s"}, {"s_sq"}));
  EXPECT_EQ(fuse_attention(shared), 0u);
}

TEST(AttentionFusion, SkipsNonScalarScaleAndOtherSoftmaxAxis) {
  Graph g = attention_graph(Scale::kMul, Mask::kSecond);
  g.initializers["scale"] = testing::random_tensor({kS}, 7);
  EXPECT_EQ(fuse_attention(g), 0u);
  Graph axis = attention_graph(Scale::kMul, Mask::kSecond);
  for (Node& n : axis.nodes) {
    if (n.op_type == "Softmax") n.attributes["axis"] = int64_t{2};
  }
  EXPECT_EQ(fuse_attention(axis), 0u);
}

// The exported model: TorchScript exporter, opset 17, eager attention, 12 layers. CI lacks the
// file: it is looked for under $RILL_MODELS_DIR.
TEST(AttentionFusion, FiresOncePerLayerOfBertBase) {
  const std::string path = rill::testing::exported_model_path("bert/model.onnx");
  if (path.empty()) GTEST_SKIP() << "no exported BERT-base: set RILL_MODELS_DIR";
  Graph g = onnx::import_onnx_file(path);
  const OptimizeStats stats = optimize(g, &engine::evaluate_on_host);
  EXPECT_EQ(stats.attention_fused, 12u) << summary(stats);
  size_t attention = 0;
  for (const Node& n : g.nodes) {
    attention += n.op_type == kAttentionOp ? 1 : 0;
    EXPECT_NE(n.op_type, "Softmax") << n.name;
    EXPECT_NE(n.op_type, "Transpose") << n.name;
  }
  EXPECT_EQ(attention, 12u);
  for (const Node& n : g.nodes) {
    if (n.op_type != kAttentionOp) continue;
    EXPECT_EQ(n.inputs.size(), 4u) << n.name << ": BERT's attention has a mask";
    EXPECT_FLOAT_EQ(n.attr_float("scale", 0.f), 0.125f) << n.name;
  }
}

}  // namespace
}  // namespace rill::ir
