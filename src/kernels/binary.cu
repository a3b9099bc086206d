// Binary elementwise kernels with numpy broadcasting, Where, and Clip with tensor bounds (Note
// [Elementwise launch plans]); scalar semantics from elementwise_scalar.h. float16/bfloat16
// compute in float (Note [Half-precision kernels]).
#include "kernels/elementwise_impl.cuh"

namespace rill::kernels {

namespace {

template <EwOp kOp, class T>
struct ArithFn {
  EwScalars s;
  __device__ __forceinline__ T operator()(T a, T b) const {
    using C = detail::Compute<T>;
    return detail::narrow<T>(arith_value<kOp, C>(detail::widen(a), detail::widen(b)));
  }
};

template <EwOp kOp, class T>
struct PredicateFn {
  EwScalars s;
  __device__ __forceinline__ bool operator()(T a, T b) const {
    using C = detail::Compute<T>;
    return predicate_value<kOp, C>(detail::widen(a), detail::widen(b));
  }
};

template <class T>
struct WhereFn {
  EwScalars s;
  __device__ __forceinline__ T operator()(bool c, T a, T b) const { return c ? a : b; }
};

//! Clip with bounds read from tensors; an absent bound's pointer aliases x and is ignored.
template <class T>
struct ClipTensorFn {
  EwScalars s;
  __device__ __forceinline__ T operator()(T x, T lo, T hi) const {
    auto v = detail::widen(x);
    if (s.flags & kClipHasMin) v = v < detail::widen(lo) ? detail::widen(lo) : v;
    if (s.flags & kClipHasMax) v = v > detail::widen(hi) ? detail::widen(hi) : v;
    return detail::narrow<T>(v);
  }
};

template <EwOp kOp, class T>
EwLauncher arith() {
  return &detail::launch_ew<ArithFn<kOp, T>, T, T, T>;
}

template <EwOp kOp, class T>
EwLauncher predicate() {
  return &detail::launch_ew<PredicateFn<kOp, T>, bool, T, T>;
}

//! Pow and Clip with tensor bounds, then the numeric ops: every floating type.
template <class T>
EwLauncher numeric_binary(EwOp op);

template <class T>
EwLauncher float_binary(EwOp op) {
  if (op == EwOp::kPow) return arith<EwOp::kPow, T>();
  if (op == EwOp::kClipTensor) return &detail::launch_ew<ClipTensorFn<T>, T, T, T, T>;
  return numeric_binary<T>(op);
}

template <class T>
EwLauncher numeric_binary(EwOp op) {
  switch (op) {
    case EwOp::kAdd:
      return arith<EwOp::kAdd, T>();
    case EwOp::kSub:
      return arith<EwOp::kSub, T>();
    case EwOp::kMul:
      return arith<EwOp::kMul, T>();
    case EwOp::kDiv:
      return arith<EwOp::kDiv, T>();
    case EwOp::kMin:
      return arith<EwOp::kMin, T>();
    case EwOp::kMax:
      return arith<EwOp::kMax, T>();
    case EwOp::kEqual:
      return predicate<EwOp::kEqual, T>();
    case EwOp::kLess:
      return predicate<EwOp::kLess, T>();
    case EwOp::kGreater:
      return predicate<EwOp::kGreater, T>();
    case EwOp::kGreaterOrEqual:
      return predicate<EwOp::kGreaterOrEqual, T>();
    case EwOp::kWhere:
      return &detail::launch_ew<WhereFn<T>, T, bool, T, T>;
    default:
      return nullptr;
  }
}

}  // namespace

EwLauncher find_binary_launcher(EwOp op, DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return float_binary<float>(op);
    case DType::kFloat16:
      return float_binary<__half>(op);
    case DType::kBFloat16:
      return float_binary<__nv_bfloat16>(op);
    case DType::kInt64:
      return numeric_binary<int64_t>(op);
    case DType::kInt32:
      return numeric_binary<int32_t>(op);
    case DType::kBool:
      switch (op) {
        case EwOp::kAnd:
          return predicate<EwOp::kAnd, bool>();
        case EwOp::kOr:
          return predicate<EwOp::kOr, bool>();
        case EwOp::kEqual:
          return predicate<EwOp::kEqual, bool>();
        case EwOp::kWhere:
          return &detail::launch_ew<WhereFn<bool>, bool, bool, bool, bool>;
        default:
          return nullptr;
      }
    default:
      return nullptr;
  }
}

}  // namespace rill::kernels
