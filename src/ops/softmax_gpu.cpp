// GPU half of Softmax: [outer, dim, inner] geometry and launch plan; float32, float16, bfloat16.
#include "kernels/softmax.cuh"
#include "ops/elementwise_common.h"

namespace rill::ops::ew {

namespace {

class SoftmaxGpuKernel final : public GpuKernel {
 public:
  SoftmaxGpuKernel(const kernels::SoftmaxPlan& plan, kernels::SoftmaxLauncher launcher, DType dtype)
      : plan_(plan), launcher_(launcher), dtype_(dtype) {}
  void enqueue(const GpuLaunch& launch) const override {
    launcher_(plan_, launch.inputs[0], launch.outputs[0], launch.stream);
  }
  std::string describe() const override {
    const std::string type = " " + std::string(dtype_name(dtype_));
    if (plan_.inner != 1) return "softmax columns" + type;
    if (plan_.chunks > 0) {
      return "softmax rows in registers (" + std::to_string(plan_.chunks) + " vectors/lane)" + type;
    }
    return "softmax rows (" + std::to_string(plan_.threads_per_row) + " threads/row)" + type;
  }

 private:
  kernels::SoftmaxPlan plan_;
  kernels::SoftmaxLauncher launcher_;
  DType dtype_;
};

}  // namespace

std::unique_ptr<GpuKernel> prepare_softmax_gpu(const GpuPrepareContext& ctx) {
  const Node& node = ctx.node;
  const DType dtype = ctx.inputs[0].dtype;
  const kernels::SoftmaxLauncher launcher = kernels::find_softmax_launcher(dtype);
  if (launcher == nullptr) {
    Error error =
        op_error(ErrorKind::kUnsupported, "no GPU kernel for this op and dtype", node, ctx.inputs);
    error.add_context("dtype", std::string(dtype_name(ctx.inputs[0].dtype)));
    throw error;
  }
  const ir::Shape& shape = ctx.inputs[0].shape;
  const auto axis = static_cast<size_t>(normalize_axis(node, ctx.inputs, node.attr_int("axis", -1),
                                                       static_cast<int64_t>(shape.size())));
  int64_t outer = 1;
  int64_t inner = 1;
  for (size_t d = 0; d < axis; ++d) outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  kernels::SoftmaxPlan plan;
  if (!kernels::make_softmax_plan(outer, shape[axis], inner, dtype_size(dtype), &plan)) {
    throw op_error(ErrorKind::kUnsupported, "GPU Softmax needs fewer than 2^31 elements", node,
                   ctx.inputs);
  }
  return std::make_unique<SoftmaxGpuKernel>(plan, launcher, dtype);
}

}  // namespace rill::ops::ew
