// GPU half of rill.Attention: the spec's strides become a kernels::AttentionPlan (Note
// [Attention kernels] in kernels/attention.cuh); enqueue only launches.
#include "kernels/attention.cuh"
#include "ops/attention.h"

namespace rill::ops::transformer {

namespace {

class AttentionGpuKernel final : public GpuKernel {
 public:
  AttentionGpuKernel(const kernels::AttentionPlan& plan, std::array<size_t, 3> byte_offsets)
      : plan_(plan), byte_offsets_(byte_offsets) {}
  void enqueue(const GpuLaunch& launch) const override {
    const void* mask = launch.inputs.size() > 3 ? launch.inputs[3] : nullptr;
    auto at = [&](size_t i) { return static_cast<const std::byte*>(launch.inputs[i]) + byte_offsets_[i]; };
    kernels::launch_attention(plan_, at(0), at(1), at(2), mask, launch.outputs[0], launch.stream);
  }
  std::string describe() const override { return kernels::describe_attention_plan(plan_); }

 private:
  kernels::AttentionPlan plan_;
  std::array<size_t, 3> byte_offsets_;  //!< of q, k and v in their inputs (Note [Packed QKV])
};

kernels::AttentionStrides strides_of(const std::array<int64_t, 3>& s) {
  return {s[0], s[1], s[2]};
}

}  // namespace

std::unique_ptr<GpuKernel> prepare_attention_gpu(const GpuPrepareContext& ctx) {
  const AttentionSpec spec = attention_spec(ctx.node, ctx.inputs);
  kernels::AttentionProblem problem;
  switch (ctx.inputs[0].dtype) {
    case DType::kFloat32:
      problem.dtype = kernels::AttentionDType::kFloat32;
      break;
    case DType::kFloat16:
      problem.dtype = kernels::AttentionDType::kFloat16;
      break;
    case DType::kBFloat16:
      problem.dtype = kernels::AttentionDType::kBFloat16;
      break;
    default: {
      Error error(ErrorKind::kUnsupported, "rill.Attention has no GPU kernel for this dtype",
                  ctx.node.context());
      error.add_context("dtype", std::string(dtype_name(ctx.inputs[0].dtype)));
      error.add_context("supported", kFloatDTypes.to_string());
      throw error;
    }
  }
  problem.batch = spec.batch;
  problem.heads = spec.heads;
  problem.seq_q = spec.seq_q;
  problem.seq_k = spec.seq_k;
  problem.head_dim = spec.head_dim;
  problem.value_dim = spec.value_dim;
  problem.scale = static_cast<float>(spec.scale);
  problem.q = strides_of(spec.q_strides);
  problem.k = strides_of(spec.k_strides);
  problem.v = strides_of(spec.v_strides);
  problem.out = strides_of(spec.out_strides);
  problem.has_mask = spec.has_mask;
  problem.mask = {spec.mask_strides[0], spec.mask_strides[1], spec.mask_strides[2],
                  spec.mask_strides[3]};
  kernels::AttentionPlan plan;
  std::string why;
  if (!kernels::make_attention_plan(problem, &plan, &why)) {
    Error error(ErrorKind::kUnsupported, "rill.Attention on the GPU: " + why, ctx.node.context());
    error.add_context("q", ir::desc_string(ctx.inputs[0]));
    error.add_context("v", ir::desc_string(ctx.inputs[2]));
    throw error;
  }
  const size_t element = dtype_size(ctx.inputs[0].dtype);
  return std::make_unique<AttentionGpuKernel>(
      plan, std::array<size_t, 3>{static_cast<size_t>(spec.qkv_offsets[0]) * element,
                                  static_cast<size_t>(spec.qkv_offsets[1]) * element,
                                  static_cast<size_t>(spec.qkv_offsets[2]) * element});
}

}  // namespace rill::ops::transformer
