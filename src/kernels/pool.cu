#include <cfloat>

#include "cuda/check.h"
#include "kernels/nn_kernel_common.cuh"
#include "kernels/pool.cuh"

namespace rill::kernels {

namespace {

struct DeviceParams {
  int64_t in[3], out[3], kernel[3], stride[3], dilation[3], pad_begin[3], pad_end[3];
};

// One thread per output element. Channels-last: consecutive threads take consecutive channels
// of one output position, so loads stay coalesced; the element (i0, i1, i2) of a "plane" then
// lies `channels` apart.
template <class T, bool kMax, bool kChannelsLast>
__global__ void pool_kernel(int64_t n, DeviceParams p, int64_t channels, bool count_include_pad,
                            const T* __restrict__ x, T* __restrict__ y) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    int64_t rest = i;
    int64_t c = 0;
    if constexpr (kChannelsLast) {
      c = rest % channels;
      rest /= channels;
    }
    int64_t o[3];
    for (int d = 2; d >= 0; --d) {
      o[d] = rest % p.out[d];
      rest /= p.out[d];
    }
    const int64_t step = kChannelsLast ? channels : 1;
    const T* plane = kChannelsLast ? x + rest * p.in[0] * p.in[1] * p.in[2] * channels + c
                                   : x + rest * p.in[0] * p.in[1] * p.in[2];
    int64_t start[3];
    for (int d = 0; d < 3; ++d) start[d] = o[d] * p.stride[d] - p.pad_begin[d];
    float best = -FLT_MAX;
    bool saw_nan = false;
    float sum = 0.0f;
    int64_t inside = 0;
    int64_t padded = 0;
    for (int64_t k0 = 0; k0 < p.kernel[0]; ++k0) {
      const int64_t i0 = start[0] + k0 * p.dilation[0];
      const bool pad0 = i0 >= -p.pad_begin[0] && i0 < p.in[0] + p.pad_end[0];
      const bool in0 = i0 >= 0 && i0 < p.in[0];
      for (int64_t k1 = 0; k1 < p.kernel[1]; ++k1) {
        const int64_t i1 = start[1] + k1 * p.dilation[1];
        const bool pad1 = i1 >= -p.pad_begin[1] && i1 < p.in[1] + p.pad_end[1];
        const bool in1 = i1 >= 0 && i1 < p.in[1];
        for (int64_t k2 = 0; k2 < p.kernel[2]; ++k2) {
          const int64_t i2 = start[2] + k2 * p.dilation[2];
          const bool pad2 = i2 >= -p.pad_begin[2] && i2 < p.in[2] + p.pad_end[2];
          const bool in2 = i2 >= 0 && i2 < p.in[2];
          if (pad0 && pad1 && pad2) ++padded;
          if (!(in0 && in1 && in2)) continue;
          const float v = static_cast<float>(plane[((i0 * p.in[1] + i1) * p.in[2] + i2) * step]);
          if constexpr (kMax) {
            // NaN propagates, as in the CPU reference.
            if (v != v) {
              best = v;
              saw_nan = true;
            } else if (!saw_nan && v > best) {
              best = v;
            }
          } else {
            sum += v;
            ++inside;
          }
        }
      }
    }
    if constexpr (kMax) {
      y[i] = static_cast<T>(best);
    } else {
      const int64_t count = count_include_pad ? padded : inside;
      y[i] = static_cast<T>(count > 0 ? sum / static_cast<float>(count) : 0.0f);
    }
  }
}

}  // namespace

void launch_pool(DType dtype, const PoolParams& params, const void* x, void* y,
                 cudaStream_t stream) {
  const int64_t channels = params.channels_last ? params.channels : 1;
  const int64_t n = params.outer * channels * params.out[0] * params.out[1] * params.out[2];
  if (n == 0) return;
  DeviceParams p{};
  for (int d = 0; d < 3; ++d) {
    p.in[d] = params.in[d];
    p.out[d] = params.out[d];
    p.kernel[d] = params.kernel[d];
    p.stride[d] = params.stride[d];
    p.dilation[d] = params.dilation[d];
    p.pad_begin[d] = params.pad_begin[d];
    p.pad_end[d] = params.pad_end[d];
  }
  nn_detail::dispatch_float(dtype, "pool", [&](auto zero) {
    using T = decltype(zero);
    const auto* in = static_cast<const T*>(x);
    auto* out = static_cast<T*>(y);
    const unsigned grid = nn_detail::grid_for(n);
    const bool max = params.kind == PoolKind::kMax;
    const bool cl = params.channels_last;
    if (max && !cl) {
      pool_kernel<T, true, false><<<grid, nn_detail::kBlock, 0, stream>>>(
          n, p, channels, params.count_include_pad, in, out);
    } else if (max) {
      pool_kernel<T, true, true><<<grid, nn_detail::kBlock, 0, stream>>>(
          n, p, channels, params.count_include_pad, in, out);
    } else if (!cl) {
      pool_kernel<T, false, false><<<grid, nn_detail::kBlock, 0, stream>>>(
          n, p, channels, params.count_include_pad, in, out);
    } else {
      pool_kernel<T, false, true><<<grid, nn_detail::kBlock, 0, stream>>>(
          n, p, channels, params.count_include_pad, in, out);
    }
    RILL_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace rill::kernels
