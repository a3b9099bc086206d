#include "ir/passes/matmul_bias_fusion.h"

#include "ir/passes/pass_util.h"

namespace rill::ir {

size_t fuse_matmul_bias(Graph& graph) {
  const passes::ConsumerMap consumers = passes::consumer_map(graph);
  std::vector<bool> erase(graph.nodes.size(), false);
  size_t fused = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node& matmul = graph.nodes[i];
    if (matmul.op_type != "MatMul" || !matmul.domain.empty() || matmul.inputs.size() != 2 ||
        matmul.outputs.size() != 1) {
      continue;
    }
    const HostTensor* b = passes::initializer(graph, matmul.inputs[1]);
    if (b == nullptr || b->dtype() != DType::kFloat32 || b->shape().size() != 2) continue;
    if (passes::value_dtype(graph, matmul.inputs[0]) != DType::kFloat32) continue;

    const std::string& out = matmul.outputs[0];
    const auto readers = consumers.find(out);
    if (readers == consumers.end() || readers->second.size() != 1 ||
        passes::is_graph_output(graph, out)) {
      continue;
    }
    const size_t add_index = readers->second[0];
    const Node& add = graph.nodes[add_index];
    if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2 ||
        add.outputs.size() != 1 || add.inputs[0] == add.inputs[1]) {
      continue;
    }
    const std::string& bias_name = add.inputs[0] == out ? add.inputs[1] : add.inputs[0];
    // MatMul's output always ends in N, so a [N] bias never changes the Add's output shape.
    const HostTensor* bias = passes::initializer(graph, bias_name);
    if (bias == nullptr || bias->dtype() != DType::kFloat32 ||
        bias->shape() != Shape{b->shape()[1]}) {
      continue;
    }

    matmul.op_type = std::string(kFusedMatMulOp);
    matmul.domain = "rill";
    matmul.inputs.push_back(bias_name);
    graph.value_info.erase(out);
    matmul.outputs[0] = add.outputs[0];
    erase[add_index] = true;
    ++fused;
  }
  passes::erase_nodes(graph, erase);
  return fused;
}

}  // namespace rill::ir
