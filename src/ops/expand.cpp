// Expand: bidirectional (numpy) broadcast of the input to a constant shape. GPU in
// strided_gpu.cpp.
#include <algorithm>

#include "ops/movement.h"
#include "ops/movement_plans.h"

namespace rill::ops::movement {

ExpandPlan plan_expand(const InferContext& ctx) {
  check_arity(ctx, 2, 2, 1);
  const Shape& in = ctx.inputs[0].shape;
  const std::vector<int64_t> target = constant_ints(ctx, 1);
  const size_t rank = std::max(in.size(), target.size());
  const std::vector<int64_t> in_strides = strides_of(in);
  ExpandPlan plan;
  for (size_t d = 0; d < rank; ++d) {
    // Align from the right; missing leading dims are 1.
    const size_t in_pad = rank - in.size();
    const size_t target_pad = rank - target.size();
    const int64_t a = d < in_pad ? 1 : in[d - in_pad];
    const int64_t b = d < target_pad ? 1 : target[d - target_pad];
    int64_t out = a;
    if (a != b) {
      if (a == 1) {
        out = b;
      } else if (b != 1) {
        invalid(ctx, "shape " + ir::shape_string(target) + " does not broadcast with the input");
      }
    }
    if (out < 0) invalid(ctx, "negative dim in shape " + ir::shape_string(target));
    plan.out_shape.push_back(out);
    plan.in_strides.push_back(d < in_pad || a == 1 ? 0 : in_strides[d - in_pad]);
  }
  return plan;
}

namespace {

std::vector<TensorDesc> expand_infer(const InferContext& ctx) {
  return {TensorDesc{ctx.inputs[0].dtype, plan_expand(ctx).out_shape}};
}

std::vector<HostTensor> expand_cpu(const Node& node, std::span<const HostTensor> inputs) {
  const HostInferContext host(node, inputs);
  const ExpandPlan plan = plan_expand(host.ctx());
  return {strided_copy_host(inputs[0], plan.out_shape, plan.in_strides, 0)};
}

}  // namespace

std::vector<OpDef> expand_ops() {
  return {{"Expand",
           &expand_infer,
           &expand_cpu,
           &prepare_expand_gpu,
           OutputKind::kComputed,
           {1},
           kAllDTypes}};
}

}  // namespace rill::ops::movement
