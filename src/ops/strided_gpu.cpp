// GPU preparation of the strided-copy ops: Slice, Expand, and the general Transpose.
#include "ops/strided_gpu.h"

#include <cuda_runtime_api.h>

#include "cuda/check.h"
#include "kernels/copy.cuh"
#include "ops/movement.h"
#include "ops/movement_plans.h"

namespace rill::ops::movement {

namespace {

class StridedCopyKernel final : public GpuKernel {
 public:
  StridedCopyKernel(const kernels::StridedCopyParams& params, size_t element_size, std::string what)
      : params_(params), element_size_(element_size), what_(std::move(what)) {}
  void enqueue(const GpuLaunch& launch) const override {
    kernels::launch_strided_copy(params_, element_size_, launch.inputs[0], launch.outputs[0],
                                 launch.stream);
  }
  std::string describe() const override {
    return what_ + " (strided copy, rank " + std::to_string(params_.rank) + ")";
  }

 private:
  kernels::StridedCopyParams params_;
  size_t element_size_;
  std::string what_;
};

// A contiguous range of the input: one device-to-device copy.
class ContiguousCopyKernel final : public GpuKernel {
 public:
  ContiguousCopyKernel(size_t offset_bytes, size_t bytes, std::string what)
      : offset_bytes_(offset_bytes), bytes_(bytes), what_(std::move(what)) {}
  void enqueue(const GpuLaunch& launch) const override {
    if (bytes_ == 0) return;
    RILL_CUDA_CHECK(cudaMemcpyAsync(launch.outputs[0],
                                    static_cast<const std::byte*>(launch.inputs[0]) + offset_bytes_,
                                    bytes_, cudaMemcpyDeviceToDevice, launch.stream));
  }
  std::string describe() const override { return what_ + " (contiguous copy)"; }

 private:
  size_t offset_bytes_;
  size_t bytes_;
  std::string what_;
};

}  // namespace

void check_kernel_elements(const InferContext& ctx, int64_t elements) {
  if (elements > kernels::kMaxKernelElements) {
    unsupported(ctx,
                "tensors of 2^31 or more elements on the GPU (" + std::to_string(elements) + ")");
  }
}

std::unique_ptr<GpuKernel> make_strided_copy_kernel(const InferContext& ctx, const Shape& out_shape,
                                                    const std::vector<int64_t>& in_strides,
                                                    int64_t offset, size_t element_size,
                                                    std::string what) {
  const int64_t count = ir::element_count(out_shape);
  check_kernel_elements(ctx, count);
  // Drop size-1 dims, then merge neighbours the input walks as one (stride of the outer ==
  // stride of the inner * size of the inner).
  std::vector<int64_t> dims;
  std::vector<int64_t> strides;
  for (size_t d = 0; d < out_shape.size(); ++d) {
    if (out_shape[d] == 1) continue;
    if (!dims.empty() && strides.back() == in_strides[d] * out_shape[d]) {
      dims.back() *= out_shape[d];
      strides.back() = in_strides[d];
    } else {
      dims.push_back(out_shape[d]);
      strides.push_back(in_strides[d]);
    }
  }
  if (count == 0 || dims.empty() || (dims.size() == 1 && strides[0] == 1)) {
    return std::make_unique<ContiguousCopyKernel>(static_cast<size_t>(offset) * element_size,
                                                  static_cast<size_t>(count) * element_size,
                                                  std::move(what));
  }
  if (dims.size() > static_cast<size_t>(kernels::kMaxRank)) {
    unsupported(
        ctx, "more than " + std::to_string(kernels::kMaxRank) + " non-mergeable dims on the GPU");
  }
  kernels::StridedCopyParams params;
  params.rank = static_cast<int32_t>(dims.size());
  params.count = static_cast<uint32_t>(count);
  params.in_offset = offset;
  for (size_t d = 0; d < dims.size(); ++d) {
    params.out_dims[d] = kernels::FastDivmod(static_cast<uint32_t>(dims[d]));
    params.in_strides[d] = strides[d];
  }
  return std::make_unique<StridedCopyKernel>(params, element_size, std::move(what));
}

std::unique_ptr<GpuKernel> prepare_slice_gpu(const GpuPrepareContext& gpu) {
  const InferContext ctx = infer_view(gpu);
  const SlicePlan plan = plan_slice(ctx);
  const std::vector<int64_t> in_strides = strides_of(ctx.inputs[0].shape);
  std::vector<int64_t> strides;
  int64_t offset = 0;
  for (size_t d = 0; d < in_strides.size(); ++d) {
    strides.push_back(in_strides[d] * plan.steps[d]);
    offset += in_strides[d] * plan.starts[d];
  }
  return make_strided_copy_kernel(ctx, plan.out_shape, strides, offset,
                                  dtype_size(ctx.inputs[0].dtype), "slice");
}

std::unique_ptr<GpuKernel> prepare_expand_gpu(const GpuPrepareContext& gpu) {
  const InferContext ctx = infer_view(gpu);
  const ExpandPlan plan = plan_expand(ctx);
  return make_strided_copy_kernel(ctx, plan.out_shape, plan.in_strides, 0,
                                  dtype_size(ctx.inputs[0].dtype), "expand");
}

}  // namespace rill::ops::movement
