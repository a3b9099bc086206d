#include "cuda/check.h"
#include "kernels/batch_norm.cuh"
#include "kernels/nn_kernel_common.cuh"

namespace rill::kernels {

namespace {

template <class T>
__global__ void batch_norm_kernel(int64_t n, int64_t channels, int64_t inner, float epsilon,
                                  const T* __restrict__ x, const T* __restrict__ scale,
                                  const T* __restrict__ bias, const T* __restrict__ mean,
                                  const T* __restrict__ var, T* __restrict__ y) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t c = (i / inner) % channels;
    const float inv_std = rsqrtf(static_cast<float>(var[c]) + epsilon);
    const float v = (static_cast<float>(x[i]) - static_cast<float>(mean[c])) * inv_std *
                        static_cast<float>(scale[c]) +
                    static_cast<float>(bias[c]);
    y[i] = static_cast<T>(v);
  }
}

}  // namespace

void launch_batch_norm(DType dtype, const BatchNormParams& p, const void* x, const void* scale,
                       const void* bias, const void* mean, const void* var, void* y,
                       cudaStream_t stream) {
  const int64_t n = p.batch * p.channels * p.inner;
  if (n == 0) return;
  nn_detail::dispatch_float(dtype, "batch_norm", [&](auto zero) {
    using T = decltype(zero);
    batch_norm_kernel<T><<<nn_detail::grid_for(n), nn_detail::kBlock, 0, stream>>>(
        n, p.channels, p.inner, p.epsilon, static_cast<const T*>(x), static_cast<const T*>(scale),
        static_cast<const T*>(bias), static_cast<const T*>(mean), static_cast<const T*>(var),
        static_cast<T*>(y));
    RILL_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace rill::kernels
