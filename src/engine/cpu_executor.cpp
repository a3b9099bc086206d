#include "engine/cpu_executor.h"

#include <unordered_map>

#include "engine/host_evaluation.h"

namespace rill::engine {

std::map<std::string, ir::HostTensor> run_graph_on_cpu(
    const ir::Graph& graph, const std::map<std::string, ir::HostTensor>& inputs) {
  std::unordered_map<std::string, const ir::HostTensor*> values;
  std::unordered_map<std::string, ir::HostTensor> computed;
  for (const auto& [name, tensor] : inputs) values[name] = &tensor;
  for (const auto& [name, tensor] : graph.initializers) values[name] = &tensor;
  // Drop intermediates after their last reader, so large models fit in host memory.
  std::unordered_map<std::string, size_t> last_use;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    for (const auto& in : graph.nodes[n].inputs) last_use[in] = n;
  }
  for (const auto& out : graph.outputs) last_use[out.name] = graph.nodes.size();

  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ir::Node& node = graph.nodes[n];
    std::vector<ir::HostTensor> in;
    for (const auto& name : node.inputs) {
      if (name.empty()) {
        in.emplace_back();
        continue;
      }
      const auto it = values.find(name);
      if (it == values.end()) {
        throw Error(ErrorKind::kInvalidModel, "value is not defined", node.context());
      }
      in.push_back(*it->second);
    }
    std::vector<ir::HostTensor> out = evaluate_on_host(node, in);
    for (size_t i = 0; i < node.outputs.size() && i < out.size(); ++i) {
      if (node.outputs[i].empty()) continue;
      auto& slot = computed[node.outputs[i]] = std::move(out[i]);
      values[node.outputs[i]] = &slot;
    }
    for (const auto& name : node.inputs) {
      if (!name.empty() && last_use[name] == n && computed.count(name) > 0) {
        values.erase(name);
        computed.erase(name);
      }
    }
  }
  std::map<std::string, ir::HostTensor> outputs;
  for (const auto& out : graph.outputs) {
    const auto it = values.find(out.name);
    if (it == values.end()) {
      throw Error(ErrorKind::kInvalidModel, "graph output was not computed", {{"output", out.name}});
    }
    outputs[out.name] = *it->second;
  }
  return outputs;
}

}  // namespace rill::engine
