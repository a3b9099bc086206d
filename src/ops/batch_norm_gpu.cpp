// BatchNormalization on the GPU: one elementwise kernel (inference mode).
#include "kernels/batch_norm.cuh"
#include "ops/channels_last.h"
#include "ops/nn_common.h"

namespace rill::ops::nn {

namespace {

class BatchNormKernel final : public GpuKernel {
 public:
  BatchNormKernel(DType dtype, kernels::BatchNormParams params) : dtype_(dtype), params_(params) {}

  void enqueue(const GpuLaunch& launch) const override {
    kernels::launch_batch_norm(dtype_, params_, launch.inputs[0], launch.inputs[1],
                               launch.inputs[2], launch.inputs[3], launch.inputs[4],
                               launch.outputs[0], launch.stream);
  }
  std::string describe() const override { return "batch_norm (inference)"; }

 private:
  DType dtype_;
  kernels::BatchNormParams params_;
};

}  // namespace

std::unique_ptr<GpuKernel> prepare_batch_norm_gpu(const GpuPrepareContext& ctx) {
  return prepare_with_context(ctx, [&]() -> std::unique_ptr<GpuKernel> {
    infer_batch_norm(InferContext{ctx.node, ctx.inputs, ctx.constants});  // validates
    const TensorDesc& x = ctx.inputs[0];
    require_gpu_dtype(ctx.node, x.dtype, kFloatDTypes);
    kernels::BatchNormParams params;
    params.batch = x.shape[0];
    params.channels = x.shape[1];
    params.inner = 1;
    for (size_t i = 2; i < x.shape.size(); ++i) params.inner *= x.shape[i];
    params.epsilon = ctx.node.attr_float("epsilon", 1e-5f);
    return std::make_unique<BatchNormKernel>(x.dtype, params);
  });
}

}  // namespace rill::ops::nn
