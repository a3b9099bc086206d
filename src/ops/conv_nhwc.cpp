// rill.ConvNhwc (channels_last.h): validation, shape inference, CPU reference and GPU preparation.
// The GPU kernel is Conv's (conv_gpu.cpp) with channels-last descriptors.
#include <algorithm>

#include "ops/channels_last.h"

namespace rill::ops::nn {

std::vector<int64_t> to_channels_last_perm(size_t rank) {
  std::vector<int64_t> perm{0};
  for (size_t d = 2; d < rank; ++d) perm.push_back(static_cast<int64_t>(d));
  perm.push_back(1);
  return perm;
}

std::vector<int64_t> to_channels_first_perm(size_t rank) {
  std::vector<int64_t> perm{0, static_cast<int64_t>(rank) - 1};
  for (size_t d = 1; d + 1 < rank; ++d) perm.push_back(static_cast<int64_t>(d));
  return perm;
}

namespace {

Shape permuted(const Shape& shape, std::span<const int64_t> perm) {
  Shape out;
  for (int64_t p : perm) out.push_back(shape[static_cast<size_t>(p)]);
  return out;
}

}  // namespace

HostTensor permute(const HostTensor& in, std::span<const int64_t> perm) {
  return ir::transposed(in, perm);
}

ConvNhwcSetup conv_nhwc_setup(const Node& node, std::span<const TensorDesc> inputs) {
  if (inputs.size() < 2 || !node.has_input(0) || !node.has_input(1)) {
    fail(node, ErrorKind::kInvalidModel, "rill.ConvNhwc needs inputs X and W");
  }
  const size_t rank = inputs[0].shape.size();
  if (rank < 3 || inputs[1].shape.size() != rank) {
    fail(node, ErrorKind::kInvalidModel, "X must be [N, spatial..., C] and W of the same rank",
         {{"inputs", describe_inputs(node, inputs)}});
  }
  const std::vector<int64_t> to_first = to_channels_first_perm(rank);
  std::vector<TensorDesc> nchw{TensorDesc{inputs[0].dtype, permuted(inputs[0].shape, to_first)},
                               TensorDesc{inputs[1].dtype, permuted(inputs[1].shape, to_first)}};
  if (inputs.size() > 2) nchw.push_back(inputs[2]);
  ConvNhwcSetup s;
  try {
    s.conv = conv_setup(node, nchw);
  } catch (Error& e) {
    e.add_context("layout", "NHWC (reported in NCHW order)");
    throw;
  }
  s.out = {s.conv.batch};
  for (int64_t d : s.conv.geometry.out_shape()) s.out.push_back(d);
  s.out.push_back(s.conv.out_channels);
  if (inputs.size() > 3 && node.has_input(3)) {
    if (inputs[3].shape != s.out || inputs[3].dtype != inputs[0].dtype) {
      fail(node, ErrorKind::kInvalidModel, "Z must have the output's shape and X's dtype",
           {{"inputs", describe_inputs(node, inputs)}, {"output", ir::shape_string(s.out)}});
    }
    s.has_residual = true;
  }
  return s;
}

std::vector<TensorDesc> infer_conv_nhwc(const InferContext& ctx) {
  return {TensorDesc{ctx.inputs[0].dtype, conv_nhwc_setup(ctx.node, ctx.inputs).out}};
}

std::vector<HostTensor> run_conv_nhwc_cpu(const Node& node, std::span<const HostTensor> inputs) {
  std::vector<TensorDesc> descs;
  for (const HostTensor& t : inputs) descs.push_back(t.desc());
  const ConvNhwcSetup s = conv_nhwc_setup(node, descs);
  const size_t rank = descs[0].shape.size();
  const DType dtype = inputs[0].dtype();
  // The NC(D)HW reference in float32 (exact for half inputs), without the activation: Z comes
  // first. The result is rounded once, to `dtype`, at the end.
  auto as_float = [](const HostTensor& t) {
    return t.dtype() == DType::kFloat32 || t.dtype() == DType::kFloat64
               ? t
               : ir::convert_floating(t, DType::kFloat32);
  };
  const std::vector<int64_t> to_first = to_channels_first_perm(rank);
  std::vector<HostTensor> nchw{permute(as_float(inputs[0]), to_first),
                               permute(as_float(inputs[1]), to_first)};
  Node plain = node;
  plain.op_type = "Conv";
  plain.domain.clear();
  plain.attributes.erase("rill_activation");
  plain.attributes.erase("rill_activation_alpha");
  plain.inputs.resize(std::min<size_t>(plain.inputs.size(), 3));
  if (s.conv.has_bias) {
    nchw.push_back(as_float(inputs[2]));
  } else if (plain.inputs.size() > 2) {
    plain.inputs.resize(2);
  }
  const HostTensor y = permute(run_conv_cpu(plain, nchw)[0], to_channels_last_perm(rank));
  std::vector<double> values = y.as_doubles();
  if (s.has_residual) {
    const std::vector<double> z = inputs[3].as_doubles();
    for (size_t i = 0; i < values.size(); ++i) values[i] += z[i];
  }
  for (double& v : values) v = apply_activation(v, s.conv.activation);
  return {from_doubles(dtype, s.out, values)};
}

std::unique_ptr<GpuKernel> prepare_conv_nhwc_gpu(const GpuPrepareContext& ctx) {
  return prepare_with_context(ctx, [&]() -> std::unique_ptr<GpuKernel> {
    const ConvNhwcSetup s = conv_nhwc_setup(ctx.node, ctx.inputs);
    return make_conv_kernel(ctx, s.conv, true, s.has_residual ? 3 : -1);
  });
}

}  // namespace rill::ops::nn
