// Launcher of Sum/Mean/Max reductions over arbitrary axes of a dense tensor (float32, float16,
// bfloat16; half inputs widen to float and the float result rounds once on store).
//
// The plan merges adjacent dims of the same kind (kept or reduced). When every reduced dim
// follows every kept dim the problem is [rows, reduce_count] and a warp (short rows) or a block
// (long rows) reduces each row with shuffles. Otherwise one thread produces one output element,
// walking the reduced dims; for the common [outer, R, inner] shape adjacent threads read adjacent
// inner elements, so loads coalesce.
#pragma once

#include <cstdint>
#include <span>

#include <cuda_runtime_api.h>

#include "rill/dtype.h"

namespace rill::kernels {

enum class ReduceOp : uint8_t { kSum, kMean, kMax };

inline constexpr int kMaxReduceRank = 8;

struct ReducePlan {
  ReduceOp op = ReduceOp::kSum;
  bool rows = false;             //!< [out_count, reduce_count] row layout
  int32_t threads_per_row = 32;  //!< rows path: 32 or 256
  uint32_t out_count = 0;
  uint32_t reduce_count = 0;
  float scale = 1.f;  //!< 1 / reduce_count for Mean
  // General path: output index -> input offset through the kept dims (in output order), then
  // the reduced dims.
  int32_t kept_rank = 0;
  uint32_t kept_dims[kMaxReduceRank] = {};
  uint32_t kept_strides[kMaxReduceRank] = {};
  int32_t red_rank = 0;
  uint32_t red_dims[kMaxReduceRank] = {};
  uint32_t red_strides[kMaxReduceRank] = {};
  uint32_t blocks = 0;
};

//! Plans reducing `shape` over the dims flagged in `reduced`. Returns false when the tensor has
//! 2^31 or more elements or too many (merged) dims.
bool make_reduce_plan(std::span<const int64_t> shape, std::span<const bool> reduced, ReduceOp op,
                      ReducePlan* plan);

//! Launches one reduction for a plan; asynchronous, checks the launch.
using ReduceLauncher = void (*)(const ReducePlan& plan, const void* in, void* out,
                                cudaStream_t stream);

//! The launcher of `op` on `dtype` (chosen at prepare time), or null when there is none.
ReduceLauncher find_reduce_launcher(ReduceOp op, DType dtype);

}  // namespace rill::kernels
