// Unary elementwise ops: attributes, shape inference and CPU reference. The scalar semantics live
// in kernels/elementwise_scalar.h (Note [Elementwise semantics]); the GPU half is
// elementwise_gpu.cpp. float16/bfloat16 follow float's semantics (Note [Half CPU references]).
#include <limits>

#include "ops/elementwise_common.h"

namespace rill::ops::ew {

namespace {

//! Which element types each unary op accepts (ONNX opset 13-17 type constraints, restricted to
//! rill's dtypes). One definition serves both infer() and the CPU dispatch.
template <EwOp kOp, class T>
constexpr bool unary_accepts() {
  constexpr bool floating = std::is_floating_point_v<T>;
  constexpr bool boolean = std::is_same_v<T, bool>;
  constexpr bool signed_int = std::is_integral_v<T> && std::is_signed_v<T> && !boolean;
  switch (kOp) {
    case EwOp::kNot:
      return boolean;
    case EwOp::kRelu:
    case EwOp::kNeg:
      return floating || signed_int;
    case EwOp::kAbs:
    case EwOp::kClip:
      return !boolean;
    default:
      return floating;  // Sigmoid, Tanh, Erf, Sqrt, Exp, Log, IsNaN, ...
  }
}

template <EwOp kOp>
std::pair<float, float> unary_attributes(const Node& node) {
  if constexpr (kOp == EwOp::kLeakyRelu) {
    return {node.attr_float("alpha", 0.01f), 0.0f};
  } else if constexpr (kOp == EwOp::kHardSigmoid) {
    return {node.attr_float("alpha", 0.2f), node.attr_float("beta", 0.5f)};
  } else {
    return {0.0f, 0.0f};
  }
}

template <EwOp kOp>
std::vector<TensorDesc> infer_unary(const InferContext& ctx) {
  const Node& node = ctx.node;
  if constexpr (kOp == EwOp::kClip) {
    expect_arity(node, ctx.inputs, 1, 3, 1, 1);
  } else {
    expect_arity(node, ctx.inputs, 1, 1, 1, 1);
  }
  const DType dtype = ctx.inputs[0].dtype;
  const bool ok = dispatch_dtype(constraint_dtype(dtype), node,
                                 [](auto t) { return unary_accepts<kOp, decltype(t)>(); });
  if (!ok) {
    Error error =
        op_error(ErrorKind::kUnsupported, "input dtype not supported by this op", node, ctx.inputs);
    error.add_context("dtype", std::string(dtype_name(dtype)));
    throw error;
  }
  if constexpr (kOp == EwOp::kClip) {
    for (size_t i = 1; i < 3; ++i) {
      if (!ctx.has_input(i)) continue;
      expect_same_dtype(node, ctx.inputs, 0, i);
      if (ctx.inputs[i].elements() != 1) {
        throw op_error(ErrorKind::kInvalidModel, "Clip min/max must be scalars", node, ctx.inputs);
      }
    }
  }
  (void)unary_attributes<kOp>(node);  // validates attribute types
  const DType out = kOp == EwOp::kIsNaN ? DType::kBool : dtype;
  return {TensorDesc{out, ctx.inputs[0].shape}};
}

template <EwOp kOp>
std::vector<HostTensor> run_unary_cpu(const Node& node, std::span<const HostTensor> inputs) {
  if (has_half_input(inputs)) {
    return run_half_through_float(node, inputs, &run_unary_cpu<kOp>, inputs[0].dtype());
  }
  const HostTensor& x = inputs[0];
  // Not a structured binding: clang before 16 cannot capture one in the lambda below (the fuzzing
  // build, scripts/fuzz.sh, uses clang-14).
  const std::pair<float, float> attributes = unary_attributes<kOp>(node);
  const float alpha = attributes.first;
  const float beta = attributes.second;
  const size_t n = static_cast<size_t>(x.elements());
  return dispatch_dtype(x.dtype(), node, [&](auto tag) -> std::vector<HostTensor> {
    using T = decltype(tag);
    if constexpr (!unary_accepts<kOp, T>()) {
      throw Error(ErrorKind::kUnsupported, "input dtype not supported by this op", node.context());
    } else if constexpr (kOp == EwOp::kIsNaN) {
      HostTensor y(DType::kBool, x.shape());
      bool* out = y.data<bool>();
      for (size_t i = 0; i < n; ++i) out[i] = kernels::is_nan_value(x.data<T>()[i]);
      return {std::move(y)};
    } else if constexpr (kOp == EwOp::kClip) {
      T lo = std::numeric_limits<T>::lowest();
      T hi = std::numeric_limits<T>::max();
      // Absent bounds arrive as empty tensors: test the node, not the tensor.
      if (inputs.size() > 1 && node.has_input(1)) lo = inputs[1].data<T>()[0];
      if (inputs.size() > 2 && node.has_input(2)) hi = inputs[2].data<T>()[0];
      HostTensor y(x.dtype(), x.shape());
      for (size_t i = 0; i < n; ++i) {
        y.data<T>()[i] = kernels::clip_value<T>(x.data<T>()[i], lo, hi);
      }
      return {std::move(y)};
    } else {
      using C = CpuCompute<T>;
      HostTensor y(x.dtype(), x.shape());
      const T* in = x.data<T>();
      T* out = y.data<T>();
      for (size_t i = 0; i < n; ++i) {
        out[i] = static_cast<T>(kernels::unary_value<kOp, C>(static_cast<C>(in[i]), alpha, beta));
      }
      return {std::move(y)};
    }
  });
}

template <EwOp kOp>
OpDef unary_def(std::string_view name) {
  OpDef def;
  def.op_type = name;
  def.infer = &infer_unary<kOp>;
  def.run_cpu = &run_unary_cpu<kOp>;
  def.prepare_gpu = kOp == EwOp::kClip ? &prepare_clip_gpu : &prepare_unary_gpu;
  def.gpu_dtypes = kFloatDTypes;  // float16/bfloat16 compute in float
  return def;
}

}  // namespace

std::vector<OpDef> unary_op_defs() {
  return {
      unary_def<EwOp::kRelu>("Relu"),
      unary_def<EwOp::kLeakyRelu>("LeakyRelu"),
      unary_def<EwOp::kSigmoid>("Sigmoid"),
      unary_def<EwOp::kTanh>("Tanh"),
      // Clip's min/max are read as tensors (device pointers on the GPU), so they need not be
      // plan-time constants; when they are, the GPU path folds them into the launch.
      unary_def<EwOp::kClip>("Clip"),
      unary_def<EwOp::kHardSigmoid>("HardSigmoid"),
      unary_def<EwOp::kHardSwish>("HardSwish"),
      unary_def<EwOp::kErf>("Erf"),
      unary_def<EwOp::kSqrt>("Sqrt"),
      unary_def<EwOp::kReciprocal>("Reciprocal"),
      unary_def<EwOp::kNeg>("Neg"),
      unary_def<EwOp::kExp>("Exp"),
      unary_def<EwOp::kLog>("Log"),
      unary_def<EwOp::kAbs>("Abs"),
      unary_def<EwOp::kNot>("Not"),
      unary_def<EwOp::kIsNaN>("IsNaN"),
  };
}

}  // namespace rill::ops::ew
