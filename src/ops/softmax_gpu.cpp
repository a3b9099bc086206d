// GPU half of Softmax: [outer, dim, inner] geometry and launch plan, float32.
#include "kernels/softmax.cuh"
#include "ops/elementwise_common.h"

namespace rill::ops::ew {

namespace {

class SoftmaxGpuKernel final : public GpuKernel {
 public:
  explicit SoftmaxGpuKernel(const kernels::SoftmaxPlan& plan) : plan_(plan) {}
  void enqueue(const GpuLaunch& launch) const override {
    kernels::launch_softmax(plan_, static_cast<const float*>(launch.inputs[0]),
                            static_cast<float*>(launch.outputs[0]), launch.stream);
  }
  std::string describe() const override {
    return plan_.inner == 1
               ? "softmax rows (" + std::to_string(plan_.threads_per_row) + " threads/row)"
               : std::string("softmax columns");
  }

 private:
  kernels::SoftmaxPlan plan_;
};

}  // namespace

std::unique_ptr<GpuKernel> prepare_softmax_gpu(const GpuPrepareContext& ctx) {
  const Node& node = ctx.node;
  if (ctx.inputs[0].dtype != DType::kFloat32) {
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
  if (!kernels::make_softmax_plan(outer, shape[axis], inner, &plan)) {
    throw op_error(ErrorKind::kUnsupported, "GPU Softmax needs fewer than 2^31 elements", node,
                   ctx.inputs);
  }
  return std::make_unique<SoftmaxGpuKernel>(plan);
}

}  // namespace rill::ops::ew
