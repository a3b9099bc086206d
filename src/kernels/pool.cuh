// MaxPool and AveragePool over NC(D)HW or N(D)HWC tensors with up to three spatial dims (lower
// ranks use leading unit dims, with kernel 1, stride 1, no pads).
#pragma once

#include <array>
#include <cstdint>

#include <cuda_runtime_api.h>

#include "rill/dtype.h"

namespace rill::kernels {

enum class PoolKind { kMax, kAverage };

//! Window of output position o along a dim: input positions o*stride - pad_begin + j*dilation,
//! j < kernel. Max ignores positions outside the input. Average divides by the number of
//! positions inside the input, or, with count_include_pad, inside the padded input
//! [-pad_begin, in + pad_end) (positions a ceil_mode window hangs past the pads never count).
struct PoolParams {
  PoolKind kind = PoolKind::kMax;
  bool count_include_pad = false;
  int64_t outer = 1;  //!< N*C for NC(D)HW; N for channels-last
  //! Channels-last (N(D)HWC, rill.MaxPoolNhwc / rill.AveragePoolNhwc): `channels` is C.
  bool channels_last = false;
  int64_t channels = 1;
  std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1}, kernel{1, 1, 1}, stride{1, 1, 1},
      dilation{1, 1, 1}, pad_begin{0, 0, 0}, pad_end{0, 0, 0};
};

void launch_pool(DType dtype, const PoolParams& params, const void* x, void* y,
                 cudaStream_t stream);

}  // namespace rill::kernels
