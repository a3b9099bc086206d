// Device side of the elementwise kernels (Note [Elementwise launch plans]): the generic
// broadcasting kernel, the contiguous kernels and the launch template that picks between them.
// Included by the .cu files that instantiate launchers (unary.cu, binary.cu, cast.cu).
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include <cuda_runtime.h>

#include "cuda/check.h"
#include "kernels/elementwise.cuh"

namespace rill::kernels::detail {

template <int N>
struct Ptrs {
  const void* p[N > 0 ? N : 1];
};

//! Element offsets of output index i in each of the first `n` inputs.
template <int LN>
__device__ __forceinline__ void broadcast_offsets(const BroadcastLayout<LN>& layout, uint32_t i,
                                                  int n, uint32_t* off) {
#pragma unroll
  for (int k = 0; k < LN; ++k) off[k] = 0;
  uint32_t rem = i;
  for (int d = layout.rank - 1; d > 0; --d) {
    const uint32_t q = rem / layout.dims[d];
    const uint32_t r = rem - q * layout.dims[d];
#pragma unroll
    for (int k = 0; k < LN; ++k) {
      if (k < n) off[k] += r * layout.strides[k][d];
    }
    rem = q;
  }
#pragma unroll
  for (int k = 0; k < LN; ++k) {
    if (k < n) off[k] += rem * layout.strides[k][0];
  }
}

template <class... In, class Fn, size_t... I>
__device__ __forceinline__ auto apply_at(const Fn& fn, const Ptrs<sizeof...(In)>& in,
                                         const uint32_t* off, std::index_sequence<I...>) {
  return fn(static_cast<const In*>(in.p[I])[off[I]]...);
}

template <class Fn, class Out, class... In>
__global__ void __launch_bounds__(kEwThreads)
    broadcast_kernel(Fn fn, Out* out, Ptrs<sizeof...(In)> in,
                     BroadcastLayout<kMaxEwInputs> layout) {
  constexpr int N = sizeof...(In);
  const uint32_t stride = gridDim.x * blockDim.x;
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < layout.count; i += stride) {
    uint32_t off[kMaxEwInputs];
    broadcast_offsets<kMaxEwInputs>(layout, i, N, off);
    out[i] = static_cast<Out>(apply_at<In...>(fn, in, off, std::index_sequence_for<In...>{}));
  }
}

template <class Fn, class Out, class... In>
__global__ void __launch_bounds__(kEwThreads)
    contiguous_kernel(Fn fn, Out* out, Ptrs<sizeof...(In)> in, uint32_t count) {
  const uint32_t stride = gridDim.x * blockDim.x;
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
    uint32_t off[sizeof...(In)];
#pragma unroll
    for (size_t k = 0; k < sizeof...(In); ++k) off[k] = i;
    out[i] = static_cast<Out>(apply_at<In...>(fn, in, off, std::index_sequence_for<In...>{}));
  }
}

template <class Fn, int N, size_t... I>
__device__ __forceinline__ float apply_lane(const Fn& fn, const float (&v)[N],
                                            std::index_sequence<I...>) {
  return fn(v[I]...);
}

//! All-float contiguous path: 16-byte loads and stores, scalar tail.
template <class Fn, int N>
__global__ void __launch_bounds__(kEwThreads)
    contiguous_vec4_kernel(Fn fn, float* out, Ptrs<N> in, uint32_t count) {
  const uint32_t stride = gridDim.x * blockDim.x;
  const uint32_t tid = blockIdx.x * blockDim.x + threadIdx.x;
  const uint32_t n4 = count / 4;
  for (uint32_t i = tid; i < n4; i += stride) {
    float4 v[N];
#pragma unroll
    for (int k = 0; k < N; ++k) v[k] = static_cast<const float4*>(in.p[k])[i];
    float lane[4][N];
#pragma unroll
    for (int k = 0; k < N; ++k) {
      lane[0][k] = v[k].x;
      lane[1][k] = v[k].y;
      lane[2][k] = v[k].z;
      lane[3][k] = v[k].w;
    }
    float4 r;
    r.x = apply_lane<Fn, N>(fn, lane[0], std::make_index_sequence<N>{});
    r.y = apply_lane<Fn, N>(fn, lane[1], std::make_index_sequence<N>{});
    r.z = apply_lane<Fn, N>(fn, lane[2], std::make_index_sequence<N>{});
    r.w = apply_lane<Fn, N>(fn, lane[3], std::make_index_sequence<N>{});
    reinterpret_cast<float4*>(out)[i] = r;
  }
  for (uint32_t i = n4 * 4 + tid; i < count; i += stride) {
    float lane[N];
#pragma unroll
    for (int k = 0; k < N; ++k) lane[k] = static_cast<const float*>(in.p[k])[i];
    out[i] = apply_lane<Fn, N>(fn, lane, std::make_index_sequence<N>{});
  }
}

inline bool aligned16(const void* p) {
  return (reinterpret_cast<uintptr_t>(p) & 15u) == 0;
}

//! The EwLauncher of functor Fn (constructed from the plan's scalars) with output Out and
//! operand types In...
template <class Fn, class Out, class... In>
void launch_ew(const EwPlan& plan, const void* const* inputs, void* out, cudaStream_t stream) {
  constexpr int N = sizeof...(In);
  if (plan.layout.count == 0) return;
  const Fn fn{plan.scalars};
  Ptrs<N> in;
  for (int k = 0; k < N; ++k) in.p[k] = inputs[k];
  if (plan.layout.contiguous) {
    if constexpr (std::is_same_v<Out, float> && (std::is_same_v<In, float> && ...)) {
      bool vec = aligned16(out);
      for (int k = 0; k < N; ++k) vec = vec && aligned16(in.p[k]);
      if (vec) {
        contiguous_vec4_kernel<Fn, N><<<plan.blocks_vec4, kEwThreads, 0, stream>>>(
            fn, static_cast<float*>(out), in, plan.layout.count);
        RILL_CUDA_CHECK_LAUNCH();
        return;
      }
    }
    contiguous_kernel<Fn, Out, In...>
        <<<plan.blocks, kEwThreads, 0, stream>>>(fn, static_cast<Out*>(out), in, plan.layout.count);
  } else {
    broadcast_kernel<Fn, Out, In...>
        <<<plan.blocks, kEwThreads, 0, stream>>>(fn, static_cast<Out*>(out), in, plan.layout);
  }
  RILL_CUDA_CHECK_LAUNCH();
}

// The C++ type of each DType the kernels instantiate.
template <DType D>
struct TypeOf;
template <>
struct TypeOf<DType::kFloat32> {
  using type = float;
};
template <>
struct TypeOf<DType::kFloat64> {
  using type = double;
};
template <>
struct TypeOf<DType::kInt64> {
  using type = int64_t;
};
template <>
struct TypeOf<DType::kInt32> {
  using type = int32_t;
};
template <>
struct TypeOf<DType::kInt8> {
  using type = int8_t;
};
template <>
struct TypeOf<DType::kUInt8> {
  using type = uint8_t;
};
template <>
struct TypeOf<DType::kBool> {
  using type = bool;
};

}  // namespace rill::kernels::detail
