// Launch helpers for the movement kernels (included by .cu files only).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include <cuda_runtime.h>

#include "rill/error.h"

// A detail namespace keeps these inline helpers clear of other families' kernel helpers.
namespace rill::kernels::movement_detail {

inline constexpr unsigned kBlockSize = 256;

//! Blocks for a grid-stride loop over `count` items: enough to fill the GPU, capped so that huge
//! tensors loop instead of launching millions of blocks.
inline unsigned grid_blocks(uint64_t count, unsigned block = kBlockSize) {
  const uint64_t needed = (count + block - 1) / block;
  return static_cast<unsigned>(std::clamp<uint64_t>(needed, 1, 65535));
}

//! An opaque 16-byte unit (uint4 has no operator== and we only move it).
using Unit16 = uint4;

//! Calls fn(Unit{}) with the unsigned type of `size` bytes; 16 maps to uint4.
template <class Fn>
void dispatch_unit(size_t size, Fn&& fn) {
  switch (size) {
    case 1:
      fn(uint8_t{});
      return;
    case 2:
      fn(uint16_t{});
      return;
    case 4:
      fn(uint32_t{});
      return;
    case 8:
      fn(uint64_t{});
      return;
    case 16:
      fn(Unit16{});
      return;
    default:
      throw Error(ErrorKind::kInternal,
                  "movement kernel: unsupported element size " + std::to_string(size));
  }
}

}  // namespace rill::kernels::movement_detail
