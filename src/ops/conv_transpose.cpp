// ConvTranspose: attributes, shape inference and the CPU reference (GPU half in
// conv_transpose_gpu.cpp).
#include <string>

#include "ops/nn_common.h"

namespace rill::ops::nn {

ConvTransposeSetup conv_transpose_setup(const Node& node, std::span<const TensorDesc> inputs) {
  if (inputs.size() < 2 || !node.has_input(0) || !node.has_input(1)) {
    fail(node, ErrorKind::kInvalidModel, "ConvTranspose needs inputs X and W");
  }
  const TensorDesc& x = inputs[0];
  const TensorDesc& w = inputs[1];
  const auto shapes = [&] { return describe_inputs(node, inputs); };
  require_float(node, x, "X");
  if (w.dtype != x.dtype || x.shape.size() < 3 || w.shape.size() != x.shape.size()) {
    fail(node, ErrorKind::kInvalidModel, "X must be [N, C, spatial...] and W of its rank and dtype",
         {{"inputs", shapes()}});
  }
  const auto rank = static_cast<int>(x.shape.size()) - 2;
  if (rank > 3) {
    fail(node, ErrorKind::kUnsupported, "only 1-D, 2-D and 3-D ConvTranspose",
         {{"inputs", shapes()}});
  }
  ConvTransposeSetup s;
  s.batch = x.shape[0];
  s.in_channels = x.shape[1];
  s.group = node.attr_int("group", 1);
  if (s.group <= 0 || w.shape[0] != s.in_channels || s.in_channels % s.group != 0) {
    fail(node, ErrorKind::kInvalidModel, "W must be [C, M/group, k...]",
         {{"inputs", shapes()}, {"group", std::to_string(s.group)}});
  }
  s.out_channels = w.shape[1] * s.group;
  if (inputs.size() > 2 && node.has_input(2)) {
    if (inputs[2].shape != Shape{s.out_channels} || inputs[2].dtype != x.dtype) {
      fail(node, ErrorKind::kInvalidModel, "B must be [M] of X's dtype", {{"inputs", shapes()}});
    }
    s.has_bias = true;
  }
  const Shape kernel(w.shape.begin() + 2, w.shape.end());
  if (node.has_attribute("kernel_shape") && node.attr_ints("kernel_shape") != kernel) {
    fail(node, ErrorKind::kInvalidModel, "kernel_shape does not match W", {{"inputs", shapes()}});
  }
  const auto ints = [&](const char* key, int64_t fallback, size_t count) {
    std::vector<int64_t> v = node.attr_ints(key, std::vector<int64_t>(count, fallback));
    if (v.size() != count) {
      fail(node, ErrorKind::kInvalidModel, std::string(key) + " does not match the rank",
           {{"inputs", shapes()}});
    }
    return v;
  };
  const std::vector<int64_t> strides = ints("strides", 1, rank);
  const std::vector<int64_t> dilations = ints("dilations", 1, rank);
  const std::vector<int64_t> pads = ints("pads", 0, 2 * rank);
  const std::vector<int64_t> output_padding = ints("output_padding", 0, rank);
  std::vector<int64_t> output_shape = node.attr_ints("output_shape");
  if (output_shape.size() == static_cast<size_t>(rank) + 2) {
    output_shape.erase(output_shape.begin(), output_shape.begin() + 2);  // [N, C, ...] form
  }
  if (!output_shape.empty() && output_shape.size() != static_cast<size_t>(rank)) {
    fail(node, ErrorKind::kInvalidModel, "output_shape does not match the rank",
         {{"inputs", shapes()}});
  }
  const std::string auto_pad = node.attr_string("auto_pad", "NOTSET");
  Geometry& g = s.geometry;
  g.spatial = rank;
  const int off = 3 - rank;
  for (int i = 0; i < rank; ++i) {
    const int j = i + off;
    const int64_t in = x.shape[2 + i];
    if (strides[i] <= 0 || dilations[i] <= 0 || kernel[i] <= 0 || output_padding[i] < 0) {
      fail(node, ErrorKind::kInvalidModel, "non-positive stride, dilation or kernel",
           {{"inputs", shapes()}});
    }
    g.in[j] = in;
    g.kernel[j] = kernel[i];
    g.stride[j] = strides[i];
    g.dilation[j] = dilations[i];
    const int64_t full =
        strides[i] * (in - 1) + output_padding[i] + (kernel[i] - 1) * dilations[i] + 1;
    if (!output_shape.empty() || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t out = !output_shape.empty() ? output_shape[i] : in * strides[i];
      const int64_t total = full - out;  // negative when output_shape asks for more than full
      // Truncating division keeps the extra (or the surplus) at the end for SAME_UPPER and
      // NOTSET, as ONNX's backend data and onnxruntime do.
      g.pad_begin[j] = auto_pad == "SAME_LOWER" ? total - total / 2 : total / 2;
      g.pad_end[j] = total - g.pad_begin[j];
      g.out[j] = out;
    } else {
      if (auto_pad == "NOTSET") {
        g.pad_begin[j] = pads[i];
        g.pad_end[j] = pads[i + rank];
      }
      g.out[j] = full - g.pad_begin[j] - g.pad_end[j];
    }
    if (g.out[j] <= 0) {
      fail(node, ErrorKind::kInvalidModel, "ConvTranspose output would be empty",
           {{"inputs", shapes()}});
    }
  }
  return s;
}

std::vector<TensorDesc> infer_conv_transpose(const InferContext& ctx) {
  const ConvTransposeSetup s = conv_transpose_setup(ctx.node, ctx.inputs);
  Shape out{s.batch, s.out_channels};
  for (int64_t d : s.geometry.out_shape()) out.push_back(d);
  return {TensorDesc{ctx.inputs[0].dtype, out}};
}

std::vector<HostTensor> run_conv_transpose_cpu(const Node& node,
                                               std::span<const HostTensor> inputs) {
  std::vector<TensorDesc> descs;
  for (const HostTensor& t : inputs) descs.push_back(t.desc());
  const ConvTransposeSetup s = conv_transpose_setup(node, descs);
  const Geometry& g = s.geometry;
  const std::vector<double> x = inputs[0].as_doubles();
  const std::vector<double> w = inputs[1].as_doubles();
  const int64_t cg = s.in_channels / s.group;
  const int64_t mg = s.out_channels / s.group;
  const int64_t in_size = g.in[0] * g.in[1] * g.in[2];
  const int64_t out_size = g.out[0] * g.out[1] * g.out[2];
  const int64_t k_size = g.kernel[0] * g.kernel[1] * g.kernel[2];
  std::vector<double> y(static_cast<size_t>(s.batch * s.out_channels * out_size), 0.0);
  if (s.has_bias) {
    const std::vector<double> b = inputs[2].as_doubles();
    for (size_t i = 0; i < y.size(); ++i) y[i] = b[(i / out_size) % s.out_channels];
  }
  // Scatter every input value through every kernel tap.
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t c = 0; c < s.in_channels; ++c) {
      const int64_t group = c / cg;
      const double* xp = x.data() + (n * s.in_channels + c) * in_size;
      for (int64_t mm = 0; mm < mg; ++mm) {
        const int64_t m = group * mg + mm;
        const double* wp = w.data() + (c * mg + mm) * k_size;
        double* yp = y.data() + (n * s.out_channels + m) * out_size;
        for (int64_t i0 = 0; i0 < g.in[0]; ++i0)
          for (int64_t i1 = 0; i1 < g.in[1]; ++i1)
            for (int64_t i2 = 0; i2 < g.in[2]; ++i2) {
              const double v = xp[(i0 * g.in[1] + i1) * g.in[2] + i2];
              for (int64_t k0 = 0; k0 < g.kernel[0]; ++k0) {
                const int64_t o0 = i0 * g.stride[0] + k0 * g.dilation[0] - g.pad_begin[0];
                if (o0 < 0 || o0 >= g.out[0]) continue;
                for (int64_t k1 = 0; k1 < g.kernel[1]; ++k1) {
                  const int64_t o1 = i1 * g.stride[1] + k1 * g.dilation[1] - g.pad_begin[1];
                  if (o1 < 0 || o1 >= g.out[1]) continue;
                  for (int64_t k2 = 0; k2 < g.kernel[2]; ++k2) {
                    const int64_t o2 = i2 * g.stride[2] + k2 * g.dilation[2] - g.pad_begin[2];
                    if (o2 < 0 || o2 >= g.out[2]) continue;
                    yp[(o0 * g.out[1] + o1) * g.out[2] + o2] +=
                        v * wp[(k0 * g.kernel[1] + k1) * g.kernel[2] + k2];
                  }
                }
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
