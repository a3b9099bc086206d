#include <cfloat>

#include "cuda/check.h"
#include "kernels/half_types.cuh"
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

// Channels-last 2-D pools (rill.MaxPoolNhwc / AveragePoolNhwc: ResNet's stem max pool) with
// 32-bit indices: one thread per output position and 16 bytes of channels, so every load and
// store is one 16-byte access and the index arithmetic is done once per 8 (half) or 4 (float)
// outputs. The generic kernel above spends its time on 64-bit divisions: 18x slower on
// ResNet-50's max pool at batch 32.
struct Nhwc2dParams {
  int32_t in_h, in_w, out_h, out_w, kernel_h, kernel_w, stride_h, stride_w, dilation_h,
      dilation_w, pad_top, pad_left, pad_bottom, pad_right;
  int32_t vectors;  // channels / lanes
};

template <class T, bool kMax>
__global__ void pool_nhwc_2d_kernel(int32_t n, Nhwc2dParams p, bool count_include_pad,
                                    const detail::Vec16<T>* __restrict__ x,
                                    detail::Vec16<T>* __restrict__ y) {
  constexpr int kLanes = detail::Vec16<T>::kLanes;
  const int32_t i = static_cast<int32_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const int32_t v = i % p.vectors;
  int32_t rest = i / p.vectors;
  const int32_t ow = rest % p.out_w;
  rest /= p.out_w;
  const int32_t oh = rest % p.out_h;
  const int32_t image = rest / p.out_h;
  const detail::Vec16<T>* plane = x + static_cast<int64_t>(image) * p.in_h * p.in_w * p.vectors + v;
  const int32_t h0 = oh * p.stride_h - p.pad_top;
  const int32_t w0 = ow * p.stride_w - p.pad_left;
  float acc[kLanes];
  bool nan[kLanes];
  for (int l = 0; l < kLanes; ++l) {
    acc[l] = kMax ? -FLT_MAX : 0.0f;
    nan[l] = false;
  }
  int32_t inside = 0, padded = 0;
  for (int32_t kh = 0; kh < p.kernel_h; ++kh) {
    const int32_t ih = h0 + kh * p.dilation_h;
    const bool row_in = ih >= 0 && ih < p.in_h;
    const bool row_pad = ih >= -p.pad_top && ih < p.in_h + p.pad_bottom;
    for (int32_t kw = 0; kw < p.kernel_w; ++kw) {
      const int32_t iw = w0 + kw * p.dilation_w;
      if (row_pad && iw >= -p.pad_left && iw < p.in_w + p.pad_right) ++padded;
      if (!row_in || iw < 0 || iw >= p.in_w) continue;
      ++inside;
      const detail::Vec16<T> in = plane[(ih * p.in_w + iw) * p.vectors];
      for (int l = 0; l < kLanes; ++l) {
        const float value = static_cast<float>(in.v[l]);
        if constexpr (kMax) {
          // NaN propagates, as in the CPU reference.
          if (value != value) {
            acc[l] = value;
            nan[l] = true;
          } else if (!nan[l] && value > acc[l]) {
            acc[l] = value;
          }
        } else {
          acc[l] += value;
        }
      }
    }
  }
  detail::Vec16<T> out;
  const int32_t count = count_include_pad ? padded : inside;
  for (int l = 0; l < kLanes; ++l) {
    const float r = kMax ? acc[l] : (count > 0 ? acc[l] / static_cast<float>(count) : 0.0f);
    out.v[l] = static_cast<T>(r);
  }
  y[i] = out;
}

// The fast path applies: channels-last, 2-D (the leading spatial dim unit), channels a whole
// number of 16-byte vectors, aligned pointers and sizes that fit 32-bit indices.
template <class T>
bool nhwc_2d_applies(const PoolParams& q, const void* x, const void* y) {
  constexpr int kLanes = detail::Vec16<T>::kLanes;
  if (!q.channels_last || q.in[0] != 1 || q.kernel[0] != 1 || q.channels % kLanes != 0) return false;
  if (!detail::aligned16(x) || !detail::aligned16(y)) return false;
  const int64_t limit = int64_t{1} << 30;
  return q.outer * q.in[1] * q.in[2] * q.channels < limit &&
         q.outer * q.out[1] * q.out[2] * q.channels < limit;
}

template <class T>
void launch_nhwc_2d(const PoolParams& q, const void* x, void* y, cudaStream_t stream) {
  constexpr int kLanes = detail::Vec16<T>::kLanes;
  const auto i32 = [](int64_t v) { return static_cast<int32_t>(v); };
  const Nhwc2dParams p{i32(q.in[1]),        i32(q.in[2]),        i32(q.out[1]),
                       i32(q.out[2]),       i32(q.kernel[1]),    i32(q.kernel[2]),
                       i32(q.stride[1]),    i32(q.stride[2]),    i32(q.dilation[1]),
                       i32(q.dilation[2]),  i32(q.pad_begin[1]), i32(q.pad_begin[2]),
                       i32(q.pad_end[1]),   i32(q.pad_end[2]),   i32(q.channels / kLanes)};
  const int32_t n = i32(q.outer * q.out[1] * q.out[2] * (q.channels / kLanes));
  const unsigned grid = static_cast<unsigned>((n + nn_detail::kBlock - 1) / nn_detail::kBlock);
  const auto* in = static_cast<const detail::Vec16<T>*>(x);
  auto* out = static_cast<detail::Vec16<T>*>(y);
  if (q.kind == PoolKind::kMax) {
    pool_nhwc_2d_kernel<T, true><<<grid, nn_detail::kBlock, 0, stream>>>(n, p, q.count_include_pad, in, out);
  } else {
    pool_nhwc_2d_kernel<T, false><<<grid, nn_detail::kBlock, 0, stream>>>(n, p, q.count_include_pad, in, out);
  }
  RILL_CUDA_CHECK_LAUNCH();
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
    if (nhwc_2d_applies<T>(params, x, y)) {
      launch_nhwc_2d<T>(params, x, y, stream);
      return;
    }
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
