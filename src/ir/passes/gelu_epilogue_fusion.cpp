#include "ir/passes/gelu_epilogue_fusion.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

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

bool is_scalar_constant(const Graph& graph, const std::string& value) {
  const HostTensor* constant = passes::initializer(graph, value);
  return constant != nullptr && constant->elements() == 1 && constant->dtype() == DType::kFloat32;
}

bool is_elementwise(const Node& node) {
  return node.op_type == kFusedElementwiseOp ||
         (node.domain.empty() && elementwise_step_arity(node.op_type) > 0);
}

// The elementwise region that computes a function of `y` alone: nodes (in graph order) whose
// inputs are y, scalar constants or outputs of earlier region nodes, such that y and every
// intermediate are read only inside the region and exactly one region output (the sink) is read
// outside. Empty when there is no such region of at most kMaxRegion nodes.
struct Region {
  std::vector<size_t> nodes;
  size_t sink = 0;
};

std::optional<Region> unary_region(const Graph& graph, const passes::ConsumerMap& consumers,
                                   const std::string& y) {
  constexpr size_t kMaxRegion = 12;
  std::set<std::string> inside = {y};
  std::vector<size_t> nodes;
  std::set<size_t> frontier(consumers.at(y).begin(), consumers.at(y).end());
  while (!frontier.empty() && nodes.size() <= kMaxRegion) {
    const size_t n = *frontier.begin();
    frontier.erase(frontier.begin());
    const Node& node = graph.nodes[n];
    // A reader that is not a function of y alone is outside the region (the sink's reader, or a
    // reason to reject below).
    const bool member = is_elementwise(node) && node.outputs.size() == 1 &&
                        std::all_of(node.inputs.begin(), node.inputs.end(), [&](const std::string& in) {
                          return inside.count(in) > 0 || is_scalar_constant(graph, in);
                        });
    if (!member) continue;
    nodes.push_back(n);
    inside.insert(node.outputs[0]);
    // A value is settled once every reader is in the region; readers outside make it the sink.
    const auto readers = consumers.find(node.outputs[0]);
    if (readers == consumers.end()) continue;
    for (size_t r : readers->second) frontier.insert(r);
  }
  if (nodes.empty() || nodes.size() > kMaxRegion) return std::nullopt;
  std::sort(nodes.begin(), nodes.end());
  for (size_t r : consumers.at(y)) {
    if (!std::binary_search(nodes.begin(), nodes.end(), r)) return std::nullopt;
  }
  // Every node reading a region value must be in the region except the sink's readers.
  Region region{nodes, 0};
  size_t sinks = 0;
  for (size_t n : nodes) {
    const std::string& out = graph.nodes[n].outputs[0];
    const auto readers = consumers.find(out);
    const bool read_outside = passes::is_graph_output(graph, out) || readers == consumers.end() ||
                              std::any_of(readers->second.begin(), readers->second.end(), [&](size_t r) {
                                return !std::binary_search(nodes.begin(), nodes.end(), r);
                              });
    if (read_outside) {
      region.sink = n;
      ++sinks;
    }
  }
  if (sinks != 1) return std::nullopt;
  return region;
}

// Which GELU the region computes of y, if any. 4e-6 absolute is a few float32 roundings of values
// up to 8; the two forms differ by up to about 5e-4.
GeluForm classify(const Graph& graph, const Region& region, const std::string& y,
                  const Evaluator& evaluate) {
  constexpr int kProbes = 161;
  std::vector<float> probes(kProbes);
  for (int i = 0; i < kProbes; ++i) probes[i] = -8.0f + 0.1f * static_cast<float>(i);
  std::map<std::string, HostTensor> values;
  values[y] = HostTensor::from<float>({kProbes}, probes);
  try {
    for (size_t n : region.nodes) {
      const Node& node = graph.nodes[n];
      std::vector<HostTensor> inputs;
      for (const std::string& in : node.inputs) {
        const auto it = values.find(in);
        inputs.push_back(it != values.end() ? it->second : *passes::initializer(graph, in));
      }
      std::vector<HostTensor> out = evaluate(node, inputs);
      if (out.size() != 1) return GeluForm::kNone;
      values[node.outputs[0]] = std::move(out[0]);
    }
  } catch (const Error&) {
    return GeluForm::kNone;
  }
  const HostTensor& result = values.at(graph.nodes[region.sink].outputs[0]);
  if (result.elements() != kProbes || result.dtype() != DType::kFloat32) return GeluForm::kNone;
  bool exact = true;
  bool tanh = true;
  for (int i = 0; i < kProbes; ++i) {
    const double v = result.data<float>()[i];
    exact = exact && std::fabs(v - gelu_exact(probes[i])) <= 4e-6;
    tanh = tanh && std::fabs(v - gelu_tanh(probes[i])) <= 4e-6;
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
    if (readers == consumers.end() || passes::is_graph_output(graph, y)) continue;
    const std::optional<Region> region = unary_region(graph, consumers, y);
    if (!region) continue;
    const GeluForm form = classify(graph, *region, y, evaluate);
    if (form == GeluForm::kNone || (form == GeluForm::kExact && !allow_tanh_approximation)) {
      continue;
    }
    matmul.attributes["rill_activation"] = std::string("GeluTanh");
    graph.value_info.erase(y);
    matmul.outputs[0] = graph.nodes[region->sink].outputs[0];
    for (size_t n : region->nodes) erase[n] = true;
    ++fused;
  }
  passes::erase_nodes(graph, erase);
  return fused;
}

}  // namespace rill::ir
