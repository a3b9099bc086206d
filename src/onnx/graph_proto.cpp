#include "onnx/graph_proto.h"

#include <optional>
#include <unordered_set>
#include <utility>
#include <vector>

#include "onnx/tensor_proto.h"

namespace rill::onnx {

namespace pb = ::onnx;

namespace {

Error::Context node_context(const std::string& origin, const std::string& node_name,
                            const pb::NodeProto& node) {
  return {{"file", origin}, {"node", node_name}, {"op", node.op_type()}};
}

ir::AttributeValue attribute_from_proto(const pb::AttributeProto& attr,
                                        const Error::Context& context) {
  auto unsupported = [&](const std::string& what) {
    Error error(ErrorKind::kUnsupported, what, context);
    error.add_context("attribute", attr.name());
    return error;
  };
  switch (attr.type()) {
    case pb::AttributeProto::INT:
      return attr.i();
    case pb::AttributeProto::FLOAT:
      return attr.f();
    case pb::AttributeProto::STRING:
      return attr.s();
    case pb::AttributeProto::INTS:
      return std::vector<int64_t>(attr.ints().begin(), attr.ints().end());
    case pb::AttributeProto::FLOATS:
      return std::vector<float>(attr.floats().begin(), attr.floats().end());
    case pb::AttributeProto::STRINGS:
      return std::vector<std::string>(attr.strings().begin(), attr.strings().end());
    case pb::AttributeProto::TENSOR: {
      Error::Context tensor_context = context;
      tensor_context.emplace_back("attribute", attr.name());
      return tensor_from_proto(attr.t(), tensor_context);
    }
    case pb::AttributeProto::GRAPH:
    case pb::AttributeProto::GRAPHS:
      throw unsupported("sub-graph attributes (control flow: If, Loop, Scan) are not supported");
    case pb::AttributeProto::TENSORS:
      throw unsupported("tensor-list attributes are not supported");
    case pb::AttributeProto::SPARSE_TENSOR:
    case pb::AttributeProto::SPARSE_TENSORS:
      throw unsupported("sparse tensor attributes are not supported");
    case pb::AttributeProto::TYPE_PROTO:
    case pb::AttributeProto::TYPE_PROTOS:
      throw unsupported("type attributes are not supported");
    default:
      throw unsupported("attribute has an undefined type");
  }
}

// Unsupported element types are only an error where the value crosses the graph boundary;
// for intermediates (`required` false) the entry is dropped, and the node that produces the value
// is reported by the op-support check with its name and op instead.
std::optional<ir::ValueInfo> value_info_from_proto(const pb::ValueInfoProto& proto, bool required,
                                                   const std::string& origin) {
  auto fail = [&](ErrorKind kind, std::string message) {
    return Error(kind, std::move(message), {{"file", origin}, {"value", proto.name()}});
  };
  if (!proto.type().has_tensor_type()) {
    if (!required) return std::nullopt;
    throw fail(ErrorKind::kUnsupported,
               "only tensor-typed graph inputs and outputs are supported (no sequences, maps or "
               "optionals)");
  }
  const pb::TypeProto::Tensor& tensor_type = proto.type().tensor_type();
  const std::optional<DType> dtype = dtype_from_onnx(tensor_type.elem_type());
  if (!dtype) {
    if (!required) return std::nullopt;
    Error error = fail(ErrorKind::kUnsupported, "element type is not supported");
    error.add_context("dtype", onnx_type_name(tensor_type.elem_type()));
    throw error;
  }
  ir::ValueInfo info{proto.name(), *dtype, std::nullopt};
  if (tensor_type.has_shape()) {
    ir::SymbolicShape shape;
    for (const pb::TensorShapeProto::Dimension& dim : tensor_type.shape().dim()) {
      if (dim.has_dim_value()) {
        if (dim.dim_value() < 0)
          throw fail(ErrorKind::kInvalidModel, "declared shape has a negative dim");
        shape.push_back(ir::Dim{dim.dim_value(), {}});
      } else {
        shape.push_back(ir::Dim{-1, dim.has_dim_param() ? dim.dim_param() : std::string()});
      }
    }
    info.shape = std::move(shape);
  }
  return info;
}

// ONNX does not require node names, nor unique ones; the IR does (they key profiles, errors and
// plan entries). Unnamed nodes become "<op_type>_<index>"; any clash gets a numeric suffix.
std::vector<std::string> unique_node_names(const pb::GraphProto& graph) {
  std::unordered_set<std::string> used;
  for (const pb::NodeProto& node : graph.node()) {
    if (!node.name().empty()) used.insert(node.name());
  }
  std::unordered_set<std::string> taken;
  std::vector<std::string> names;
  names.reserve(static_cast<size_t>(graph.node_size()));
  for (int i = 0; i < graph.node_size(); ++i) {
    const pb::NodeProto& node = graph.node(i);
    std::string base = node.name().empty() ? node.op_type() + "_" + std::to_string(i) : node.name();
    // A node's own name is fine unless an earlier node took it; a generated name must also avoid
    // every name given in the model, so that a later node keeps its own.
    const bool given = !node.name().empty();
    auto available = [&](const std::string& candidate) {
      return taken.count(candidate) == 0 &&
             ((given && candidate == base) || used.count(candidate) == 0);
    };
    std::string name = base;
    for (int k = 1; !available(name); ++k) name = base + "_" + std::to_string(k);
    taken.insert(name);
    names.push_back(std::move(name));
  }
  return names;
}

}  // namespace

void check_values_defined(const pb::GraphProto& graph, const std::string& origin) {
  std::unordered_set<std::string> defined;
  for (const pb::ValueInfoProto& input : graph.input()) defined.insert(input.name());
  for (const pb::TensorProto& init : graph.initializer()) defined.insert(init.name());
  for (const pb::SparseTensorProto& init : graph.sparse_initializer()) {
    defined.insert(init.values().name());
  }
  const std::vector<std::string> names = unique_node_names(graph);
  for (int i = 0; i < graph.node_size(); ++i) {
    const pb::NodeProto& node = graph.node(i);
    for (const std::string& input : node.input()) {
      if (input.empty() || defined.count(input) > 0) continue;
      Error error(ErrorKind::kInvalidModel,
                  "node input is not a graph input, an initializer or an earlier node's output "
                  "(missing initializer, or nodes out of order)",
                  node_context(origin, names[static_cast<size_t>(i)], node));
      error.add_context("value", input);
      throw error;
    }
    for (const std::string& output : node.output()) defined.insert(output);
  }
}

ir::Graph graph_from_proto(const pb::GraphProto& proto, int64_t opset, const std::string& origin) {
  ir::Graph graph;
  graph.name = proto.name();
  graph.opset = opset;

  if (proto.sparse_initializer_size() > 0) {
    throw Error(ErrorKind::kUnsupported, "sparse initializers are not supported",
                {{"file", origin}, {"tensor", proto.sparse_initializer(0).values().name()}});
  }
  for (const pb::TensorProto& init : proto.initializer()) {
    graph.initializers[init.name()] = tensor_from_proto(init, {{"file", origin}});
  }
  // Since IR version 4 an initializer may also be listed as a graph input (a default the caller
  // could override). rill treats it as a constant, which is what makes folding possible.
  for (const pb::ValueInfoProto& input : proto.input()) {
    if (graph.is_initializer(input.name())) continue;
    graph.inputs.push_back(*value_info_from_proto(input, /*required=*/true, origin));
  }
  for (const pb::ValueInfoProto& output : proto.output()) {
    graph.outputs.push_back(*value_info_from_proto(output, /*required=*/true, origin));
  }
  for (const pb::ValueInfoProto& value : proto.value_info()) {
    if (auto info = value_info_from_proto(value, /*required=*/false, origin)) {
      graph.value_info[info->name] = std::move(*info);
    }
  }

  const std::vector<std::string> names = unique_node_names(proto);
  graph.nodes.reserve(static_cast<size_t>(proto.node_size()));
  for (int i = 0; i < proto.node_size(); ++i) {
    const pb::NodeProto& node_proto = proto.node(i);
    ir::Node node;
    node.name = names[static_cast<size_t>(i)];
    node.op_type = node_proto.op_type();
    // "ai.onnx" is an alias of the default domain.
    node.domain = node_proto.domain() == "ai.onnx" ? std::string() : node_proto.domain();
    node.inputs.assign(node_proto.input().begin(), node_proto.input().end());
    node.outputs.assign(node_proto.output().begin(), node_proto.output().end());
    const Error::Context context = node_context(origin, node.name, node_proto);
    for (const pb::AttributeProto& attr : node_proto.attribute()) {
      node.attributes[attr.name()] = attribute_from_proto(attr, context);
    }
    graph.nodes.push_back(std::move(node));
  }
  return graph;
}

}  // namespace rill::onnx
