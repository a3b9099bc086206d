// Malformed and unsupported models: each fails with the right kind, and its message names the
// file, and the node, op and value where they apply.
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <string>

#include "model_builder.h"
#include "onnx/importer.h"

namespace rill::onnx {
namespace {

using testing::float_tensor;
using testing::make_node;
using testing::relu_model;
using testing::serialize;
using testing::tensor_value;

const std::string kTinyCnn = std::string(RILL_SOURCE_DIR) + "/models/tiny_cnn.onnx";

// Runs `import` and returns the rill::Error it must throw.
template <class F>
Error import_error(F&& import) {
  try {
    import();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "import did not throw";
  return Error(ErrorKind::kInternal, "no error");
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(ImportErrors, MissingFileIsIo) {
  const Error e = import_error([] { import_onnx_file("/nonexistent/model.onnx"); });
  EXPECT_EQ(e.kind(), ErrorKind::kIo);
  EXPECT_EQ(e.context_value("file"), "/nonexistent/model.onnx");
  EXPECT_NE(std::string(e.what()).find("/nonexistent/model.onnx"), std::string::npos);
}

TEST(ImportErrors, GarbageBytesAreInvalidModel) {
  for (const std::string& bytes : {std::string("\xff\xff\xff\xff garbage", 12),
                                   std::string("not a model at all"), std::string()}) {
    const Error e = import_error([&] { import_onnx_bytes(bytes, "garbage.onnx"); });
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel) << e.what();
    EXPECT_EQ(e.context_value("file"), "garbage.onnx");
  }
}

TEST(ImportErrors, TruncatedFileIsInvalidModel) {
  const std::string bytes = read_all(kTinyCnn);
  ASSERT_GT(bytes.size(), 1000u);
  for (size_t keep : {bytes.size() / 2, bytes.size() - 7, size_t{100}}) {
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("rill_truncated_" + std::to_string(keep) + ".onnx"))
                                 .string();
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(keep));
    const Error e = import_error([&] { import_onnx_file(path); });
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel) << e.what();
    EXPECT_EQ(e.context_value("file"), path);
    std::filesystem::remove(path);
  }
}

TEST(ImportErrors, MissingInitializerNamesNodeOpAndValue) {
  ::onnx::ModelProto model = testing::empty_model();
  auto* graph = model.mutable_graph();
  *graph->add_input() = tensor_value("x", {int64_t{1}, int64_t{3}, int64_t{8}, int64_t{8}});
  *graph->add_output() = tensor_value("y", {int64_t{1}, int64_t{4}, int64_t{6}, int64_t{6}});
  *graph->add_node() = make_node("Conv", {"x", "conv.weight"}, {"y"}, "conv1");
  const Error e = import_error([&] { import_onnx_bytes(serialize(model), "bad.onnx"); });
  EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel);
  EXPECT_EQ(e.context_value("file"), "bad.onnx");
  EXPECT_EQ(e.context_value("node"), "conv1");
  EXPECT_EQ(e.context_value("op"), "Conv");
  EXPECT_EQ(e.context_value("value"), "conv.weight");
}

TEST(ImportErrors, UnsupportedOpsetNamesOpset) {
  for (int64_t opset : {11, 18}) {
    const Error e =
        import_error([&] { import_onnx_bytes(serialize(relu_model(opset)), "old.onnx"); });
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_EQ(e.context_value("opset"), std::to_string(opset));
    EXPECT_EQ(e.context_value("file"), "old.onnx");
  }
}

TEST(ImportErrors, UnsupportedOpsetOfRealFile) {
  const std::string path =
      "/usr/share/libonnx-testdata/data/node/test_conv_with_strides_padding/model.onnx";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "libonnx-testdata not installed";
  const Error e = import_error([&] { import_onnx_file(path); });
  EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
  EXPECT_EQ(e.context_value("opset"), "11");
}

TEST(ImportErrors, NoDefaultOpsetIsInvalid) {
  ::onnx::ModelProto model = relu_model();
  model.clear_opset_import();
  const Error e = import_error([&] { import_onnx_bytes(serialize(model), "noopset.onnx"); });
  EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel);
  EXPECT_EQ(e.context_value("file"), "noopset.onnx");
}

TEST(ImportErrors, CheckerFailureCarriesItsMessage) {
  ::onnx::ModelProto model = relu_model();
  model.mutable_graph()->mutable_node(0)->add_input("x");  // Relu takes one input
  const Error e = import_error([&] { import_onnx_bytes(serialize(model), "twoinputs.onnx"); });
  EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel);
  EXPECT_NE(e.message().find("onnx checker"), std::string::npos) << e.what();
  EXPECT_EQ(e.context_value("file"), "twoinputs.onnx");
}

TEST(ImportErrors, ShapeInferenceFailureIsInvalid) {
  ::onnx::ModelProto model = testing::empty_model();
  auto* graph = model.mutable_graph();
  *graph->add_input() = tensor_value("a", {int64_t{2}, int64_t{3}});
  *graph->add_input() = tensor_value("b", {int64_t{4}});
  *graph->add_output() = tensor_value("y", {int64_t{2}, int64_t{3}});
  *graph->add_node() = make_node("Add", {"a", "b"}, {"y"}, "add");  // [2,3] + [4] cannot broadcast
  const Error e = import_error([&] { import_onnx_bytes(serialize(model), "bcast.onnx"); });
  EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel);
  EXPECT_NE(e.message().find("shape inference"), std::string::npos) << e.what();
}

TEST(ImportErrors, SubgraphAttributeIsUnsupported) {
  ::onnx::ModelProto model = testing::empty_model();
  auto* graph = model.mutable_graph();
  ::onnx::TensorProto cond;
  cond.set_name("cond");
  cond.set_data_type(::onnx::TensorProto::BOOL);
  cond.add_int32_data(1);
  *graph->add_initializer() = cond;
  *graph->add_output() = tensor_value("y", {int64_t{1}});
  ::onnx::NodeProto node = make_node("If", {"cond"}, {"y"}, "branch");
  for (const char* name : {"then_branch", "else_branch"}) {
    auto* attr = node.add_attribute();
    attr->set_name(name);
    attr->set_type(::onnx::AttributeProto::GRAPH);
    auto* body = attr->mutable_g();
    body->set_name(name);
    *body->add_initializer() = float_tensor("v", {1}, {1.f});
    *body->add_output() = tensor_value("v", {int64_t{1}});
  }
  *graph->add_node() = node;
  const Error e = import_error([&] { import_onnx_bytes(serialize(model), "if.onnx"); });
  EXPECT_EQ(e.kind(), ErrorKind::kUnsupported) << e.what();
  EXPECT_EQ(e.context_value("node"), "branch");
  EXPECT_EQ(e.context_value("op"), "If");
  EXPECT_EQ(e.context_value("file"), "if.onnx");
}

TEST(ImportErrors, ExternalDataIsUnsupported) {
  ::onnx::ModelProto model = testing::empty_model();
  auto* graph = model.mutable_graph();
  *graph->add_input() = tensor_value("x", {int64_t{2}});
  ::onnx::TensorProto weight;
  weight.set_name("w");
  weight.set_data_type(::onnx::TensorProto::FLOAT);
  weight.add_dims(2);
  weight.set_data_location(::onnx::TensorProto::EXTERNAL);
  auto* location = weight.add_external_data();
  location->set_key("location");
  location->set_value("weights.bin");
  *graph->add_initializer() = weight;
  *graph->add_output() = tensor_value("y", {int64_t{2}});
  *graph->add_node() = make_node("Add", {"x", "w"}, {"y"}, "add");
  const Error e = import_error([&] { import_onnx_bytes(serialize(model), "ext.onnx"); });
  EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
  EXPECT_EQ(e.context_value("tensor"), "w");
  EXPECT_EQ(e.context_value("file"), "ext.onnx");
}

TEST(ImportErrors, UnsupportedInputTypeNamesValue) {
  ::onnx::ModelProto model = testing::empty_model();
  auto* graph = model.mutable_graph();
  *graph->add_input() = tensor_value("x", {int64_t{2}}, ::onnx::TensorProto::UINT16);
  *graph->add_output() = tensor_value("y", {int64_t{2}}, ::onnx::TensorProto::UINT16);
  *graph->add_node() = make_node("Identity", {"x"}, {"y"}, "id");
  const Error e = import_error([&] { import_onnx_bytes(serialize(model), "u16.onnx"); });
  EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
  EXPECT_EQ(e.context_value("value"), "x");
  EXPECT_EQ(e.context_value("dtype"), "UINT16");
}

TEST(ImportErrors, TensorFileErrors) {
  EXPECT_THROW(
      {
        try {
          load_tensor_proto_file("/nonexistent/input_0.pb");
        } catch (const Error& e) {
          EXPECT_EQ(e.kind(), ErrorKind::kIo);
          throw;
        }
      },
      Error);
  const std::string path = (std::filesystem::temp_directory_path() / "rill_bad_tensor.pb").string();
  std::ofstream(path, std::ios::binary) << "\xff\xff\xff\xff\xff";
  try {
    load_tensor_proto_file(path);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidModel);
    EXPECT_EQ(e.context_value("file"), path);
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace rill::onnx
