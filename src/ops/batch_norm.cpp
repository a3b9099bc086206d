// BatchNormalization (inference mode): shape inference and the CPU reference (GPU half in
// batch_norm_gpu.cpp).
#include <cmath>
#include <string>

#include "ops/nn_common.h"

namespace rill::ops::nn {

namespace {
void validate(const Node& node, std::span<const TensorDesc> inputs) {
  if (inputs.size() < 5) {
    fail(node, ErrorKind::kInvalidModel, "BatchNormalization needs X, scale, B, mean and var");
  }
  for (size_t i = 0; i < 5; ++i) {
    if (!node.has_input(i)) {
      fail(node, ErrorKind::kInvalidModel, "BatchNormalization needs X, scale, B, mean and var");
    }
  }
  if (node.attr_int("training_mode", 0) != 0) {
    fail(node, ErrorKind::kUnsupported, "BatchNormalization training_mode=1 is not supported");
  }
  for (size_t i = 1; i < node.outputs.size(); ++i) {
    if (!node.outputs[i].empty()) {
      fail(node, ErrorKind::kUnsupported,
           "BatchNormalization running mean/var outputs (training) are not supported");
    }
  }
  const TensorDesc& x = inputs[0];
  require_float(node, x, "X");
  if (x.shape.size() < 2) {
    fail(node, ErrorKind::kInvalidModel, "X must be [N, C, ...]",
         {{"inputs", describe_inputs(node, inputs)}});
  }
  for (size_t i = 1; i < 5; ++i) {
    if (inputs[i].shape != Shape{x.shape[1]} || inputs[i].dtype != x.dtype) {
      fail(node, ErrorKind::kInvalidModel, "scale, B, mean and var must be [C] of X's dtype",
           {{"inputs", describe_inputs(node, inputs)}});
    }
  }
}
}  // namespace

std::vector<TensorDesc> infer_batch_norm(const InferContext& ctx) {
  validate(ctx.node, ctx.inputs);
  return {ctx.inputs[0]};
}

std::vector<HostTensor> run_batch_norm_cpu(const Node& node, std::span<const HostTensor> inputs) {
  std::vector<TensorDesc> descs;
  for (const HostTensor& t : inputs) descs.push_back(t.desc());
  validate(node, descs);
  const double epsilon = node.attr_float("epsilon", 1e-5f);
  const std::vector<double> x = inputs[0].as_doubles();
  const std::vector<double> scale = inputs[1].as_doubles();
  const std::vector<double> bias = inputs[2].as_doubles();
  const std::vector<double> mean = inputs[3].as_doubles();
  const std::vector<double> var = inputs[4].as_doubles();
  const Shape& shape = inputs[0].shape();
  const auto channels = static_cast<size_t>(shape[1]);
  size_t inner = 1;
  for (size_t i = 2; i < shape.size(); ++i) inner *= static_cast<size_t>(shape[i]);
  std::vector<double> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t c = (i / inner) % channels;
    y[i] = (x[i] - mean[c]) / std::sqrt(var[c] + epsilon) * scale[c] + bias[c];
  }
  return {from_doubles(inputs[0].dtype(), shape, y)};
}

}  // namespace rill::ops::nn
