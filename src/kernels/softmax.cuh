// Launcher of Softmax over one axis of a dense tensor viewed as [outer, dim, inner], in float32,
// float16 or bfloat16 (computed in float: max, sum of exp(x - max), exp(x - max) / sum; a half
// result rounds once on store).
// inner == 1 (the last axis, the common case):
//  - rows of up to 32 * 16 * kMaxSoftmaxChunks bytes (1024 floats, 2048 halves) whose length is
//    a multiple of a 16-byte vector: a warp per row holding the row in registers, so the row is
//    read once and written once (BERT's attention rows of 128);
//  - otherwise a warp per row (cols < 1024) or a block per row, re-reading the row per pass.
// inner > 1: a thread per (outer, inner) column walking the axis with stride `inner`.
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

#include "rill/dtype.h"

namespace rill::kernels {

//! Register-cached rows hold at most this many 16-byte vectors per lane.
inline constexpr int kMaxSoftmaxChunks = 8;

struct SoftmaxPlan {
  uint32_t outer = 0;
  uint32_t dim = 0;
  uint32_t inner = 0;
  int32_t threads_per_row = 32;  //!< inner == 1: 32 or 256
  int32_t chunks = 0;            //!< > 0: register-cached warp path with this many vectors per lane
  uint32_t blocks = 0;
  uint32_t cached_blocks = 0;  //!< grid of the register-cached path
};

//! False when the tensor has 2^31 elements or more. `element_size` is the dtype's size (4 or 2).
bool make_softmax_plan(int64_t outer, int64_t dim, int64_t inner, size_t element_size,
                       SoftmaxPlan* plan);

//! Launches Softmax for a plan (the cached path when the pointers are 16-byte aligned).
using SoftmaxLauncher = void (*)(const SoftmaxPlan& plan, const void* in, void* out,
                                 cudaStream_t stream);

//! The launcher for `dtype` (float32, float16, bfloat16), or null.
SoftmaxLauncher find_softmax_launcher(DType dtype);

}  // namespace rill::kernels
