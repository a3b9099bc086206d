// Gather and GatherElements: indices are runtime tensors (int32 or int64), negative values count
// from the end. The CPU reference rejects an index out of range; the GPU kernel cannot raise an
// error and writes zeros for it (see kernels/gather.cuh). GPU in gather_gpu.cpp.
#include "ops/movement.h"
#include "ops/movement_plans.h"

namespace rill::ops::movement {

namespace {

void check_indices_type(const InferContext& ctx) {
  const DType t = ctx.inputs[1].dtype;
  if (t != DType::kInt64 && t != DType::kInt32) {
    invalid(ctx, "indices must be int32 or int64, got " + ir::desc_string(ctx.inputs[1]));
  }
}

// Host index resolution with the range check the GPU cannot do.
int64_t resolve_index(const InferContext& ctx, int64_t index, int64_t size) {
  const int64_t raw = index;
  if (index < 0) index += size;
  if (index < 0 || index >= size) {
    Error error = make_error(ErrorKind::kInvalidArgument, ctx, "index out of range");
    error.add_context("index", std::to_string(raw));
    error.add_context("axis_size", std::to_string(size));
    throw error;
  }
  return index;
}

}  // namespace

GatherPlan plan_gather(const InferContext& ctx) {
  check_arity(ctx, 2, 2, 1);
  check_indices_type(ctx);
  const Shape& data = ctx.inputs[0].shape;
  const Shape& indices = ctx.inputs[1].shape;
  const auto rank = static_cast<int64_t>(data.size());
  if (rank == 0) invalid(ctx, "Gather from a scalar");
  GatherPlan plan;
  plan.axis = normalize_axis(ctx, ctx.node.attr_int("axis", 0), rank);
  plan.axis_size = data[plan.axis];
  plan.index_count = ir::element_count(indices);
  for (int64_t d = 0; d < rank; ++d) {
    if (d < plan.axis) plan.outer *= data[d];
    if (d > plan.axis) plan.inner *= data[d];
  }
  plan.out_shape.assign(data.begin(), data.begin() + plan.axis);
  plan.out_shape.insert(plan.out_shape.end(), indices.begin(), indices.end());
  plan.out_shape.insert(plan.out_shape.end(), data.begin() + plan.axis + 1, data.end());
  return plan;
}

GatherElementsPlan plan_gather_elements(const InferContext& ctx) {
  check_arity(ctx, 2, 2, 1);
  check_indices_type(ctx);
  const Shape& data = ctx.inputs[0].shape;
  const Shape& indices = ctx.inputs[1].shape;
  const auto rank = static_cast<int64_t>(data.size());
  if (rank == 0 || indices.size() != data.size()) {
    invalid(ctx, "data and indices must have the same rank (at least 1)");
  }
  GatherElementsPlan plan;
  plan.axis = normalize_axis(ctx, ctx.node.attr_int("axis", 0), rank);
  for (int64_t d = 0; d < rank; ++d) {
    if (d != plan.axis && indices[d] > data[d]) {
      invalid(ctx, "indices dim " + std::to_string(d) + " exceeds the data's");
    }
  }
  plan.out_shape = indices;
  return plan;
}

namespace {

std::vector<TensorDesc> gather_infer(const InferContext& ctx) {
  return {TensorDesc{ctx.inputs[0].dtype, plan_gather(ctx).out_shape}};
}

std::vector<HostTensor> gather_cpu(const Node& node, std::span<const HostTensor> inputs) {
  const HostInferContext host(node, inputs);
  const GatherPlan plan = plan_gather(host.ctx());
  const std::vector<int64_t> indices = inputs[1].as_int64s();
  HostTensor out(inputs[0].dtype(), plan.out_shape);
  const size_t row = static_cast<size_t>(plan.inner) * dtype_size(out.dtype());
  std::byte* dst = out.raw();
  for (int64_t o = 0; o < plan.outer; ++o) {
    for (int64_t j = 0; j < plan.index_count; ++j) {
      const int64_t index = resolve_index(host.ctx(), indices[j], plan.axis_size);
      std::memcpy(dst, inputs[0].raw() + ((o * plan.axis_size + index) * row), row);
      dst += row;
    }
  }
  return {out};
}

std::vector<TensorDesc> gather_elements_infer(const InferContext& ctx) {
  return {TensorDesc{ctx.inputs[0].dtype, plan_gather_elements(ctx).out_shape}};
}

std::vector<HostTensor> gather_elements_cpu(const Node& node, std::span<const HostTensor> inputs) {
  const HostInferContext host(node, inputs);
  const GatherElementsPlan plan = plan_gather_elements(host.ctx());
  const std::vector<int64_t> indices = inputs[1].as_int64s();
  const std::vector<int64_t> data_strides = strides_of(inputs[0].shape());
  const int64_t axis_size = inputs[0].shape()[plan.axis];
  HostTensor out(inputs[0].dtype(), plan.out_shape);
  const size_t size = dtype_size(out.dtype());
  const size_t rank = plan.out_shape.size();
  std::vector<int64_t> coord(rank, 0);
  for (int64_t i = 0; i < out.elements(); ++i) {
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d) {
      const int64_t c = static_cast<int64_t>(d) == plan.axis
                            ? resolve_index(host.ctx(), indices[i], axis_size)
                            : coord[d];
      offset += c * data_strides[d];
    }
    copy_element(out.raw() + i * size, inputs[0].raw() + offset * size, size);
    for (size_t d = rank; d-- > 0;) {
      if (++coord[d] < plan.out_shape[d]) break;
      coord[d] = 0;
    }
  }
  return {out};
}

}  // namespace

std::vector<OpDef> gather_ops() {
  return {
      {"Gather",
       &gather_infer,
       &gather_cpu,
       &prepare_gather_gpu,
       OutputKind::kComputed,
       {},
       kAllDTypes},
      {"GatherElements",
       &gather_elements_infer,
       &gather_elements_cpu,
       &prepare_gather_elements_gpu,
       OutputKind::kComputed,
       {},
       kAllDTypes},
  };
}

}  // namespace rill::ops::movement
