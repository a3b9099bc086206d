// LayerNormalization's geometry and attributes, decided once and shared by layer_norm.cpp (CPU)
// and layer_norm_gpu.cpp.
#pragma once

#include <span>

#include "ops/op.h"

namespace rill::ops::ew {

struct LayerNormSpec {
  size_t axis = 0;   //!< first normalized dim
  int64_t rows = 1;  //!< product of the dims before axis
  int64_t cols = 1;  //!< product of the normalized dims
  float epsilon = 1e-5f;
  ir::Shape norm_shape;  //!< the normalized dims
  ir::Shape stat_shape;  //!< Mean / InvStdDev: dims before axis, then 1s
};

//! Validates inputs (X, Scale, optional B; Scale and B broadcastable to the normalized shape),
//! attributes (axis, epsilon, stash_type = 1) and outputs (Y, optional Mean, InvStdDev).
LayerNormSpec layer_norm_spec(const Node& node, std::span<const TensorDesc> inputs);

}  // namespace rill::ops::ew
