// Unary elementwise kernels (Note [Elementwise launch plans]); scalar semantics from
// elementwise_scalar.h. float16/bfloat16 compute in float (Note [Half-precision kernels]).
#include "kernels/elementwise_impl.cuh"

namespace rill::kernels {

namespace {

template <EwOp kOp, class T>
struct UnaryFn {
  EwScalars s;
  __device__ __forceinline__ T operator()(T x) const {
    using C = detail::Compute<T>;
    return detail::narrow<T>(unary_value<kOp, C>(detail::widen(x), s.alpha, s.beta));
  }
};

template <class T>
struct IsNaNFn {
  EwScalars s;
  __device__ __forceinline__ bool operator()(T x) const { return is_nan_value(detail::widen(x)); }
};

template <EwOp kOp, class T>
EwLauncher unary() {
  return &detail::launch_ew<UnaryFn<kOp, T>, T, T>;
}

//! Ops on every numeric type: Relu, Neg, Abs, Identity (signed types for Relu/Neg).
template <class T>
EwLauncher integer_or_float_unary(EwOp op) {
  switch (op) {
    case EwOp::kIdentity:
      return unary<EwOp::kIdentity, T>();
    case EwOp::kRelu:
      return unary<EwOp::kRelu, T>();
    case EwOp::kNeg:
      return unary<EwOp::kNeg, T>();
    case EwOp::kAbs:
      return unary<EwOp::kAbs, T>();
    default:
      return nullptr;
  }
}

//! Every unary op on a floating type (float, float16, bfloat16).
template <class T>
EwLauncher float_unary(EwOp op) {
  switch (op) {
    case EwOp::kLeakyRelu:
      return unary<EwOp::kLeakyRelu, T>();
    case EwOp::kSigmoid:
      return unary<EwOp::kSigmoid, T>();
    case EwOp::kTanh:
      return unary<EwOp::kTanh, T>();
    case EwOp::kClip:
      return unary<EwOp::kClip, T>();
    case EwOp::kHardSigmoid:
      return unary<EwOp::kHardSigmoid, T>();
    case EwOp::kHardSwish:
      return unary<EwOp::kHardSwish, T>();
    case EwOp::kErf:
      return unary<EwOp::kErf, T>();
    case EwOp::kSqrt:
      return unary<EwOp::kSqrt, T>();
    case EwOp::kReciprocal:
      return unary<EwOp::kReciprocal, T>();
    case EwOp::kExp:
      return unary<EwOp::kExp, T>();
    case EwOp::kLog:
      return unary<EwOp::kLog, T>();
    case EwOp::kIsNaN:
      return &detail::launch_ew<IsNaNFn<T>, bool, T>;
    default:
      return integer_or_float_unary<T>(op);
  }
}

}  // namespace

EwLauncher find_unary_launcher(EwOp op, DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return float_unary<float>(op);
    case DType::kFloat16:
      return float_unary<__half>(op);
    case DType::kBFloat16:
      return float_unary<__nv_bfloat16>(op);
    case DType::kInt64:
      return integer_or_float_unary<int64_t>(op);
    case DType::kInt32:
      return integer_or_float_unary<int32_t>(op);
    case DType::kBool:
      if (op == EwOp::kNot) return unary<EwOp::kNot, bool>();
      if (op == EwOp::kIdentity) return unary<EwOp::kIdentity, bool>();
      return nullptr;
    default:
      return nullptr;
  }
}

}  // namespace rill::kernels
