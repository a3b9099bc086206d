// Host values of the shape-valued ops, for their GPU path (shape_ops_gpu.cpp).
#pragma once

#include "ops/op.h"

namespace rill::ops::movement {

//! The output of Shape, Constant, ConstantOfShape or Range, computed on the host.
HostTensor host_value(const InferContext& ctx);
//! ConstantOfShape's one-element fill value (float32 0 when the attribute is absent).
HostTensor constant_of_shape_fill_value(const InferContext& ctx);

}  // namespace rill::ops::movement
