// rill.FusedElementwise kernel. The program is data (uniform across the grid, so the step switch
// does not diverge); values live in a small per-thread array.
#include "kernels/elementwise_impl.cuh"
#include "kernels/fused_elementwise.cuh"

namespace rill::kernels {

namespace {

struct FusedInputs {
  const float* p[kMaxFusedInputs];
};

template <bool kContiguous>
__global__ void __launch_bounds__(kEwThreads)
    fused_kernel(FusedPlan plan, FusedInputs in, float* __restrict__ out) {
  const uint32_t count = plan.layout.count;
  const uint32_t stride = gridDim.x * blockDim.x;
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
    float v[kMaxFusedInputs + kMaxFusedSteps];
    if constexpr (kContiguous) {
      for (int k = 0; k < plan.input_count; ++k) v[k] = in.p[k][i];
    } else {
      uint32_t off[kMaxFusedInputs];
      detail::broadcast_offsets<kMaxFusedInputs>(plan.layout, i, plan.input_count, off);
      for (int k = 0; k < plan.input_count; ++k) v[k] = in.p[k][off[k]];
    }
    for (int s = 0; s < plan.step_count; ++s) {
      const FusedKernelStep& step = plan.steps[s];
      v[plan.input_count + s] =
          fused_step_value<float>(step.op, v[step.lhs], v[step.rhs], step.alpha, step.beta);
    }
    out[i] = v[plan.input_count + plan.step_count - 1];
  }
}

}  // namespace

void finish_fused_plan(FusedPlan* plan) {
  constexpr uint32_t kMaxBlocks = 1u << 16;
  const uint32_t b = (plan->layout.count + kEwThreads - 1) / kEwThreads;
  plan->blocks = b == 0 ? 1u : (b > kMaxBlocks ? kMaxBlocks : b);
}

void launch_fused_elementwise(const FusedPlan& plan, const float* const* inputs, float* out,
                              cudaStream_t stream) {
  if (plan.layout.count == 0) return;
  FusedInputs in{};
  for (int k = 0; k < plan.input_count; ++k) in.p[k] = inputs[k];
  if (plan.layout.contiguous) {
    fused_kernel<true><<<plan.blocks, kEwThreads, 0, stream>>>(plan, in, out);
  } else {
    fused_kernel<false><<<plan.blocks, kEwThreads, 0, stream>>>(plan, in, out);
  }
  RILL_CUDA_CHECK_LAUNCH();
}

}  // namespace rill::kernels
