// LayerNormalization (opset 17): shape inference and CPU reference (double; two-pass mean and
// variance). Outputs Mean and InvStdDev are supported (float32, stash_type 1). The GPU half is
// layer_norm_gpu.cpp. float16/bfloat16: Note [Half CPU references] (statistics from the widened
// inputs; Y rounded once).
#include "ops/layer_norm.h"

#include <cmath>

#include "ops/elementwise_common.h"

namespace rill::ops::ew {

LayerNormSpec layer_norm_spec(const Node& node, std::span<const TensorDesc> inputs) {
  expect_arity(node, inputs, 2, 3, 1, 3);
  expect_dtype(node, inputs, 0,
               {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16});
  for (size_t i = 1; i < inputs.size(); ++i) {
    if (node.has_input(i)) expect_same_dtype(node, inputs, 0, i);
  }
  if (node.attr_int("stash_type", 1) != 1) {
    throw op_error(ErrorKind::kUnsupported, "LayerNormalization stash_type other than 1 (float)",
                   node, inputs);
  }
  const ir::Shape& shape = inputs[0].shape;
  const auto rank = static_cast<int64_t>(shape.size());
  if (rank == 0) {
    throw op_error(ErrorKind::kInvalidModel, "LayerNormalization of a scalar", node, inputs);
  }
  LayerNormSpec spec;
  spec.axis = static_cast<size_t>(normalize_axis(node, inputs, node.attr_int("axis", -1), rank));
  spec.epsilon = node.attr_float("epsilon", 1e-5f);
  spec.norm_shape.assign(shape.begin() + static_cast<ptrdiff_t>(spec.axis), shape.end());
  spec.stat_shape = shape;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (d < spec.axis) {
      spec.rows *= shape[d];
    } else {
      spec.cols *= shape[d];
      spec.stat_shape[d] = 1;
    }
  }
  // Scale and B broadcast (unidirectionally) to the normalized shape.
  for (size_t i = 1; i < inputs.size(); ++i) {
    if (!node.has_input(i)) continue;
    const ir::Shape& s = inputs[i].shape;
    bool ok = s.size() <= spec.norm_shape.size();
    for (size_t k = 0; ok && k < s.size(); ++k) {
      const int64_t n = spec.norm_shape[spec.norm_shape.size() - s.size() + k];
      ok = s[k] == n || s[k] == 1;
    }
    if (!ok) {
      throw op_error(
          ErrorKind::kInvalidModel,
          "Scale/B do not broadcast to the normalized shape " + ir::shape_string(spec.norm_shape),
          node, inputs);
    }
  }
  return spec;
}

namespace {

std::vector<TensorDesc> infer_layer_norm(const InferContext& ctx) {
  const LayerNormSpec spec = layer_norm_spec(ctx.node, ctx.inputs);
  std::vector<TensorDesc> outs = {ctx.inputs[0]};
  for (size_t i = 1; i < ctx.node.outputs.size(); ++i) {
    outs.push_back(TensorDesc{DType::kFloat32, spec.stat_shape});
  }
  return outs;
}

template <class T>
void layer_norm_rows(const LayerNormSpec& spec, std::span<const HostTensor> inputs, bool has_bias,
                     T* y, float* mean_out, float* rstd_out) {
  const T* x = inputs[0].data<T>();
  const T* scale = inputs[1].data<T>();
  const T* bias = has_bias ? inputs[2].data<T>() : nullptr;
  // Offsets of Scale and B for each normalized position.
  std::vector<int64_t> scale_off(static_cast<size_t>(spec.cols));
  std::vector<int64_t> bias_off(static_cast<size_t>(spec.cols));
  const std::vector<ir::Shape> params = {inputs[1].shape(),
                                         has_bias ? inputs[2].shape() : inputs[1].shape()};
  for_each_broadcast(spec.norm_shape, params, [&](int64_t i, const int64_t* off) {
    scale_off[static_cast<size_t>(i)] = off[0];
    bias_off[static_cast<size_t>(i)] = off[1];
  });
  const auto cols = static_cast<size_t>(spec.cols);
  for (int64_t r = 0; r < spec.rows; ++r) {
    const T* row = x + r * spec.cols;
    double mean = 0.0;
    for (size_t c = 0; c < cols; ++c) mean += static_cast<double>(row[c]);
    mean /= static_cast<double>(cols);
    double var = 0.0;
    for (size_t c = 0; c < cols; ++c) {
      const double d = static_cast<double>(row[c]) - mean;
      var += d * d;
    }
    var /= static_cast<double>(cols);
    const double rstd = 1.0 / std::sqrt(var + static_cast<double>(spec.epsilon));
    for (size_t c = 0; c < cols; ++c) {
      double v =
          (static_cast<double>(row[c]) - mean) * rstd * static_cast<double>(scale[scale_off[c]]);
      if (bias != nullptr) v += static_cast<double>(bias[bias_off[c]]);
      y[static_cast<size_t>(r) * cols + c] = static_cast<T>(v);
    }
    if (mean_out != nullptr) mean_out[r] = static_cast<float>(mean);
    if (rstd_out != nullptr) rstd_out[r] = static_cast<float>(rstd);
  }
}

std::vector<HostTensor> run_layer_norm_cpu(const Node& node, std::span<const HostTensor> inputs) {
  // Mean and InvStdDev stay float32 (stash_type 1): only Y is rounded to the half dtype.
  if (has_half_input(inputs)) {
    return run_half_through_float(node, inputs, &run_layer_norm_cpu, inputs[0].dtype(), 1);
  }
  std::vector<TensorDesc> descs;
  for (const HostTensor& t : inputs) descs.push_back(t.desc());
  const LayerNormSpec spec = layer_norm_spec(node, descs);
  const bool has_bias = inputs.size() > 2 && node.has_input(2);
  std::vector<HostTensor> outs;
  outs.emplace_back(inputs[0].dtype(), inputs[0].shape());
  for (size_t i = 1; i < node.outputs.size(); ++i)
    outs.emplace_back(DType::kFloat32, spec.stat_shape);
  float* mean = outs.size() > 1 ? outs[1].data<float>() : nullptr;
  float* rstd = outs.size() > 2 ? outs[2].data<float>() : nullptr;
  if (inputs[0].dtype() == DType::kFloat32) {
    layer_norm_rows<float>(spec, inputs, has_bias, outs[0].data<float>(), mean, rstd);
  } else {
    layer_norm_rows<double>(spec, inputs, has_bias, outs[0].data<double>(), mean, rstd);
  }
  return outs;
}

}  // namespace

std::vector<OpDef> layer_norm_op_defs() {
  OpDef ln;
  ln.op_type = "LayerNormalization";
  ln.infer = &infer_layer_norm;
  ln.run_cpu = &run_layer_norm_cpu;
  ln.prepare_gpu = &prepare_layer_norm_gpu;
  ln.gpu_dtypes = kFloatDTypes;  // Mean/InvStdDev stay float32
  return {ln};
}

}  // namespace rill::ops::ew
