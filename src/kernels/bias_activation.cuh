// y = activation(x + bias[channel]) over a tensor viewed as [outer, channels, inner]: the tail of
// a convolution (NC(D)HW: inner = spatial size) or of a row-major GEMM (channels = N, inner = 1)
// when the library call could not fuse it.
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

#include "rill/dtype.h"

#include "kernels/activation.h"

namespace rill::kernels {

struct BiasActivationParams {
  int64_t outer = 1, channels = 1, inner = 1;
  Activation activation = Activation::kNone;
  float alpha = 0.01f;  //!< LeakyRelu slope
};

//! `bias` may be null (activation only); `x` may equal `y`. dtype: float32, float16 or bfloat16
//! (kUnsupported otherwise); half values compute in float and round once on store.
void launch_bias_activation(DType dtype, const BiasActivationParams& params, const void* x,
                            const void* bias, void* y, cudaStream_t stream);

}  // namespace rill::kernels
