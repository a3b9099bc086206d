// The GPU kernel shared by LayerNormalization and rill.AddLayerNorm: which node operands feed
// the kernel's arguments, and the prepare step both ops call.
#pragma once

#include <memory>

#include "ops/layer_norm.h"
#include "ops/op.h"

namespace rill::ops::ew {

//! Node input (x, residual, scale, bias) and output (y, sum, mean, inv_std_dev) indices; -1 for
//! none.
struct LayerNormGpuOperands {
  int x = 0;
  int residual = -1;
  int scale = 1;
  int bias = -1;
  int y = 0;
  int sum = -1;
  int mean = -1;
  int inv_std_dev = -1;
  //! With a residual: its rows (residual row r % residual_rows pairs with x's row r), so a
  //! residual broadcast over leading dims ([S, H] against [B, S, H]) is read in place.
  int64_t residual_rows = 0;
};

//! Validates dtype (float32, float16, bfloat16) and the Scale/B layout (one value, or one per
//! normalized element) and plans the kernel; kUnsupported otherwise.
std::unique_ptr<GpuKernel> make_layer_norm_gpu_kernel(const GpuPrepareContext& ctx,
                                                      const LayerNormSpec& spec,
                                                      const LayerNormGpuOperands& operands);

}  // namespace rill::ops::ew
