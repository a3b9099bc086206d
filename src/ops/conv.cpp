// Conv: attributes, shape inference and the CPU reference (GPU half in conv_gpu.cpp).
#include <string>

#include "ops/nn_common.h"

namespace rill::ops::nn {

ConvSetup conv_setup(const Node& node, std::span<const TensorDesc> inputs) {
  if (inputs.size() < 2 || !node.has_input(0) || !node.has_input(1)) {
    fail(node, ErrorKind::kInvalidModel, "Conv needs inputs X and W");
  }
  const TensorDesc& x = inputs[0];
  const TensorDesc& w = inputs[1];
  const auto shapes = [&] { return describe_inputs(node, inputs); };
  require_float(node, x, "X");
  if (w.dtype != x.dtype) {
    fail(node, ErrorKind::kInvalidModel, "X and W must have the same dtype",
         {{"inputs", shapes()}});
  }
  if (x.shape.size() < 3 || w.shape.size() != x.shape.size()) {
    fail(node, ErrorKind::kInvalidModel, "X must be [N, C, spatial...] and W of the same rank",
         {{"inputs", shapes()}});
  }
  ConvSetup s;
  s.batch = x.shape[0];
  s.in_channels = x.shape[1];
  s.out_channels = w.shape[0];
  s.group = node.attr_int("group", 1);
  // Divided rather than multiplied: group comes from the model and w.shape[1] * group could
  // overflow (found by the plan_loader fuzz target).
  if (s.group <= 0 || s.in_channels % s.group != 0 || s.in_channels / s.group != w.shape[1] ||
      s.out_channels % s.group != 0) {
    fail(node, ErrorKind::kInvalidModel, "channels do not match W and group",
         {{"inputs", shapes()}, {"group", std::to_string(s.group)}});
  }
  const Shape in(x.shape.begin() + 2, x.shape.end());
  const Shape kernel(w.shape.begin() + 2, w.shape.end());
  if (node.has_attribute("kernel_shape") && node.attr_ints("kernel_shape") != kernel) {
    fail(node, ErrorKind::kInvalidModel, "kernel_shape does not match W", {{"inputs", shapes()}});
  }
  if (inputs.size() > 2 && node.has_input(2)) {
    if (inputs[2].shape != Shape{s.out_channels} || inputs[2].dtype != x.dtype) {
      fail(node, ErrorKind::kInvalidModel, "B must be [M] of X's dtype", {{"inputs", shapes()}});
    }
    s.has_bias = true;
  }
  s.activation = fused_activation(
      node, {Activation::kRelu, Activation::kSigmoid, Activation::kTanh, Activation::kLeakyRelu});
  try {
    s.geometry = window_geometry(node, in, kernel, false);
  } catch (Error& e) {
    e.add_context("inputs", shapes());
    throw;
  }
  return s;
}

std::vector<TensorDesc> infer_conv(const InferContext& ctx) {
  const ConvSetup s = conv_setup(ctx.node, ctx.inputs);
  Shape out{s.batch, s.out_channels};
  for (int64_t d : s.geometry.out_shape()) out.push_back(d);
  return {TensorDesc{ctx.inputs[0].dtype, out}};
}

std::vector<HostTensor> run_conv_cpu(const Node& node, std::span<const HostTensor> inputs) {
  std::vector<TensorDesc> descs;
  for (const HostTensor& t : inputs) descs.push_back(t.desc());
  const ConvSetup s = conv_setup(node, descs);
  const Geometry& g = s.geometry;
  const std::vector<double> x = inputs[0].as_doubles();
  const std::vector<double> w = inputs[1].as_doubles();
  const std::vector<double> b = s.has_bias ? inputs[2].as_doubles() : std::vector<double>{};
  const int64_t cg = s.in_channels / s.group;
  const int64_t mg = s.out_channels / s.group;
  const int64_t in_size = g.in[0] * g.in[1] * g.in[2];
  const int64_t out_size = g.out[0] * g.out[1] * g.out[2];
  const int64_t k_size = g.kernel[0] * g.kernel[1] * g.kernel[2];
  std::vector<double> y(static_cast<size_t>(s.batch * s.out_channels * out_size));
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t m = 0; m < s.out_channels; ++m) {
      const int64_t group = m / mg;
      for (int64_t o0 = 0; o0 < g.out[0]; ++o0) {
        for (int64_t o1 = 0; o1 < g.out[1]; ++o1) {
          for (int64_t o2 = 0; o2 < g.out[2]; ++o2) {
            double acc = s.has_bias ? b[m] : 0.0;
            for (int64_t c = 0; c < cg; ++c) {
              const int64_t xc = group * cg + c;
              const double* xp = x.data() + (n * s.in_channels + xc) * in_size;
              const double* wp = w.data() + (m * cg + c) * k_size;
              for (int64_t k0 = 0; k0 < g.kernel[0]; ++k0) {
                const int64_t i0 = o0 * g.stride[0] - g.pad_begin[0] + k0 * g.dilation[0];
                if (i0 < 0 || i0 >= g.in[0]) continue;
                for (int64_t k1 = 0; k1 < g.kernel[1]; ++k1) {
                  const int64_t i1 = o1 * g.stride[1] - g.pad_begin[1] + k1 * g.dilation[1];
                  if (i1 < 0 || i1 >= g.in[1]) continue;
                  for (int64_t k2 = 0; k2 < g.kernel[2]; ++k2) {
                    const int64_t i2 = o2 * g.stride[2] - g.pad_begin[2] + k2 * g.dilation[2];
                    if (i2 < 0 || i2 >= g.in[2]) continue;
                    acc += xp[(i0 * g.in[1] + i1) * g.in[2] + i2] *
                           wp[(k0 * g.kernel[1] + k1) * g.kernel[2] + k2];
                  }
                }
              }
            }
            y[static_cast<size_t>(((n * s.out_channels + m) * g.out[0] + o0) * g.out[1] * g.out[2] +
                                  o1 * g.out[2] + o2)] = apply_activation(acc, s.activation);
          }
        }
      }
    }
  }
  Shape out{s.batch, s.out_channels};
  for (int64_t d : g.out_shape()) out.push_back(d);
  return {from_doubles(inputs[0].dtype(), out, y)};
}

}  // namespace rill::ops::nn
