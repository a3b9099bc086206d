// GPU preparation of Pad.
#include "kernels/pad.cuh"
#include "ops/movement.h"
#include "ops/movement_plans.h"
#include "ops/strided_gpu.h"

namespace rill::ops::movement {

namespace {

class PadKernel final : public GpuKernel {
 public:
  PadKernel(const kernels::PadParams& params, size_t element_size)
      : params_(params), element_size_(element_size) {}
  void enqueue(const GpuLaunch& launch) const override {
    kernels::launch_pad(params_, element_size_, launch.inputs[0], launch.outputs[0], launch.stream);
  }
  std::string describe() const override { return "pad"; }

 private:
  kernels::PadParams params_;
  size_t element_size_;
};

}  // namespace

std::unique_ptr<GpuKernel> prepare_pad_gpu(const GpuPrepareContext& gpu) {
  const InferContext ctx = infer_view(gpu);
  const PadPlan plan = plan_pad(ctx);
  const Shape& in = ctx.inputs[0].shape;
  const int64_t count = ir::element_count(plan.out_shape);
  check_kernel_elements(ctx, count);
  if (in.size() > static_cast<size_t>(kernels::kMaxRank)) {
    unsupported(ctx, "Pad of rank above " + std::to_string(kernels::kMaxRank) + " on the GPU");
  }
  const std::vector<int64_t> in_strides = strides_of(in);
  kernels::PadParams params;
  params.rank = static_cast<int32_t>(in.size());
  params.mode = plan.mode;
  params.count = static_cast<uint32_t>(count);
  params.value_bits = plan.value_bits;
  for (size_t d = 0; d < in.size(); ++d) {
    params.out_dims[d] =
        kernels::FastDivmod(static_cast<uint32_t>(std::max<int64_t>(plan.out_shape[d], 1)));
    params.in_dims[d] = in[d];
    params.in_strides[d] = in_strides[d];
    params.pad_begin[d] = plan.pad_begin[d];
  }
  return std::make_unique<PadKernel>(params, dtype_size(ctx.inputs[0].dtype));
}

}  // namespace rill::ops::movement
