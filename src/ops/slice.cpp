// Slice: starts/ends/axes/steps (inputs 1-4 since opset 10, attributes before), clamped as the
// ONNX spec says; negative steps walk backwards. GPU in strided_gpu.cpp.
#include <algorithm>

#include "ops/movement.h"
#include "ops/movement_plans.h"

namespace rill::ops::movement {

SlicePlan plan_slice(const InferContext& ctx) {
  const bool attribute_form = ctx.node.has_attribute("starts");  // opset < 10
  check_arity(ctx, attribute_form ? 1 : 3, attribute_form ? 1 : 5, 1);
  const Shape& in = ctx.inputs[0].shape;
  const auto rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> starts;
  std::vector<int64_t> ends;
  std::vector<int64_t> axes;
  std::vector<int64_t> steps;
  if (attribute_form) {
    starts = ctx.node.attr_ints("starts");
    ends = ctx.node.attr_ints("ends");
    axes = ctx.node.attr_ints("axes");
  } else {
    starts = constant_ints(ctx, 1);
    ends = constant_ints(ctx, 2);
    if (present(ctx, 3)) axes = constant_ints(ctx, 3);
    if (present(ctx, 4)) steps = constant_ints(ctx, 4);
  }
  if (axes.empty()) {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    invalid(ctx, "starts, ends, axes and steps differ in length");
  }
  SlicePlan plan;
  plan.out_shape = in;
  plan.starts.assign(in.size(), 0);
  plan.steps.assign(in.size(), 1);
  std::vector<bool> seen(in.size(), false);
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t axis = normalize_axis(ctx, axes[i], rank);
    if (seen[axis]) invalid(ctx, "axis " + std::to_string(axes[i]) + " is sliced twice");
    seen[axis] = true;
    const int64_t dim = in[axis];
    const int64_t step = steps[i];
    if (step == 0) invalid(ctx, "slice step is zero");
    int64_t start = starts[i];
    int64_t end = ends[i];
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    int64_t count = 0;
    if (dim == 0) {
      start = 0;
    } else if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      if (end > start) count = (end - start + step - 1) / step;
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      if (start > end) count = (start - end + (-step) - 1) / (-step);
    }
    plan.out_shape[axis] = count;
    plan.starts[axis] = count > 0 ? start : 0;
    plan.steps[axis] = step;
  }
  return plan;
}

namespace {

std::vector<TensorDesc> slice_infer(const InferContext& ctx) {
  return {TensorDesc{ctx.inputs[0].dtype, plan_slice(ctx).out_shape}};
}

std::vector<HostTensor> slice_cpu(const Node& node, std::span<const HostTensor> inputs) {
  const HostInferContext host(node, inputs);
  const SlicePlan plan = plan_slice(host.ctx());
  const std::vector<int64_t> in_strides = strides_of(inputs[0].shape());
  std::vector<int64_t> strides;
  int64_t offset = 0;
  for (size_t d = 0; d < in_strides.size(); ++d) {
    strides.push_back(in_strides[d] * plan.steps[d]);
    offset += in_strides[d] * plan.starts[d];
  }
  return {strided_copy_host(inputs[0], plan.out_shape, strides, offset)};
}

}  // namespace

std::vector<OpDef> slice_ops() {
  return {{"Slice",
           &slice_infer,
           &slice_cpu,
           &prepare_slice_gpu,
           OutputKind::kComputed,
           {1, 2, 3, 4},
           kAllDTypes}};
}

}  // namespace rill::ops::movement
