// The channels-last layout pass (ir/passes/channels_last.h) on a small ResNet-like graph: the
// rewritten graph computes what the original did (CPU references of every op, through the
// engine's CPU executor), and only the expected layout conversions remain.
#include "test_paths.h"
#include "ir/passes/channels_last.h"

#include <algorithm>
#include <cstdlib>
#include <gtest/gtest.h>
#include <random>

#include "engine/cpu_executor.h"
#include "engine/graph_shapes.h"
#include "engine/host_evaluation.h"
#include "engine/reduced_precision.h"
#include "graph_builder.h"
#include "ir/passes/optimize.h"
#include "onnx/importer.h"

namespace rill::ir::testing {
namespace {

HostTensor random_floats(const Shape& shape, uint64_t seed, float scale = 1.0f) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(-scale, scale);
  std::vector<float> v(static_cast<size_t>(element_count(shape)));
  for (float& f : v) f = dist(rng);
  return HostTensor::from<float>(shape, v);
}

size_t count_op(const Graph& graph, const std::string& op) {
  const std::vector<std::string> ops = op_types(graph);
  return static_cast<size_t>(std::count(ops.begin(), ops.end(), op));
}

// stem conv+relu -> maxpool -> block (1x1 relu, 3x3, + identity, relu)
// -> downsample block (3x3/2 main, 1x1/2 shortcut, add, relu) -> global average pool -> flatten
// -> gemm. As exported: Conv, Relu and Add are separate nodes.
Graph resnet_like(int64_t batch) {
  Graph g;
  g.name = "resnet_like";
  g.opset = 17;
  g.inputs = {value("x", {batch, 3, 16, 16})};
  g.outputs = {value("logits", {batch, 5})};
  uint64_t seed = 1;
  auto conv = [&](const std::string& name, const std::string& in, const std::string& out,
                  int64_t cin, int64_t cout, int64_t k, int64_t stride) {
    g.initializers[name + ".w"] = random_floats({cout, cin, k, k}, ++seed, 0.5f);
    g.initializers[name + ".b"] = random_floats({cout}, ++seed, 0.1f);
    const int64_t p = k / 2;
    g.nodes.push_back(node(name, "Conv", {in, name + ".w", name + ".b"}, {out},
                           {{"kernel_shape", std::vector<int64_t>{k, k}},
                            {"strides", std::vector<int64_t>{stride, stride}},
                            {"pads", std::vector<int64_t>{p, p, p, p}}}));
  };
  conv("stem", "x", "stem_out", 3, 8, 3, 2);
  g.nodes.push_back(node("stem_relu", "Relu", {"stem_out"}, {"stem_act"}));
  g.nodes.push_back(node("pool", "MaxPool", {"stem_act"}, {"pool_out"},
                         {{"kernel_shape", std::vector<int64_t>{3, 3}},
                          {"strides", std::vector<int64_t>{2, 2}},
                          {"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
  conv("b1c1", "pool_out", "b1c1_out", 8, 8, 1, 1);
  g.nodes.push_back(node("b1r1", "Relu", {"b1c1_out"}, {"b1r1_out"}));
  conv("b1c2", "b1r1_out", "b1c2_out", 8, 8, 3, 1);
  g.nodes.push_back(node("b1add", "Add", {"b1c2_out", "pool_out"}, {"b1add_out"}));
  g.nodes.push_back(node("b1r2", "Relu", {"b1add_out"}, {"b1_out"}));
  // The shortcut conv comes after the main branch's last conv, as torch exports it.
  conv("b2c1", "b1_out", "b2c1_out", 8, 16, 3, 2);
  g.nodes.push_back(node("b2r1", "Relu", {"b2c1_out"}, {"b2r1_out"}));
  conv("b2c2", "b2r1_out", "b2c2_out", 16, 16, 3, 1);
  conv("b2down", "b1_out", "b2down_out", 8, 16, 1, 2);
  g.nodes.push_back(node("b2add", "Add", {"b2c2_out", "b2down_out"}, {"b2add_out"}));
  g.nodes.push_back(node("b2r2", "Relu", {"b2add_out"}, {"b2_out"}));
  g.nodes.push_back(node("gap", "GlobalAveragePool", {"b2_out"}, {"gap_out"}));
  g.nodes.push_back(node("flatten", "Flatten", {"gap_out"}, {"flat"}));
  g.initializers["fc.w"] = random_floats({5, 16}, ++seed, 0.5f);
  g.initializers["fc.b"] = random_floats({5}, ++seed, 0.1f);
  g.nodes.push_back(
      node("fc", "Gemm", {"flat", "fc.w", "fc.b"}, {"logits"}, {{"transB", int64_t{1}}}));
  g.validate();
  return g;
}

HostTensor run(const Graph& graph, const HostTensor& x) {
  return engine::run_graph_on_cpu(graph, {{"x", x}}).at("logits");
}

double relative_error(const HostTensor& a, const HostTensor& b) {
  double num = 0.0;
  double den = 0.0;
  const auto av = a.values<float>();
  const auto bv = b.values<float>();
  for (size_t i = 0; i < av.size(); ++i) {
    num += (double{av[i]} - bv[i]) * (double{av[i]} - bv[i]);
    den += double{bv[i]} * bv[i];
  }
  return std::sqrt(num / den);
}

const SameShape kAllSame = [](const std::string&, const std::string&) { return true; };

TEST(ChannelsLast, ResNetLikeGraphKeepsItsOutputsWithOneTranspose) {
  const Graph original = resnet_like(2);
  Graph graph = original;
  const ChannelsLastStats stats = convert_to_channels_last(graph, kAllSame);
  graph.validate();

  EXPECT_EQ(stats.convs, 6u);
  EXPECT_EQ(stats.transposes, 0u);
  EXPECT_EQ(stats.residuals_fused, 2u);
  EXPECT_EQ(stats.activations_fused, 5u);  // stem, b1r1, b1r2, b2r1, b2r2
  EXPECT_EQ(count_op(graph, "Transpose"), 0u);
  EXPECT_EQ(count_op(graph, "Conv"), 0u);
  EXPECT_EQ(count_op(graph, std::string(kConvNhwcOp)), 6u);
  EXPECT_EQ(count_op(graph, std::string(kMaxPoolNhwcOp)), 1u);
  EXPECT_EQ(count_op(graph, "Relu"), 0u);
  EXPECT_EQ(count_op(graph, "Add"), 0u);
  EXPECT_EQ(count_op(graph, "ReduceMean"), 1u);
  EXPECT_EQ(count_op(graph, "Reshape"), 1u);
  // The 3-channel stem reads its input made NHWC and padded to 8 channels by one rill.ToNhwc at
  // the input, its filter padded alike.
  EXPECT_EQ(graph.nodes.front().op_type, std::string(kToNhwcOp));
  EXPECT_EQ(graph.nodes.front().attr_int("pad_channels", 0), 5);
  EXPECT_EQ(stats.to_nhwc, 1u);
  EXPECT_EQ(stats.channel_pads, 0u);
  EXPECT_EQ(count_op(graph, "Pad"), 0u);
  EXPECT_EQ(graph.nodes[1].inputs[0], graph.nodes[0].outputs[0]);
  EXPECT_EQ(graph.initializers.at(graph.nodes[1].inputs[1]).shape(), (Shape{8, 3, 3, 8}));
  // Filters are KRSC initializers; the NCHW originals are gone.
  EXPECT_EQ(graph.initializers.count("stem.w"), 0u);
  for (const Node& n : graph.nodes) {
    if (n.op_type == kConvNhwcOp) {
      EXPECT_EQ(n.domain, "rill");
      EXPECT_EQ(graph.initializers.at(n.inputs[1]).shape()[3],
                std::max<int64_t>(8, original.initializers.at(n.name + ".w").shape()[1]));
    }
  }

  const HostTensor x = random_floats({2, 3, 16, 16}, 99);
  const HostTensor before = run(original, x);
  const HostTensor after = run(graph, x);
  ASSERT_EQ(after.shape(), before.shape());
  EXPECT_LT(relative_error(after, before), 1e-5);
}

// As the engine builder runs it: after optimize(), where Conv + Relu are fused already and Add +
// Relu became a rill.FusedElementwise.
TEST(ChannelsLast, AfterTheStandardPipeline) {
  Graph original = resnet_like(2);
  // Elementwise fusion wants float32 declared on every value it fuses.
  for (const char* name : {"pool_out", "b1c2_out", "b1add_out", "b1_out"}) {
    annotate(original, name, {2, 8, 4, 4});
  }
  for (const char* name : {"b2c2_out", "b2down_out", "b2add_out", "b2_out"}) {
    annotate(original, name, {2, 16, 2, 2});
  }
  Graph graph = original;
  optimize(graph, &engine::evaluate_on_host);
  ASSERT_EQ(count_op(graph, "rill.FusedElementwise"), 2u);
  const ChannelsLastStats stats = convert_to_channels_last(graph, kAllSame);
  graph.validate();
  EXPECT_EQ(stats.residuals_fused, 2u);
  EXPECT_EQ(count_op(graph, "Transpose"), 0u);
  EXPECT_EQ(count_op(graph, std::string(kToNhwcOp)), 1u);
  EXPECT_EQ(count_op(graph, "rill.FusedElementwise"), 0u);
  EXPECT_EQ(count_op(graph, std::string(kConvNhwcOp)), 6u);
  size_t with_z_and_relu = 0;
  for (const Node& n : graph.nodes) {
    if (n.op_type == kConvNhwcOp && n.inputs.size() == 4 &&
        n.attr_string("rill_activation", "") == "Relu") {
      ++with_z_and_relu;
    }
  }
  EXPECT_EQ(with_z_and_relu, 2u);
  const HostTensor x = random_floats({2, 3, 16, 16}, 5);
  EXPECT_LT(relative_error(run(graph, x), run(original, x)), 1e-5);
}

// Then the reduced-precision rewrite, as a float16 engine build runs it: the channels-last ops
// run in float16 (their gpu_dtypes say so) and the graph still computes the model, to float16
// accuracy, on the CPU references.
TEST(ChannelsLast, ChannelsLastOpsRunInHalfAfterTheReducedPrecisionRewrite) {
  const Graph original = resnet_like(2);
  Graph graph = original;
  optimize(graph, &engine::evaluate_on_host);
  convert_to_channels_last(graph, kAllSame);
  const std::map<std::string, Shape> shapes{{"x", {2, 3, 16, 16}}};
  engine::convert_to_reduced_precision(graph, DType::kFloat16, shapes);
  graph.validate();
  const engine::GraphShapes after = engine::infer_graph_shapes(graph, shapes);
  size_t half_ops = 0;
  for (const Node& n : graph.nodes) {
    if (n.op_type == kToNhwcOp) {
      // The input's layout change runs on half data, not between casts in float32.
      EXPECT_EQ(after.descs[after.id(n.outputs[0])].dtype, DType::kFloat16) << n.name;
    }
    if (n.op_type == kConvNhwcOp || n.op_type == kMaxPoolNhwcOp) {
      EXPECT_EQ(after.descs[after.id(n.outputs[0])].dtype, DType::kFloat16) << n.name;
      ++half_ops;
    }
  }
  EXPECT_EQ(half_ops, 7u);
  const HostTensor x = random_floats({2, 3, 16, 16}, 11);
  EXPECT_LT(relative_error(run(graph, x), run(original, x)), 1e-2);
}

TEST(ChannelsLast, WithoutShapeKnowledgeAddsStayNhwcAdds) {
  const Graph original = resnet_like(1);
  Graph graph = original;
  const ChannelsLastStats stats = convert_to_channels_last(graph);
  graph.validate();
  EXPECT_EQ(stats.residuals_fused, 0u);
  EXPECT_EQ(count_op(graph, std::string(kToNhwcOp)), 1u);
  EXPECT_EQ(count_op(graph, "Add"), 2u);
  // The Relus after the Adds cannot join a convolution; they run on NHWC values.
  EXPECT_EQ(count_op(graph, "Relu"), 2u);
  const HostTensor x = random_floats({1, 3, 16, 16}, 7);
  EXPECT_LT(relative_error(run(graph, x), run(original, x)), 1e-5);
}

TEST(ChannelsLast, NchwReadersGetOneTransposeBack) {
  Graph g;
  g.opset = 17;
  g.inputs = {value("x", {1, 4, 6, 6})};
  g.outputs = {value("a", {1, 4, 6, 6}), value("b", {1, 4, 6, 6}), value("y", {1, 4, 6, 6})};
  g.initializers["w"] = random_floats({4, 4, 3, 3}, 3);
  g.nodes.push_back(
      node("conv", "Conv", {"x", "w"}, {"y"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
  g.nodes.push_back(node("s1", "Softmax", {"y"}, {"a"}, {{"axis", int64_t{1}}}));
  g.nodes.push_back(node("s2", "Softmax", {"y"}, {"b"}, {{"axis", int64_t{2}}}));
  const Graph original = g;
  const ChannelsLastStats stats = convert_to_channels_last(g, kAllSame, 1);  // no channel pad
  g.validate();
  EXPECT_EQ(stats.transposes, 2u);  // in, and once back for both readers and the output
  EXPECT_EQ(count_op(g, "Pad"), 0u);
  const HostTensor x = random_floats({1, 4, 6, 6}, 8);
  const auto before = engine::run_graph_on_cpu(original, {{"x", x}});
  const auto after = engine::run_graph_on_cpu(g, {{"x", x}});
  for (const char* name : {"a", "b", "y"}) {
    SCOPED_TRACE(name);
    EXPECT_LT(relative_error(after.at(name), before.at(name)), 1e-6);
  }
}

TEST(ChannelsLast, ModelTransposeFromNhwcCancels) {
  Graph g;
  g.opset = 17;
  g.inputs = {value("x", {1, 6, 6, 8})};  // NHWC, as a TensorFlow export has it
  g.outputs = {value("y", {1, 8, 6, 6})};
  g.initializers["w"] = random_floats({8, 8, 3, 3}, 3);
  g.nodes.push_back(node("to_nchw", "Transpose", {"x"}, {"x_nchw"},
                         {{"perm", std::vector<int64_t>{0, 3, 1, 2}}}));
  g.nodes.push_back(
      node("conv", "Conv", {"x_nchw", "w"}, {"c"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
  g.nodes.push_back(node("relu", "Relu", {"c"}, {"y"}));
  const Graph original = g;
  const ChannelsLastStats stats = convert_to_channels_last(g, kAllSame);
  g.validate();
  EXPECT_EQ(stats.cancelled, 1u);
  // The conv reads x itself; one Transpose remains, back to NCHW for the output.
  EXPECT_EQ(op_types(g), (std::vector<std::string>{std::string(kConvNhwcOp), "Transpose"}));
  EXPECT_EQ(g.nodes[0].inputs[0], "x");
  const HostTensor x = random_floats({1, 6, 6, 8}, 9);
  EXPECT_LT(relative_error(engine::run_graph_on_cpu(g, {{"x", x}}).at("y"),
                           engine::run_graph_on_cpu(original, {{"x", x}}).at("y")),
            1e-6);
}

TEST(ChannelsLast, LeavesAsymmetricPadsAndNon2dConvsAlone) {
  Graph g;
  g.opset = 17;
  g.inputs = {value("x", {1, 2, 5, 5})};
  g.outputs = {value("y", {1, 2, 4, 4})};
  g.initializers["w"] = random_floats({2, 2, 2, 2}, 4);
  g.nodes.push_back(
      node("conv", "Conv", {"x", "w"}, {"y"},
           {{"auto_pad", std::string("SAME_UPPER")}, {"strides", std::vector<int64_t>{2, 2}}}));
  Graph rewritten = g;
  const ChannelsLastStats stats = convert_to_channels_last(rewritten, kAllSame);
  EXPECT_EQ(stats.convs, 0u);
  EXPECT_EQ(op_types(rewritten), op_types(g));
}

// The real model, under $RILL_MODELS_DIR (torch's ResNet-50 export): after the
// builder's passes, one Transpose at the input, every Conv channels-last, every residual Add and
// Relu inside a convolution, and the pooling channels-last.
TEST(ChannelsLast, ResNet50HasOneTransposeAtTheInput) {
  const std::string path = rill::testing::exported_model_path("resnet50/model.onnx");
  if (path.empty()) GTEST_SKIP() << "no exported ResNet-50: set RILL_MODELS_DIR";
  Graph graph = onnx::import_onnx_file(path);
  optimize(graph, &engine::evaluate_on_host);
  const engine::GraphShapes lo = engine::infer_graph_shapes(graph, {{"input", {1, 3, 224, 224}}});
  const engine::GraphShapes hi = engine::infer_graph_shapes(graph, {{"input", {32, 3, 224, 224}}});
  const ChannelsLastStats stats =
      convert_to_channels_last(graph, [&](const std::string& a, const std::string& b) {
        return lo.descs[lo.id(a)].shape == lo.descs[lo.id(b)].shape &&
               hi.descs[hi.id(a)].shape == hi.descs[hi.id(b)].shape;
      });
  graph.validate();
  EXPECT_EQ(stats.convs, 53u);
  EXPECT_EQ(stats.residuals_fused, 16u);
  EXPECT_EQ(stats.transposes, 0u);
  EXPECT_EQ(count_op(graph, "Transpose"), 0u);
  EXPECT_EQ(count_op(graph, std::string(kConvNhwcOp)), 53u);
  EXPECT_EQ(count_op(graph, std::string(kMaxPoolNhwcOp)), 1u);
  EXPECT_EQ(count_op(graph, "Relu"), 0u);
  EXPECT_EQ(count_op(graph, "Add"), 0u);
  EXPECT_EQ(count_op(graph, "rill.FusedElementwise"), 0u);
  // rill.ToNhwc, 53 convolutions, max pool, ReduceMean, Reshape, Flatten, Gemm.
  std::string listing;
  for (const Node& n : graph.nodes) {
    if (n.op_type != kConvNhwcOp) listing += n.op_type + " ";
  }
  EXPECT_EQ(stats.to_nhwc, 1u);
  EXPECT_EQ(stats.channel_pads, 0u);
  EXPECT_EQ(graph.nodes.size(), 59u) << listing;
  const engine::GraphShapes after =
      engine::infer_graph_shapes(graph, {{"input", {2, 3, 224, 224}}});
  EXPECT_EQ(after.descs[after.id(graph.outputs[0].name)].shape, (Shape{2, 1000}));
}

}  // namespace
}  // namespace rill::ir::testing
