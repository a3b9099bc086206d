// Launcher of LayerNormalization over the last `cols` elements of each of `rows` rows (float32):
// a warp per row (cols < 1024) or a block per row, two passes (mean, then the mean of squared
// deviations, which stays accurate when |mean| >> std), float accumulation with shuffles.
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

namespace rill::kernels {

struct LayerNormPlan {
  uint32_t rows = 0;
  uint32_t cols = 0;
  float epsilon = 1e-5f;
  bool scale_is_scalar = false;  //!< Scale has one element, else cols elements
  bool bias_is_scalar = false;   //!< B has one element, else cols elements (when present)
  int32_t threads_per_row = 32;
  uint32_t blocks = 0;
};

//! False when the tensor has 2^31 elements or more.
bool make_layer_norm_plan(int64_t rows, int64_t cols, float epsilon, bool scale_is_scalar,
                          bool bias_is_scalar, LayerNormPlan* plan);

//! bias, mean and inv_std_dev may be null (no bias; outputs not requested).
void launch_layer_norm(const LayerNormPlan& plan, const float* x, const float* scale,
                       const float* bias, float* y, float* mean, float* inv_std_dev,
                       cudaStream_t stream);

}  // namespace rill::kernels
