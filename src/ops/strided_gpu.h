// The GPU strided copy shared by Transpose (general permutations), Slice and Expand.
#pragma once

#include <memory>
#include <vector>

#include "ops/movement_common.h"

namespace rill::ops::movement {

//! A kernel computing out[i] = in[offset + sum_d coord_d(i) * in_strides[d]] (elements of
//! `element_size` bytes). Collapses dims first, and copies contiguous cases with one memcpy.
//! Throws kUnsupported (with ctx's context) past kMaxRank collapsed dims or 2^31 elements.
std::unique_ptr<GpuKernel> make_strided_copy_kernel(const InferContext& ctx, const Shape& out_shape,
                                                    const std::vector<int64_t>& in_strides,
                                                    int64_t offset, size_t element_size,
                                                    std::string what);

//! Throws kUnsupported unless `elements` fits the kernels' 32-bit indexing.
void check_kernel_elements(const InferContext& ctx, int64_t elements);

}  // namespace rill::ops::movement
