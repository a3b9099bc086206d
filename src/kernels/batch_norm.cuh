// BatchNormalization in inference mode over NC(D)HW:
//   y = (x - mean[c]) / sqrt(var[c] + epsilon) * scale[c] + bias[c]
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

#include "rill/dtype.h"

namespace rill::kernels {

struct BatchNormParams {
  int64_t batch = 1, channels = 1, inner = 1;  //!< inner: spatial size
  float epsilon = 1e-5f;
};

void launch_batch_norm(DType dtype, const BatchNormParams& params, const void* x, const void* scale,
                       const void* bias, const void* mean, const void* var, void* y,
                       cudaStream_t stream);

}  // namespace rill::kernels
