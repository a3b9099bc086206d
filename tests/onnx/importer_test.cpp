// Import of real models (the bundled tiny CNN, ONNX's backend test models) and of small models
// built here.
#include "onnx/importer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <string>
#include <vector>

#include "model_builder.h"

namespace rill::onnx {
namespace {

using testing::float_tensor;
using testing::make_node;
using testing::relu_model;
using testing::serialize;
using testing::tensor_value;

const std::string kTinyCnn = std::string(RILL_SOURCE_DIR) + "/models/tiny_cnn.onnx";
const std::string kNodeTests = "/usr/share/libonnx-testdata/data/node/";

ir::SymbolicShape dims(std::vector<ir::Dim> d) {
  return d;
}

TEST(ImportTinyCnn, InputsOutputsAndNodes) {
  const ir::Graph graph = import_onnx_file(kTinyCnn);
  EXPECT_EQ(graph.opset, 17);

  ASSERT_EQ(graph.inputs.size(), 1u);  // initializers are not runtime inputs
  EXPECT_EQ(graph.inputs[0].name, "input");
  EXPECT_EQ(graph.inputs[0].dtype, DType::kFloat32);
  ASSERT_TRUE(graph.inputs[0].shape);
  EXPECT_EQ(*graph.inputs[0].shape, dims({{-1, "batch"}, {3, ""}, {32, ""}, {32, ""}}));

  ASSERT_EQ(graph.outputs.size(), 2u);
  EXPECT_EQ(graph.outputs[0].name, "logits");
  EXPECT_EQ(graph.outputs[1].name, "probs");
  EXPECT_EQ(*graph.outputs[1].shape, dims({{-1, "batch"}, {10, ""}}));

  std::vector<std::string> ops;
  for (const ir::Node& node : graph.nodes) ops.push_back(node.op_type);
  const std::vector<std::string> expected = {"Conv",    "BatchNormalization",
                                             "Relu",    "MaxPool",
                                             "Conv",    "Relu",
                                             "Conv",    "Add",
                                             "Relu",    "GlobalAveragePool",
                                             "Flatten", "Gemm",
                                             "Div",     "Erf",
                                             "Add",     "Mul",
                                             "Mul",     "Gemm",
                                             "Softmax"};
  EXPECT_EQ(ops, expected);
  EXPECT_EQ(graph.nodes[0].name, "conv1");
  EXPECT_EQ(graph.nodes[0].attr_ints("pads"), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(graph.nodes[11].attr_int("transB", 0), 1);
  EXPECT_TRUE(graph.nodes[1].has_attribute("epsilon"));

  EXPECT_EQ(graph.initializers.size(), 17u);
  EXPECT_EQ(graph.initializers.at("conv1.weight").shape(), (ir::Shape{16, 3, 3, 3}));
  EXPECT_EQ(graph.initializers.at("gelu.sqrt2").shape(), ir::Shape{});  // 0-d scalar
  EXPECT_NEAR(graph.initializers.at("gelu.sqrt2").data<float>()[0], 1.41421356f, 1e-6f);

  // Strict shape inference annotated the intermediates, batch stays symbolic.
  ASSERT_TRUE(graph.value_info.count("pool1_out"));
  EXPECT_EQ(*graph.value_info.at("pool1_out").shape,
            dims({{-1, "batch"}, {16, ""}, {16, ""}, {16, ""}}));
  EXPECT_NO_THROW(graph.validate());
}

TEST(ImportTinyCnn, BytesMatchFile) {
  std::ifstream in(kTinyCnn, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const ir::Graph graph = import_onnx_bytes(bytes, "<memory>");
  EXPECT_EQ(graph.nodes.size(), 19u);
}

struct NodeTestCase {
  const char* test;
  const char* op;
};

class ImportNodeTest : public ::testing::TestWithParam<NodeTestCase> {};

// Each backend test model imports, holds its one op, and its test inputs load with the shapes
// the model declares.
TEST_P(ImportNodeTest, ImportsAndLoadsTestData) {
  const std::string dir = kNodeTests + GetParam().test;
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "libonnx-testdata not installed: " << dir;
  const ir::Graph graph = import_onnx_file(dir + "/model.onnx");
  ASSERT_EQ(graph.nodes.size(), 1u);
  EXPECT_EQ(graph.nodes[0].op_type, GetParam().op);
  EXPECT_FALSE(graph.nodes[0].name.empty());
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const ir::HostTensor tensor =
        load_tensor_proto_file(dir + "/test_data_set_0/input_" + std::to_string(i) + ".pb");
    EXPECT_EQ(tensor.dtype(), graph.inputs[i].dtype) << graph.inputs[i].name;
    ASSERT_TRUE(graph.inputs[i].shape);
    ASSERT_EQ(tensor.shape().size(), graph.inputs[i].shape->size());
    for (size_t d = 0; d < tensor.shape().size(); ++d) {
      const ir::Dim& dim = (*graph.inputs[i].shape)[d];
      if (dim.is_static()) {
        EXPECT_EQ(tensor.shape()[d], dim.value);
      }
    }
  }
  const ir::HostTensor expected = load_tensor_proto_file(dir + "/test_data_set_0/output_0.pb");
  EXPECT_EQ(expected.dtype(), graph.outputs[0].dtype);
}

INSTANTIATE_TEST_SUITE_P(
    BackendModels, ImportNodeTest,
    ::testing::Values(NodeTestCase{"test_add_bcast", "Add"}, NodeTestCase{"test_relu", "Relu"},
                      NodeTestCase{"test_gemm_all_attributes", "Gemm"},
                      NodeTestCase{"test_batchnorm_example", "BatchNormalization"},
                      NodeTestCase{"test_constant", "Constant"},
                      NodeTestCase{"test_shape_start_1", "Shape"},
                      NodeTestCase{"test_softmax_axis_1", "Softmax"},
                      NodeTestCase{"test_clip", "Clip"}, NodeTestCase{"test_gather_0", "Gather"},
                      NodeTestCase{"test_lstm_defaults", "LSTM"},
                      NodeTestCase{"test_cast_FLOAT_to_DOUBLE", "Cast"}),
    [](const auto& test_info) { return std::string(test_info.param.test); });

TEST(ImportAttributes, AllKindsConvert) {
  ::onnx::ModelProto model = testing::empty_model();
  auto* graph = model.mutable_graph();
  *graph->add_input() = tensor_value("x", {int64_t{1}, int64_t{2}, int64_t{5}, int64_t{5}});
  *graph->add_initializer() = float_tensor("w", {4, 2, 3, 3}, std::vector<float>(72, 0.5f));
  *graph->add_output() = tensor_value("y", {int64_t{1}, int64_t{4}, int64_t{5}, int64_t{5}});
  *graph->add_output() = tensor_value("c", {int64_t{3}});
  *graph->add_output() = tensor_value("t", {int64_t{2}});

  ::onnx::NodeProto conv = make_node("Conv", {"x", "w"}, {"conv_out"});  // unnamed
  auto* pads = conv.add_attribute();
  pads->set_name("pads");
  pads->set_type(::onnx::AttributeProto::INTS);
  for (int i = 0; i < 4; ++i) pads->add_ints(1);
  auto* group = conv.add_attribute();
  group->set_name("group");
  group->set_type(::onnx::AttributeProto::INT);
  group->set_i(1);
  auto* auto_pad = conv.add_attribute();
  auto_pad->set_name("auto_pad");
  auto_pad->set_type(::onnx::AttributeProto::STRING);
  auto_pad->set_s("NOTSET");
  *graph->add_node() = conv;

  ::onnx::NodeProto leaky = make_node("LeakyRelu", {"conv_out"}, {"y"});  // unnamed
  auto* alpha = leaky.add_attribute();
  alpha->set_name("alpha");
  alpha->set_type(::onnx::AttributeProto::FLOAT);
  alpha->set_f(0.25f);
  *graph->add_node() = leaky;

  ::onnx::NodeProto floats = make_node("Constant", {}, {"c"}, "consts");
  auto* values = floats.add_attribute();
  values->set_name("value_floats");
  values->set_type(::onnx::AttributeProto::FLOATS);
  for (float v : {1.f, 2.f, 3.f}) values->add_floats(v);
  *graph->add_node() = floats;

  ::onnx::NodeProto tensor = make_node("Constant", {}, {"t"}, "tensor");
  auto* value = tensor.add_attribute();
  value->set_name("value");
  value->set_type(::onnx::AttributeProto::TENSOR);
  *value->mutable_t() = float_tensor("", {2}, {4.f, 5.f});
  *graph->add_node() = tensor;

  ::onnx::NodeProto strings = make_node("Constant", {}, {"s"}, "strings");
  auto* texts = strings.add_attribute();
  texts->set_name("value_strings");
  texts->set_type(::onnx::AttributeProto::STRINGS);
  texts->add_strings("a");
  texts->add_strings("b");
  *graph->add_node() = strings;

  const ir::Graph g = import_onnx_bytes(serialize(model), "attrs.onnx");
  ASSERT_EQ(g.nodes.size(), 5u);
  EXPECT_EQ(g.nodes[0].name, "Conv_0");
  EXPECT_EQ(g.nodes[1].name, "LeakyRelu_1");
  EXPECT_EQ(g.nodes[0].attr_ints("pads"), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(g.nodes[0].attr_int("group", 0), 1);
  EXPECT_EQ(g.nodes[0].attr_string("auto_pad", ""), "NOTSET");
  EXPECT_FLOAT_EQ(g.nodes[1].attr_float("alpha", 0.f), 0.25f);
  EXPECT_EQ(g.nodes[2].attr_floats("value_floats"), (std::vector<float>{1.f, 2.f, 3.f}));
  EXPECT_EQ(g.nodes[3].attr_tensor("value").values<float>()[1], 5.f);
  EXPECT_EQ(std::get<std::vector<std::string>>(g.nodes[4].attributes.at("value_strings")),
            (std::vector<std::string>{"a", "b"}));
  // Shape inference annotated the unnamed Conv's output.
  ASSERT_TRUE(g.value_info.count("conv_out"));
  EXPECT_EQ(g.value_info.at("conv_out").shape->size(), 4u);
}

TEST(ImportNames, UnnamedNodesAvoidGivenNames) {
  ::onnx::ModelProto model = testing::empty_model();
  auto* graph = model.mutable_graph();
  *graph->add_input() = tensor_value("x", {int64_t{4}});
  *graph->add_output() = tensor_value("z", {int64_t{4}});
  *graph->add_node() = make_node("Relu", {"x"}, {"a"});            // would be Relu_0
  *graph->add_node() = make_node("Relu", {"a"}, {"b"}, "Relu_0");  // but this one is named so
  *graph->add_node() = make_node("Relu", {"b"}, {"z"}, "Relu_0");  // a duplicate name
  const ir::Graph g = import_onnx_bytes(serialize(model), "names.onnx");
  std::vector<std::string> names;
  for (const ir::Node& node : g.nodes) names.push_back(node.name);
  EXPECT_EQ(names[1], "Relu_0");
  EXPECT_NE(names[0], "Relu_0");
  EXPECT_NE(names[2], "Relu_0");
  EXPECT_NE(names[0], names[2]);
}

TEST(ImportInitializers, ListedAsInputsAreNotRuntimeInputs) {
  ::onnx::ModelProto model = testing::empty_model();
  auto* graph = model.mutable_graph();
  *graph->add_input() = tensor_value("x", {int64_t{2}});
  *graph->add_input() = tensor_value("b", {int64_t{2}});
  *graph->add_initializer() = float_tensor("b", {2}, {1.f, 2.f});
  *graph->add_output() = tensor_value("y", {int64_t{2}});
  *graph->add_node() = make_node("Add", {"x", "b"}, {"y"}, "add");
  const ir::Graph g = import_onnx_bytes(serialize(model), "defaults.onnx");
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.inputs[0].name, "x");
  EXPECT_TRUE(g.is_initializer("b"));
}

TEST(CheckOpsSupported, NamesFileNodeAndOp) {
  const ir::Graph graph = import_onnx_file(kTinyCnn);
  EXPECT_NO_THROW(check_ops_supported(
      graph, [](const ir::Node&) { return true; }, kTinyCnn));
  try {
    check_ops_supported(
        graph, [](const ir::Node& n) { return n.op_type != "Erf"; }, kTinyCnn);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_EQ(e.context_value("file"), kTinyCnn);
    EXPECT_EQ(e.context_value("node"), "gelu_erf");
    EXPECT_EQ(e.context_value("op"), "Erf");
  }
}

}  // namespace
}  // namespace rill::onnx
