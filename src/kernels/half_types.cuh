// Device helpers for float16/bfloat16 kernels: the compute type of a storage type, exact
// widening to float and round-to-nearest-even narrowing, and 16-byte vectors. Shared by the
// elementwise, fused, softmax, layer-norm, reduce and bias-activation kernels.
#pragma once

#include <cstdint>
#include <type_traits>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

namespace rill::kernels::detail {

// Note [Half-precision kernels]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// float16 and bfloat16 tensors are computed in float: each functor widens its operands
// (widen), applies the float semantics of elementwise_scalar.h and rounds the result once on
// store (narrow, round to nearest even). The CPU reference does the same through ir::Half /
// ir::BFloat16, so a GPU result in a half dtype matches its reference up to the float
// arithmetic's own error, not half's.
template <class T>
inline constexpr bool kIsHalf = std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>;

//! The type a functor computes in for storage type T.
template <class T>
using Compute = std::conditional_t<kIsHalf<T>, float, T>;

template <class T>
__device__ __forceinline__ Compute<T> widen(T v) {
  if constexpr (std::is_same_v<T, __half>) {
    return __half2float(v);
  } else if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __bfloat162float(v);
  } else {
    return v;
  }
}

template <class T>
__device__ __forceinline__ T narrow(Compute<T> v) {
  if constexpr (std::is_same_v<T, __half>) {
    return __float2half_rn(v);
  } else if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __float2bfloat16_rn(v);
  } else {
    return v;
  }
}

//! 16 bytes of T: 4 floats or 8 halves.
template <class T>
struct alignas(16) Vec16 {
  static constexpr int kLanes = 16 / static_cast<int>(sizeof(T));
  T v[kLanes];
};

//! True when `p` is 16-byte aligned (vector loads and stores need it).
inline bool aligned16(const void* p) {
  return (reinterpret_cast<uintptr_t>(p) & 15u) == 0;
}

}  // namespace rill::kernels::detail
