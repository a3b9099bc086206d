// GPU half of the unary, binary, variadic (Min/Max), Where and Clip ops: validate what the
// kernels implement, precompute broadcast layouts and grids (Note [Elementwise launch plans]) and
// return a kernel whose enqueue() is one launch per step.
#include "ops/elementwise_gpu.h"

#include <limits>

#include "kernels/elementwise.cuh"
#include "ops/elementwise_common.h"

namespace rill::ops::ew {

using kernels::EwLauncher;
using kernels::EwPlan;
using kernels::EwScalars;

void EwGpuKernel::enqueue(const GpuLaunch& launch) const {
  void* out = launch.outputs[0];
  for (const Step& step : steps_) {
    const void* operands[kernels::kMaxEwInputs] = {};
    for (int k = 0; k < step.operand_count; ++k) {
      const int src = step.operands[k];
      operands[k] = src == kOutputOperand ? out : launch.inputs[static_cast<size_t>(src)];
    }
    step.launcher(step.plan, operands, out, launch.stream);
  }
}

EwGpuKernel::Step make_ew_step(const GpuPrepareContext& ctx, EwLauncher launcher,
                               std::span<const int> operands, EwScalars scalars) {
  EwGpuKernel::Step step;
  step.launcher = launcher;
  step.operand_count = static_cast<int>(operands.size());
  std::vector<std::vector<int64_t>> shapes;
  const ir::Shape& out_shape = ctx.outputs[0].shape;
  for (size_t k = 0; k < operands.size(); ++k) {
    step.operands[k] = operands[k];
    shapes.push_back(operands[k] == EwGpuKernel::kOutputOperand
                         ? out_shape
                         : ctx.inputs[static_cast<size_t>(operands[k])].shape);
  }
  kernels::BroadcastLayout<kernels::kMaxEwInputs> layout;
  if (!kernels::make_broadcast_layout<kernels::kMaxEwInputs>(out_shape, shapes, &layout)) {
    Error error = op_error(ErrorKind::kUnsupported,
                           "GPU elementwise kernels need fewer than 2^31 elements and at most " +
                               std::to_string(kernels::kMaxEwRank) + " non-mergeable dims",
                           ctx.node, ctx.inputs);
    error.add_context("output", ir::desc_string(ctx.outputs[0]));
    throw error;
  }
  step.plan = kernels::make_ew_plan(layout, scalars);
  return step;
}

void require_launcher(const GpuPrepareContext& ctx, EwLauncher launcher, DType dtype) {
  if (launcher == nullptr) {
    Error error = op_error(ErrorKind::kUnsupported, "no GPU kernel for this op and dtype", ctx.node,
                           ctx.inputs);
    error.add_context("dtype", std::string(dtype_name(dtype)));
    throw error;
  }
}

namespace {

std::string describe(const GpuPrepareContext& ctx, const char* what) {
  return std::string("elementwise ") + ctx.node.op_type + " " + what + " " +
         std::string(dtype_name(ctx.inputs.empty() ? DType::kFloat32 : ctx.inputs.back().dtype));
}

}  // namespace

std::unique_ptr<GpuKernel> prepare_unary_gpu(const GpuPrepareContext& ctx) {
  const EwOp op = ew_op_of(ctx.node);
  const DType dtype = ctx.inputs[0].dtype;
  const EwLauncher launcher = kernels::find_unary_launcher(op, dtype);
  require_launcher(ctx, launcher, dtype);
  EwScalars scalars;
  if (op == EwOp::kLeakyRelu) scalars.alpha = ctx.node.attr_float("alpha", 0.01f);
  if (op == EwOp::kHardSigmoid) {
    scalars.alpha = ctx.node.attr_float("alpha", 0.2f);
    scalars.beta = ctx.node.attr_float("beta", 0.5f);
  }
  const int operands[] = {0};
  std::vector<EwGpuKernel::Step> steps = {make_ew_step(ctx, launcher, operands, scalars)};
  return std::make_unique<EwGpuKernel>(describe(ctx, "unary"), std::move(steps));
}

std::unique_ptr<GpuKernel> prepare_binary_gpu(const GpuPrepareContext& ctx) {
  const EwOp op = ew_op_of(ctx.node);
  const DType dtype = ctx.inputs[0].dtype;
  if (ctx.inputs[1].dtype != dtype) {  // Pow with a different exponent type
    Error error =
        op_error(ErrorKind::kUnsupported, "GPU kernel needs both operands of the same dtype",
                 ctx.node, ctx.inputs);
    error.add_context("dtype", std::string(dtype_name(ctx.inputs[1].dtype)));
    throw error;
  }
  const EwLauncher launcher = kernels::find_binary_launcher(op, dtype);
  require_launcher(ctx, launcher, dtype);
  const int operands[] = {0, 1};
  std::vector<EwGpuKernel::Step> steps = {make_ew_step(ctx, launcher, operands, {})};
  return std::make_unique<EwGpuKernel>(describe(ctx, "broadcast"), std::move(steps));
}

std::unique_ptr<GpuKernel> prepare_variadic_gpu(const GpuPrepareContext& ctx) {
  const EwOp op = ew_op_of(ctx.node);
  const DType dtype = ctx.inputs[0].dtype;
  std::vector<EwGpuKernel::Step> steps;
  if (ctx.inputs.size() == 1) {
    const EwLauncher copy = kernels::find_unary_launcher(EwOp::kIdentity, dtype);
    require_launcher(ctx, copy, dtype);
    const int operands[] = {0};
    steps.push_back(make_ew_step(ctx, copy, operands, {}));
  } else {
    // out = op(x0, x1), then out = op(out, xk) in place: each thread reads and writes the same
    // element, so the in-place steps are safe.
    const EwLauncher launcher = kernels::find_binary_launcher(op, dtype);
    require_launcher(ctx, launcher, dtype);
    const int first[] = {0, 1};
    steps.push_back(make_ew_step(ctx, launcher, first, {}));
    for (size_t k = 2; k < ctx.inputs.size(); ++k) {
      const int next[] = {EwGpuKernel::kOutputOperand, static_cast<int>(k)};
      steps.push_back(make_ew_step(ctx, launcher, next, {}));
    }
  }
  return std::make_unique<EwGpuKernel>(describe(ctx, "variadic"), std::move(steps));
}

std::unique_ptr<GpuKernel> prepare_where_gpu(const GpuPrepareContext& ctx) {
  const DType dtype = ctx.inputs[1].dtype;
  const EwLauncher launcher = kernels::find_binary_launcher(EwOp::kWhere, dtype);
  require_launcher(ctx, launcher, dtype);
  const int operands[] = {0, 1, 2};
  std::vector<EwGpuKernel::Step> steps = {make_ew_step(ctx, launcher, operands, {})};
  return std::make_unique<EwGpuKernel>(describe(ctx, "ternary"), std::move(steps));
}

std::unique_ptr<GpuKernel> prepare_clip_gpu(const GpuPrepareContext& ctx) {
  const DType dtype = ctx.inputs[0].dtype;
  if (dtype != DType::kFloat32 && !is_half(dtype)) {
    Error error = op_error(ErrorKind::kUnsupported, "no GPU kernel for this op and dtype", ctx.node,
                           ctx.inputs);
    error.add_context("dtype", std::string(dtype_name(dtype)));
    throw error;
  }
  const bool has_min = ctx.node.has_input(1);
  const bool has_max = ctx.node.has_input(2);
  const bool min_known = !has_min || (ctx.constants.size() > 1 && ctx.constants[1] != nullptr);
  const bool max_known = !has_max || (ctx.constants.size() > 2 && ctx.constants[2] != nullptr);
  std::vector<EwGpuKernel::Step> steps;
  if (min_known && max_known) {
    // Bounds known at plan time fold into the launch: a unary kernel (vectorised when dense).
    // A half bound widens to float exactly.
    EwScalars scalars;
    scalars.alpha = has_min ? static_cast<float>(ctx.constants[1]->as_doubles()[0])
                            : -std::numeric_limits<float>::infinity();
    scalars.beta = has_max ? static_cast<float>(ctx.constants[2]->as_doubles()[0])
                           : std::numeric_limits<float>::infinity();
    const int operands[] = {0};
    steps.push_back(
        make_ew_step(ctx, kernels::find_unary_launcher(EwOp::kClip, dtype), operands, scalars));
    return std::make_unique<EwGpuKernel>(describe(ctx, "constant bounds"), std::move(steps));
  }
  // Bounds read from device memory; an absent one reads x (never used; see ClipTensorFn).
  EwScalars scalars;
  scalars.flags = (has_min ? kernels::kClipHasMin : 0u) | (has_max ? kernels::kClipHasMax : 0u);
  const int operands[] = {0, has_min ? 1 : 0, has_max ? 2 : 0};
  steps.push_back(make_ew_step(ctx, kernels::find_binary_launcher(EwOp::kClipTensor, dtype),
                               operands, scalars));
  return std::make_unique<EwGpuKernel>(describe(ctx, "tensor bounds"), std::move(steps));
}

}  // namespace rill::ops::ew
