// rill.FusedElementwise's program, decoded once and checked against what rill can evaluate;
// shared by fused_elementwise.cpp (CPU) and fused_elementwise_gpu.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kernels/elementwise_scalar.h"
#include "ops/op.h"

namespace rill::ops::ew {

struct FusedStep {
  kernels::EwOp op = kernels::EwOp::kIdentity;
  int64_t lhs = 0;   //!< operand: < input_count an input, else step (lhs - input_count)
  int64_t rhs = -1;  //!< -1 for unary steps
  float alpha = 0.f;
  float beta = 0.f;
};

struct FusedProgram {
  size_t input_count = 0;
  std::vector<FusedStep> steps;
};

//! Decodes the node (see Note [FusedElementwise encoding] in ir/passes/elementwise_fusion.h),
//! checks input count and dtypes (float32, float16 or bfloat16, all inputs alike) and maps every
//! step to an EwOp. Errors name the node and its inputs.
FusedProgram decode_fused(const Node& node, std::span<const TensorDesc> inputs);

}  // namespace rill::ops::ew
