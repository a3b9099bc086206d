// Launcher of rill.FusedElementwise: one kernel evaluates a short program of float elementwise
// steps per output element, reading each (broadcast) input once and writing once. Inputs and
// output share one dtype (float32, float16 or bfloat16); the program always runs in float.
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

#include "kernels/elementwise.cuh"

namespace rill::kernels {

inline constexpr int kMaxFusedInputs = 8;
inline constexpr int kMaxFusedSteps = 24;

//! One step: op(v[lhs], v[rhs]) where v holds the inputs, then the step results in order.
struct FusedKernelStep {
  EwOp op = EwOp::kIdentity;
  uint8_t lhs = 0;
  uint8_t rhs = 0;  //!< unused by unary steps
  float alpha = 0.f;
  float beta = 0.f;
};

struct FusedPlan {
  int32_t input_count = 0;
  int32_t step_count = 0;
  FusedKernelStep steps[kMaxFusedSteps];
  BroadcastLayout<kMaxFusedInputs> layout;
  uint32_t blocks = 0;
};

//! Grid size for a plan whose program and layout are filled in.
void finish_fused_plan(FusedPlan* plan);

//! inputs: plan.input_count device pointers; out: the output, all of one dtype.
using FusedLauncher = void (*)(const FusedPlan& plan, const void* const* inputs, void* out,
                               cudaStream_t stream);

//! The launcher for `dtype` (float32, float16, bfloat16), or null.
FusedLauncher find_fused_launcher(DType dtype);

}  // namespace rill::kernels
