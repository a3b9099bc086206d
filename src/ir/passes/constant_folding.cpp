#include "ir/passes/constant_folding.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

#include "ir/passes/pass_util.h"

namespace rill::ir {

namespace {

// Ops whose result is not a function of their inputs.
bool is_nondeterministic(const std::string& op_type) {
  return op_type.starts_with("Random") || op_type == "Bernoulli" || op_type == "Multinomial";
}

// Ops whose output size is set by input values rather than input sizes; without a declared
// static output shape their result size cannot be bounded before computing it.
bool may_expand(const std::string& op_type) {
  static constexpr std::array<std::string_view, 7> kExpanding = {
      "ConstantOfShape", "Expand", "Tile", "Range", "Resize", "Upsample", "Pad"};
  return std::find(kExpanding.begin(), kExpanding.end(), op_type) != kExpanding.end();
}

// The tensor a Constant node defines, or nullopt for forms rill has no HostTensor for
// (value_string(s), sparse_value): those nodes are left to the op that would reject them.
std::optional<HostTensor> constant_node_value(const Node& node) {
  const auto& attrs = node.attributes;
  if (const auto it = attrs.find("value"); it != attrs.end()) {
    if (const auto* t = std::get_if<HostTensor>(&it->second)) return *t;
    return std::nullopt;
  }
  if (node.has_attribute("value_float"))
    return HostTensor::scalar(node.attr_float("value_float", 0.f));
  if (node.has_attribute("value_int")) return HostTensor::scalar(node.attr_int("value_int", 0));
  if (node.has_attribute("value_floats")) {
    const std::vector<float> values = node.attr_floats("value_floats");
    return HostTensor::from<float>({static_cast<int64_t>(values.size())}, values);
  }
  if (node.has_attribute("value_ints")) {
    const std::vector<int64_t> values = node.attr_ints("value_ints");
    return HostTensor::from<int64_t>({static_cast<int64_t>(values.size())}, values);
  }
  return std::nullopt;
}

// Shape's output for a static input shape, honouring opset-15 start/end (negative from the back,
// clamped to the rank).
HostTensor shape_node_value(const Node& node, const Shape& input_shape) {
  const auto rank = static_cast<int64_t>(input_shape.size());
  auto clamp_axis = [rank](int64_t axis) {
    return std::clamp(axis < 0 ? axis + rank : axis, int64_t{0}, rank);
  };
  const int64_t start = clamp_axis(node.attr_int("start", 0));
  const int64_t end = clamp_axis(node.attr_int("end", rank));
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i) dims.push_back(input_shape[static_cast<size_t>(i)]);
  return HostTensor::from<int64_t>({static_cast<int64_t>(dims.size())}, dims);
}

bool exceeds(const std::optional<Shape>& shape, int64_t max_elements) {
  if (!shape) return false;
  int64_t elements = 1;
  for (int64_t d : *shape) {
    if (d != 0 && elements > max_elements / d) return true;
    elements *= d;
  }
  return elements > max_elements;
}

// Evaluates a node whose inputs are all initializers; nullopt when it should stay a node.
std::optional<std::vector<HostTensor>> evaluate_node(const Graph& graph, const Node& node,
                                                     const Evaluator& evaluate,
                                                     const ConstantFoldingOptions& options) {
  std::vector<HostTensor> inputs;
  inputs.reserve(node.inputs.size());
  for (const std::string& in : node.inputs) {
    inputs.push_back(in.empty() ? HostTensor() : graph.initializers.at(in));
  }
  std::vector<HostTensor> outputs;
  try {
    outputs = evaluate(node, inputs);
  } catch (Error& error) {
    if (error.kind() == ErrorKind::kUnsupported) return std::nullopt;
    if (error.context_value("node").empty()) error.add_context("node", node.name);
    if (error.context_value("op").empty()) error.add_context("op", node.op_type);
    error.add_context("pass", "constant folding");
    throw;
  }
  if (outputs.size() != node.outputs.size()) {
    Error error(ErrorKind::kInternal, "evaluator returned the wrong number of outputs",
                node.context());
    error.add_context("expected", std::to_string(node.outputs.size()));
    error.add_context("returned", std::to_string(outputs.size()));
    throw error;
  }
  for (const HostTensor& out : outputs) {
    if (out.elements() > options.max_folded_elements) return std::nullopt;
  }
  return outputs;
}

}  // namespace

size_t fold_constants(Graph& graph, const Evaluator& evaluate,
                      const ConstantFoldingOptions& options) {
  std::vector<bool> folded(graph.nodes.size(), false);
  size_t count = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    if (!node.domain.empty() || node.outputs.empty()) continue;
    const bool feeds_output =
        std::any_of(node.outputs.begin(), node.outputs.end(),
                    [&](const auto& out) { return passes::is_graph_output(graph, out); });
    if (feeds_output) continue;

    std::optional<std::vector<HostTensor>> results;
    if (node.op_type == "Constant") {
      if (auto value = constant_node_value(node))
        results = std::vector<HostTensor>{std::move(*value)};
    } else if (node.op_type == "Shape" && node.has_input(0)) {
      if (auto shape = passes::static_value_shape(graph, node.inputs[0])) {
        results = std::vector<HostTensor>{shape_node_value(node, *shape)};
      }
    } else if (!node.inputs.empty() && !is_nondeterministic(node.op_type)) {
      const bool all_constant =
          std::all_of(node.inputs.begin(), node.inputs.end(),
                      [&](const auto& in) { return in.empty() || graph.is_initializer(in); });
      bool bounded = true;
      for (const std::string& out : node.outputs) {
        const std::optional<Shape> shape = passes::static_value_shape(graph, out);
        if (exceeds(shape, options.max_folded_elements) || (!shape && may_expand(node.op_type))) {
          bounded = false;
        }
      }
      if (all_constant && bounded) results = evaluate_node(graph, node, evaluate, options);
    }
    if (!results) continue;

    for (size_t k = 0; k < node.outputs.size(); ++k) {
      const std::string& out = node.outputs[k];
      if (out.empty()) continue;
      graph.value_info.erase(out);
      graph.initializers[out] = std::move((*results)[k]);
    }
    folded[i] = true;
    ++count;
  }
  passes::erase_nodes(graph, folded);
  return count;
}

}  // namespace rill::ir
