#include <cuda_runtime.h>

#include "cuda/check.h"
#include "kernels/gather.cuh"
#include "kernels/launch_util.cuh"

namespace rill::kernels {

using movement_detail::dispatch_unit;
using movement_detail::grid_blocks;
using movement_detail::kBlockSize;

namespace {

// Negative indices count from the end; -1 marks an index out of range.
template <class Index>
__device__ __forceinline__ int64_t resolve_index(Index raw, int64_t size) {
  int64_t index = static_cast<int64_t>(raw);
  if (index < 0) index += size;
  return (index >= 0 && index < size) ? index : -1;
}

template <class Unit, class Index>
__global__ void gather_kernel(GatherParams p, const Unit* __restrict__ data,
                              const Index* __restrict__ indices, Unit* __restrict__ out) {
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < p.count;
       i += gridDim.x * blockDim.x) {
    uint32_t k;
    uint32_t j;
    const uint32_t o = p.index_count.divmod(p.inner.divmod(i, k), j);
    const int64_t index = resolve_index(indices[j], p.axis_size);
    out[i] = index < 0
                 ? Unit{}
                 : data[(static_cast<int64_t>(o) * p.axis_size + index) * p.inner.divisor + k];
  }
}

template <class Unit, class Index>
__global__ void gather_elements_kernel(GatherElementsParams p, const Unit* __restrict__ data,
                                       const Index* __restrict__ indices, Unit* __restrict__ out) {
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < p.count;
       i += gridDim.x * blockDim.x) {
    const int64_t index = resolve_index(indices[i], p.axis_size);
    uint32_t rest = i;
    int64_t offset = 0;
#pragma unroll
    for (int d = kMaxRank - 1; d >= 0; --d) {
      if (d < p.rank) {
        uint32_t coord;
        rest = p.out_dims[d].divmod(rest, coord);
        offset += (d == p.axis ? index : static_cast<int64_t>(coord)) * p.data_strides[d];
      }
    }
    out[i] = index < 0 ? Unit{} : data[offset];
  }
}

template <class Fn>
void dispatch_index(bool int64, Fn&& fn) {
  if (int64) {
    fn(int64_t{});
  } else {
    fn(int32_t{});
  }
}

}  // namespace

void launch_gather(const GatherParams& params, size_t element_size, bool indices_int64,
                   const void* data, const void* indices, void* out, cudaStream_t stream) {
  if (params.count == 0) return;
  const unsigned blocks = grid_blocks(params.count);
  dispatch_unit(element_size, [&](auto unit) {
    using Unit = decltype(unit);
    if constexpr (sizeof(Unit) <= 8) {
      dispatch_index(indices_int64, [&](auto index) {
        using Index = decltype(index);
        gather_kernel<Unit, Index><<<blocks, kBlockSize, 0, stream>>>(
            params, static_cast<const Unit*>(data), static_cast<const Index*>(indices),
            static_cast<Unit*>(out));
      });
    }
  });
  RILL_CUDA_CHECK_LAUNCH();
}

void launch_gather_elements(const GatherElementsParams& params, size_t element_size,
                            bool indices_int64, const void* data, const void* indices, void* out,
                            cudaStream_t stream) {
  if (params.count == 0) return;
  const unsigned blocks = grid_blocks(params.count);
  dispatch_unit(element_size, [&](auto unit) {
    using Unit = decltype(unit);
    if constexpr (sizeof(Unit) <= 8) {
      dispatch_index(indices_int64, [&](auto index) {
        using Index = decltype(index);
        gather_elements_kernel<Unit, Index><<<blocks, kBlockSize, 0, stream>>>(
            params, static_cast<const Unit*>(data), static_cast<const Index*>(indices),
            static_cast<Unit*>(out));
      });
    }
  });
  RILL_CUDA_CHECK_LAUNCH();
}

}  // namespace rill::kernels
