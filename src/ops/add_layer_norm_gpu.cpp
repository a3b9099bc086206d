// GPU half of rill.AddLayerNorm: one layer-norm launch that adds the residual as it loads the
// row (Note [AddLayerNorm]). A and B of the output's shape, or one of them broadcast over
// leading dims, are read in place; any other broadcast first materializes the sum with the
// elementwise Add kernel (into the Sum output, or the workspace when Sum is not requested).
#include "kernels/elementwise.cuh"
#include "ops/add_layer_norm.h"
#include "ops/elementwise_common.h"
#include "ops/elementwise_gpu.h"
#include "ops/layer_norm_gpu.h"

namespace rill::ops::ew {

namespace {

//! Rows of `in` read in place against `out` (a [rows, cols] view): the output's rows when `in`
//! has the output's shape, fewer when `in` is broadcast over leading dims only; 0 otherwise.
int64_t rows_in_place(const ir::Shape& in, const ir::Shape& out, int64_t cols) {
  if (cols <= 0) return 0;
  const size_t pad = out.size() - in.size();
  size_t first = out.size();  // first dim of `in` (aligned) that is not 1
  for (size_t d = 0; d < in.size(); ++d) {
    if (in[d] != 1) {
      first = pad + d;
      break;
    }
  }
  for (size_t d = first; d < out.size(); ++d) {
    if (in[d - pad] != out[d]) return 0;
  }
  const int64_t elements = ir::element_count(in);
  return elements % cols == 0 ? elements / cols : 0;
}

//! Add into the Sum output (or the workspace), then LayerNormalization of it.
class AddThenLayerNormKernel final : public GpuKernel {
 public:
  AddThenLayerNormKernel(EwGpuKernel::Step add, std::unique_ptr<GpuKernel> norm, bool has_bias,
                         bool has_sum, size_t sum_bytes)
      : add_(add),
        norm_(std::move(norm)),
        has_bias_(has_bias),
        has_sum_(has_sum),
        sum_bytes_(sum_bytes) {}

  size_t workspace_bytes() const override { return has_sum_ ? 0 : sum_bytes_; }

  void enqueue(const GpuLaunch& launch) const override {
    void* sum = has_sum_ ? launch.outputs[1] : launch.workspace;
    const void* pair[kernels::kMaxEwInputs] = {launch.inputs[0], launch.inputs[1], nullptr};
    add_.launcher(add_.plan, pair, sum, launch.stream);
    const void* inputs[4] = {sum, nullptr, launch.inputs[2],
                             has_bias_ ? launch.inputs[3] : nullptr};
    void* outputs[1] = {launch.outputs[0]};
    GpuLaunch inner = launch;
    inner.inputs = inputs;
    inner.outputs = outputs;
    norm_->enqueue(inner);
  }
  std::string describe() const override { return "elementwise Add, then " + norm_->describe(); }

 private:
  EwGpuKernel::Step add_;
  std::unique_ptr<GpuKernel> norm_;
  bool has_bias_;
  bool has_sum_;
  size_t sum_bytes_;
};

}  // namespace

std::unique_ptr<GpuKernel> prepare_add_layer_norm_gpu(const GpuPrepareContext& ctx) {
  const Node& node = ctx.node;
  const AddLayerNormSpec spec = add_layer_norm_spec(node, ctx.inputs);
  LayerNormGpuOperands operands;
  operands.scale = 2;
  operands.bias = node.has_input(3) ? 3 : -1;
  const bool has_sum = node.outputs.size() > 1 && !node.outputs[1].empty();
  operands.sum = has_sum ? 1 : -1;

  const int64_t rows_a = rows_in_place(ctx.inputs[0].shape, spec.sum_shape, spec.ln.cols);
  const int64_t rows_b = rows_in_place(ctx.inputs[1].shape, spec.sum_shape, spec.ln.cols);
  if (rows_a == spec.ln.rows && rows_b > 0) {
    operands.x = 0;
    operands.residual = 1;
    operands.residual_rows = rows_b;
    return make_layer_norm_gpu_kernel(ctx, spec.ln, operands);
  }
  if (rows_b == spec.ln.rows && rows_a > 0) {  // a + b == b + a, exactly
    operands.x = 1;
    operands.residual = 0;
    operands.residual_rows = rows_a;
    return make_layer_norm_gpu_kernel(ctx, spec.ln, operands);
  }

  // General broadcast: materialize the sum. The inner layer norm reads it as input 0.
  const DType dtype = ctx.inputs[0].dtype;
  const kernels::EwLauncher add = kernels::find_binary_launcher(EwOp::kAdd, dtype);
  require_launcher(ctx, add, dtype);
  const int pair[] = {0, 1};
  EwGpuKernel::Step step = make_ew_step(ctx, add, pair, {});
  const std::vector<TensorDesc> norm_inputs = {TensorDesc{dtype, spec.sum_shape},
                                               TensorDesc{dtype, spec.sum_shape}, ctx.inputs[2],
                                               node.has_input(3) ? ctx.inputs[3] : ctx.inputs[2]};
  const GpuPrepareContext norm_ctx{node,        norm_inputs,   ctx.constants,
                                   ctx.outputs, ctx.libraries, ctx.allow_tf32};
  LayerNormGpuOperands norm_operands;  // x = 0 (the sum), no residual, y = 0
  norm_operands.scale = operands.scale;
  norm_operands.bias = operands.bias;
  std::unique_ptr<GpuKernel> norm = make_layer_norm_gpu_kernel(norm_ctx, spec.ln, norm_operands);
  const size_t sum_bytes =
      static_cast<size_t>(ir::element_count(spec.sum_shape)) * dtype_size(dtype);
  return std::make_unique<AddThenLayerNormKernel>(step, std::move(norm), node.has_input(3), has_sum,
                                                  sum_bytes);
}

}  // namespace rill::ops::ew
