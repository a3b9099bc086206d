// The movement family's internal tables and GPU entry points, one group per file (see
// Note [Op anatomy] in op.h). movement.cpp joins the tables into movement_ops().
#pragma once

#include <memory>
#include <vector>

#include "ops/op.h"

namespace rill::ops::movement {

//! Reshape, Flatten, Squeeze, Unsqueeze, Identity (reshape.cpp; aliases, no GPU kernel).
std::vector<OpDef> alias_ops();
//! Shape, Constant, ConstantOfShape, Range (shape_ops.cpp, shape_ops_gpu.cpp).
std::vector<OpDef> shape_value_ops();
//! Transpose (transpose.cpp, transpose_gpu.cpp).
std::vector<OpDef> transpose_ops();
//! Concat (concat.cpp) and Split (split.cpp); GPU for both in concat_split_gpu.cpp.
std::vector<OpDef> concat_ops();
std::vector<OpDef> split_ops();
//! Slice (slice.cpp) and Expand (expand.cpp); GPU for both in strided_gpu.cpp.
std::vector<OpDef> slice_ops();
std::vector<OpDef> expand_ops();
//! Gather and GatherElements (gather.cpp, gather_gpu.cpp).
std::vector<OpDef> gather_ops();
//! Pad (pad.cpp, pad_gpu.cpp).
std::vector<OpDef> pad_ops();
//! Resize (resize.cpp, resize_gpu.cpp).
std::vector<OpDef> resize_ops();
//! rill.ToNhwc: NC(spatial) -> N(spatial)C with zero channels appended (to_nhwc.cpp).
std::vector<OpDef> to_nhwc_ops();

// GPU preparation, defined in the *_gpu.cpp files.
std::unique_ptr<GpuKernel> prepare_host_value_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_constant_of_shape_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_transpose_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_concat_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_split_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_slice_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_expand_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_gather_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_gather_elements_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_pad_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_resize_gpu(const GpuPrepareContext& ctx);

}  // namespace rill::ops::movement
