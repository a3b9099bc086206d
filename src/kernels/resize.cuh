// Resize, nearest (any dtype) and N-linear (float32/float64), with ONNX's coordinate
// transformations. The coordinate math is shared with the CPU reference (resize_source_coord,
// resize_nearest_index) so that both round identically; it is evaluated in float, as ONNX
// Runtime does.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include <cuda_runtime_api.h>

#include "kernels/index_math.h"

namespace rill::kernels {

enum class ResizeCoordMode : int32_t {
  kHalfPixel,
  kHalfPixelSymmetric,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfHalfPixelForNn,
};
enum class ResizeNearestMode : int32_t { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };

//! One axis of a resize: sizes, the scale (output / input as given or derived) and, for
//! half_pixel_symmetric, the precomputed offset.
struct ResizeAxis {
  int32_t in_size = 1;
  int32_t out_size = 1;
  float scale = 1.0f;
  float offset = 0.0f;
};

//! The input coordinate that output coordinate x maps to.
RILL_MOVEMENT_HD float resize_source_coord(ResizeCoordMode mode, const ResizeAxis& a, int32_t x) {
  const auto xf = static_cast<float>(x);
  switch (mode) {
    case ResizeCoordMode::kHalfPixel:
      return (xf + 0.5f) / a.scale - 0.5f;
    case ResizeCoordMode::kHalfPixelSymmetric:
      return a.offset + (xf + 0.5f) / a.scale - 0.5f;
    case ResizeCoordMode::kPytorchHalfPixel:
      return a.out_size > 1 ? (xf + 0.5f) / a.scale - 0.5f : 0.0f;
    case ResizeCoordMode::kAlignCorners: {
      // ONNX's reference takes the unrounded resized length, in_size * scale (it equals
      // out_size when sizes are given; ONNX's own test data depend on it when scales are).
      const float resized = static_cast<float>(a.in_size) * a.scale;
      return a.out_size == 1 || resized <= 1.0f
                 ? 0.0f
                 : xf * static_cast<float>(a.in_size - 1) / (resized - 1.0f);
    }
    case ResizeCoordMode::kAsymmetric:
      return xf / a.scale;
    case ResizeCoordMode::kTfHalfPixelForNn:
      return (xf + 0.5f) / a.scale;
  }
  return 0.0f;
}

//! Nearest input index for source coordinate x, clamped into [0, in_size).
RILL_MOVEMENT_HD int32_t resize_nearest_index(ResizeNearestMode mode, float x, int32_t in_size) {
  const float down = floorf(x);
  float picked = down;
  switch (mode) {
    case ResizeNearestMode::kRoundPreferFloor:
      picked = (x - down > 0.5f) ? down + 1.0f : down;
      break;
    case ResizeNearestMode::kRoundPreferCeil:
      picked = (x - down >= 0.5f) ? down + 1.0f : down;
      break;
    case ResizeNearestMode::kFloor:
      picked = down;
      break;
    case ResizeNearestMode::kCeil:
      picked = ceilf(x);
      break;
  }
  const float top = static_cast<float>(in_size - 1);
  picked = picked < 0.0f ? 0.0f : (picked > top ? top : picked);
  return static_cast<int32_t>(picked);
}

//! Linear interpolation along one axis: the two neighbours (clamped) and the weight of the
//! upper one.
struct LinearTap {
  int32_t lower = 0;
  int32_t upper = 0;
  float weight = 0.0f;
};
RILL_MOVEMENT_HD LinearTap resize_linear_tap(float x, int32_t in_size) {
  const float top = static_cast<float>(in_size - 1);
  x = x < 0.0f ? 0.0f : (x > top ? top : x);
  LinearTap tap;
  tap.lower = static_cast<int32_t>(floorf(x));
  tap.upper = tap.lower + 1 < in_size ? tap.lower + 1 : in_size - 1;
  tap.weight = x - static_cast<float>(tap.lower);
  return tap;
}

struct ResizeParams {
  int32_t rank = 0;
  ResizeCoordMode coord_mode = ResizeCoordMode::kHalfPixel;
  ResizeNearestMode nearest_mode = ResizeNearestMode::kRoundPreferFloor;
  bool linear = false;
  uint32_t count = 0;  //!< output elements
  FastDivmod out_dims[kMaxRank];
  ResizeAxis axes[kMaxRank];
  int64_t in_strides[kMaxRank] = {};
};

//! Nearest: elements of element_size bytes (1, 2, 4, 8). Linear: float32 (element_size 4) or
//! float64 (8), selected by `element_size`.
void launch_resize(const ResizeParams& params, size_t element_size, const void* in, void* out,
                   cudaStream_t stream);

}  // namespace rill::kernels
