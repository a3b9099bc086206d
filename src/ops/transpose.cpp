// Transpose: attributes, shape and CPU reference (GPU in transpose_gpu.cpp).
#include "ops/movement.h"
#include "ops/movement_plans.h"

namespace rill::ops::movement {

TransposePlan plan_transpose(const InferContext& ctx) {
  check_arity(ctx, 1, 1, 1);
  const Shape& in = ctx.inputs[0].shape;
  const auto rank = static_cast<int64_t>(in.size());
  TransposePlan plan;
  if (ctx.node.has_attribute("perm")) {
    plan.perm = ctx.node.attr_ints("perm");
  } else {
    for (int64_t d = rank; d-- > 0;) plan.perm.push_back(d);
  }
  if (static_cast<int64_t>(plan.perm.size()) != rank) {
    invalid(ctx, "perm " + ir::shape_string(plan.perm) + " does not match the input's rank");
  }
  std::vector<bool> seen(in.size(), false);
  for (int64_t& p : plan.perm) {
    p = normalize_axis(ctx, p, rank, "perm entry");
    if (seen[p]) invalid(ctx, "perm " + ir::shape_string(plan.perm) + " repeats an axis");
    seen[p] = true;
    plan.out_shape.push_back(in[p]);
  }
  return plan;
}

namespace {

std::vector<TensorDesc> transpose_infer(const InferContext& ctx) {
  return {TensorDesc{ctx.inputs[0].dtype, plan_transpose(ctx).out_shape}};
}

std::vector<HostTensor> transpose_cpu(const Node& node, std::span<const HostTensor> inputs) {
  const HostInferContext host(node, inputs);
  const TransposePlan plan = plan_transpose(host.ctx());
  const std::vector<int64_t> in_strides = strides_of(inputs[0].shape());
  std::vector<int64_t> strides;
  for (int64_t p : plan.perm) strides.push_back(in_strides[p]);
  return {strided_copy_host(inputs[0], plan.out_shape, strides, 0)};
}

}  // namespace

std::vector<OpDef> transpose_ops() {
  return {{"Transpose",
           &transpose_infer,
           &transpose_cpu,
           &prepare_transpose_gpu,
           OutputKind::kComputed,
           {},
           kAllDTypes}};
}

}  // namespace rill::ops::movement
