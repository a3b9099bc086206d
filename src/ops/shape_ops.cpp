// Ops whose outputs are values known at plan time: Shape, Constant, ConstantOfShape, Range.
// Each computes its output on the host from input types and constants (host_value below); the
// CPU reference and the GPU path (an upload at prepare time, a device copy per enqueue) share it.
#include "ops/shape_ops.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/movement.h"
#include "ops/movement_common.h"

namespace rill::ops::movement {

namespace {

HostTensor shape_value(const InferContext& ctx) {
  check_arity(ctx, 1, 1, 1);
  const ir::Shape& in = ctx.inputs[0].shape;
  const auto rank = static_cast<int64_t>(in.size());
  auto clamp_index = [&](int64_t i) {
    if (i < 0) i += rank;
    return std::clamp<int64_t>(i, 0, rank);
  };
  const int64_t start = clamp_index(ctx.node.attr_int("start", 0));
  const int64_t end = clamp_index(ctx.node.attr_int("end", rank));
  std::vector<int64_t> dims;
  for (int64_t d = start; d < end; ++d) dims.push_back(in[d]);
  return HostTensor::from<int64_t>({static_cast<int64_t>(dims.size())}, dims);
}

HostTensor constant_value(const InferContext& ctx) {
  check_arity(ctx, 0, 0, 1);
  const Node& node = ctx.node;
  int given = 0;
  for (const char* key : {"value", "value_float", "value_int", "value_floats", "value_ints",
                          "value_string", "value_strings", "sparse_value"}) {
    given += node.has_attribute(key) ? 1 : 0;
  }
  if (given != 1) invalid(ctx, "Constant needs exactly one value attribute");
  if (node.has_attribute("value")) return node.attr_tensor("value");
  if (node.has_attribute("value_float"))
    return HostTensor::scalar(node.attr_float("value_float", 0));
  if (node.has_attribute("value_int")) return HostTensor::scalar(node.attr_int("value_int", 0));
  if (node.has_attribute("value_floats")) {
    const std::vector<float> v = node.attr_floats("value_floats");
    return HostTensor::from<float>({static_cast<int64_t>(v.size())}, v);
  }
  if (node.has_attribute("value_ints")) {
    const std::vector<int64_t> v = node.attr_ints("value_ints");
    return HostTensor::from<int64_t>({static_cast<int64_t>(v.size())}, v);
  }
  unsupported(ctx, "Constant with a string or sparse value");
}

// The fill value of ConstantOfShape: a one-element tensor, float32 0 when absent.
HostTensor fill_value(const InferContext& ctx) {
  if (!ctx.node.has_attribute("value")) return HostTensor::scalar(0.0f);
  const HostTensor& value = ctx.node.attr_tensor("value");
  if (value.elements() != 1) {
    invalid(ctx, "value must hold one element, got " + ir::desc_string(value.desc()));
  }
  return value;
}

ir::Shape constant_of_shape_shape(const InferContext& ctx) {
  check_arity(ctx, 1, 1, 1);
  const std::vector<int64_t> shape = constant_ints(ctx, 0);
  for (int64_t d : shape) {
    if (d < 0) invalid(ctx, "negative dim in shape " + ir::shape_string(shape));
  }
  return shape;
}

HostTensor constant_of_shape_value(const InferContext& ctx) {
  const HostTensor value = fill_value(ctx);
  HostTensor out(value.dtype(), constant_of_shape_shape(ctx));
  const size_t size = dtype_size(value.dtype());
  for (int64_t i = 0; i < out.elements(); ++i) {
    copy_element(out.raw() + i * size, value.raw(), size);
  }
  return out;
}

template <class T>
HostTensor range_of(const InferContext& ctx, const HostTensor& start_t, const HostTensor& limit_t,
                    const HostTensor& delta_t) {
  const T start = start_t.data<T>()[0];
  const T limit = limit_t.data<T>()[0];
  const T delta = delta_t.data<T>()[0];
  if (delta == T{0}) invalid(ctx, "Range delta is zero");
  int64_t count = 0;
  if constexpr (std::is_floating_point_v<T>) {
    const double n = std::ceil((static_cast<double>(limit) - static_cast<double>(start)) /
                               static_cast<double>(delta));
    if (n > static_cast<double>(std::numeric_limits<int32_t>::max())) {
      invalid(ctx, "Range has too many elements");
    }
    count = n > 0 ? static_cast<int64_t>(n) : 0;
  } else {
    const int64_t span = static_cast<int64_t>(limit) - static_cast<int64_t>(start);
    const int64_t d = static_cast<int64_t>(delta);
    // ceil(span / d) with integer math; zero when span and d differ in sign.
    if ((span > 0 && d > 0) || (span < 0 && d < 0)) {
      count = (span + d + (d > 0 ? -1 : 1)) / d;
    }
  }
  std::vector<T> values(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) values[i] = static_cast<T>(start + static_cast<T>(i) * delta);
  return HostTensor::from<T>({count}, values);
}

HostTensor range_value(const InferContext& ctx) {
  check_arity(ctx, 3, 3, 1);
  const HostTensor& start = ctx.constant(0);
  const HostTensor& limit = ctx.constant(1);
  const HostTensor& delta = ctx.constant(2);
  for (const HostTensor* t : {&start, &limit, &delta}) {
    if (t->dtype() != start.dtype() || t->elements() != 1) {
      invalid(ctx, "start, limit and delta must be one-element tensors of one dtype");
    }
  }
  switch (start.dtype()) {
    case DType::kFloat32:
      return range_of<float>(ctx, start, limit, delta);
    case DType::kFloat64:
      return range_of<double>(ctx, start, limit, delta);
    case DType::kInt32:
      return range_of<int32_t>(ctx, start, limit, delta);
    case DType::kInt64:
      return range_of<int64_t>(ctx, start, limit, delta);
    default:
      unsupported(ctx, "Range of " + std::string(dtype_name(start.dtype())));
  }
}

std::vector<TensorDesc> constant_of_shape_infer(const InferContext& ctx) {
  return {TensorDesc{fill_value(ctx).dtype(), constant_of_shape_shape(ctx)}};
}

template <HostTensor (*ValueFn)(const InferContext&)>
std::vector<TensorDesc> value_infer(const InferContext& ctx) {
  return {ValueFn(ctx).desc()};
}

template <HostTensor (*ValueFn)(const InferContext&)>
std::vector<HostTensor> value_cpu(const Node& node, std::span<const HostTensor> inputs) {
  const HostInferContext host(node, inputs);
  return {ValueFn(host.ctx())};
}

}  // namespace

HostTensor host_value(const InferContext& ctx) {
  const std::string_view op = ctx.node.op_type;
  if (op == "Shape") return shape_value(ctx);
  if (op == "Constant") return constant_value(ctx);
  if (op == "ConstantOfShape") return constant_of_shape_value(ctx);
  if (op == "Range") return range_value(ctx);
  fail(ErrorKind::kInternal, ctx, "host_value: not a shape-valued op");
}

HostTensor constant_of_shape_fill_value(const InferContext& ctx) {
  return fill_value(ctx);
}

std::vector<OpDef> shape_value_ops() {
  return {
      {"Shape",
       &value_infer<shape_value>,
       &value_cpu<shape_value>,
       &prepare_host_value_gpu,
       OutputKind::kComputed,
       {},
       kAllDTypes},
      {"Constant",
       &value_infer<constant_value>,
       &value_cpu<constant_value>,
       &prepare_host_value_gpu,
       OutputKind::kComputed,
       {},
       kAllDTypes},
      // ConstantOfShape fills on the GPU rather than uploading: its output can be large.
      {"ConstantOfShape",
       &constant_of_shape_infer,
       &value_cpu<constant_of_shape_value>,
       &prepare_constant_of_shape_gpu,
       OutputKind::kComputed,
       {0},
       kAllDTypes},  // fills by element size
      // Range's output shape depends on its values, so they must be known at plan time.
      {"Range",
       &value_infer<range_value>,
       &value_cpu<range_value>,
       &prepare_host_value_gpu,
       OutputKind::kComputed,
       {0, 1, 2},
       {DType::kFloat32, DType::kFloat64}},  // the dtypes range_value computes
  };
}

}  // namespace rill::ops::movement
