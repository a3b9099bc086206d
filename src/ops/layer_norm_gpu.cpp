// GPU half of LayerNormalization: rows x cols geometry, Scale/B layout; float32, float16 and
// bfloat16 (statistics in float); writes Mean and InvStdDev (float32) when those outputs are
// requested.
#include "ops/layer_norm_gpu.h"

#include "kernels/layer_norm.cuh"
#include "ops/elementwise_common.h"
#include "ops/layer_norm.h"

namespace rill::ops::ew {

namespace {

class LayerNormGpuKernel final : public GpuKernel {
 public:
  LayerNormGpuKernel(const kernels::LayerNormPlan& plan, kernels::LayerNormLauncher launcher,
                     LayerNormGpuOperands operands, std::string description)
      : plan_(plan),
        launcher_(launcher),
        operands_(operands),
        description_(std::move(description)) {}

  void enqueue(const GpuLaunch& launch) const override {
    auto input = [&](int i) { return i < 0 ? nullptr : launch.inputs[static_cast<size_t>(i)]; };
    auto output = [&](int i) {
      return i < 0 || static_cast<size_t>(i) >= launch.outputs.size()
                 ? nullptr
                 : launch.outputs[static_cast<size_t>(i)];
    };
    kernels::LayerNormArgs args;
    args.x = input(operands_.x);
    args.residual = input(operands_.residual);
    args.scale = input(operands_.scale);
    args.bias = input(operands_.bias);
    args.y = output(operands_.y);
    args.sum = output(operands_.sum);
    args.mean = static_cast<float*>(output(operands_.mean));
    args.inv_std_dev = static_cast<float*>(output(operands_.inv_std_dev));
    launcher_(plan_, args, launch.stream);
  }
  std::string describe() const override { return description_; }

 private:
  kernels::LayerNormPlan plan_;
  kernels::LayerNormLauncher launcher_;
  LayerNormGpuOperands operands_;
  std::string description_;
};

}  // namespace

std::unique_ptr<GpuKernel> make_layer_norm_gpu_kernel(const GpuPrepareContext& ctx,
                                                      const LayerNormSpec& spec,
                                                      const LayerNormGpuOperands& operands) {
  const Node& node = ctx.node;
  const DType dtype = ctx.inputs[static_cast<size_t>(operands.x)].dtype;
  const kernels::LayerNormLauncher launcher = kernels::find_layer_norm_launcher(dtype);
  if (launcher == nullptr) {
    Error error =
        op_error(ErrorKind::kUnsupported, "no GPU kernel for this op and dtype", node, ctx.inputs);
    error.add_context("dtype", std::string(dtype_name(dtype)));
    throw error;
  }
  // The kernel reads Scale and B either whole (one value per normalized element) or as one value.
  auto is_scalar = [&](int i) {
    const int64_t n = ctx.inputs[static_cast<size_t>(i)].elements();
    if (n == spec.cols && n != 1) return false;
    if (n == 1) return true;
    Error error = op_error(ErrorKind::kUnsupported,
                           "GPU LayerNormalization needs Scale/B with one value or one per "
                           "normalized element",
                           node, ctx.inputs);
    error.add_context("normalized_shape", ir::shape_string(spec.norm_shape));
    throw error;
  };
  const bool scale_scalar = is_scalar(operands.scale);
  const bool bias_scalar = operands.bias >= 0 ? is_scalar(operands.bias) : false;
  kernels::LayerNormPlan plan;
  if (!kernels::make_layer_norm_plan(spec.rows, spec.cols, spec.epsilon, scale_scalar, bias_scalar,
                                     dtype_size(dtype), &plan)) {
    throw op_error(ErrorKind::kUnsupported, "GPU LayerNormalization needs fewer than 2^31 elements",
                   node, ctx.inputs);
  }
  plan.residual_rows = static_cast<uint32_t>(
      operands.residual >= 0 && operands.residual_rows > 0 ? operands.residual_rows : 1);
  std::string description = operands.residual >= 0 ? "add + layer norm" : "layer norm";
  description += plan.chunks > 0
                     ? " (row in registers, " + std::to_string(plan.chunks) + " vectors/lane, "
                     : " (" + std::to_string(plan.threads_per_row) + " threads/row, ";
  description += std::string(dtype_name(dtype)) + ")";
  return std::make_unique<LayerNormGpuKernel>(plan, launcher, operands, std::move(description));
}

std::unique_ptr<GpuKernel> prepare_layer_norm_gpu(const GpuPrepareContext& ctx) {
  const LayerNormSpec spec = layer_norm_spec(ctx.node, ctx.inputs);
  LayerNormGpuOperands operands;
  operands.bias = ctx.node.has_input(2) ? 2 : -1;
  operands.mean = ctx.node.outputs.size() > 1 && !ctx.node.outputs[1].empty() ? 1 : -1;
  operands.inv_std_dev = ctx.node.outputs.size() > 2 && !ctx.node.outputs[2].empty() ? 2 : -1;
  return make_layer_norm_gpu_kernel(ctx, spec, operands);
}

}  // namespace rill::ops::ew
