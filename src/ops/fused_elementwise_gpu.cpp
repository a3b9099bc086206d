// GPU half of rill.FusedElementwise: the decoded program and the broadcast layout of its inputs,
// packed once into a kernels::FusedPlan.
#include "kernels/fused_elementwise.cuh"
#include "ops/elementwise_common.h"
#include "ops/fused_elementwise.h"

namespace rill::ops::ew {

namespace {

class FusedGpuKernel final : public GpuKernel {
 public:
  FusedGpuKernel(const kernels::FusedPlan& plan, kernels::FusedLauncher launcher,
                 std::string description)
      : plan_(plan), launcher_(launcher), description_(std::move(description)) {}

  void enqueue(const GpuLaunch& launch) const override {
    launcher_(plan_, launch.inputs.data(), launch.outputs[0], launch.stream);
  }
  std::string describe() const override { return description_; }

 private:
  kernels::FusedPlan plan_;
  kernels::FusedLauncher launcher_;
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
  const DType dtype = ctx.inputs[0].dtype;
  const kernels::FusedLauncher launcher = kernels::find_fused_launcher(dtype);
  if (launcher == nullptr) {
    Error error = op_error(ErrorKind::kUnsupported, "no GPU kernel for this op and dtype", ctx.node,
                           ctx.inputs);
    error.add_context("dtype", std::string(dtype_name(dtype)));
    throw error;
  }
  kernels::FusedPlan plan;
  plan.input_count = static_cast<int32_t>(program.input_count);
  plan.step_count = static_cast<int32_t>(program.steps.size());
  std::string description = "fused elementwise " + std::string(dtype_name(dtype));
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
  return std::make_unique<FusedGpuKernel>(plan, launcher, std::move(description));
}

}  // namespace rill::ops::ew
