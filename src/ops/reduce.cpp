// ReduceSum, ReduceMean, ReduceMax and GlobalAveragePool: axes, shape inference and CPU reference
// (accumulating in double; float16/bfloat16 per Note [Half CPU references]). Also the reduction
// family's table. The GPU half is reduce_gpu.cpp.
#include "ops/reduce.h"

#include <algorithm>

#include "ops/elementwise_common.h"
#include "ops/families.h"

namespace rill::ops::ew {

namespace {

ReduceKind kind_of(const Node& node) {
  if (node.op_type == "ReduceSum") return ReduceKind::kSum;
  if (node.op_type == "ReduceMax") return ReduceKind::kMax;
  return ReduceKind::kMean;  // ReduceMean, GlobalAveragePool
}

}  // namespace

ReduceSpec reduce_spec(const Node& node, std::span<const TensorDesc> inputs,
                       const HostTensor* axes) {
  const ir::Shape& shape = inputs[0].shape;
  const auto rank = static_cast<int64_t>(shape.size());
  ReduceSpec spec;
  spec.kind = kind_of(node);
  spec.reduced.assign(shape.size(), false);
  bool keepdims = true;

  if (node.op_type == "GlobalAveragePool") {
    if (rank < 3) {
      throw op_error(ErrorKind::kInvalidModel, "GlobalAveragePool needs an input of rank >= 3",
                     node, inputs);
    }
    for (int64_t d = 2; d < rank; ++d) spec.reduced[static_cast<size_t>(d)] = true;
  } else {
    keepdims = node.attr_int("keepdims", 1) != 0;
    const bool noop_with_empty_axes = node.attr_int("noop_with_empty_axes", 0) != 0;
    std::vector<int64_t> axis_list;
    if (axes != nullptr) {
      if (axes->shape().size() > 1) {
        throw op_error(ErrorKind::kInvalidModel, "axes must be a 1-D tensor", node, inputs);
      }
      axis_list = axes->as_int64s();
    } else {
      axis_list = node.attr_ints("axes");
    }
    if (axis_list.empty()) {
      if (noop_with_empty_axes) {
        spec.noop = true;
      } else {
        spec.reduced.assign(shape.size(), true);
      }
    }
    for (int64_t axis : axis_list) {
      const auto d = static_cast<size_t>(normalize_axis(node, inputs, axis, rank));
      if (spec.reduced[d]) {
        throw op_error(ErrorKind::kInvalidModel, "axes has a duplicate", node, inputs);
      }
      spec.reduced[d] = true;
    }
  }

  spec.keep_shape = shape;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (!spec.reduced[d]) continue;
    if (shape[d] == 0) {
      throw op_error(ErrorKind::kUnsupported, "reduction over an empty dimension", node, inputs);
    }
    spec.keep_shape[d] = 1;
  }
  if (spec.noop) {
    spec.out_shape = shape;
  } else if (keepdims) {
    spec.out_shape = spec.keep_shape;
  } else {
    for (size_t d = 0; d < shape.size(); ++d) {
      if (!spec.reduced[d]) spec.out_shape.push_back(shape[d]);
    }
  }
  return spec;
}

namespace {

const HostTensor* axes_constant(const InferContext& ctx) {
  return ctx.has_input(1) ? &ctx.constant(1) : nullptr;
}

std::vector<TensorDesc> infer_reduce(const InferContext& ctx) {
  const Node& node = ctx.node;
  const bool pool = node.op_type == "GlobalAveragePool";
  expect_arity(node, ctx.inputs, 1, pool ? 1 : 2, 1, 1);
  if (kind_of(node) == ReduceKind::kMax) {
    expect_dtype(node, ctx.inputs, 0,
                 {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64,
                  DType::kInt64, DType::kInt32, DType::kInt8, DType::kUInt8});
  } else if (pool) {
    expect_dtype(node, ctx.inputs, 0,
                 {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64});
  } else {
    expect_dtype(node, ctx.inputs, 0,
                 {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64,
                  DType::kInt64, DType::kInt32});
  }
  if (ctx.has_input(1)) expect_dtype(node, ctx.inputs, 1, {DType::kInt64});
  const ReduceSpec spec = reduce_spec(node, ctx.inputs, axes_constant(ctx));
  return {TensorDesc{ctx.inputs[0].dtype, spec.out_shape}};
}

std::vector<HostTensor> run_reduce_cpu(const Node& node, std::span<const HostTensor> inputs) {
  if (has_half_input(inputs)) {
    return run_half_through_float(node, inputs, &run_reduce_cpu, inputs[0].dtype());
  }
  const HostTensor& x = inputs[0];
  const std::vector<TensorDesc> descs = {x.desc()};
  const HostTensor* axes = inputs.size() > 1 && node.has_input(1) ? &inputs[1] : nullptr;
  const ReduceSpec spec = reduce_spec(node, descs, axes);
  if (spec.noop) return {x};

  HostTensor y(x.dtype(), spec.out_shape);
  const int64_t out_count = y.elements();
  const int64_t group = out_count == 0 ? 0 : x.elements() / out_count;
  dispatch_dtype(x.dtype(), node, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      throw Error(ErrorKind::kUnsupported, "reduction of bool", node.context());
    } else {
      // Each input element's offset in the keepdims-shaped output: the output read as a
      // broadcast of the input shape.
      const std::vector<ir::Shape> out_as_input = {spec.keep_shape};
      const T* in = x.data<T>();
      T* out = y.data<T>();
      if (spec.kind == ReduceKind::kMax) {
        std::vector<bool> seen(static_cast<size_t>(out_count), false);
        for_each_broadcast(x.shape(), out_as_input, [&](int64_t i, const int64_t* off) {
          const auto o = static_cast<size_t>(off[0]);
          out[o] = seen[o] ? kernels::arith_value<EwOp::kMax, T>(out[o], in[i]) : in[i];
          seen[o] = true;
        });
      } else {
        using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
        std::vector<Acc> acc(static_cast<size_t>(out_count), Acc(0));
        for_each_broadcast(x.shape(), out_as_input, [&](int64_t i, const int64_t* off) {
          acc[static_cast<size_t>(off[0])] += static_cast<Acc>(in[i]);
        });
        for (int64_t o = 0; o < out_count; ++o) {
          Acc v = acc[static_cast<size_t>(o)];
          if (spec.kind == ReduceKind::kMean) v = static_cast<Acc>(v / static_cast<Acc>(group));
          out[o] = static_cast<T>(v);
        }
      }
    }
  });
  return {std::move(y)};
}

OpDef reduce_def(std::string_view name, bool axes_input) {
  OpDef def;
  def.op_type = name;
  def.infer = &infer_reduce;
  def.run_cpu = &run_reduce_cpu;
  def.prepare_gpu = &prepare_reduce_gpu;
  def.gpu_dtypes = kFloatDTypes;  // float accumulators
  if (axes_input) def.constant_inputs = {1};
  return def;
}

}  // namespace

std::vector<OpDef> reduce_op_defs() {
  return {
      reduce_def("ReduceSum", true),
      reduce_def("ReduceMean", true),
      reduce_def("ReduceMax", true),
      reduce_def("GlobalAveragePool", false),
  };
}

}  // namespace rill::ops::ew

namespace rill::ops {

std::vector<OpDef> reduction_ops() {
  std::vector<OpDef> all;
  for (auto&& part : {ew::reduce_op_defs(), ew::softmax_op_defs(), ew::layer_norm_op_defs(),
                      ew::add_layer_norm_op_defs()}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

}  // namespace rill::ops
