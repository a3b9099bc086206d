#include "cuda/check.h"
#include "kernels/layout_copy.cuh"
#include "kernels/nn_kernel_common.cuh"

namespace rill::kernels {

namespace {

struct Dims3 {
  int64_t v[3];
};

template <class T>
__global__ void window_copy_kernel(int64_t n, Dims3 in, Dims3 out, Dims3 offset,
                                   const T* __restrict__ src, T* __restrict__ dst) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    int64_t rest = i;
    const int64_t o2 = rest % out.v[2];
    rest /= out.v[2];
    const int64_t o1 = rest % out.v[1];
    rest /= out.v[1];
    const int64_t o0 = rest % out.v[0];
    const int64_t outer = rest / out.v[0];
    const int64_t i0 = o0 + offset.v[0];
    const int64_t i1 = o1 + offset.v[1];
    const int64_t i2 = o2 + offset.v[2];
    T value = T(0);
    if (i0 >= 0 && i0 < in.v[0] && i1 >= 0 && i1 < in.v[1] && i2 >= 0 && i2 < in.v[2]) {
      value = src[((outer * in.v[0] + i0) * in.v[1] + i1) * in.v[2] + i2];
    }
    dst[i] = value;
  }
}

template <class T>
__global__ void broadcast_2d_kernel(int64_t n, int64_t cols, int64_t row_stride, int64_t col_stride,
                                    const T* __restrict__ src, T* __restrict__ dst) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    dst[i] = src[(i / cols) * row_stride + (i % cols) * col_stride];
  }
}

Dims3 dims(const std::array<int64_t, 3>& a) {
  return Dims3{{a[0], a[1], a[2]}};
}

}  // namespace

void launch_window_copy(DType dtype, const WindowCopyParams& p, const void* in, void* out,
                        cudaStream_t stream) {
  const int64_t n = p.outer * p.out[0] * p.out[1] * p.out[2];
  if (n == 0) return;
  nn_detail::dispatch_float(dtype, "window_copy", [&](auto zero) {
    using T = decltype(zero);
    window_copy_kernel<T><<<nn_detail::grid_for(n), nn_detail::kBlock, 0, stream>>>(
        n, dims(p.in), dims(p.out), dims(p.offset), static_cast<const T*>(in),
        static_cast<T*>(out));
    RILL_CUDA_CHECK_LAUNCH();
  });
}

void launch_broadcast_2d(DType dtype, const Broadcast2dParams& p, const void* in, void* out,
                         cudaStream_t stream) {
  const int64_t n = p.rows * p.cols;
  if (n == 0) return;
  nn_detail::dispatch_float(dtype, "broadcast_2d", [&](auto zero) {
    using T = decltype(zero);
    broadcast_2d_kernel<T><<<nn_detail::grid_for(n), nn_detail::kBlock, 0, stream>>>(
        n, p.cols, p.row_stride, p.col_stride, static_cast<const T*>(in), static_cast<T*>(out));
    RILL_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace rill::kernels
