// The reduced-precision rewrite (engine/reduced_precision.h): which nodes go to half precision,
// where casts go, how weights convert, and that the rewritten graph computes the same function
// on the CPU reference within half-precision tolerance. Also the build-time dtype check.
#include "engine/reduced_precision.h"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>

#include "rill/engine.h"

#include "../ir/graph_builder.h"
#include "engine/builder.h"
#include "engine/engine_state.h"
#include "io/npy.h"
#include "op_test_driver.h"
#include "test_paths.h"

namespace rill::engine {
namespace {

using ir::testing::node;
using ir::testing::value;

// x[2,8] -> MatMul(w1) -> Softmax -> MatMul(w2) -> y[2,4]
ir::Graph mlp() {
  ir::Graph g;
  g.opset = 17;
  g.inputs = {value("x", {2, 8})};
  g.outputs = {value("y", {2, 4})};
  g.initializers["w1"] = testing::random_tensor(DType::kFloat32, {8, 16}, 1);
  g.initializers["w2"] = testing::random_tensor(DType::kFloat32, {16, 4}, 2);
  g.nodes = {node("mm1", "MatMul", {"x", "w1"}, {"h"}),
             node("soft", "Softmax", {"h"}, {"p"}, {{"axis", int64_t{-1}}}),
             node("mm2", "MatMul", {"p", "w2"}, {"y"})};
  return g;
}

const std::map<std::string, ir::Shape> kMlpShapes = {{"x", {2, 8}}};

// The support the engine derives from gpu_dtypes, with Softmax refused, so that the tests do not
// depend on which ops have half kernels today.
bool no_half_softmax(const ir::Node& n, const ops::OpDef& def, DType dtype) {
  return n.op_type != "Softmax" && op_supports_half(n, def, dtype);
}

const ir::Node* find(const ir::Graph& g, const std::string& name) {
  const auto it = std::find_if(g.nodes.begin(), g.nodes.end(),
                               [&](const ir::Node& n) { return n.name == name; });
  return it == g.nodes.end() ? nullptr : &*it;
}

std::vector<std::string> casts_to(const ir::Graph& g, int64_t onnx_type) {
  std::vector<std::string> inputs;
  for (const ir::Node& n : g.nodes) {
    if (n.op_type == "Cast" && n.attr_int("to", 0) == onnx_type) inputs.push_back(n.inputs[0]);
  }
  return inputs;
}

std::map<std::string, Engine::HostTensor> run(const ir::Graph& graph,
                                              const std::map<std::string, ir::HostTensor>& inputs) {
  BuildOptions options;
  options.optimize = false;
  const auto engine = EngineAccess::make(build_definition(graph, options, "test"));
  std::map<std::string, Engine::HostTensor> host;
  for (const auto& [name, t] : inputs) {
    host[name] = {t.dtype(), t.shape(), std::vector<std::byte>(t.raw(), t.raw() + t.bytes())};
  }
  return engine->run_on_cpu(host);
}

ir::HostTensor to_ir(const Engine::HostTensor& t) {
  return ir::HostTensor(t.dtype, t.shape, t.data);
}

TEST(ReducedPrecision, HalfNodesCastsAtEdgesAndAroundFloatNodes) {
  for (DType half : {DType::kFloat16, DType::kBFloat16}) {
    const int64_t half_code = half == DType::kFloat16 ? 10 : 16;
    ir::Graph g = mlp();
    const PrecisionReport report =
        convert_to_reduced_precision(g, half, kMlpShapes, no_half_softmax);
    EXPECT_EQ(report.half_nodes, 2u);
    EXPECT_EQ(report.float_nodes, 1u);
    EXPECT_EQ(report.converted_weights, 2u);
    EXPECT_EQ(report.casts, 4u);
    EXPECT_EQ(g.initializers.at("w1").dtype(), half);
    EXPECT_EQ(g.initializers.at("w2").dtype(), half);
    // Into half: the engine input x and Softmax's float32 result; back to float32: MatMul 1's
    // result for Softmax and MatMul 2's result for the engine output y.
    EXPECT_EQ(casts_to(g, half_code).size(), 2u);
    EXPECT_EQ(casts_to(g, 1).size(), 2u);
    ASSERT_NE(find(g, "mm1"), nullptr);
    EXPECT_NE(find(g, "mm1")->inputs[0], "x");
    EXPECT_EQ(find(g, "soft")->inputs[0], "h_fp32");
    EXPECT_EQ(find(g, "mm2")->inputs[0], half == DType::kFloat16 ? "p_fp16" : "p_bf16");
    EXPECT_EQ(g.outputs[0].name, "y");
    EXPECT_EQ(g.outputs[0].dtype, DType::kFloat32);
    EXPECT_EQ(g.nodes.back().op_type, "Cast") << "the engine output is cast back last";
    EXPECT_EQ(g.nodes.back().outputs[0], "y");
    EXPECT_NO_THROW(g.validate());
  }
}

TEST(ReducedPrecision, ComputesTheSameFunctionWithinHalfTolerance) {
  const ir::HostTensor x = testing::random_tensor(DType::kFloat32, {2, 8}, 3);
  const ir::HostTensor want = to_ir(run(mlp(), {{"x", x}}).at("y"));
  for (DType half : {DType::kFloat16, DType::kBFloat16}) {
    ir::Graph g = mlp();
    (void)convert_to_reduced_precision(g, half, kMlpShapes, no_half_softmax);
    const ir::HostTensor got = to_ir(run(g, {{"x", x}}).at("y"));
    ASSERT_EQ(got.dtype(), DType::kFloat32);
    const double error = testing::relative_l2(got, want);
    EXPECT_LT(error, half == DType::kFloat16 ? 2e-3 : 1.5e-2) << dtype_name(half);
    EXPECT_GT(error, 0.0) << "half arithmetic rounds: an exact match means nothing was converted";
  }
}

TEST(ReducedPrecision, SharedWeightsKeepAFloatCopyAndGraphOutputsReadInsideStayHalf) {
  ir::Graph g;
  g.opset = 17;
  g.inputs = {value("x", {2, 4})};
  g.outputs = {value("h", {2, 4}), value("y", {2, 4})};
  g.initializers["w"] = testing::random_tensor(DType::kFloat32, {4, 4}, 4);
  g.nodes = {node("mm1", "MatMul", {"x", "w"}, {"h"}), node("mm2", "MatMul", {"h", "w"}, {"z"}),
             node("soft", "Softmax", {"w"}, {"sw"}), node("mm3", "MatMul", {"z", "sw"}, {"y"})};
  (void)convert_to_reduced_precision(g, DType::kFloat16, {{"x", {2, 4}}}, no_half_softmax);
  EXPECT_EQ(g.initializers.at("w").dtype(), DType::kFloat32) << "Softmax reads w in float32";
  ASSERT_EQ(g.initializers.count("w_fp16"), 1u);
  EXPECT_EQ(find(g, "mm1")->inputs[1], "w_fp16");
  EXPECT_EQ(find(g, "mm2")->inputs[1], "w_fp16");
  EXPECT_EQ(find(g, "soft")->inputs[0], "w");
  // h is an engine output and mm2's input: mm2 reads the half value, the output gets a cast.
  EXPECT_EQ(find(g, "mm1")->outputs[0], "h_fp16");
  EXPECT_EQ(find(g, "mm2")->inputs[0], "h_fp16");
  EXPECT_NO_THROW(g.validate());
  const ir::HostTensor x = testing::random_tensor(DType::kFloat32, {2, 4}, 5);
  const auto out = run(g, {{"x", x}});
  EXPECT_EQ(out.at("h").dtype, DType::kFloat32);
  EXPECT_EQ(out.at("y").dtype, DType::kFloat32);
}

TEST(ReducedPrecision, CastsToFloatInsideTheHalfRegionProduceHalf) {
  ir::Graph g;
  g.opset = 17;
  g.inputs = {value("ids", {2, 4}, DType::kInt64)};
  g.outputs = {value("y", {2, 3})};
  g.initializers["w"] = testing::random_tensor(DType::kFloat32, {4, 3}, 6);
  g.nodes = {node("cast", "Cast", {"ids"}, {"f"}, {{"to", int64_t{1}}}),
             node("mm", "MatMul", {"f", "w"}, {"y"})};
  const PrecisionReport report =
      convert_to_reduced_precision(g, DType::kBFloat16, {{"ids", {2, 4}}});
  EXPECT_EQ(find(g, "cast")->attr_int("to", 0), 16) << "int64 -> bfloat16 directly";
  EXPECT_EQ(find(g, "mm")->inputs[0], "f");
  EXPECT_EQ(report.casts, 1u) << "only the engine output's cast back to float32";
}

TEST(ReducedPrecision, Float16WeightsSaturateInsteadOfOverflowing) {
  ir::Graph g;
  g.opset = 17;
  g.inputs = {value("x", {1, 2})};
  g.outputs = {value("y", {1, 2})};
  g.initializers["w"] = ir::HostTensor::from<float>({2, 2}, {-3.4e38f, 1e5f, 0.5f, 2.0f});
  g.nodes = {node("mm", "MatMul", {"x", "w"}, {"y"})};
  (void)convert_to_reduced_precision(g, DType::kFloat16, {{"x", {1, 2}}});
  const std::vector<double> w = g.initializers.at("w").as_doubles();
  EXPECT_EQ(w[0], -65504.0);
  EXPECT_EQ(w[1], 65504.0);
  EXPECT_EQ(w[2], 0.5);
}

TEST(ReducedPrecision, BuilderRejectsDtypesAnOpCannotRunOnTheGpu) {
  ir::Graph g;
  g.opset = 17;
  g.inputs = {value("a", {2, 2}, DType::kFloat64)};
  g.outputs = {value("y", {2, 2}, DType::kFloat64)};
  g.initializers["b"] = ir::HostTensor::from<double>({2, 2}, {1, 2, 3, 4});
  g.nodes = {node("mm", "MatMul", {"a", "b"}, {"y"})};
  try {
    (void)build_definition(g, {}, "float64.onnx");
    FAIL() << "float64 MatMul has no GPU kernel";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_EQ(e.context_value("node"), "mm");
    EXPECT_EQ(e.context_value("dtype"), "float64");
    EXPECT_NE(e.context_value("supported").find("float16"), std::string::npos);
  }
}

TEST(ReducedPrecision, BundledModelBuildsInHalfAndMatchesItsFloat64Reference) {
  const ir::HostTensor input = io::read_npy(testing::model_path("tiny_cnn_reference/input.npy"));
  for (Precision precision : {Precision::kFloat16, Precision::kBFloat16}) {
    BuildOptions options;
    options.precision = precision;
    const auto engine = Engine::build_from_onnx(testing::model_path("tiny_cnn.onnx"), options);
    EXPECT_EQ(engine->options().precision, precision);
    EXPECT_GT(engine->summary().half_nodes, 0u);
    const auto outputs =
        engine->run_on_cpu({{"input",
                             {input.dtype(), input.shape(),
                              std::vector<std::byte>(input.raw(), input.raw() + input.bytes())}}});
    const ir::HostTensor expected =
        io::read_npy(testing::model_path("tiny_cnn_reference/logits.npy"));
    ASSERT_EQ(outputs.at("logits").dtype, DType::kFloat32);
    EXPECT_LT(testing::relative_l2(to_ir(outputs.at("logits")), expected),
              precision == Precision::kFloat16 ? 1e-2 : 2e-2)
        << precision_name(precision);
  }
}

}  // namespace
}  // namespace rill::engine
