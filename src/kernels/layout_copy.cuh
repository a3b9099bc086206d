// Copies that move data between layouts around a library call.
#pragma once

#include <array>
#include <cstdint>

#include <cuda_runtime_api.h>

#include "rill/dtype.h"

namespace rill::kernels {

//! A spatial window of a [outer, d0, d1, d2] tensor (outer = N*C; lower ranks use leading unit
//! dims): out[o, i0, i1, i2] = in[o, i0 + offset0, ...] when that index lies inside `in`, else 0.
//! A negative offset pads (zeros before the data), a positive one crops.
struct WindowCopyParams {
  int64_t outer = 1;
  std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1}, offset{0, 0, 0};
};
void launch_window_copy(DType dtype, const WindowCopyParams& params, const void* in, void* out,
                        cudaStream_t stream);

//! out[r, c] = in[r * row_stride + c * col_stride] for a rows x cols output: broadcasts a
//! vector, column or scalar (strides 0) into a matrix, as Gemm's C needs.
struct Broadcast2dParams {
  int64_t rows = 1, cols = 1, row_stride = 0, col_stride = 0;
};
void launch_broadcast_2d(DType dtype, const Broadcast2dParams& params, const void* in, void* out,
                         cudaStream_t stream);

}  // namespace rill::kernels
