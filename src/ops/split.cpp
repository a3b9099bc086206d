// Split: shape and CPU reference (GPU in concat_split_gpu.cpp).
#include <algorithm>

#include "ops/movement.h"
#include "ops/movement_plans.h"

namespace rill::ops::movement {

AxisPartsPlan plan_split(const InferContext& ctx) {
  check_arity(ctx, 1, 2, -1);
  const Shape& in = ctx.inputs[0].shape;
  const auto rank = static_cast<int64_t>(in.size());
  if (rank == 0) invalid(ctx, "Split of a scalar");
  AxisPartsPlan plan;
  plan.axis = normalize_axis(ctx, ctx.node.attr_int("axis", 0), rank);
  plan.joined_shape = in;
  const int64_t dim = in[plan.axis];
  const auto n = static_cast<int64_t>(ctx.node.outputs.size());
  if (ctx.node.has_attribute("split")) {
    plan.sizes = ctx.node.attr_ints("split");
  } else if (present(ctx, 1)) {
    plan.sizes = constant_ints(ctx, 1);
  } else if (dim % n == 0) {
    plan.sizes.assign(n, dim / n);
  } else if (ctx.node.has_attribute("num_outputs")) {
    // Opset 18: parts of ceil(dim / n), the last one smaller.
    const int64_t each = (dim + n - 1) / n;
    for (int64_t j = 0; j < n; ++j)
      plan.sizes.push_back(std::max<int64_t>(0, std::min(each, dim - j * each)));
  } else {
    invalid(ctx, "axis of size " + std::to_string(dim) + " does not split evenly into " +
                     std::to_string(n) + " outputs");
  }
  if (static_cast<int64_t>(plan.sizes.size()) != n) {
    invalid(ctx, "split " + ir::shape_string(plan.sizes) + " does not match the " +
                     std::to_string(n) + " outputs");
  }
  int64_t total = 0;
  for (int64_t s : plan.sizes) {
    if (s < 0) invalid(ctx, "negative entry in split " + ir::shape_string(plan.sizes));
    total += s;
  }
  if (total != dim) {
    invalid(ctx, "split " + ir::shape_string(plan.sizes) + " does not sum to the axis size " +
                     std::to_string(dim));
  }
  for (int64_t s : plan.sizes) {
    Shape part = in;
    part[plan.axis] = s;
    plan.part_shapes.push_back(part);
  }
  for (int64_t d = 0; d < rank; ++d) {
    if (d < plan.axis) plan.outer *= in[d];
    if (d > plan.axis) plan.inner *= in[d];
  }
  return plan;
}

namespace {

std::vector<TensorDesc> split_infer(const InferContext& ctx) {
  std::vector<TensorDesc> outs;
  for (const Shape& s : plan_split(ctx).part_shapes) outs.push_back({ctx.inputs[0].dtype, s});
  return outs;
}

std::vector<HostTensor> split_cpu(const Node& node, std::span<const HostTensor> inputs) {
  const HostInferContext host(node, inputs);
  const AxisPartsPlan plan = plan_split(host.ctx());
  std::vector<HostTensor> outs;
  for (const Shape& s : plan.part_shapes) outs.emplace_back(inputs[0].dtype(), s);
  std::vector<HostTensor*> parts;
  for (HostTensor& t : outs) parts.push_back(&t);
  HostTensor joined = inputs[0];
  move_axis_parts_host(plan, dtype_size(joined.dtype()), true, joined, parts);
  return outs;
}

}  // namespace

std::vector<OpDef> split_ops() {
  return {{"Split",
           &split_infer,
           &split_cpu,
           &prepare_split_gpu,
           OutputKind::kComputed,
           {1},
           kAllDTypes}};
}

}  // namespace rill::ops::movement
