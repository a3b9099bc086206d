// Cast: attribute `to` (an ONNX TensorProto element type number), shape inference and CPU
// reference. Conversion semantics: kernels::cast_value (Note [Elementwise semantics]). The GPU
// half is cast_gpu.cpp.
#include "ops/cast.h"

#include "ops/elementwise_common.h"

namespace rill::ops::ew {

std::optional<DType> dtype_from_onnx(int64_t onnx_type) {
  switch (onnx_type) {
    case 1:
      return DType::kFloat32;
    case 2:
      return DType::kUInt8;
    case 3:
      return DType::kInt8;
    case 6:
      return DType::kInt32;
    case 7:
      return DType::kInt64;
    case 9:
      return DType::kBool;
    case 10:
      return DType::kFloat16;
    case 11:
      return DType::kFloat64;
    case 16:
      return DType::kBFloat16;
    default:
      return std::nullopt;
  }
}

DType cast_target(const Node& node, std::span<const TensorDesc> inputs) {
  const int64_t to = node.required_int("to");
  const auto dtype = dtype_from_onnx(to);
  if (!dtype) {
    Error error =
        op_error(ErrorKind::kUnsupported, "Cast to an unsupported element type", node, inputs);
    error.add_context("to", std::to_string(to));
    throw error;
  }
  return *dtype;
}

namespace {

std::vector<TensorDesc> infer_cast(const InferContext& ctx) {
  const Node& node = ctx.node;
  expect_arity(node, ctx.inputs, 1, 1, 1, 1);
  const DType to = cast_target(node, ctx.inputs);
  return {TensorDesc{to, ctx.inputs[0].shape}};
}

std::vector<HostTensor> run_cast_cpu(const Node& node, std::span<const HostTensor> inputs) {
  std::vector<TensorDesc> descs = {inputs[0].desc()};
  const DType to = cast_target(node, descs);
  // Half precision goes through float, as the GPU's conversions do: widen a half input exactly,
  // cast as float, and round a half result once.
  if (is_half(inputs[0].dtype()) || is_half(to)) {
    const HostTensor x =
        is_half(inputs[0].dtype()) ? ir::convert_floating(inputs[0], DType::kFloat32) : inputs[0];
    if (!is_half(to)) return run_cast_cpu(node, std::span<const HostTensor>(&x, 1));
    ir::Node to_float = node;
    to_float.attributes["to"] = int64_t{1};
    const HostTensor as_float = run_cast_cpu(to_float, std::span<const HostTensor>(&x, 1))[0];
    return {ir::convert_floating(as_float, to)};
  }
  const HostTensor& x = inputs[0];
  HostTensor y(to, x.shape());
  const size_t n = static_cast<size_t>(x.elements());
  dispatch_dtype(x.dtype(), node, [&](auto from_tag) {
    using From = decltype(from_tag);
    dispatch_dtype(to, node, [&](auto to_tag) {
      using To = decltype(to_tag);
      const From* in = x.data<From>();
      To* out = y.data<To>();
      for (size_t i = 0; i < n; ++i) out[i] = kernels::cast_value<To, From>(in[i]);
    });
  });
  return {std::move(y)};
}

}  // namespace

std::vector<OpDef> cast_op_defs() {
  OpDef cast;
  cast.op_type = "Cast";
  cast.infer = &infer_cast;
  cast.run_cpu = &run_cast_cpu;
  cast.prepare_gpu = &prepare_cast_gpu;
  cast.gpu_dtypes = kFloatDTypes | DTypeSet{DType::kFloat64};
  return {cast};
}

}  // namespace rill::ops::ew
