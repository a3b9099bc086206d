#include "ir/passes/activation_fusion.h"

#include <algorithm>
#include <array>

#include "ir/passes/matmul_bias_fusion.h"
#include "ir/passes/pass_util.h"

namespace rill::ir {

namespace {

bool accepts_activation(const Node& producer, const std::string& activation) {
  if (producer.op_type == "Conv" && producer.domain.empty()) {
    static constexpr std::array<std::string_view, 4> kConv = {"Relu", "Sigmoid", "Tanh",
                                                              "LeakyRelu"};
    return std::find(kConv.begin(), kConv.end(), activation) != kConv.end();
  }
  const bool gemm = producer.op_type == "Gemm" && producer.domain.empty();
  const bool fused_matmul = producer.op_type == kFusedMatMulOp && producer.domain == "rill";
  return (gemm || fused_matmul) && activation == "Relu";
}

}  // namespace

size_t fuse_activations(Graph& graph) {
  const passes::ConsumerMap consumers = passes::consumer_map(graph);
  std::vector<bool> erase(graph.nodes.size(), false);
  size_t fused = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node& producer = graph.nodes[i];
    if (producer.outputs.size() != 1 || producer.has_attribute(std::string(kActivationAttribute))) {
      continue;
    }
    const std::string& out = producer.outputs[0];
    const auto readers = consumers.find(out);
    if (readers == consumers.end() || readers->second.size() != 1 ||
        passes::is_graph_output(graph, out)) {
      continue;
    }
    const size_t act_index = readers->second[0];
    const Node& act = graph.nodes[act_index];
    if (!act.domain.empty() || act.inputs.size() != 1 || act.outputs.size() != 1 ||
        !accepts_activation(producer, act.op_type)) {
      continue;
    }
    producer.attributes[std::string(kActivationAttribute)] = act.op_type;
    if (act.op_type == "LeakyRelu") {
      producer.attributes[std::string(kActivationAlphaAttribute)] = act.attr_float("alpha", 0.01f);
    }
    graph.value_info.erase(out);
    producer.outputs[0] = act.outputs[0];
    erase[act_index] = true;
    ++fused;
  }
  passes::erase_nodes(graph, erase);
  return fused;
}

}  // namespace rill::ir
