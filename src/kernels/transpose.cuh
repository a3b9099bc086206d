// Batched 2-D transpose through shared-memory tiles: in [batch, rows, cols] -> out
// [batch, cols, rows]. Transpose prepares its permutation down to this form whenever it can
// (NCHW <-> NHWC, the last two dims of any rank); other permutations use the strided copy.
#pragma once

#include <cstddef>
#include <cstdint>

#include <cuda_runtime_api.h>

namespace rill::kernels {

struct BatchedTransposeParams {
  uint32_t batch = 0;
  uint32_t rows = 0;
  uint32_t cols = 0;
};

//! Elements of `element_size` bytes (1, 2, 4 or 8).
void launch_batched_transpose(const BatchedTransposeParams& params, size_t element_size,
                              const void* in, void* out, cudaStream_t stream);

}  // namespace rill::kernels
