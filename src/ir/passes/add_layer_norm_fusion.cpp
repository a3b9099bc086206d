#include "ir/passes/add_layer_norm_fusion.h"

#include <algorithm>

#include "ir/passes/pass_util.h"

namespace rill::ir {

namespace {

//! Only Y requested: Mean and InvStdDev absent or named "".
bool only_y_output(const Node& ln) {
  return std::all_of(ln.outputs.begin() + 1, ln.outputs.end(),
                     [](const std::string& o) { return o.empty(); });
}

bool is_float32_initializer(const Graph& graph, const std::string& value) {
  const HostTensor* t = passes::initializer(graph, value);
  return t != nullptr && t->dtype() == DType::kFloat32;
}

}  // namespace

size_t fuse_add_layer_norm(Graph& graph) {
  const passes::ConsumerMap consumers = passes::consumer_map(graph);
  std::unordered_map<std::string, size_t> producer;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    for (const std::string& out : graph.nodes[i].outputs) {
      if (!out.empty()) producer[out] = i;
    }
  }
  std::vector<bool> erase(graph.nodes.size(), false);
  size_t fused = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& ln = graph.nodes[i];
    if (ln.op_type != "LayerNormalization" || !ln.domain.empty() || ln.inputs.size() < 2 ||
        ln.inputs.size() > 3 || ln.outputs.empty() || ln.outputs[0].empty() || !only_y_output(ln)) {
      continue;
    }
    if (ln.attr_int("axis", -1) != -1 || ln.attr_int("stash_type", 1) != 1) continue;
    const bool has_bias = ln.inputs.size() == 3 && !ln.inputs[2].empty();
    // Scale's dtype is X's (LayerNormalization's type constraint), hence the Add's.
    if (!is_float32_initializer(graph, ln.inputs[1])) continue;
    if (has_bias && !is_float32_initializer(graph, ln.inputs[2])) continue;

    const auto from = producer.find(ln.inputs[0]);
    if (from == producer.end() || erase[from->second]) continue;
    const size_t add_index = from->second;
    const Node& add = graph.nodes[add_index];
    if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2 ||
        add.outputs.size() != 1 || add.inputs[0].empty() || add.inputs[1].empty()) {
      continue;
    }
    const std::string& sum = add.outputs[0];
    const auto readers = consumers.find(sum);
    const bool sum_read_elsewhere = passes::is_graph_output(graph, sum) ||
                                    (readers != consumers.end() && readers->second.size() > 1);

    // The fused node takes the Add's place: its operands (A, B, initializers) exist there, and
    // every reader of Sum or Y comes after it.
    Node fused_node;
    fused_node.name = ln.name;  // unique again once the LayerNormalization is erased
    fused_node.op_type = std::string(kAddLayerNormOp);
    fused_node.domain = "rill";
    fused_node.inputs = {add.inputs[0], add.inputs[1], ln.inputs[1]};
    if (has_bias) fused_node.inputs.push_back(ln.inputs[2]);
    fused_node.outputs = {ln.outputs[0]};
    if (sum_read_elsewhere) fused_node.outputs.push_back(sum);
    fused_node.attributes["epsilon"] = ln.attr_float("epsilon", 1e-5f);
    if (!sum_read_elsewhere) graph.value_info.erase(sum);
    graph.nodes[add_index] = std::move(fused_node);
    erase[i] = true;
    ++fused;
  }
  passes::erase_nodes(graph, erase);
  return fused;
}

}  // namespace rill::ir
