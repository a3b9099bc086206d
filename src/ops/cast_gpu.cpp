// GPU half of Cast: one elementwise launch from the input's dtype to `to`.
#include "kernels/elementwise.cuh"
#include "ops/cast.h"
#include "ops/elementwise_common.h"
#include "ops/elementwise_gpu.h"

namespace rill::ops::ew {

std::unique_ptr<GpuKernel> prepare_cast_gpu(const GpuPrepareContext& ctx) {
  const DType from = ctx.inputs[0].dtype;
  const DType to = cast_target(ctx.node, ctx.inputs);
  const kernels::EwLauncher launcher = kernels::find_cast_launcher(from, to);
  if (launcher == nullptr) {
    Error error =
        op_error(ErrorKind::kUnsupported, "no GPU kernel for this cast", ctx.node, ctx.inputs);
    error.add_context("to", std::string(dtype_name(to)));
    throw error;
  }
  const int operands[] = {0};
  std::vector<EwGpuKernel::Step> steps = {make_ew_step(ctx, launcher, operands, {})};
  return std::make_unique<EwGpuKernel>(
      "elementwise Cast " + std::string(dtype_name(from)) + "->" + std::string(dtype_name(to)),
      std::move(steps));
}

}  // namespace rill::ops::ew
