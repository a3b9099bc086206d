// rill.FusedElementwise kernel. The program is data (uniform across the grid, so the step switch
// does not diverge); values live in a small per-thread array. Dense operands with 16-byte aligned
// pointers move 16 bytes per input per thread (4 floats or 8 halves), as the elementwise
// kernels do; the program then runs once per lane.
#include "kernels/elementwise_impl.cuh"
#include "kernels/fused_elementwise.cuh"

namespace rill::kernels {

namespace {

template <class T>
struct FusedInputs {
  const T* p[kMaxFusedInputs];
};

template <class T, bool kContiguous>
__global__ void __launch_bounds__(kEwThreads)
    fused_kernel(FusedPlan plan, FusedInputs<T> in, T* __restrict__ out) {
  const uint32_t count = plan.layout.count;
  const uint32_t stride = gridDim.x * blockDim.x;
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += stride) {
    float v[kMaxFusedInputs + kMaxFusedSteps];
    if constexpr (kContiguous) {
      for (int k = 0; k < plan.input_count; ++k) v[k] = detail::widen(in.p[k][i]);
    } else {
      uint32_t off[kMaxFusedInputs];
      detail::broadcast_offsets<kMaxFusedInputs>(plan.layout, i, plan.input_count, off);
      for (int k = 0; k < plan.input_count; ++k) v[k] = detail::widen(in.p[k][off[k]]);
    }
    for (int s = 0; s < plan.step_count; ++s) {
      const FusedKernelStep& step = plan.steps[s];
      v[plan.input_count + s] =
          fused_step_value<float>(step.op, v[step.lhs], v[step.rhs], step.alpha, step.beta);
    }
    out[i] = detail::narrow<T>(v[plan.input_count + plan.step_count - 1]);
  }
}

//! Contiguous path with 16-byte loads and stores: each thread takes one vector of every input.
template <class T>
__global__ void __launch_bounds__(kEwThreads)
    fused_vec_kernel(FusedPlan plan, FusedInputs<T> in, T* __restrict__ out) {
  constexpr int kLanes = detail::Vec16<T>::kLanes;
  const uint32_t count = plan.layout.count;
  const uint32_t stride = gridDim.x * blockDim.x;
  const uint32_t tid = blockIdx.x * blockDim.x + threadIdx.x;
  const uint32_t vectors = count / kLanes;
  for (uint32_t i = tid; i < vectors; i += stride) {
    detail::Vec16<T> loaded[kMaxFusedInputs];
#pragma unroll
    for (int k = 0; k < kMaxFusedInputs; ++k) {
      if (k < plan.input_count) loaded[k] = reinterpret_cast<const detail::Vec16<T>*>(in.p[k])[i];
    }
    detail::Vec16<T> result;
#pragma unroll
    for (int l = 0; l < kLanes; ++l) {
      float v[kMaxFusedInputs + kMaxFusedSteps];
#pragma unroll
      for (int k = 0; k < kMaxFusedInputs; ++k) {
        if (k < plan.input_count) v[k] = detail::widen(loaded[k].v[l]);
      }
      for (int s = 0; s < plan.step_count; ++s) {
        const FusedKernelStep& step = plan.steps[s];
        v[plan.input_count + s] =
            fused_step_value<float>(step.op, v[step.lhs], v[step.rhs], step.alpha, step.beta);
      }
      result.v[l] = detail::narrow<T>(v[plan.input_count + plan.step_count - 1]);
    }
    reinterpret_cast<detail::Vec16<T>*>(out)[i] = result;
  }
  for (uint32_t i = vectors * kLanes + tid; i < count; i += stride) {
    float v[kMaxFusedInputs + kMaxFusedSteps];
    for (int k = 0; k < plan.input_count; ++k) v[k] = detail::widen(in.p[k][i]);
    for (int s = 0; s < plan.step_count; ++s) {
      const FusedKernelStep& step = plan.steps[s];
      v[plan.input_count + s] =
          fused_step_value<float>(step.op, v[step.lhs], v[step.rhs], step.alpha, step.beta);
    }
    out[i] = detail::narrow<T>(v[plan.input_count + plan.step_count - 1]);
  }
}

}  // namespace

void finish_fused_plan(FusedPlan* plan) {
  constexpr uint32_t kMaxBlocks = 1u << 16;
  const uint32_t b = (plan->layout.count + kEwThreads - 1) / kEwThreads;
  plan->blocks = b == 0 ? 1u : (b > kMaxBlocks ? kMaxBlocks : b);
}

namespace {

template <class T>
void launch_fused(const FusedPlan& plan, const void* const* inputs, void* out,
                  cudaStream_t stream) {
  if (plan.layout.count == 0) return;
  FusedInputs<T> in{};
  for (int k = 0; k < plan.input_count; ++k) in.p[k] = static_cast<const T*>(inputs[k]);
  if (plan.layout.contiguous) {
    bool aligned = detail::aligned16(out);
    for (int k = 0; k < plan.input_count; ++k) aligned = aligned && detail::aligned16(in.p[k]);
    if (aligned) {
      constexpr uint32_t kLanes = detail::Vec16<T>::kLanes;
      const uint32_t blocks = (plan.blocks + kLanes - 1) / kLanes;
      fused_vec_kernel<T><<<blocks, kEwThreads, 0, stream>>>(plan, in, static_cast<T*>(out));
    } else {
      fused_kernel<T, true><<<plan.blocks, kEwThreads, 0, stream>>>(plan, in, static_cast<T*>(out));
    }
  } else {
    fused_kernel<T, false><<<plan.blocks, kEwThreads, 0, stream>>>(plan, in, static_cast<T*>(out));
  }
  RILL_CUDA_CHECK_LAUNCH();
}

}  // namespace

FusedLauncher find_fused_launcher(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return &launch_fused<float>;
    case DType::kFloat16:
      return &launch_fused<__half>;
    case DType::kBFloat16:
      return &launch_fused<__nv_bfloat16>;
    default:
      return nullptr;
  }
}

}  // namespace rill::kernels
