// Concat: shape and CPU reference (GPU in concat_split_gpu.cpp).
#include <cstring>

#include "ops/movement.h"
#include "ops/movement_plans.h"

namespace rill::ops::movement {

AxisPartsPlan plan_concat(const InferContext& ctx) {
  const size_t n = ctx.node.inputs.size();
  check_arity(ctx, 1, n, 1);
  if (ctx.inputs.size() < n) invalid(ctx, "missing input types");
  const TensorDesc& first = ctx.inputs[0];
  const auto rank = static_cast<int64_t>(first.shape.size());
  if (rank == 0) invalid(ctx, "Concat of scalars");
  AxisPartsPlan plan;
  plan.axis = normalize_axis(ctx, ctx.node.required_int("axis"), rank);
  plan.joined_shape = first.shape;
  plan.joined_shape[plan.axis] = 0;
  for (size_t j = 0; j < n; ++j) {
    const TensorDesc& part = ctx.inputs[j];
    bool same = part.dtype == first.dtype && part.shape.size() == first.shape.size();
    for (int64_t d = 0; same && d < rank; ++d) {
      same = d == plan.axis || part.shape[d] == first.shape[d];
    }
    if (!same) invalid(ctx, "input " + std::to_string(j) + " does not match input 0 off the axis");
    plan.sizes.push_back(part.shape[plan.axis]);
    plan.part_shapes.push_back(part.shape);
    plan.joined_shape[plan.axis] += part.shape[plan.axis];
  }
  for (int64_t d = 0; d < rank; ++d) {
    if (d < plan.axis) plan.outer *= first.shape[d];
    if (d > plan.axis) plan.inner *= first.shape[d];
  }
  return plan;
}

// Joins or splits on the host: rows of part j move to/from column `offset` of the joined rows.
void move_axis_parts_host(const AxisPartsPlan& plan, size_t element_size, bool split,
                          HostTensor& joined, std::span<HostTensor* const> parts) {
  const int64_t joined_row = plan.joined_shape[plan.axis] * plan.inner;
  int64_t offset = 0;
  for (size_t j = 0; j < parts.size(); ++j) {
    const int64_t row = plan.sizes[j] * plan.inner;
    const size_t row_bytes = static_cast<size_t>(row) * element_size;
    for (int64_t o = 0; o < plan.outer && row > 0; ++o) {
      std::byte* at = joined.raw() + (o * joined_row + offset) * element_size;
      std::byte* part = parts[j]->raw() + o * row * element_size;
      if (split) {
        std::memcpy(part, at, row_bytes);
      } else {
        std::memcpy(at, part, row_bytes);
      }
    }
    offset += row;
  }
}

namespace {

std::vector<TensorDesc> concat_infer(const InferContext& ctx) {
  return {TensorDesc{ctx.inputs[0].dtype, plan_concat(ctx).joined_shape}};
}

std::vector<HostTensor> concat_cpu(const Node& node, std::span<const HostTensor> inputs) {
  const HostInferContext host(node, inputs);
  const AxisPartsPlan plan = plan_concat(host.ctx());
  HostTensor out(inputs[0].dtype(), plan.joined_shape);
  std::vector<HostTensor> copies(inputs.begin(), inputs.end());
  std::vector<HostTensor*> parts;
  for (HostTensor& t : copies) parts.push_back(&t);
  move_axis_parts_host(plan, dtype_size(out.dtype()), false, out, parts);
  return {out};
}

}  // namespace

std::vector<OpDef> concat_ops() {
  return {{"Concat",
           &concat_infer,
           &concat_cpu,
           &prepare_concat_gpu,
           OutputKind::kComputed,
           {},
           kAllDTypes}};
}

}  // namespace rill::ops::movement
