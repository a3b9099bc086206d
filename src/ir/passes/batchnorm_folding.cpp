#include "ir/passes/batchnorm_folding.h"

#include <cmath>

#include "ir/passes/pass_util.h"

namespace rill::ir {

namespace {

const HostTensor* float_initializer(const Graph& graph, const std::string& value) {
  const HostTensor* t = passes::initializer(graph, value);
  return t != nullptr && t->dtype() == DType::kFloat32 ? t : nullptr;
}

// The per-channel BN parameter `value`, when it is a float32 initializer of `channels` elements.
const HostTensor* channel_vector(const Graph& graph, const std::string& value, int64_t channels) {
  const HostTensor* t = float_initializer(graph, value);
  return t != nullptr && t->shape() == Shape{channels} ? t : nullptr;
}

bool is_inference_batchnorm(const Node& node) {
  if (node.op_type != "BatchNormalization" || !node.domain.empty()) return false;
  if (node.attr_int("training_mode", 0) != 0) return false;
  for (size_t k = 1; k < node.outputs.size(); ++k) {
    if (!node.outputs[k].empty()) return false;  // running mean/var outputs: training only
  }
  return node.inputs.size() == 5 && !node.outputs.empty();
}

}  // namespace

size_t fold_batchnorm_into_conv(Graph& graph) {
  const passes::ConsumerMap consumers = passes::consumer_map(graph);
  std::vector<bool> erase(graph.nodes.size(), false);
  size_t folded = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node& conv = graph.nodes[i];
    if (conv.op_type != "Conv" || !conv.domain.empty() || conv.outputs.size() != 1 ||
        conv.inputs.size() < 2 || conv.has_attribute("rill_activation")) {
      continue;
    }
    const std::string& conv_out = conv.outputs[0];
    const auto readers = consumers.find(conv_out);
    if (readers == consumers.end() || readers->second.size() != 1 ||
        passes::is_graph_output(graph, conv_out) || graph.use_count(conv_out) != 1) {
      continue;
    }
    const size_t bn_index = readers->second[0];
    const Node& bn = graph.nodes[bn_index];
    if (!is_inference_batchnorm(bn) || bn.inputs[0] != conv_out) continue;

    const HostTensor* weight = float_initializer(graph, conv.inputs[1]);
    if (weight == nullptr || weight->shape().empty()) continue;
    const int64_t channels = weight->shape()[0];
    const HostTensor* bias =
        conv.has_input(2) ? channel_vector(graph, conv.inputs[2], channels) : nullptr;
    if (conv.has_input(2) && bias == nullptr) continue;
    const HostTensor* scale = channel_vector(graph, bn.inputs[1], channels);
    const HostTensor* shift = channel_vector(graph, bn.inputs[2], channels);
    const HostTensor* mean = channel_vector(graph, bn.inputs[3], channels);
    const HostTensor* var = channel_vector(graph, bn.inputs[4], channels);
    if (scale == nullptr || shift == nullptr || mean == nullptr || var == nullptr) continue;
    const double epsilon = bn.attr_float("epsilon", 1e-5f);

    HostTensor new_weight = *weight;
    HostTensor new_bias(DType::kFloat32, {channels});
    const int64_t per_channel = channels == 0 ? 0 : weight->elements() / channels;
    float* w = new_weight.data<float>();
    float* b = new_bias.data<float>();
    for (int64_t m = 0; m < channels; ++m) {
      const double s = static_cast<double>(scale->data<float>()[m]) /
                       std::sqrt(static_cast<double>(var->data<float>()[m]) + epsilon);
      for (int64_t k = 0; k < per_channel; ++k) {
        w[m * per_channel + k] = static_cast<float>(w[m * per_channel + k] * s);
      }
      const double b0 = bias != nullptr ? bias->data<float>()[m] : 0.0;
      b[m] = static_cast<float>((b0 - mean->data<float>()[m]) * s + shift->data<float>()[m]);
    }

    const std::string weight_name = graph.unique_value_name(conv.name + ".bn_folded_weight");
    graph.initializers[weight_name] = std::move(new_weight);
    const std::string bias_name = graph.unique_value_name(conv.name + ".bn_folded_bias");
    graph.initializers[bias_name] = std::move(new_bias);
    conv.inputs.resize(3);
    conv.inputs[1] = weight_name;
    conv.inputs[2] = bias_name;
    // The Conv takes over the BN's output name, so graph outputs and later readers are untouched.
    graph.value_info.erase(conv_out);
    conv.outputs[0] = bn.outputs[0];
    erase[bn_index] = true;
    ++folded;
  }
  passes::erase_nodes(graph, erase);
  return folded;
}

}  // namespace rill::ir
