// rill.ToNhwc: X [N, C, spatial...] -> Y [N, spatial..., C + pad_channels], the appended channels
// zero. The channels-last pass (ir/passes/channels_last.h) puts it where a convolution network
// reads its few-channel input: one pass over the data instead of a Transpose and a Pad, and the
// RGB stem gets the 8 channels cuDNN's half tensor-core kernels want.
#include "kernels/transpose.cuh"
#include "ops/movement.h"
#include "ops/movement_common.h"

namespace rill::ops::movement {

namespace {

struct ToNhwcPlan {
  int64_t batch = 0, channels = 0, spatial = 1, padded = 0;
  Shape out_shape;
};

ToNhwcPlan plan_to_nhwc(const InferContext& ctx) {
  check_arity(ctx, 1, 1, 1);
  const Shape& in = ctx.inputs[0].shape;
  if (in.size() < 3) invalid(ctx, "rill.ToNhwc needs X of rank 3 or more: [N, C, spatial...]");
  const int64_t pad = ctx.node.attr_int("pad_channels", 0);
  if (pad < 0) invalid(ctx, "pad_channels must not be negative");
  ToNhwcPlan plan;
  plan.batch = in[0];
  plan.channels = in[1];
  plan.padded = in[1] + pad;
  plan.out_shape.push_back(in[0]);
  for (size_t d = 2; d < in.size(); ++d) {
    plan.spatial *= in[d];
    plan.out_shape.push_back(in[d]);
  }
  plan.out_shape.push_back(plan.padded);
  return plan;
}

std::vector<TensorDesc> to_nhwc_infer(const InferContext& ctx) {
  return {TensorDesc{ctx.inputs[0].dtype, plan_to_nhwc(ctx).out_shape}};
}

std::vector<HostTensor> to_nhwc_cpu(const Node& node, std::span<const HostTensor> inputs) {
  const HostInferContext host(node, inputs);
  const ToNhwcPlan plan = plan_to_nhwc(host.ctx());
  HostTensor out(inputs[0].dtype(), plan.out_shape);  // zero-filled: the padding
  const size_t size = dtype_size(inputs[0].dtype());
  for (int64_t n = 0; n < plan.batch; ++n) {
    for (int64_t c = 0; c < plan.channels; ++c) {
      for (int64_t p = 0; p < plan.spatial; ++p) {
        copy_element(out.raw() + static_cast<size_t>((n * plan.spatial + p) * plan.padded + c) * size,
                     inputs[0].raw() + static_cast<size_t>((n * plan.channels + c) * plan.spatial + p) * size,
                     size);
      }
    }
  }
  return {std::move(out)};
}

class ToNhwcKernel final : public GpuKernel {
 public:
  ToNhwcKernel(const kernels::ToNhwcParams& params, size_t element_size)
      : params_(params), element_size_(element_size) {}
  void enqueue(const GpuLaunch& launch) const override {
    kernels::launch_to_nhwc(params_, element_size_, launch.inputs[0], launch.outputs[0],
                            launch.stream);
  }
  std::string describe() const override {
    return "to_nhwc (" + std::to_string(params_.channels) + " -> " +
           std::to_string(params_.padded_channels) + " channels, " +
           std::to_string(params_.batch) + "x" + std::to_string(params_.spatial) + " pixels)";
  }

 private:
  kernels::ToNhwcParams params_;
  size_t element_size_;
};

std::unique_ptr<GpuKernel> prepare_to_nhwc_gpu(const GpuPrepareContext& gpu) {
  const InferContext ctx = infer_view(gpu);
  const ToNhwcPlan plan = plan_to_nhwc(ctx);
  if (plan.batch > UINT32_MAX || plan.padded > UINT32_MAX) {
    unsupported(ctx, "rill.ToNhwc: batch and channels must fit 32 bits");
  }
  const kernels::ToNhwcParams params{static_cast<uint32_t>(plan.batch),
                                     static_cast<uint32_t>(plan.channels),
                                     static_cast<uint64_t>(plan.spatial),
                                     static_cast<uint32_t>(plan.padded)};
  return std::make_unique<ToNhwcKernel>(params, dtype_size(ctx.inputs[0].dtype));
}

}  // namespace

std::vector<OpDef> to_nhwc_ops() {
  return {{"rill.ToNhwc",
           &to_nhwc_infer,
           &to_nhwc_cpu,
           &prepare_to_nhwc_gpu,
           OutputKind::kComputed,
           {},
           kAllDTypes}};
}

}  // namespace rill::ops::movement
