// GPU preparation of Gather and GatherElements. Indices are read on the device at run time.
#include "kernels/gather.cuh"
#include "ops/movement.h"
#include "ops/movement_plans.h"
#include "ops/strided_gpu.h"

namespace rill::ops::movement {

namespace {

class GatherKernel final : public GpuKernel {
 public:
  GatherKernel(const kernels::GatherParams& params, size_t element_size, bool int64)
      : params_(params), element_size_(element_size), int64_(int64) {}
  void enqueue(const GpuLaunch& launch) const override {
    kernels::launch_gather(params_, element_size_, int64_, launch.inputs[0], launch.inputs[1],
                           launch.outputs[0], launch.stream);
  }
  std::string describe() const override { return "gather"; }

 private:
  kernels::GatherParams params_;
  size_t element_size_;
  bool int64_;
};

class GatherElementsKernel final : public GpuKernel {
 public:
  GatherElementsKernel(const kernels::GatherElementsParams& params, size_t element_size, bool int64)
      : params_(params), element_size_(element_size), int64_(int64) {}
  void enqueue(const GpuLaunch& launch) const override {
    kernels::launch_gather_elements(params_, element_size_, int64_, launch.inputs[0],
                                    launch.inputs[1], launch.outputs[0], launch.stream);
  }
  std::string describe() const override { return "gather elements"; }

 private:
  kernels::GatherElementsParams params_;
  size_t element_size_;
  bool int64_;
};

void check_rank(const InferContext& ctx, size_t rank) {
  if (rank > static_cast<size_t>(kernels::kMaxRank)) {
    unsupported(ctx, "rank above " + std::to_string(kernels::kMaxRank) + " on the GPU");
  }
}

}  // namespace

std::unique_ptr<GpuKernel> prepare_gather_gpu(const GpuPrepareContext& gpu) {
  const InferContext ctx = infer_view(gpu);
  const GatherPlan plan = plan_gather(ctx);
  const int64_t count = ir::element_count(plan.out_shape);
  check_kernel_elements(ctx, count);
  check_kernel_elements(ctx, plan.index_count);
  kernels::GatherParams params;
  params.count = static_cast<uint32_t>(count);
  params.inner = kernels::FastDivmod(static_cast<uint32_t>(std::max<int64_t>(plan.inner, 1)));
  params.index_count =
      kernels::FastDivmod(static_cast<uint32_t>(std::max<int64_t>(plan.index_count, 1)));
  params.axis_size = plan.axis_size;
  return std::make_unique<GatherKernel>(params, dtype_size(ctx.inputs[0].dtype),
                                        ctx.inputs[1].dtype == DType::kInt64);
}

std::unique_ptr<GpuKernel> prepare_gather_elements_gpu(const GpuPrepareContext& gpu) {
  const InferContext ctx = infer_view(gpu);
  const GatherElementsPlan plan = plan_gather_elements(ctx);
  const int64_t count = ir::element_count(plan.out_shape);
  check_kernel_elements(ctx, count);
  check_rank(ctx, plan.out_shape.size());
  const std::vector<int64_t> data_strides = strides_of(ctx.inputs[0].shape);
  kernels::GatherElementsParams params;
  params.rank = static_cast<int32_t>(plan.out_shape.size());
  params.axis = static_cast<int32_t>(plan.axis);
  params.count = static_cast<uint32_t>(count);
  params.axis_size = ctx.inputs[0].shape[plan.axis];
  for (size_t d = 0; d < plan.out_shape.size(); ++d) {
    params.out_dims[d] =
        kernels::FastDivmod(static_cast<uint32_t>(std::max<int64_t>(plan.out_shape[d], 1)));
    params.data_strides[d] = data_strides[d];
  }
  return std::make_unique<GatherElementsKernel>(params, dtype_size(ctx.inputs[0].dtype),
                                                ctx.inputs[1].dtype == DType::kInt64);
}

}  // namespace rill::ops::movement
