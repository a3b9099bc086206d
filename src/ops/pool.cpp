// MaxPool and AveragePool: attributes, shape inference and the CPU reference (GPU half in
// pool_gpu.cpp).
#include <cmath>
#include <limits>
#include <string>

#include "ops/channels_last.h"
#include "ops/nn_common.h"

namespace rill::ops::nn {

PoolSetup pool_setup(const Node& node, std::span<const TensorDesc> inputs) {
  if (inputs.empty() || !node.has_input(0)) {
    fail(node, ErrorKind::kInvalidModel, node.op_type + " needs input X");
  }
  const TensorDesc& x = inputs[0];
  PoolSetup s;
  s.max = node.op_type == "MaxPool";
  if (!s.max) require_float(node, x, "X");
  if (s.max && !is_floating(x.dtype) && x.dtype != DType::kInt8 && x.dtype != DType::kUInt8) {
    fail(node, ErrorKind::kInvalidModel, "MaxPool X must be float, int8 or uint8",
         {{"X", ir::desc_string(x)}});
  }
  if (x.shape.size() < 3) {
    fail(node, ErrorKind::kInvalidModel, "X must be [N, C, spatial...]",
         {{"X", ir::desc_string(x)}});
  }
  if (s.max && node.outputs.size() > 1 && !node.outputs[1].empty()) {
    fail(node, ErrorKind::kUnsupported, "MaxPool's Indices output is not supported");
  }
  if (!node.has_attribute("kernel_shape")) {
    fail(node, ErrorKind::kInvalidModel, "kernel_shape is required");
  }
  s.count_include_pad = node.attr_int("count_include_pad", 0) != 0;
  const bool ceil_mode = node.attr_int("ceil_mode", 0) != 0;
  const Shape in(x.shape.begin() + 2, x.shape.end());
  s.batch = x.shape[0];
  s.channels = x.shape[1];
  try {
    s.geometry = window_geometry(node, in, node.attr_ints("kernel_shape"), ceil_mode);
  } catch (Error& e) {
    e.add_context("X", ir::desc_string(x));
    throw;
  }
  return s;
}

std::vector<TensorDesc> infer_pool(const InferContext& ctx) {
  const PoolSetup s = pool_setup(ctx.node, ctx.inputs);
  Shape out{s.batch, s.channels};
  for (int64_t d : s.geometry.out_shape()) out.push_back(d);
  return {TensorDesc{ctx.inputs[0].dtype, out}};
}

std::vector<HostTensor> run_pool_cpu(const Node& node, std::span<const HostTensor> inputs) {
  const std::vector<TensorDesc> descs{inputs[0].desc()};
  const PoolSetup s = pool_setup(node, descs);
  const Geometry& g = s.geometry;
  const std::vector<double> x = inputs[0].as_doubles();
  const int64_t in_size = g.in[0] * g.in[1] * g.in[2];
  const int64_t out_size = g.out[0] * g.out[1] * g.out[2];
  std::vector<double> y(static_cast<size_t>(s.batch * s.channels * out_size));
  for (int64_t plane = 0; plane < s.batch * s.channels; ++plane) {
    const double* xp = x.data() + plane * in_size;
    for (int64_t o0 = 0; o0 < g.out[0]; ++o0)
      for (int64_t o1 = 0; o1 < g.out[1]; ++o1)
        for (int64_t o2 = 0; o2 < g.out[2]; ++o2) {
          double best = std::numeric_limits<float>::lowest();  // as the GPU kernel
          double sum = 0.0;
          int64_t inside = 0;
          int64_t padded = 0;
          const int64_t o[3] = {o0, o1, o2};
          for (int64_t k0 = 0; k0 < g.kernel[0]; ++k0)
            for (int64_t k1 = 0; k1 < g.kernel[1]; ++k1)
              for (int64_t k2 = 0; k2 < g.kernel[2]; ++k2) {
                const int64_t k[3] = {k0, k1, k2};
                int64_t i[3];
                bool in_input = true;
                bool in_padded = true;
                for (int d = 0; d < 3; ++d) {
                  i[d] = o[d] * g.stride[d] - g.pad_begin[d] + k[d] * g.dilation[d];
                  in_input = in_input && i[d] >= 0 && i[d] < g.in[d];
                  in_padded = in_padded && i[d] >= -g.pad_begin[d] && i[d] < g.in[d] + g.pad_end[d];
                }
                if (in_padded) ++padded;
                if (!in_input) continue;
                const double v = xp[(i[0] * g.in[1] + i[1]) * g.in[2] + i[2]];
                if (std::isnan(v) || std::isnan(best)) {
                  best = std::numeric_limits<double>::quiet_NaN();
                } else if (v > best) {
                  best = v;
                }
                sum += v;
                ++inside;
              }
          const int64_t count = s.count_include_pad ? padded : inside;
          y[static_cast<size_t>(plane * out_size + (o0 * g.out[1] + o1) * g.out[2] + o2)] =
              s.max ? best : (count > 0 ? sum / static_cast<double>(count) : 0.0);
        }
  }
  Shape out{s.batch, s.channels};
  for (int64_t d : g.out_shape()) out.push_back(d);
  return {from_doubles(inputs[0].dtype(), out, y)};
}

// ---- rill.MaxPoolNhwc / rill.AveragePoolNhwc (channels_last.h) ----------------------------------

Node plain_pool_node(const Node& node) {
  Node plain = node;
  plain.op_type = node.op_type == "rill.MaxPoolNhwc" ? "MaxPool" : "AveragePool";
  plain.domain.clear();
  return plain;
}

PoolSetup pool_nhwc_setup(const Node& node, std::span<const TensorDesc> inputs) {
  if (inputs.empty() || !node.has_input(0) || inputs[0].shape.size() < 3) {
    fail(node, ErrorKind::kInvalidModel, "X must be [N, spatial..., C]");
  }
  const Shape& x = inputs[0].shape;
  Shape nchw;
  for (int64_t p : to_channels_first_perm(x.size())) nchw.push_back(x[static_cast<size_t>(p)]);
  const std::vector<TensorDesc> descs{TensorDesc{inputs[0].dtype, nchw}};
  return pool_setup(plain_pool_node(node), descs);
}

std::vector<TensorDesc> infer_pool_nhwc(const InferContext& ctx) {
  const PoolSetup s = pool_nhwc_setup(ctx.node, ctx.inputs);
  Shape out{s.batch};
  for (int64_t d : s.geometry.out_shape()) out.push_back(d);
  out.push_back(s.channels);
  return {TensorDesc{ctx.inputs[0].dtype, out}};
}

std::vector<HostTensor> run_pool_nhwc_cpu(const Node& node, std::span<const HostTensor> inputs) {
  const size_t rank = inputs[0].shape().size();
  const std::vector<TensorDesc> descs{inputs[0].desc()};
  (void)pool_nhwc_setup(node, descs);  // validates with the node's context
  const std::vector<HostTensor> nchw{permute(inputs[0], to_channels_first_perm(rank))};
  return {permute(run_pool_cpu(plain_pool_node(node), nchw)[0], to_channels_last_perm(rank))};
}

}  // namespace rill::ops::nn
