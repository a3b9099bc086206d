#include "ops/movement_common.h"

#include <algorithm>

namespace rill::ops::movement {

Error make_error(ErrorKind kind, const InferContext& ctx, const std::string& message) {
  Error error(kind, message, ctx.node.context());
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    if (!ctx.node.has_input(i)) continue;
    error.add_context("input" + std::to_string(i), ir::desc_string(ctx.inputs[i]));
  }
  return error;
}

void fail(ErrorKind kind, const InferContext& ctx, const std::string& message) {
  throw make_error(kind, ctx, message);
}

void check_arity(const InferContext& ctx, size_t min_inputs, size_t max_inputs, int outputs) {
  const size_t n = ctx.node.inputs.size();
  if (n < min_inputs || n > max_inputs || ctx.inputs.size() < std::min(n, min_inputs)) {
    invalid(ctx, "expected " + std::to_string(min_inputs) + ".." + std::to_string(max_inputs) +
                     " inputs, got " + std::to_string(n));
  }
  for (size_t i = 0; i < min_inputs; ++i) {
    if (!ctx.node.has_input(i)) invalid(ctx, "required input " + std::to_string(i) + " is absent");
  }
  const auto outs = static_cast<int>(ctx.node.outputs.size());
  if ((outputs >= 0 && outs != outputs) || (outputs < 0 && outs < 1)) {
    invalid(ctx, "unexpected number of outputs: " + std::to_string(outs));
  }
}

int64_t normalize_axis(const InferContext& ctx, int64_t axis, int64_t rank, const char* what) {
  if (axis < -rank || axis >= rank) {
    invalid(ctx, std::string(what) + " " + std::to_string(axis) + " is out of range for rank " +
                     std::to_string(rank));
  }
  return axis < 0 ? axis + rank : axis;
}

std::vector<int64_t> constant_ints(const InferContext& ctx, size_t i) {
  const HostTensor& t = ctx.constant(i);
  if (is_floating(t.dtype())) {
    invalid(ctx, "input " + std::to_string(i) + " must be an integer tensor, got " +
                     ir::desc_string(t.desc()));
  }
  return t.as_int64s();
}

std::vector<int64_t> strides_of(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

namespace {
std::vector<TensorDesc> descs_of(std::span<const HostTensor> inputs) {
  std::vector<TensorDesc> descs;
  for (const HostTensor& t : inputs) descs.push_back(t.desc());
  return descs;
}
std::vector<const HostTensor*> pointers_of(const Node& node, std::span<const HostTensor> inputs) {
  std::vector<const HostTensor*> pointers;
  for (size_t i = 0; i < inputs.size(); ++i) {
    pointers.push_back(node.has_input(i) ? &inputs[i] : nullptr);
  }
  return pointers;
}
}  // namespace

HostInferContext::HostInferContext(const Node& node, std::span<const HostTensor> inputs)
    : descs_(descs_of(inputs)),
      constants_(pointers_of(node, inputs)),
      ctx_{node, descs_, constants_} {}

}  // namespace rill::ops::movement
