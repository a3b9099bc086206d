// Row-wise reductions inside a kernel: a row is handled by kThreads consecutive threads (a warp,
// or a whole block), which combine their partial values with warp shuffles and, across warps,
// through shared memory. Used by the reduce, softmax and layer-norm kernels.
#pragma once

#include <cmath>

#include <cuda_runtime.h>

namespace rill::kernels::detail {

struct SumOp {
  __device__ __forceinline__ float operator()(float a, float b) const { return a + b; }
  static constexpr float identity() { return 0.f; }
};

//! Max that propagates NaN (np.maximum).
struct MaxOp {
  __device__ __forceinline__ float operator()(float a, float b) const {
    if (a != a) return a;
    if (b != b) return b;
    return a < b ? b : a;
  }
  static constexpr float identity() { return -INFINITY; }
};

template <class Op>
__device__ __forceinline__ float warp_allreduce(float v, Op op) {
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

//! All kThreads threads of a row get the combined value. kThreads is 32 (a warp per row; no
//! shared memory, no block barrier) or a multiple of 32 equal to blockDim.x (a block per row;
//! `scratch` holds kThreads/32 floats and the call contains block barriers, so every thread of
//! the block must make it).
template <int kThreads, class Op>
__device__ __forceinline__ float row_allreduce(float v, Op op, float* scratch) {
  v = warp_allreduce(v, op);
  if constexpr (kThreads > 32) {
    constexpr int kWarps = kThreads / 32;
    const int warp = threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    __syncthreads();  // scratch may still be read by a previous call
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = scratch[0];
#pragma unroll
    for (int w = 1; w < kWarps; ++w) v = op(v, scratch[w]);
  }
  return v;
}

}  // namespace rill::kernels::detail
