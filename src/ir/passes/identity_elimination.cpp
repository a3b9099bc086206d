#include "ir/passes/identity_elimination.h"

#include <algorithm>

#include "ir/passes/pass_util.h"

namespace rill::ir {

namespace {

bool is_graph_input(const Graph& graph, const std::string& value) {
  return std::any_of(graph.inputs.begin(), graph.inputs.end(),
                     [&](const ValueInfo& in) { return in.name == value; });
}

}  // namespace

size_t remove_identities(Graph& graph) {
  std::vector<bool> erase(graph.nodes.size(), false);
  size_t removed = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    if (node.op_type != "Identity" || !node.domain.empty() || node.inputs.size() != 1 ||
        node.outputs.size() != 1 || node.inputs[0].empty()) {
      continue;
    }
    const std::string source = node.inputs[0];
    const std::string result = node.outputs[0];
    if (!passes::is_graph_output(graph, result)) {
      passes::replace_uses(graph, result, source);
      graph.value_info.erase(result);
    } else {
      // Skips Identities already removed in this sweep: they still sit in graph.nodes.
      std::optional<size_t> producer;
      for (size_t j = 0; j < i && !producer; ++j) {
        const auto& outs = graph.nodes[j].outputs;
        if (!erase[j] && std::find(outs.begin(), outs.end(), source) != outs.end()) producer = j;
      }
      if (!producer || is_graph_input(graph, source) || graph.is_initializer(source) ||
          passes::is_graph_output(graph, source)) {
        continue;
      }
      // Rename `source` to `result` everywhere: the producer now writes the graph output, and
      // every other reader of `source` reads the same memory under its new name.
      for (std::string& out : graph.nodes[*producer].outputs) {
        if (out == source) out = result;
      }
      passes::replace_uses(graph, source, result);
      graph.value_info.erase(source);
    }
    erase[i] = true;
    ++removed;
  }
  passes::erase_nodes(graph, erase);
  return removed;
}

}  // namespace rill::ir
