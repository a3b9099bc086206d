// Launcher of Softmax over one axis of a dense float32 tensor viewed as [outer, dim, inner].
// inner == 1 (the last axis, the common case): a warp per row, or a block per row for rows of
// 1024 or more, each computing max, sum of exp(x - max) and exp(x - max) / sum with shuffles.
// inner > 1: a thread per (outer, inner) column walking the axis with stride `inner`.
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

namespace rill::kernels {

struct SoftmaxPlan {
  uint32_t outer = 0;
  uint32_t dim = 0;
  uint32_t inner = 0;
  int32_t threads_per_row = 32;  //!< inner == 1: 32 or 256
  uint32_t blocks = 0;
};

//! False when the tensor has 2^31 elements or more.
bool make_softmax_plan(int64_t outer, int64_t dim, int64_t inner, SoftmaxPlan* plan);

void launch_softmax(const SoftmaxPlan& plan, const float* in, float* out, cudaStream_t stream);

}  // namespace rill::kernels
