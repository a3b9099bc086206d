#include "onnx/importer.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>
#include <optional>

#include "onnx/graph_proto.h"
#include "onnx/tensor_proto.h"

namespace rill::onnx {

namespace pb = ::onnx;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ErrorKind::kIo, "cannot open file",
                {{"file", path}, {"reason", std::strerror(errno)}});
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    throw Error(ErrorKind::kIo, "cannot read file",
                {{"file", path}, {"reason", std::strerror(errno)}});
  }
  return bytes;
}

// protobuf's parser takes an int length and refuses messages of 2 GiB or more.
void check_parsable_size(std::string_view bytes, const std::string& origin) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    throw Error(ErrorKind::kUnsupported,
                "serialized protobuf of 2 GiB or more (models that large need external data, "
                "which rill does not import)",
                {{"file", origin}, {"bytes", std::to_string(bytes.size())}});
  }
}

std::optional<int64_t> default_opset(const pb::ModelProto& model) {
  for (const pb::OperatorSetIdProto& opset : model.opset_import()) {
    if (opset.domain().empty() || opset.domain() == "ai.onnx") return opset.version();
  }
  return std::nullopt;
}

// The checker would report external data as a missing file (or not at all, for bytes without a
// directory); saying what rill does not support is more useful.
void reject_external_data(const pb::GraphProto& graph, const std::string& origin) {
  for (const pb::TensorProto& init : graph.initializer()) {
    if (init.data_location() == pb::TensorProto::EXTERNAL) {
      throw Error(ErrorKind::kUnsupported,
                  "initializers with external data are not supported; save the model with its "
                  "weights inline",
                  {{"file", origin}, {"tensor", init.name()}});
    }
  }
}

void run_onnx_checks(pb::ModelProto& model, const std::string& origin) {
  try {
    pb::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Error(ErrorKind::kInvalidModel, std::string("onnx checker: ") + e.what(),
                {{"file", origin}});
  }
  try {
    // Strict: a node whose shapes cannot be inferred is an error now rather than an unplanned
    // value later. Data propagation lets Shape -> Gather -> Reshape chains infer static shapes.
    const pb::ShapeInferenceOptions options(/*check_type_val=*/true, /*strict_mode_val=*/1,
                                            /*data_prop_val=*/true);
    pb::shape_inference::InferShapes(model, pb::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception& e) {
    throw Error(ErrorKind::kInvalidModel, std::string("onnx shape inference: ") + e.what(),
                {{"file", origin}});
  }
}

}  // namespace

ir::Graph import_onnx_bytes(std::string_view bytes, const std::string& origin) {
  check_parsable_size(bytes, origin);
  pb::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    throw Error(ErrorKind::kInvalidModel, "not an ONNX model: protobuf parsing failed",
                {{"file", origin}, {"bytes", std::to_string(bytes.size())}});
  }
  // Checked before onnx::checker, which rejects opsets newer than it knows with a vaguer message.
  const std::optional<int64_t> opset = default_opset(model);
  if (opset && (*opset < kMinOpset || *opset > kMaxOpset)) {
    throw Error(ErrorKind::kUnsupported, "default-domain opset is not supported",
                {{"file", origin},
                 {"opset", std::to_string(*opset)},
                 {"supported", std::to_string(kMinOpset) + ".." + std::to_string(kMaxOpset)}});
  }
  reject_external_data(model.graph(), origin);
  check_values_defined(model.graph(), origin);
  run_onnx_checks(model, origin);
  if (!opset) {
    throw Error(ErrorKind::kInvalidModel, "model imports no default-domain (ai.onnx) opset",
                {{"file", origin}});
  }
  return graph_from_proto(model.graph(), *opset, origin);
}

ir::Graph import_onnx_file(const std::string& path) {
  const std::string bytes = read_file(path);
  return import_onnx_bytes(bytes, path);
}

std::vector<std::string> model_op_types(const std::string& path) {
  const std::string bytes = read_file(path);
  check_parsable_size(bytes, path);
  pb::ModelProto model;
  if (!model.ParseFromString(bytes)) {
    throw Error(ErrorKind::kInvalidModel, "not an ONNX model: protobuf parsing failed",
                {{"file", path}});
  }
  std::vector<std::string> ops;
  for (const pb::NodeProto& node : model.graph().node()) {
    const bool onnx_domain = node.domain().empty() || node.domain() == "ai.onnx";
    ops.push_back(onnx_domain ? node.op_type() : node.domain() + "." + node.op_type());
  }
  return ops;
}

ir::HostTensor load_tensor_proto_file(const std::string& path) {
  const std::string bytes = read_file(path);
  check_parsable_size(bytes, path);
  pb::TensorProto proto;
  if (!proto.ParseFromString(bytes)) {
    throw Error(ErrorKind::kInvalidModel, "not a TensorProto: protobuf parsing failed",
                {{"file", path}});
  }
  return tensor_from_proto(proto, {{"file", path}});
}

void check_ops_supported(const ir::Graph& graph,
                         const std::function<bool(const ir::Node&)>& is_supported,
                         const std::string& file) {
  for (const ir::Node& node : graph.nodes) {
    if (is_supported(node)) continue;
    Error error(ErrorKind::kUnsupported, "op is not supported", {{"file", file}});
    error.add_context("node", node.name);
    error.add_context("op", node.op_type);
    if (!node.domain.empty()) error.add_context("domain", node.domain);
    error.add_context("opset", std::to_string(graph.opset));
    throw error;
  }
}

}  // namespace rill::onnx
