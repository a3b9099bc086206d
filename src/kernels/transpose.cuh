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

//! NC(spatial) -> N(spatial)C' with C' = padded_channels >= channels, the channels past
//! `channels` zero (rill.ToNhwc: a convolution network's input made channels-last and padded
//! for tensor cores in one pass). One thread per pixel: built for few channels (an RGB input).
struct ToNhwcParams {
  uint32_t batch = 0;
  uint32_t channels = 0;
  uint64_t spatial = 0;  //!< pixels per image
  uint32_t padded_channels = 0;
};

//! Elements of `element_size` bytes (1, 2, 4 or 8); zero padding is all-zero bytes.
void launch_to_nhwc(const ToNhwcParams& params, size_t element_size, const void* in, void* out,
                    cudaStream_t stream);

}  // namespace rill::kernels
