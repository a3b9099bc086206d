// Ops whose output is input 0's memory with a new shape: Reshape, Flatten, Squeeze, Unsqueeze,
// Identity. They have no GPU kernel (OutputKind::kAliasOfInput0: the engine maps the output onto
// the input's memory); the CPU reference returns the same bytes with the new shape.
#include <algorithm>

#include "ops/movement.h"
#include "ops/movement_common.h"

namespace rill::ops::movement {

namespace {

Shape reshape_shape(const InferContext& ctx) {
  check_arity(ctx, 2, 2, 1);
  const Shape& in = ctx.inputs[0].shape;
  const std::vector<int64_t> requested = constant_ints(ctx, 1);
  const bool allow_zero = ctx.node.attr_int("allowzero", 0) != 0;
  Shape out(requested.size());
  int infer_at = -1;
  int64_t known = 1;
  for (size_t i = 0; i < requested.size(); ++i) {
    const int64_t r = requested[i];
    if (r == -1) {
      if (infer_at >= 0) invalid(ctx, "shape " + ir::shape_string(requested) + " has two -1 dims");
      infer_at = static_cast<int>(i);
      continue;
    }
    if (r == 0 && !allow_zero) {
      if (i >= in.size()) {
        invalid(ctx, "shape " + ir::shape_string(requested) + " copies dim " + std::to_string(i) +
                         " (0) that the input does not have");
      }
      out[i] = in[i];
    } else if (r < 0) {
      invalid(ctx, "shape " + ir::shape_string(requested) + " has a negative dim");
    } else {
      out[i] = r;
    }
    known *= out[i];
  }
  if (allow_zero && infer_at >= 0 &&
      std::find(requested.begin(), requested.end(), 0) != requested.end()) {
    invalid(ctx, "allowzero=1 with both 0 and -1 in shape " + ir::shape_string(requested));
  }
  const int64_t total = ir::element_count(in);
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0) {
      invalid(ctx, "cannot infer the -1 dim of shape " + ir::shape_string(requested));
    }
    out[infer_at] = total / known;
  }
  if (ir::element_count(out) != total) {
    invalid(ctx, "shape " + ir::shape_string(requested) + " (resolved " + ir::shape_string(out) +
                     ") does not match the input's element count");
  }
  return out;
}

Shape flatten_shape(const InferContext& ctx) {
  check_arity(ctx, 1, 1, 1);
  const Shape& in = ctx.inputs[0].shape;
  const auto rank = static_cast<int64_t>(in.size());
  int64_t axis = ctx.node.attr_int("axis", 1);
  if (axis < -rank || axis > rank) {
    invalid(ctx,
            "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  }
  if (axis < 0) axis += rank;
  int64_t outer = 1;
  int64_t inner = 1;
  for (int64_t d = 0; d < rank; ++d) (d < axis ? outer : inner) *= in[d];
  return {outer, inner};
}

// Squeeze/Unsqueeze take axes from input 1 (opset 13) or, in older models, an attribute.
std::vector<int64_t> axes_of(const InferContext& ctx) {
  if (ctx.node.has_attribute("axes")) return ctx.node.attr_ints("axes");
  if (present(ctx, 1)) return constant_ints(ctx, 1);
  return {};
}

Shape squeeze_shape(const InferContext& ctx) {
  check_arity(ctx, 1, 2, 1);
  const Shape& in = ctx.inputs[0].shape;
  const auto rank = static_cast<int64_t>(in.size());
  std::vector<bool> drop(in.size(), false);
  const std::vector<int64_t> axes = axes_of(ctx);
  if (axes.empty()) {  // no axes (or an empty list, as ONNX Runtime reads it): every 1
    for (size_t d = 0; d < in.size(); ++d) drop[d] = in[d] == 1;
  }
  for (int64_t a : axes) {
    const int64_t d = normalize_axis(ctx, a, rank);
    if (in[d] != 1) {
      invalid(ctx,
              "cannot squeeze axis " + std::to_string(a) + " of size " + std::to_string(in[d]));
    }
    drop[d] = true;
  }
  Shape out;
  for (size_t d = 0; d < in.size(); ++d) {
    if (!drop[d]) out.push_back(in[d]);
  }
  return out;
}

Shape unsqueeze_shape(const InferContext& ctx) {
  check_arity(ctx, 1, 2, 1);
  const Shape& in = ctx.inputs[0].shape;
  const std::vector<int64_t> axes = axes_of(ctx);
  const auto out_rank = static_cast<int64_t>(in.size() + axes.size());
  std::vector<bool> inserted(out_rank, false);
  for (int64_t a : axes) {
    const int64_t d = normalize_axis(ctx, a, out_rank);
    if (inserted[d]) invalid(ctx, "axis " + std::to_string(a) + " is repeated");
    inserted[d] = true;
  }
  Shape out;
  size_t next = 0;
  for (int64_t d = 0; d < out_rank; ++d) out.push_back(inserted[d] ? 1 : in[next++]);
  return out;
}

Shape identity_shape(const InferContext& ctx) {
  check_arity(ctx, 1, 1, 1);
  return ctx.inputs[0].shape;
}

// One infer/CPU pair per alias op, from its shape function.
template <Shape (*ShapeFn)(const InferContext&)>
std::vector<TensorDesc> alias_infer(const InferContext& ctx) {
  return {TensorDesc{ctx.inputs[0].dtype, ShapeFn(ctx)}};
}

template <Shape (*ShapeFn)(const InferContext&)>
std::vector<HostTensor> alias_cpu(const Node& node, std::span<const HostTensor> inputs) {
  const HostInferContext host(node, inputs);
  return {inputs[0].reshaped(ShapeFn(host.ctx()))};
}

template <Shape (*ShapeFn)(const InferContext&)>
OpDef alias_op(std::string_view op_type, std::vector<int> constant_inputs) {
  OpDef def;
  def.op_type = op_type;
  def.infer = &alias_infer<ShapeFn>;
  def.run_cpu = &alias_cpu<ShapeFn>;
  def.output_kind = OutputKind::kAliasOfInput0;
  def.constant_inputs = std::move(constant_inputs);
  def.gpu_dtypes = kAllDTypes;  // aliases: no kernel, the bytes are not touched
  return def;
}

}  // namespace

std::vector<OpDef> alias_ops() {
  return {
      alias_op<reshape_shape>("Reshape", {1}),  alias_op<flatten_shape>("Flatten", {}),
      alias_op<squeeze_shape>("Squeeze", {1}),  alias_op<unsqueeze_shape>("Unsqueeze", {1}),
      alias_op<identity_shape>("Identity", {}),
  };
}

}  // namespace rill::ops::movement
