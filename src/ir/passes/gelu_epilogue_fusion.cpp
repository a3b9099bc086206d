#include "ir/passes/gelu_epilogue_fusion.h"

#include <cmath>

#include "ir/passes/elementwise_fusion.h"
#include "ir/passes/matmul_bias_fusion.h"
#include "ir/passes/pass_util.h"

namespace rill::ir {

namespace {

enum class GeluForm { kNone, kExact, kTanh };

double gelu_exact(double x) {
  return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
}

double gelu_tanh(double x) {
  const double k = std::sqrt(2.0 / 3.14159265358979323846);
  return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
}

// Which GELU the fused program computes of its input `x_index`, if any. 4e-6 absolute is a few
// float32 roundings of values up to 8; the two forms differ by up to about 5e-4.
GeluForm classify(const Graph& graph, const Node& program, size_t x_index,
                  const Evaluator& evaluate) {
  constexpr int kProbes = 161;
  std::vector<float> probes(kProbes);
  for (int i = 0; i < kProbes; ++i) probes[i] = -8.0f + 0.1f * static_cast<float>(i);
  std::vector<HostTensor> inputs;
  for (size_t i = 0; i < program.inputs.size(); ++i) {
    if (i == x_index) {
      inputs.push_back(HostTensor::from<float>({kProbes}, probes));
      continue;
    }
    const HostTensor* constant = passes::initializer(graph, program.inputs[i]);
    if (constant == nullptr || constant->elements() != 1 || constant->dtype() != DType::kFloat32) {
      return GeluForm::kNone;
    }
    inputs.push_back(*constant);
  }
  std::vector<HostTensor> out;
  try {
    out = evaluate(program, inputs);
  } catch (const Error&) {
    return GeluForm::kNone;
  }
  if (out.size() != 1 || out[0].elements() != kProbes || out[0].dtype() != DType::kFloat32) {
    return GeluForm::kNone;
  }
  bool exact = true;
  bool tanh = true;
  for (int i = 0; i < kProbes; ++i) {
    const double y = out[0].data<float>()[i];
    exact = exact && std::fabs(y - gelu_exact(probes[i])) <= 4e-6;
    tanh = tanh && std::fabs(y - gelu_tanh(probes[i])) <= 4e-6;
  }
  return exact ? GeluForm::kExact : (tanh ? GeluForm::kTanh : GeluForm::kNone);
}

}  // namespace

size_t fuse_gelu_epilogue(Graph& graph, const Evaluator& evaluate, bool allow_tanh_approximation) {
  const passes::ConsumerMap consumers = passes::consumer_map(graph);
  std::vector<bool> erase(graph.nodes.size(), false);
  size_t fused = 0;
  for (Node& matmul : graph.nodes) {
    if (matmul.op_type != kFusedMatMulOp || matmul.has_attribute("rill_activation")) continue;
    const std::string& y = matmul.outputs[0];
    const auto readers = consumers.find(y);
    if (readers == consumers.end() || readers->second.size() != 1 ||
        passes::is_graph_output(graph, y)) {
      continue;
    }
    const size_t reader = readers->second[0];
    const Node& program = graph.nodes[reader];
    if (program.op_type != kFusedElementwiseOp) continue;
    size_t x_index = program.inputs.size();
    for (size_t i = 0; i < program.inputs.size(); ++i) {
      if (program.inputs[i] == y) x_index = i;
    }
    if (x_index == program.inputs.size()) continue;
    const GeluForm form = classify(graph, program, x_index, evaluate);
    if (form == GeluForm::kNone || (form == GeluForm::kExact && !allow_tanh_approximation)) {
      continue;
    }
    matmul.attributes["rill_activation"] = std::string("GeluTanh");
    graph.value_info.erase(y);
    matmul.outputs[0] = program.outputs[0];
    erase[reader] = true;
    ++fused;
  }
  passes::erase_nodes(graph, erase);
  return fused;
}

}  // namespace rill::ir
