// Pad in constant, reflect and edge modes, any rank up to kMaxRank, any dtype (elements moved
// as opaque units). Negative pads crop.
#pragma once

#include <cstddef>
#include <cstdint>

#include <cuda_runtime_api.h>

#include "kernels/index_math.h"

namespace rill::kernels {

enum class PadMode : int32_t { kConstant, kReflect, kEdge };

struct PadParams {
  int32_t rank = 0;
  PadMode mode = PadMode::kConstant;
  uint32_t count = 0;  //!< output elements
  FastDivmod out_dims[kMaxRank];
  int64_t in_dims[kMaxRank] = {};
  int64_t in_strides[kMaxRank] = {};
  int64_t pad_begin[kMaxRank] = {};
  uint64_t value_bits = 0;  //!< constant mode: the value's bytes (low element_size bytes)
};

//! Maps a coordinate outside [0, size) back into it, as reflect padding does (the border
//! element is not repeated). size must be positive.
RILL_MOVEMENT_HD int64_t reflect_coordinate(int64_t c, int64_t size) {
  if (size == 1) return 0;
  const int64_t period = 2 * (size - 1);
  c %= period;
  if (c < 0) c += period;
  return c < size ? c : period - c;
}

void launch_pad(const PadParams& params, size_t element_size, const void* in, void* out,
                cudaStream_t stream);

}  // namespace rill::kernels
