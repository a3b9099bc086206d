#include "ir/passes/pass_util.h"

#include <algorithm>
#include <unordered_set>

namespace rill::ir::passes {

ConsumerMap consumer_map(const Graph& graph) {
  ConsumerMap consumers;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    for (const std::string& input : graph.nodes[i].inputs) {
      if (input.empty()) continue;
      std::vector<size_t>& readers = consumers[input];
      if (readers.empty() || readers.back() != i) readers.push_back(i);
    }
  }
  return consumers;
}

bool is_graph_output(const Graph& graph, const std::string& value) {
  return std::any_of(graph.outputs.begin(), graph.outputs.end(),
                     [&](const ValueInfo& out) { return out.name == value; });
}

namespace {

const ValueInfo* declared(const Graph& graph, const std::string& value) {
  for (const ValueInfo& in : graph.inputs) {
    if (in.name == value) return &in;
  }
  for (const ValueInfo& out : graph.outputs) {
    if (out.name == value) return &out;
  }
  const auto it = graph.value_info.find(value);
  return it == graph.value_info.end() ? nullptr : &it->second;
}

}  // namespace

std::optional<DType> value_dtype(const Graph& graph, const std::string& value) {
  if (const HostTensor* init = initializer(graph, value)) return init->dtype();
  if (const ValueInfo* info = declared(graph, value)) return info->dtype;
  return std::nullopt;
}

std::optional<SymbolicShape> value_shape(const Graph& graph, const std::string& value) {
  if (const HostTensor* init = initializer(graph, value)) {
    SymbolicShape shape;
    for (int64_t d : init->shape()) shape.push_back(Dim{d, {}});
    return shape;
  }
  if (const ValueInfo* info = declared(graph, value)) return info->shape;
  return std::nullopt;
}

std::optional<Shape> static_value_shape(const Graph& graph, const std::string& value) {
  const std::optional<SymbolicShape> shape = value_shape(graph, value);
  if (!shape) return std::nullopt;
  Shape dims;
  for (const Dim& d : *shape) {
    if (!d.is_static()) return std::nullopt;
    dims.push_back(d.value);
  }
  return dims;
}

const HostTensor* initializer(const Graph& graph, const std::string& value) {
  const auto it = graph.initializers.find(value);
  return it == graph.initializers.end() ? nullptr : &it->second;
}

void replace_uses(Graph& graph, const std::string& from, const std::string& to) {
  for (Node& node : graph.nodes) {
    std::replace(node.inputs.begin(), node.inputs.end(), from, to);
  }
}

void erase_nodes(Graph& graph, const std::vector<bool>& erase) {
  size_t kept = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (erase[i]) continue;
    if (kept != i) graph.nodes[kept] = std::move(graph.nodes[i]);
    ++kept;
  }
  graph.nodes.resize(kept);
}

std::string unique_node_name(const Graph& graph, const std::string& base) {
  std::unordered_set<std::string> used;
  for (const Node& node : graph.nodes) used.insert(node.name);
  std::string name = base;
  for (int k = 1; used.count(name) > 0; ++k) name = base + "_" + std::to_string(k);
  return name;
}

}  // namespace rill::ir::passes
