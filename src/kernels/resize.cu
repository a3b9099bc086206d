#include <cuda_runtime.h>

#include "cuda/check.h"
#include "kernels/launch_util.cuh"
#include "kernels/resize.cuh"

namespace rill::kernels {

using movement_detail::dispatch_unit;
using movement_detail::grid_blocks;
using movement_detail::kBlockSize;

namespace {

template <class Unit>
__global__ void resize_nearest_kernel(ResizeParams p, const Unit* __restrict__ in,
                                      Unit* __restrict__ out) {
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < p.count;
       i += gridDim.x * blockDim.x) {
    uint32_t rest = i;
    int64_t offset = 0;
#pragma unroll
    for (int d = kMaxRank - 1; d >= 0; --d) {
      if (d < p.rank) {
        uint32_t coord;
        rest = p.out_dims[d].divmod(rest, coord);
        const float x = resize_source_coord(p.coord_mode, p.axes[d], static_cast<int32_t>(coord));
        offset += resize_nearest_index(p.nearest_mode, x, p.axes[d].in_size) * p.in_strides[d];
      }
    }
    out[i] = in[offset];
  }
}

// N-linear: the 2^k corners of the axes that actually interpolate (weight > 0 and distinct
// neighbours); the others contribute their lower neighbour only.
template <class T>
__global__ void resize_linear_kernel(ResizeParams p, const T* __restrict__ in,
                                     T* __restrict__ out) {
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < p.count;
       i += gridDim.x * blockDim.x) {
    uint32_t rest = i;
    int64_t base = 0;
    int active = 0;
    int64_t step[kMaxRank];
    float weight[kMaxRank];
#pragma unroll
    for (int d = kMaxRank - 1; d >= 0; --d) {
      if (d < p.rank) {
        uint32_t coord;
        rest = p.out_dims[d].divmod(rest, coord);
        const float x = resize_source_coord(p.coord_mode, p.axes[d], static_cast<int32_t>(coord));
        const LinearTap tap = resize_linear_tap(x, p.axes[d].in_size);
        base += tap.lower * p.in_strides[d];
        if (tap.weight > 0.0f && tap.upper != tap.lower) {
          step[active] = (tap.upper - tap.lower) * p.in_strides[d];
          weight[active] = tap.weight;
          ++active;
        }
      }
    }
    T sum = 0;
    for (int corner = 0; corner < (1 << active); ++corner) {
      T w = 1;
      int64_t offset = base;
      for (int a = 0; a < active; ++a) {
        if (corner & (1 << a)) {
          w *= static_cast<T>(weight[a]);
          offset += step[a];
        } else {
          w *= static_cast<T>(1.0f - weight[a]);
        }
      }
      sum += w * in[offset];
    }
    out[i] = sum;
  }
}

}  // namespace

void launch_resize(const ResizeParams& params, size_t element_size, const void* in, void* out,
                   cudaStream_t stream) {
  if (params.count == 0) return;
  const unsigned blocks = grid_blocks(params.count);
  if (params.linear) {
    if (element_size == 4) {
      resize_linear_kernel<float><<<blocks, kBlockSize, 0, stream>>>(
          params, static_cast<const float*>(in), static_cast<float*>(out));
    } else if (element_size == 8) {
      resize_linear_kernel<double><<<blocks, kBlockSize, 0, stream>>>(
          params, static_cast<const double*>(in), static_cast<double*>(out));
    } else {
      throw Error(ErrorKind::kInternal, "linear resize: element size is not 4 or 8");
    }
  } else {
    dispatch_unit(element_size, [&](auto unit) {
      using Unit = decltype(unit);
      if constexpr (sizeof(Unit) <= 8) {
        resize_nearest_kernel<Unit><<<blocks, kBlockSize, 0, stream>>>(
            params, static_cast<const Unit*>(in), static_cast<Unit*>(out));
      }
    });
  }
  RILL_CUDA_CHECK_LAUNCH();
}

}  // namespace rill::kernels
