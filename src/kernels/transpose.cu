#include <cuda_runtime.h>

#include "cuda/check.h"
#include "kernels/launch_util.cuh"
#include "kernels/transpose.cuh"

namespace rill::kernels {

using movement_detail::dispatch_unit;
using movement_detail::grid_blocks;
using movement_detail::kBlockSize;

namespace {

constexpr unsigned kTile = 32;
constexpr unsigned kRowsPerPass = 8;  // a 32x8 block moves a 32x32 tile in 4 passes

// Reads a tile row-wise (coalesced over cols), writes it row-wise of the output (coalesced over
// rows). The +1 column avoids shared-memory bank conflicts on the transposed read.
template <class Unit>
__global__ void batched_transpose_kernel(BatchedTransposeParams p, const Unit* __restrict__ in,
                                         Unit* __restrict__ out) {
  __shared__ Unit tile[kTile][kTile + 1];
  const uint32_t col0 = blockIdx.x * kTile;
  const uint32_t row0 = blockIdx.y * kTile;
  const uint64_t plane = static_cast<uint64_t>(p.rows) * p.cols;
  for (uint32_t b = blockIdx.z; b < p.batch; b += gridDim.z) {
    const Unit* src = in + b * plane;
    Unit* dst = out + b * plane;
    for (unsigned r = threadIdx.y; r < kTile; r += kRowsPerPass) {
      const uint32_t row = row0 + r;
      const uint32_t col = col0 + threadIdx.x;
      if (row < p.rows && col < p.cols) tile[r][threadIdx.x] = src[uint64_t{row} * p.cols + col];
    }
    __syncthreads();
    for (unsigned c = threadIdx.y; c < kTile; c += kRowsPerPass) {
      const uint32_t col = col0 + c;  // output row
      const uint32_t row = row0 + threadIdx.x;
      if (row < p.rows && col < p.cols) dst[uint64_t{col} * p.rows + row] = tile[threadIdx.x][c];
    }
    __syncthreads();
  }
}

// Consecutive threads take consecutive pixels: each channel's reads are coalesced, and each
// thread writes its pixel's C' channels as one contiguous run, in 16-byte stores when the run is
// a whole number of them (an RGB input padded to 8 half channels: one store per pixel).
template <class Unit, bool kVector>
__global__ void to_nhwc_kernel(ToNhwcParams p, uint64_t pixels, const Unit* __restrict__ in,
                               Unit* __restrict__ out) {
  const uint64_t i = blockIdx.x * uint64_t{blockDim.x} + threadIdx.x;
  if (i >= pixels) return;
  const uint64_t image = i / p.spatial;
  const uint64_t pixel = i - image * p.spatial;
  const Unit* src = in + image * p.channels * p.spatial + pixel;
  Unit* dst = out + i * p.padded_channels;
  if constexpr (kVector) {
    constexpr uint32_t kLanes = 16 / sizeof(Unit);
    for (uint32_t c0 = 0; c0 < p.padded_channels; c0 += kLanes) {
      union {
        uint4 vector;
        Unit lanes[kLanes];
      } chunk;
      for (uint32_t l = 0; l < kLanes; ++l) {
        const uint32_t c = c0 + l;
        chunk.lanes[l] = c < p.channels ? src[c * p.spatial] : Unit{};
      }
      *reinterpret_cast<uint4*>(dst + c0) = chunk.vector;
    }
  } else {
    for (uint32_t c = 0; c < p.padded_channels; ++c) {
      dst[c] = c < p.channels ? src[c * p.spatial] : Unit{};
    }
  }
}

}  // namespace

void launch_to_nhwc(const ToNhwcParams& params, size_t element_size, const void* in, void* out,
                    cudaStream_t stream) {
  const uint64_t pixels = uint64_t{params.batch} * params.spatial;
  if (pixels == 0 || params.padded_channels == 0) return;
  const auto blocks = static_cast<unsigned>((pixels + kBlockSize - 1) / kBlockSize);
  dispatch_unit(element_size, [&](auto unit) {
    using Unit = decltype(unit);
    if constexpr (sizeof(Unit) <= 8) {
      const bool vector = params.padded_channels * sizeof(Unit) % 16 == 0 &&
                          reinterpret_cast<uintptr_t>(out) % 16 == 0;
      if (vector) {
        to_nhwc_kernel<Unit, true><<<blocks, kBlockSize, 0, stream>>>(
            params, pixels, static_cast<const Unit*>(in), static_cast<Unit*>(out));
      } else {
        to_nhwc_kernel<Unit, false><<<blocks, kBlockSize, 0, stream>>>(
            params, pixels, static_cast<const Unit*>(in), static_cast<Unit*>(out));
      }
    } else {
      throw Error(ErrorKind::kInternal, "to_nhwc: 16-byte elements");
    }
  });
  RILL_CUDA_CHECK_LAUNCH();
}

void launch_batched_transpose(const BatchedTransposeParams& params, size_t element_size,
                              const void* in, void* out, cudaStream_t stream) {
  if (params.batch == 0 || params.rows == 0 || params.cols == 0) return;
  const dim3 block(kTile, kRowsPerPass);
  const dim3 grid((params.cols + kTile - 1) / kTile, (params.rows + kTile - 1) / kTile,
                  std::min<uint32_t>(params.batch, 65535));
  if (grid.y > 65535) {
    throw Error(ErrorKind::kInternal, "batched transpose: too many rows for the grid");
  }
  dispatch_unit(element_size, [&](auto unit) {
    using Unit = decltype(unit);
    if constexpr (sizeof(Unit) <= 8) {
      batched_transpose_kernel<Unit><<<grid, block, 0, stream>>>(
          params, static_cast<const Unit*>(in), static_cast<Unit*>(out));
    } else {
      throw Error(ErrorKind::kInternal, "batched transpose: 16-byte elements");
    }
  });
  RILL_CUDA_CHECK_LAUNCH();
}

}  // namespace rill::kernels
