// Scalar definitions of every elementwise op, shared by the CPU reference (src/ops/) and the CUDA
// kernels (src/kernels/), so that both sides implement one set of ONNX semantics.
//
// Note [Elementwise semantics]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// Each function is a template on the compute type T. The GPU instantiates it with the tensor's
// type (float on the device); the CPU reference instantiates it with double for float tensors and
// rounds once at the end, so it is the more exact side of every GPU-vs-CPU comparison. Edge cases
// follow the ONNX reference implementation (numpy):
//  - Max/Min propagate NaN (np.maximum); Clip and Relu keep NaN (comparisons with NaN are false).
//  - Clip with min > max gives max (np.clip).
//  - Integer Div truncates toward zero (C semantics, as the ONNX spec says). Division by zero is
//    undefined in ONNX; here it gives 0, and INT_MIN / -1 wraps, so no input can trap the host.
//  - Cast from floating to integer truncates toward zero, saturates out-of-range values and maps
//    NaN to 0 (ONNX leaves these undefined; this matches CUDA's cvt.rzi.sat). Integer to integer
//    wraps (two's complement); anything to bool is `value != 0`.
// The header has no CUDA or framework dependencies: RILL_HD marks functions host+device under
// nvcc and plain inline under the host compiler.
#pragma once

#include <limits>
#include <math.h>
#include <stdint.h>
#include <type_traits>

#ifdef __CUDACC__
#define RILL_HD __host__ __device__ __forceinline__
#else
#define RILL_HD inline
#endif

namespace rill::kernels {

//! Every elementwise op, unary, binary and ternary. Values index tables; append only.
enum class EwOp : uint8_t {
  // unary
  kIdentity,
  kRelu,
  kLeakyRelu,  // alpha
  kSigmoid,
  kTanh,
  kClip,         // alpha = min, beta = max (constant bounds)
  kHardSigmoid,  // alpha, beta
  kHardSwish,
  kErf,
  kSqrt,
  kReciprocal,
  kNeg,
  kExp,
  kLog,
  kAbs,
  kNot,    // bool -> bool
  kIsNaN,  // float -> bool
  // binary
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,
  kMin,
  kMax,
  kEqual,           // -> bool
  kLess,            // -> bool
  kGreater,         // -> bool
  kGreaterOrEqual,  // -> bool
  kAnd,             // bool
  kOr,              // bool
  // ternary
  kWhere,       // (bool, T, T) -> T
  kClipTensor,  // (x, min, max) with min/max read from tensors; see ClipFlags
};

//! For kClipTensor: which bounds are present (an absent one is no bound).
enum ClipFlags : uint32_t { kClipHasMin = 1u, kClipHasMax = 2u };

namespace ew {

// Math overloads that resolve to the float or double C functions on host and device alike.
RILL_HD float exp_(float x) {
  return expf(x);
}
RILL_HD double exp_(double x) {
  return exp(x);
}
RILL_HD float log_(float x) {
  return logf(x);
}
RILL_HD double log_(double x) {
  return log(x);
}
RILL_HD float tanh_(float x) {
  return tanhf(x);
}
RILL_HD double tanh_(double x) {
  return tanh(x);
}
RILL_HD float erf_(float x) {
  return erff(x);
}
RILL_HD double erf_(double x) {
  return erf(x);
}
RILL_HD float sqrt_(float x) {
  return sqrtf(x);
}
RILL_HD double sqrt_(double x) {
  return sqrt(x);
}
RILL_HD float pow_(float x, float y) {
  return powf(x, y);
}
RILL_HD double pow_(double x, double y) {
  return pow(x, y);
}
RILL_HD float fabs_(float x) {
  return fabsf(x);
}
RILL_HD double fabs_(double x) {
  return fabs(x);
}

template <class T>
RILL_HD bool is_nan(T x) {
  if constexpr (std::is_floating_point_v<T>) {
    return x != x;
  } else {
    return false;
  }
}

}  // namespace ew

//! np.clip(x, lo, hi): NaN stays NaN, lo > hi gives hi.
template <class T>
RILL_HD T clip_value(T x, T lo, T hi) {
  const T v = x < lo ? lo : x;
  return v > hi ? hi : v;
}

//! Unary ops (and Clip with constant bounds). Not is bool -> bool; IsNaN is handled by
//! is_nan_value because its result type differs.
template <EwOp kOp, class T>
RILL_HD T unary_value(T x, float alpha, float beta) {
  if constexpr (kOp == EwOp::kIdentity) {
    return x;
  } else if constexpr (kOp == EwOp::kRelu) {
    return x < T(0) ? T(0) : x;
  } else if constexpr (kOp == EwOp::kLeakyRelu) {
    return x < T(0) ? static_cast<T>(alpha) * x : x;
  } else if constexpr (kOp == EwOp::kSigmoid) {
    return T(1) / (T(1) + ew::exp_(-x));
  } else if constexpr (kOp == EwOp::kTanh) {
    return ew::tanh_(x);
  } else if constexpr (kOp == EwOp::kClip) {
    return clip_value<T>(x, static_cast<T>(alpha), static_cast<T>(beta));
  } else if constexpr (kOp == EwOp::kHardSigmoid) {
    return clip_value<T>(static_cast<T>(alpha) * x + static_cast<T>(beta), T(0), T(1));
  } else if constexpr (kOp == EwOp::kHardSwish) {
    // x * clip(x/6 + 1/2, 0, 1), written as PyTorch does: x * clip(x + 3, 0, 6) / 6.
    return x * clip_value<T>(x + T(3), T(0), T(6)) / T(6);
  } else if constexpr (kOp == EwOp::kErf) {
    return ew::erf_(x);
  } else if constexpr (kOp == EwOp::kSqrt) {
    return ew::sqrt_(x);
  } else if constexpr (kOp == EwOp::kReciprocal) {
    return T(1) / x;
  } else if constexpr (kOp == EwOp::kNeg) {
    if constexpr (std::is_integral_v<T>) {
      return static_cast<T>(T(0) - x);
    } else {
      return -x;
    }
  } else if constexpr (kOp == EwOp::kExp) {
    return ew::exp_(x);
  } else if constexpr (kOp == EwOp::kLog) {
    return ew::log_(x);
  } else if constexpr (kOp == EwOp::kAbs) {
    if constexpr (std::is_floating_point_v<T>) {
      return ew::fabs_(x);
    } else if constexpr (std::is_signed_v<T>) {
      return x < T(0) ? static_cast<T>(T(0) - x) : x;
    } else {
      return x;
    }
  } else if constexpr (kOp == EwOp::kNot) {
    return !x;
  } else {
    static_assert(kOp == EwOp::kIdentity, "not a unary op with a same-type result");
    return x;
  }
}

template <class T>
RILL_HD bool is_nan_value(T x) {
  return ew::is_nan(x);
}

//! Integer division that cannot trap: truncation toward zero, x / 0 = 0, INT_MIN / -1 wraps.
template <class T>
RILL_HD T int_div(T a, T b) {
  if (b == T(0)) return T(0);
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return static_cast<T>(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(a));
  }
  return static_cast<T>(a / b);
}

//! Binary ops whose result has the operands' type: Add, Sub, Mul, Div, Pow, Min, Max.
template <EwOp kOp, class T>
RILL_HD T arith_value(T a, T b) {
  if constexpr (kOp == EwOp::kAdd) {
    return static_cast<T>(a + b);
  } else if constexpr (kOp == EwOp::kSub) {
    return static_cast<T>(a - b);
  } else if constexpr (kOp == EwOp::kMul) {
    return static_cast<T>(a * b);
  } else if constexpr (kOp == EwOp::kDiv) {
    if constexpr (std::is_integral_v<T>) {
      return int_div<T>(a, b);
    } else {
      return a / b;
    }
  } else if constexpr (kOp == EwOp::kPow) {
    return ew::pow_(a, b);
  } else if constexpr (kOp == EwOp::kMin) {
    if (ew::is_nan(a)) return a;
    if (ew::is_nan(b)) return b;
    return b < a ? b : a;
  } else if constexpr (kOp == EwOp::kMax) {
    if (ew::is_nan(a)) return a;
    if (ew::is_nan(b)) return b;
    return a < b ? b : a;
  } else {
    static_assert(kOp == EwOp::kAdd, "not an arithmetic binary op");
    return a;
  }
}

//! Comparisons and logical ops: the result is bool.
template <EwOp kOp, class T>
RILL_HD bool predicate_value(T a, T b) {
  if constexpr (kOp == EwOp::kEqual) {
    return a == b;
  } else if constexpr (kOp == EwOp::kLess) {
    return a < b;
  } else if constexpr (kOp == EwOp::kGreater) {
    return a > b;
  } else if constexpr (kOp == EwOp::kGreaterOrEqual) {
    return a >= b;
  } else if constexpr (kOp == EwOp::kAnd) {
    return a && b;
  } else if constexpr (kOp == EwOp::kOr) {
    return a || b;
  } else {
    static_assert(kOp == EwOp::kEqual, "not a predicate op");
    return false;
  }
}

//! Cast with the semantics of Note [Elementwise semantics].
template <class To, class From>
RILL_HD To cast_value(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_same_v<From, bool>) {
    return v ? To(1) : To(0);
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    if (v != v) return To(0);
    // Compare in double: every To bound converts to double, rounding up at most to 2^63 for
    // int64's max, which is itself out of range and so correctly saturates.
    const double d = static_cast<double>(v);
    if (d >= static_cast<double>(std::numeric_limits<To>::max())) {
      return std::numeric_limits<To>::max();
    }
    if (d <= static_cast<double>(std::numeric_limits<To>::lowest())) {
      return std::numeric_limits<To>::lowest();
    }
    return static_cast<To>(v);
  } else {
    return static_cast<To>(v);
  }
}

//! Runtime-dispatched float ops for rill.FusedElementwise programs (the GPU kernel interprets a
//! program whose ops are data) and the CPU reference of the same. Comparisons, logical ops,
//! Where and IsNaN are not float -> float and so never appear in a fused program.
template <class T>
RILL_HD T fused_step_value(EwOp op, T a, T b, float alpha, float beta) {
  switch (op) {
    case EwOp::kIdentity:
      return a;
    case EwOp::kRelu:
      return unary_value<EwOp::kRelu>(a, alpha, beta);
    case EwOp::kLeakyRelu:
      return unary_value<EwOp::kLeakyRelu>(a, alpha, beta);
    case EwOp::kSigmoid:
      return unary_value<EwOp::kSigmoid>(a, alpha, beta);
    case EwOp::kTanh:
      return unary_value<EwOp::kTanh>(a, alpha, beta);
    case EwOp::kClip:
      return unary_value<EwOp::kClip>(a, alpha, beta);
    case EwOp::kHardSigmoid:
      return unary_value<EwOp::kHardSigmoid>(a, alpha, beta);
    case EwOp::kHardSwish:
      return unary_value<EwOp::kHardSwish>(a, alpha, beta);
    case EwOp::kErf:
      return unary_value<EwOp::kErf>(a, alpha, beta);
    case EwOp::kSqrt:
      return unary_value<EwOp::kSqrt>(a, alpha, beta);
    case EwOp::kReciprocal:
      return unary_value<EwOp::kReciprocal>(a, alpha, beta);
    case EwOp::kNeg:
      return unary_value<EwOp::kNeg>(a, alpha, beta);
    case EwOp::kExp:
      return unary_value<EwOp::kExp>(a, alpha, beta);
    case EwOp::kLog:
      return unary_value<EwOp::kLog>(a, alpha, beta);
    case EwOp::kAbs:
      return unary_value<EwOp::kAbs>(a, alpha, beta);
    case EwOp::kAdd:
      return arith_value<EwOp::kAdd>(a, b);
    case EwOp::kSub:
      return arith_value<EwOp::kSub>(a, b);
    case EwOp::kMul:
      return arith_value<EwOp::kMul>(a, b);
    case EwOp::kDiv:
      return arith_value<EwOp::kDiv>(a, b);
    case EwOp::kPow:
      return arith_value<EwOp::kPow>(a, b);
    case EwOp::kMin:
      return arith_value<EwOp::kMin>(a, b);
    case EwOp::kMax:
      return arith_value<EwOp::kMax>(a, b);
    default:
      return a;  // rejected when the program is built (see is_fusable_op)
  }
}

//! True for ops a fused program may hold; `binary` says whether the step reads two values.
RILL_HD bool is_fusable_op(EwOp op, bool* binary) {
  switch (op) {
    case EwOp::kIdentity:
    case EwOp::kRelu:
    case EwOp::kLeakyRelu:
    case EwOp::kSigmoid:
    case EwOp::kTanh:
    case EwOp::kClip:
    case EwOp::kHardSigmoid:
    case EwOp::kHardSwish:
    case EwOp::kErf:
    case EwOp::kSqrt:
    case EwOp::kReciprocal:
    case EwOp::kNeg:
    case EwOp::kExp:
    case EwOp::kLog:
    case EwOp::kAbs:
      *binary = false;
      return true;
    case EwOp::kAdd:
    case EwOp::kSub:
    case EwOp::kMul:
    case EwOp::kDiv:
    case EwOp::kPow:
    case EwOp::kMin:
    case EwOp::kMax:
      *binary = true;
      return true;
    default:
      return false;
  }
}

}  // namespace rill::kernels
