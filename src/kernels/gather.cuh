// Gather and GatherElements with runtime indices (int32 or int64; negative indices count from
// the end). An index outside [-n, n) cannot raise an error from a kernel: its output elements
// are written as zero bytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include <cuda_runtime_api.h>

#include "kernels/index_math.h"

namespace rill::kernels {

//! Gather: data viewed as [outer, axis_size, inner], output [outer, index_count, inner].
struct GatherParams {
  uint32_t count = 0;      //!< output elements
  FastDivmod inner;        //!< elements after the axis
  FastDivmod index_count;  //!< number of indices
  int64_t axis_size = 0;
};

//! GatherElements: the output has the indices' shape; element i reads data at i's coordinates
//! with the axis coordinate replaced by indices[i].
struct GatherElementsParams {
  int32_t rank = 0;
  int32_t axis = 0;
  uint32_t count = 0;  //!< output (= indices) elements
  FastDivmod out_dims[kMaxRank];
  int64_t data_strides[kMaxRank] = {};
  int64_t axis_size = 0;
};

void launch_gather(const GatherParams& params, size_t element_size, bool indices_int64,
                   const void* data, const void* indices, void* out, cudaStream_t stream);
void launch_gather_elements(const GatherElementsParams& params, size_t element_size,
                            bool indices_int64, const void* data, const void* indices, void* out,
                            cudaStream_t stream);

}  // namespace rill::kernels
