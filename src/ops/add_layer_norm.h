// rill.AddLayerNorm's geometry, shared by add_layer_norm.cpp (CPU) and add_layer_norm_gpu.cpp.
#pragma once

#include <span>

#include "ops/layer_norm.h"
#include "ops/op.h"

namespace rill::ops::ew {

struct AddLayerNormSpec {
  ir::Shape sum_shape;  //!< broadcast(A, B): the shape of Y and Sum
  LayerNormSpec ln;     //!< the LayerNormalization of the sum over the last axis
};

//! Validates inputs (A, B, Scale, optional Bias of one dtype; A and B broadcastable; Scale and
//! Bias broadcastable to the last dim), attributes and outputs (Y, optional Sum).
AddLayerNormSpec add_layer_norm_spec(const Node& node, std::span<const TensorDesc> inputs);

}  // namespace rill::ops::ew
