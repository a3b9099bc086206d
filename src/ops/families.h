// Each op family contributes its OpDefs to the registry through one function. The registry
// (registry.cpp) concatenates these explicit tables; nothing registers itself at static
// initialization.
#pragma once

#include <vector>

#include "ops/op.h"

namespace rill::ops {

//! Unary and binary elementwise ops, Where, Cast, and rill.FusedElementwise
//! (elementwise.cpp; GPU half in elementwise_gpu.cpp).
std::vector<OpDef> elementwise_ops();
//! ReduceMean/Sum/Max, Softmax, LayerNormalization, GlobalAveragePool (reduce.cpp).
std::vector<OpDef> reduction_ops();
//! Conv, ConvTranspose, BatchNormalization, MaxPool, AveragePool, Gemm, MatMul,
//! rill.FusedMatMul (nn.cpp, conv.cpp, gemm.cpp, pool.cpp ...).
std::vector<OpDef> nn_ops();
//! Reshape, Flatten, Squeeze, Unsqueeze, Identity, Shape, Constant, ConstantOfShape, Range,
//! Transpose, Concat, Split, Slice, Gather, GatherElements, Expand, Pad, Resize (movement.cpp,
//! shape_ops.cpp ...).
std::vector<OpDef> movement_ops();
//! rill.Attention (attention.cpp; GPU half in attention_gpu.cpp).
std::vector<OpDef> transformer_ops();

}  // namespace rill::ops
