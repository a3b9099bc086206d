// GPU half of rill.FusedElementwise: the decoded program and the broadcast layout of its inputs,
// packed once into a kernels::FusedPlan.
#include "kernels/fused_elementwise.cuh"
#include "ops/elementwise_common.h"
#include "ops/fused_elementwise.h"

namespace rill::ops::ew {

namespace {

class FusedGpuKernel final : public GpuKernel {
 public:
  FusedGpuKernel(const kernels::FusedPlan& plan, std::string description)
      : plan_(plan), description_(std::move(description)) {}

  void enqueue(const GpuLaunch& launch) const override {
    const float* inputs[kernels::kMaxFusedInputs] = {};
    for (int k = 0; k < plan_.input_count; ++k) {
      inputs[k] = static_cast<const float*>(launch.inputs[static_cast<size_t>(k)]);
    }
    kernels::launch_fused_elementwise(plan_, inputs, static_cast<float*>(launch.outputs[0]),
                                      launch.stream);
  }
  std::string describe() const override { return description_; }

 private:
  kernels::FusedPlan plan_;
  std::string description_;
};

}  // namespace

std::unique_ptr<GpuKernel> prepare_fused_gpu(const GpuPrepareContext& ctx) {
  const FusedProgram program = decode_fused(ctx.node, ctx.inputs);
  if (program.input_count > static_cast<size_t>(kernels::kMaxFusedInputs) ||
      program.steps.size() > static_cast<size_t>(kernels::kMaxFusedSteps)) {
    throw op_error(ErrorKind::kUnsupported,
                   "fused program too large for the GPU kernel (at most " +
                       std::to_string(kernels::kMaxFusedInputs) + " inputs and " +
                       std::to_string(kernels::kMaxFusedSteps) + " steps)",
                   ctx.node, ctx.inputs);
  }
  kernels::FusedPlan plan;
  plan.input_count = static_cast<int32_t>(program.input_count);
  plan.step_count = static_cast<int32_t>(program.steps.size());
  std::string description = "fused elementwise";
  for (size_t s = 0; s < program.steps.size(); ++s) {
    const FusedStep& step = program.steps[s];
    plan.steps[s].op = step.op;
    plan.steps[s].lhs = static_cast<uint8_t>(step.lhs);
    plan.steps[s].rhs = static_cast<uint8_t>(step.rhs < 0 ? step.lhs : step.rhs);
    plan.steps[s].alpha = step.alpha;
    plan.steps[s].beta = step.beta;
  }
  if (const auto it = ctx.node.attributes.find("ops"); it != ctx.node.attributes.end()) {
    if (const auto* names = std::get_if<std::vector<std::string>>(&it->second)) {
      for (const std::string& name : *names) description += " " + name;
    }
  }
  std::vector<std::vector<int64_t>> shapes;
  for (const TensorDesc& d : ctx.inputs) shapes.push_back(d.shape);
  if (!kernels::make_broadcast_layout<kernels::kMaxFusedInputs>(ctx.outputs[0].shape, shapes,
                                                                &plan.layout)) {
    throw op_error(ErrorKind::kUnsupported,
                   "GPU elementwise kernels need fewer than 2^31 elements and at most " +
                       std::to_string(kernels::kMaxEwRank) + " non-mergeable dims",
                   ctx.node, ctx.inputs);
  }
  kernels::finish_fused_plan(&plan);
  return std::make_unique<FusedGpuKernel>(plan, std::move(description));
}

}  // namespace rill::ops::ew
