// Dtype-agnostic copy kernels: every element is moved as an opaque unit of 1, 2, 4, 8 (or 16)
// bytes, so each dtype works. Used by Transpose (generic), Slice, Expand, Concat, Split and
// ConstantOfShape.
#pragma once

#include <cstddef>
#include <cstdint>

#include <cuda_runtime_api.h>

#include "kernels/index_math.h"

namespace rill::kernels {

//! out[i] = in[in_offset + sum_d coord_d(i) * in_strides[d]], coords of i in out_dims (C order).
//! Strides may be zero (broadcast) or negative (reversed slice).
struct StridedCopyParams {
  int32_t rank = 0;
  uint32_t count = 0;  //!< output elements
  FastDivmod out_dims[kMaxRank];
  int64_t in_strides[kMaxRank] = {};
  int64_t in_offset = 0;
};

//! Launches the strided copy for elements of `element_size` bytes (1, 2, 4 or 8).
void launch_strided_copy(const StridedCopyParams& params, size_t element_size, const void* in,
                         void* out, cudaStream_t stream);

//! Fills `count` elements of `element_size` bytes with the low bytes of `bits`.
void launch_fill(void* out, uint64_t count, size_t element_size, uint64_t bits,
                 cudaStream_t stream);

//! Concat and Split move rows: part j is `outer` rows of `part_row[j]` units, placed in the
//! joined tensor (rows of `joined_row` units) at column `part_offset[j]`. Units are `unit_size`
//! bytes (1, 2, 4, 8 or 16). One launch moves every part (blockIdx.y is the part).
inline constexpr int kMaxParts = 32;
struct RowPartsParams {
  int32_t parts = 0;
  uint32_t outer = 0;
  uint32_t joined_row = 0;
  FastDivmod part_row[kMaxParts];
  uint32_t part_offset[kMaxParts] = {};
  uint32_t part_units[kMaxParts] = {};  //!< outer * part_row[j] (0 for an empty part)
  uint32_t max_part_units = 0;          //!< largest outer * part_row[j], for the grid size
};
struct PartPointers {
  void* ptr[kMaxParts] = {};
};

//! Concat: parts (inputs) -> joined (output).
void launch_concat(const RowPartsParams& params, size_t unit_size, const PartPointers& parts,
                   void* joined, cudaStream_t stream);
//! Split: joined (input) -> parts (outputs).
void launch_split(const RowPartsParams& params, size_t unit_size, const void* joined,
                  const PartPointers& parts, cudaStream_t stream);

}  // namespace rill::kernels
