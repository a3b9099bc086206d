// What each data-movement op decides at plan time from its input types and constants: shared by
// infer(), the CPU reference and prepare_gpu (see Note [Op anatomy]). Internal to src/ops.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/pad.cuh"
#include "kernels/resize.cuh"
#include "ops/movement_common.h"

namespace rill::ops::movement {

struct TransposePlan {
  Shape out_shape;
  std::vector<int64_t> perm;  //!< output dim i is input dim perm[i]
};
TransposePlan plan_transpose(const InferContext& ctx);

//! Concat and Split see the joined tensor as [outer, axis, inner] and each part as
//! [outer, sizes[j], inner].
struct AxisPartsPlan {
  int64_t axis = 0;
  int64_t outer = 1;
  int64_t inner = 1;
  std::vector<int64_t> sizes;  //!< per part, along the axis
  Shape joined_shape;
  std::vector<Shape> part_shapes;
};
AxisPartsPlan plan_concat(const InferContext& ctx);
AxisPartsPlan plan_split(const InferContext& ctx);
//! Moves rows between the joined tensor and its parts on the host (split: joined -> parts).
void move_axis_parts_host(const AxisPartsPlan& plan, size_t element_size, bool split,
                          HostTensor& joined, std::span<HostTensor* const> parts);

//! Slice: output dim d reads input dim d from starts[d] in steps of steps[d].
struct SlicePlan {
  Shape out_shape;
  std::vector<int64_t> starts;
  std::vector<int64_t> steps;
};
SlicePlan plan_slice(const InferContext& ctx);

//! Expand: per output dim, the input's element stride (0 where the input broadcasts).
struct ExpandPlan {
  Shape out_shape;
  std::vector<int64_t> in_strides;
};
ExpandPlan plan_expand(const InferContext& ctx);

struct GatherPlan {
  int64_t axis = 0;
  int64_t outer = 1;
  int64_t axis_size = 0;
  int64_t inner = 1;
  int64_t index_count = 0;
  Shape out_shape;
};
GatherPlan plan_gather(const InferContext& ctx);

struct GatherElementsPlan {
  int64_t axis = 0;
  Shape out_shape;
};
GatherElementsPlan plan_gather_elements(const InferContext& ctx);

struct PadPlan {
  kernels::PadMode mode = kernels::PadMode::kConstant;
  Shape out_shape;
  std::vector<int64_t> pad_begin;  //!< per dim; negative crops
  uint64_t value_bits = 0;         //!< constant mode: the value in the data's dtype
};
PadPlan plan_pad(const InferContext& ctx);

struct ResizePlan {
  Shape out_shape;
  bool linear = false;
  kernels::ResizeCoordMode coord_mode = kernels::ResizeCoordMode::kHalfPixel;
  kernels::ResizeNearestMode nearest_mode = kernels::ResizeNearestMode::kRoundPreferFloor;
  std::vector<kernels::ResizeAxis> axes;
};
ResizePlan plan_resize(const InferContext& ctx);

//! out[i] = in[offset + sum_d coord_d(i) * in_strides[d]] on the host, any dtype.
HostTensor strided_copy_host(const HostTensor& in, const Shape& out_shape,
                             const std::vector<int64_t>& in_strides, int64_t offset);

}  // namespace rill::ops::movement
