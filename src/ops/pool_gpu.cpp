// MaxPool and AveragePool (and their channels-last forms) on the GPU: one direct kernel (one
// thread per output element).
#include "kernels/pool.cuh"
#include "ops/channels_last.h"
#include "ops/nn_common.h"

namespace rill::ops::nn {

namespace {

class PoolKernel final : public GpuKernel {
 public:
  PoolKernel(DType dtype, kernels::PoolParams params) : dtype_(dtype), params_(params) {}

  void enqueue(const GpuLaunch& launch) const override {
    kernels::launch_pool(dtype_, params_, launch.inputs[0], launch.outputs[0], launch.stream);
  }
  std::string describe() const override {
    std::string text = params_.kind == kernels::PoolKind::kMax ? "max_pool" : "average_pool";
    if (params_.channels_last) text += " nhwc";
    return text + " " + std::string(dtype_name(dtype_));
  }

 private:
  DType dtype_;
  kernels::PoolParams params_;
};

std::unique_ptr<GpuKernel> make_pool_kernel(const GpuPrepareContext& ctx, const PoolSetup& s,
                                            bool channels_last) {
  require_gpu_dtype(ctx.node, ctx.inputs[0].dtype, kFloatDTypes);
  const Geometry& g = s.geometry;
  kernels::PoolParams p;
  p.kind = s.max ? kernels::PoolKind::kMax : kernels::PoolKind::kAverage;
  p.count_include_pad = s.count_include_pad;
  p.outer = channels_last ? s.batch : s.batch * s.channels;
  p.channels_last = channels_last;
  p.channels = s.channels;
  p.in = g.in;
  p.out = g.out;
  p.kernel = g.kernel;
  p.stride = g.stride;
  p.dilation = g.dilation;
  p.pad_begin = g.pad_begin;
  p.pad_end = g.pad_end;
  return std::make_unique<PoolKernel>(ctx.inputs[0].dtype, p);
}

}  // namespace

std::unique_ptr<GpuKernel> prepare_pool_gpu(const GpuPrepareContext& ctx) {
  return prepare_with_context(ctx, [&]() -> std::unique_ptr<GpuKernel> {
    return make_pool_kernel(ctx, pool_setup(ctx.node, ctx.inputs), false);
  });
}

std::unique_ptr<GpuKernel> prepare_pool_nhwc_gpu(const GpuPrepareContext& ctx) {
  return prepare_with_context(ctx, [&]() -> std::unique_ptr<GpuKernel> {
    return make_pool_kernel(ctx, pool_nhwc_setup(ctx.node, ctx.inputs), true);
  });
}

}  // namespace rill::ops::nn
