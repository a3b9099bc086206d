// Launcher of LayerNormalization over the last `cols` elements of each of `rows` rows, in
// float32, float16 or bfloat16, with an optional residual: y = LayerNorm(x + residual) and
// optionally sum = x + residual (rill.AddLayerNorm). Statistics in float; a half sum is rounded
// to its dtype before the statistics, as the unfused Add -> LayerNormalization computes it.
//  - Rows of up to 32 * 16 * kMaxLayerNormChunks bytes (1024 floats, 2048 halves) whose length
//    is a multiple of a 16-byte vector: a warp per row holding the row in registers, so memory
//    is read once and written once (BERT's 768; two-pass mean/variance from the registers).
//  - Otherwise a warp per row (cols < 1024) or a block per row re-reading the row: two passes
//    (mean, then the mean of squared deviations, which stays accurate when |mean| >> std).
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

#include "rill/dtype.h"

namespace rill::kernels {

//! Register-cached rows hold at most this many 16-byte vectors per lane.
inline constexpr int kMaxLayerNormChunks = 8;

struct LayerNormPlan {
  uint32_t rows = 0;
  uint32_t cols = 0;
  float epsilon = 1e-5f;
  bool scale_is_scalar = false;  //!< Scale has one element, else cols elements
  bool bias_is_scalar = false;   //!< B has one element, else cols elements (when present)
  int32_t threads_per_row = 32;
  uint32_t blocks = 0;
  int32_t chunks = 0;  //!< > 0: register-cached warp path with this many vectors per lane
  uint32_t cached_blocks = 0;
  //! With a residual: its row count; x's row r adds residual row r % residual_rows (a residual
  //! broadcast over leading dims). Set by the caller, > 0 whenever a residual is passed.
  uint32_t residual_rows = 1;
};

//! Device pointers of one launch. x, scale and y are required; the others may be null.
struct LayerNormArgs {
  const void* x = nullptr;
  const void* residual = nullptr;  //!< same shape as x: normalizes x + residual
  const void* scale = nullptr;
  const void* bias = nullptr;
  void* y = nullptr;
  void* sum = nullptr;  //!< x + residual, when requested
  float* mean = nullptr;
  float* inv_std_dev = nullptr;
};

//! False when the tensor has 2^31 elements or more. `element_size`: 4 or 2.
bool make_layer_norm_plan(int64_t rows, int64_t cols, float epsilon, bool scale_is_scalar,
                          bool bias_is_scalar, size_t element_size, LayerNormPlan* plan);

//! One launch (the cached path when every pointer is 16-byte aligned); checks the launch.
using LayerNormLauncher = void (*)(const LayerNormPlan& plan, const LayerNormArgs& args,
                                   cudaStream_t stream);

//! The launcher for `dtype` (float32, float16, bfloat16), or null.
LayerNormLauncher find_layer_norm_launcher(DType dtype);

}  // namespace rill::kernels
