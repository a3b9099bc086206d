#include "ir/passes/dead_node_elimination.h"

#include <unordered_set>

#include "ir/passes/pass_util.h"

namespace rill::ir {

size_t eliminate_dead_nodes(Graph& graph) {
  std::unordered_set<std::string> live;
  for (const ValueInfo& out : graph.outputs) live.insert(out.name);

  // Nodes are topologically ordered, so one backward sweep sees every consumer before its
  // producer.
  std::vector<bool> dead(graph.nodes.size(), false);
  size_t removed = 0;
  for (size_t i = graph.nodes.size(); i-- > 0;) {
    const Node& node = graph.nodes[i];
    bool needed = false;
    for (const std::string& out : node.outputs)
      needed = needed || (!out.empty() && live.count(out) > 0);
    if (!needed) {
      dead[i] = true;
      ++removed;
      continue;
    }
    for (const std::string& in : node.inputs) {
      if (!in.empty()) live.insert(in);
    }
  }
  passes::erase_nodes(graph, dead);

  std::erase_if(graph.initializers,
                [&](const auto& entry) { return live.count(entry.first) == 0; });

  std::unordered_set<std::string> produced;
  for (const Node& node : graph.nodes) produced.insert(node.outputs.begin(), node.outputs.end());
  std::erase_if(graph.value_info, [&](const auto& entry) {
    return produced.count(entry.first) == 0 || graph.is_initializer(entry.first);
  });
  return removed;
}

}  // namespace rill::ir
