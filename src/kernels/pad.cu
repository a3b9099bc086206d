#include <cuda_runtime.h>

#include "cuda/check.h"
#include "kernels/launch_util.cuh"
#include "kernels/pad.cuh"

namespace rill::kernels {

using movement_detail::dispatch_unit;
using movement_detail::grid_blocks;
using movement_detail::kBlockSize;

namespace {

template <class Unit>
__global__ void pad_kernel(PadParams p, Unit value, const Unit* __restrict__ in,
                           Unit* __restrict__ out) {
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < p.count;
       i += gridDim.x * blockDim.x) {
    uint32_t rest = i;
    int64_t offset = 0;
    bool inside = true;
#pragma unroll
    for (int d = kMaxRank - 1; d >= 0; --d) {
      if (d < p.rank) {
        uint32_t coord;
        rest = p.out_dims[d].divmod(rest, coord);
        int64_t c = static_cast<int64_t>(coord) - p.pad_begin[d];
        const int64_t size = p.in_dims[d];
        if (c < 0 || c >= size) {
          if (p.mode == PadMode::kConstant) {
            inside = false;
          } else if (p.mode == PadMode::kEdge) {
            c = c < 0 ? 0 : size - 1;
          } else {
            c = reflect_coordinate(c, size);
          }
        }
        offset += c * p.in_strides[d];
      }
    }
    out[i] = inside ? in[offset] : value;
  }
}

}  // namespace

void launch_pad(const PadParams& params, size_t element_size, const void* in, void* out,
                cudaStream_t stream) {
  if (params.count == 0) return;
  const unsigned blocks = grid_blocks(params.count);
  dispatch_unit(element_size, [&](auto unit) {
    using Unit = decltype(unit);
    if constexpr (sizeof(Unit) <= 8) {
      Unit value;
      memcpy(&value, &params.value_bits, sizeof(Unit));
      pad_kernel<Unit><<<blocks, kBlockSize, 0, stream>>>(
          params, value, static_cast<const Unit*>(in), static_cast<Unit*>(out));
    }
  });
  RILL_CUDA_CHECK_LAUNCH();
}

}  // namespace rill::kernels
