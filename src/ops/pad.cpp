// Pad: modes constant, reflect and edge; pads from input 1 (opset 11+) or the `pads` attribute
// (older), constant_value from input 2 (or the `value` attribute), axes from input 3 (opset 18).
// Negative pads crop. GPU in pad_gpu.cpp.
#include <cstring>

#include "ops/movement.h"
#include "ops/movement_plans.h"

namespace rill::ops::movement {

namespace {

// `value` in the data's dtype, as raw bits.
uint64_t value_bits_of(const InferContext& ctx, double value, DType dtype) {
  uint64_t bits = 0;
  auto put = [&](auto v) { std::memcpy(&bits, &v, sizeof(v)); };
  switch (dtype) {
    case DType::kFloat32:
      put(static_cast<float>(value));
      break;
    case DType::kFloat64:
      put(value);
      break;
    case DType::kInt64:
      put(static_cast<int64_t>(value));
      break;
    case DType::kInt32:
      put(static_cast<int32_t>(value));
      break;
    case DType::kInt8:
      put(static_cast<int8_t>(value));
      break;
    case DType::kUInt8:
      put(static_cast<uint8_t>(value));
      break;
    case DType::kBool:
      put(static_cast<uint8_t>(value != 0.0 ? 1 : 0));
      break;
    case DType::kFloat16:
    case DType::kBFloat16:
      if (value != 0.0) unsupported(ctx, "a nonzero pad value attribute for half-precision data");
      break;
  }
  return bits;
}

}  // namespace

PadPlan plan_pad(const InferContext& ctx) {
  const bool attribute_form = ctx.node.has_attribute("pads");  // opset < 11
  check_arity(ctx, attribute_form ? 1 : 2, attribute_form ? 1 : 4, 1);
  const TensorDesc& data = ctx.inputs[0];
  const auto rank = static_cast<int64_t>(data.shape.size());
  PadPlan plan;
  const std::string mode = ctx.node.attr_string("mode", "constant");
  if (mode == "constant") {
    plan.mode = kernels::PadMode::kConstant;
  } else if (mode == "reflect") {
    plan.mode = kernels::PadMode::kReflect;
  } else if (mode == "edge") {
    plan.mode = kernels::PadMode::kEdge;
  } else {
    unsupported(ctx, "Pad mode '" + mode + "' (supported: constant, reflect, edge)");
  }
  const std::vector<int64_t> pads =
      attribute_form ? ctx.node.attr_ints("pads") : constant_ints(ctx, 1);
  std::vector<int64_t> axes;
  if (!attribute_form && present(ctx, 3)) {
    for (int64_t a : constant_ints(ctx, 3)) axes.push_back(normalize_axis(ctx, a, rank));
  } else {
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  }
  if (pads.size() != 2 * axes.size()) {
    invalid(ctx, "pads " + ir::shape_string(pads) + " needs 2 entries per padded axis");
  }
  plan.pad_begin.assign(rank, 0);
  std::vector<int64_t> pad_end(rank, 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    plan.pad_begin[axes[i]] = pads[i];
    pad_end[axes[i]] = pads[i + axes.size()];
  }
  for (int64_t d = 0; d < rank; ++d) {
    const int64_t in = data.shape[d];
    const int64_t out = in + plan.pad_begin[d] + pad_end[d];
    if (out < 0) invalid(ctx, "pads " + ir::shape_string(pads) + " crop more than the input");
    if (plan.mode != kernels::PadMode::kConstant && in == 0 && out > 0) {
      invalid(ctx, mode + " padding of an empty axis");
    }
    plan.out_shape.push_back(out);
  }
  if (plan.mode == kernels::PadMode::kConstant) {
    if (!attribute_form && present(ctx, 2)) {
      const HostTensor& value = ctx.constant(2);
      if (value.dtype() != data.dtype || value.elements() != 1) {
        invalid(ctx, "constant_value must be one element of the data's dtype, got " +
                         ir::desc_string(value.desc()));
      }
      std::memcpy(&plan.value_bits, value.raw(), value.bytes());
    } else {
      plan.value_bits = value_bits_of(ctx, ctx.node.attr_float("value", 0.0f), data.dtype);
    }
  }
  return plan;
}

namespace {

std::vector<TensorDesc> pad_infer(const InferContext& ctx) {
  return {TensorDesc{ctx.inputs[0].dtype, plan_pad(ctx).out_shape}};
}

std::vector<HostTensor> pad_cpu(const Node& node, std::span<const HostTensor> inputs) {
  const HostInferContext host(node, inputs);
  const PadPlan plan = plan_pad(host.ctx());
  const HostTensor& in = inputs[0];
  const Shape& in_shape = in.shape();
  const std::vector<int64_t> in_strides = strides_of(in_shape);
  HostTensor out(in.dtype(), plan.out_shape);
  const size_t size = dtype_size(in.dtype());
  const size_t rank = in_shape.size();
  std::vector<int64_t> coord(rank, 0);
  for (int64_t i = 0; i < out.elements(); ++i) {
    bool inside = true;
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d) {
      int64_t c = coord[d] - plan.pad_begin[d];
      if (c < 0 || c >= in_shape[d]) {
        switch (plan.mode) {
          case kernels::PadMode::kConstant:
            inside = false;
            break;
          case kernels::PadMode::kEdge:
            c = c < 0 ? 0 : in_shape[d] - 1;
            break;
          case kernels::PadMode::kReflect:
            c = kernels::reflect_coordinate(c, in_shape[d]);
            break;
        }
      }
      offset += c * in_strides[d];
    }
    if (inside) {
      copy_element(out.raw() + i * size, in.raw() + offset * size, size);
    } else {
      std::memcpy(out.raw() + i * size, &plan.value_bits, size);
    }
    for (size_t d = rank; d-- > 0;) {
      if (++coord[d] < plan.out_shape[d]) break;
      coord[d] = 0;
    }
  }
  return {out};
}

}  // namespace

std::vector<OpDef> pad_ops() {
  // The kernel moves any element size, but constant_value (input 2, a plan-time constant) must
  // have the data's dtype, and a reduced-precision build converts the data but not plan-time
  // constants: a float16 Pad with a float32 constant_value would fail to plan. So Pad declares
  // no half dtype (it stays float32, with casts around it) until that conversion exists.
  return {{"Pad",
           &pad_infer,
           &pad_cpu,
           &prepare_pad_gpu,
           OutputKind::kComputed,
           {1, 2, 3},
           {DType::kFloat32, DType::kFloat64}}};
}

}  // namespace rill::ops::movement
