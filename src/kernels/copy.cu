#include <algorithm>
#include <string>

#include <cuda_runtime.h>

#include "cuda/check.h"
#include "kernels/copy.cuh"
#include "kernels/launch_util.cuh"

namespace rill::kernels {

using movement_detail::dispatch_unit;
using movement_detail::grid_blocks;
using movement_detail::kBlockSize;

namespace {

template <class Unit>
__global__ void strided_copy_kernel(StridedCopyParams p, const Unit* __restrict__ in,
                                    Unit* __restrict__ out) {
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < p.count;
       i += gridDim.x * blockDim.x) {
    uint32_t rest = i;
    int64_t offset = p.in_offset;
#pragma unroll
    for (int d = kMaxRank - 1; d >= 0; --d) {
      if (d < p.rank) {
        uint32_t coord;
        rest = p.out_dims[d].divmod(rest, coord);
        offset += static_cast<int64_t>(coord) * p.in_strides[d];
      }
    }
    out[i] = in[offset];
  }
}

template <class Unit>
__global__ void fill_kernel(Unit* __restrict__ out, uint64_t count, Unit value) {
  for (uint64_t i = blockIdx.x * static_cast<uint64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<uint64_t>(gridDim.x) * blockDim.x) {
    out[i] = value;
  }
}

// blockIdx.y is the part; x-blocks stride over that part's units.
template <class Unit, bool kSplit>
__global__ void row_parts_kernel(RowPartsParams p, PartPointers parts, Unit* joined) {
  const int j = blockIdx.y;
  const FastDivmod row = p.part_row[j];
  const uint32_t units = p.part_units[j];
  Unit* part = static_cast<Unit*>(parts.ptr[j]);
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < units; i += gridDim.x * blockDim.x) {
    uint32_t col;
    const uint32_t r = row.divmod(i, col);
    const uint32_t at = r * p.joined_row + p.part_offset[j] + col;
    if constexpr (kSplit) {
      part[i] = joined[at];
    } else {
      joined[at] = part[i];
    }
  }
}

}  // namespace

void launch_strided_copy(const StridedCopyParams& params, size_t element_size, const void* in,
                         void* out, cudaStream_t stream) {
  if (params.count == 0) return;
  const unsigned blocks = grid_blocks(params.count);
  dispatch_unit(element_size, [&](auto unit) {
    using Unit = decltype(unit);
    strided_copy_kernel<Unit><<<blocks, kBlockSize, 0, stream>>>(
        params, static_cast<const Unit*>(in), static_cast<Unit*>(out));
  });
  RILL_CUDA_CHECK_LAUNCH();
}

void launch_fill(void* out, uint64_t count, size_t element_size, uint64_t bits,
                 cudaStream_t stream) {
  if (count == 0) return;
  const unsigned blocks = grid_blocks(count);
  dispatch_unit(element_size, [&](auto unit) {
    using Unit = decltype(unit);
    Unit value;
    static_assert(sizeof(Unit) <= sizeof(bits) || sizeof(Unit) == 16);
    if constexpr (sizeof(Unit) <= sizeof(bits)) {
      memcpy(&value, &bits, sizeof(Unit));  // little-endian: the low bytes
    } else {
      value = Unit{};
    }
    fill_kernel<Unit><<<blocks, kBlockSize, 0, stream>>>(static_cast<Unit*>(out), count, value);
  });
  RILL_CUDA_CHECK_LAUNCH();
}

void launch_concat(const RowPartsParams& params, size_t unit_size, const PartPointers& parts,
                   void* joined, cudaStream_t stream) {
  if (params.parts == 0 || params.max_part_units == 0) return;
  const dim3 grid(grid_blocks(params.max_part_units), static_cast<unsigned>(params.parts));
  dispatch_unit(unit_size, [&](auto unit) {
    using Unit = decltype(unit);
    row_parts_kernel<Unit, false>
        <<<grid, kBlockSize, 0, stream>>>(params, parts, static_cast<Unit*>(joined));
  });
  RILL_CUDA_CHECK_LAUNCH();
}

void launch_split(const RowPartsParams& params, size_t unit_size, const void* joined,
                  const PartPointers& parts, cudaStream_t stream) {
  if (params.parts == 0 || params.max_part_units == 0) return;
  const dim3 grid(grid_blocks(params.max_part_units), static_cast<unsigned>(params.parts));
  dispatch_unit(unit_size, [&](auto unit) {
    using Unit = decltype(unit);
    // The kernel only reads `joined` when splitting.
    row_parts_kernel<Unit, true><<<grid, kBlockSize, 0, stream>>>(
        params, parts, static_cast<Unit*>(const_cast<void*>(joined)));
  });
  RILL_CUDA_CHECK_LAUNCH();
}

}  // namespace rill::kernels
