// GPU half of LayerNormalization: rows x cols geometry, Scale/B layout, float32; writes Mean and
// InvStdDev when those outputs are requested.
#include "kernels/layer_norm.cuh"
#include "ops/elementwise_common.h"
#include "ops/layer_norm.h"

namespace rill::ops::ew {

namespace {

class LayerNormGpuKernel final : public GpuKernel {
 public:
  LayerNormGpuKernel(const kernels::LayerNormPlan& plan, bool has_bias)
      : plan_(plan), has_bias_(has_bias) {}

  void enqueue(const GpuLaunch& launch) const override {
    auto output = [&](size_t i) {
      return i < launch.outputs.size() ? static_cast<float*>(launch.outputs[i]) : nullptr;
    };
    kernels::launch_layer_norm(plan_, static_cast<const float*>(launch.inputs[0]),
                               static_cast<const float*>(launch.inputs[1]),
                               has_bias_ ? static_cast<const float*>(launch.inputs[2]) : nullptr,
                               output(0), output(1), output(2), launch.stream);
  }
  std::string describe() const override {
    return "layer norm (" + std::to_string(plan_.threads_per_row) + " threads/row)";
  }

 private:
  kernels::LayerNormPlan plan_;
  bool has_bias_;
};

}  // namespace

std::unique_ptr<GpuKernel> prepare_layer_norm_gpu(const GpuPrepareContext& ctx) {
  const Node& node = ctx.node;
  const LayerNormSpec spec = layer_norm_spec(node, ctx.inputs);
  if (ctx.inputs[0].dtype != DType::kFloat32) {
    Error error =
        op_error(ErrorKind::kUnsupported, "no GPU kernel for this op and dtype", node, ctx.inputs);
    error.add_context("dtype", std::string(dtype_name(ctx.inputs[0].dtype)));
    throw error;
  }
  const bool has_bias = node.has_input(2);
  // The kernel reads Scale and B either whole (one value per normalized element) or as one value.
  auto is_scalar = [&](size_t i) {
    const int64_t n = ctx.inputs[i].elements();
    if (n == spec.cols && n != 1) return false;
    if (n == 1) return true;
    Error error = op_error(ErrorKind::kUnsupported,
                           "GPU LayerNormalization needs Scale/B with one value or one per "
                           "normalized element",
                           node, ctx.inputs);
    error.add_context("normalized_shape", ir::shape_string(spec.norm_shape));
    throw error;
  };
  const bool scale_scalar = is_scalar(1);
  const bool bias_scalar = has_bias ? is_scalar(2) : false;
  kernels::LayerNormPlan plan;
  if (!kernels::make_layer_norm_plan(spec.rows, spec.cols, spec.epsilon, scale_scalar, bias_scalar,
                                     &plan)) {
    throw op_error(ErrorKind::kUnsupported, "GPU LayerNormalization needs fewer than 2^31 elements",
                   node, ctx.inputs);
  }
  return std::make_unique<LayerNormGpuKernel>(plan, has_bias);
}

}  // namespace rill::ops::ew
