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
#include "kernels/half_types.cuh"

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

template <class Fn, class T, int N, size_t... I>
__device__ __forceinline__ T apply_lane(const Fn& fn, const T (&v)[N], std::index_sequence<I...>) {
  return fn(v[I]...);
}

//! Same-type contiguous path (float, float16, bfloat16): 16-byte loads and stores, scalar tail.
template <class Fn, class T, int N>
__global__ void __launch_bounds__(kEwThreads)
    contiguous_vec_kernel(Fn fn, T* out, Ptrs<N> in, uint32_t count) {
  constexpr int kLanes = Vec16<T>::kLanes;
  const uint32_t stride = gridDim.x * blockDim.x;
  const uint32_t tid = blockIdx.x * blockDim.x + threadIdx.x;
  const uint32_t nv = count / kLanes;
  for (uint32_t i = tid; i < nv; i += stride) {
    Vec16<T> v[N > 0 ? N : 1];
#pragma unroll
    for (int k = 0; k < N; ++k) v[k] = static_cast<const Vec16<T>*>(in.p[k])[i];
    Vec16<T> r;
#pragma unroll
    for (int l = 0; l < kLanes; ++l) {
      T lane[N > 0 ? N : 1];
#pragma unroll
      for (int k = 0; k < N; ++k) lane[k] = v[k].v[l];
      r.v[l] = apply_lane<Fn, T, N>(fn, lane, std::make_index_sequence<N>{});
    }
    reinterpret_cast<Vec16<T>*>(out)[i] = r;
  }
  for (uint32_t i = nv * kLanes + tid; i < count; i += stride) {
    T lane[N > 0 ? N : 1];
#pragma unroll
    for (int k = 0; k < N; ++k) lane[k] = static_cast<const T*>(in.p[k])[i];
    out[i] = apply_lane<Fn, T, N>(fn, lane, std::make_index_sequence<N>{});
  }
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
    constexpr bool kVectorizable =
        (std::is_same_v<Out, float> || kIsHalf<Out>) && (std::is_same_v<In, Out> && ...);
    if constexpr (kVectorizable) {
      bool vec = aligned16(out);
      for (int k = 0; k < N; ++k) vec = vec && aligned16(in.p[k]);
      if (vec) {
        // plan.blocks_vec is sized for 4 lanes; 8-lane (half) launches need half the blocks.
        const uint32_t blocks =
            Vec16<Out>::kLanes == 4 ? plan.blocks_vec : (plan.blocks_vec + 1) / 2;
        contiguous_vec_kernel<Fn, Out, N>
            <<<blocks, kEwThreads, 0, stream>>>(fn, static_cast<Out*>(out), in, plan.layout.count);
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
struct TypeOf<DType::kFloat16> {
  using type = __half;
};
template <>
struct TypeOf<DType::kBFloat16> {
  using type = __nv_bfloat16;
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
