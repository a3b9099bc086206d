// GPU half of ReduceSum/Mean/Max and GlobalAveragePool: the reduction spec of reduce.cpp turned
// into a kernels::ReducePlan once per shape.
#include <cuda_runtime_api.h>

#include "cuda/check.h"
#include "kernels/reduce.cuh"
#include "ops/elementwise_common.h"
#include "ops/reduce.h"

namespace rill::ops::ew {

namespace {

class ReduceGpuKernel final : public GpuKernel {
 public:
  ReduceGpuKernel(const kernels::ReducePlan& plan, kernels::ReduceLauncher launcher,
                  std::string description)
      : plan_(plan), launcher_(launcher), description_(std::move(description)) {}

  void enqueue(const GpuLaunch& launch) const override {
    launcher_(plan_, launch.inputs[0], launch.outputs[0], launch.stream);
  }
  std::string describe() const override { return description_; }

 private:
  kernels::ReducePlan plan_;
  kernels::ReduceLauncher launcher_;
  std::string description_;
};

//! noop_with_empty_axes: the output is a copy of the input.
class CopyGpuKernel final : public GpuKernel {
 public:
  explicit CopyGpuKernel(size_t bytes) : bytes_(bytes) {}
  void enqueue(const GpuLaunch& launch) const override {
    if (bytes_ == 0) return;
    RILL_CUDA_CHECK(cudaMemcpyAsync(launch.outputs[0], launch.inputs[0], bytes_,
                                    cudaMemcpyDeviceToDevice, launch.stream));
  }
  std::string describe() const override { return "reduce noop (copy)"; }

 private:
  size_t bytes_;
};

}  // namespace

std::unique_ptr<GpuKernel> prepare_reduce_gpu(const GpuPrepareContext& ctx) {
  const Node& node = ctx.node;
  const DType dtype = ctx.inputs[0].dtype;
  const HostTensor* axes = node.has_input(1) ? &ctx.constant(1) : nullptr;
  const ReduceSpec spec = reduce_spec(node, ctx.inputs, axes);
  if (spec.noop) return std::make_unique<CopyGpuKernel>(ctx.inputs[0].bytes());
  const kernels::ReduceOp op = spec.kind == ReduceKind::kSum    ? kernels::ReduceOp::kSum
                               : spec.kind == ReduceKind::kMean ? kernels::ReduceOp::kMean
                                                                : kernels::ReduceOp::kMax;
  const kernels::ReduceLauncher launcher = kernels::find_reduce_launcher(op, dtype);
  if (launcher == nullptr) {
    Error error =
        op_error(ErrorKind::kUnsupported, "no GPU kernel for this op and dtype", node, ctx.inputs);
    error.add_context("dtype", std::string(dtype_name(dtype)));
    throw error;
  }
  const std::vector<bool>& reduced = spec.reduced;
  // std::vector<bool> is packed; the planner takes a span of bools.
  const std::unique_ptr<bool[]> flags(new bool[reduced.size() + 1]);
  for (size_t d = 0; d < reduced.size(); ++d) flags[d] = reduced[d];
  kernels::ReducePlan plan;
  if (!kernels::make_reduce_plan(ctx.inputs[0].shape,
                                 std::span<const bool>(flags.get(), reduced.size()), op, &plan)) {
    throw op_error(ErrorKind::kUnsupported,
                   "GPU reduction needs fewer than 2^31 elements and at most 8 merged dims", node,
                   ctx.inputs);
  }
  std::string description = "reduce " + node.op_type + (plan.rows ? " rows " : " general ") +
                            std::string(dtype_name(dtype));
  return std::make_unique<ReduceGpuKernel>(plan, launcher, std::move(description));
}

}  // namespace rill::ops::ew
