// Binary elementwise ops with numpy multidirectional broadcasting (Add, Sub, Mul, Div, Pow, the
// comparisons, And, Or), variadic Min/Max, and Where: attributes, shape inference and CPU
// reference. The GPU half is elementwise_gpu.cpp. float16/bfloat16 follow float's semantics
// (Note [Half CPU references]).
#include <cmath>

#include "ops/elementwise_common.h"

namespace rill::ops::ew {

namespace {

enum class BinaryKind { kArith, kPow, kCompare, kEqual, kLogical };

constexpr BinaryKind kind_of(EwOp op) {
  switch (op) {
    case EwOp::kPow:
      return BinaryKind::kPow;
    case EwOp::kEqual:
      return BinaryKind::kEqual;
    case EwOp::kLess:
    case EwOp::kGreater:
    case EwOp::kGreaterOrEqual:
      return BinaryKind::kCompare;
    case EwOp::kAnd:
    case EwOp::kOr:
      return BinaryKind::kLogical;
    default:
      return BinaryKind::kArith;  // Add, Sub, Mul, Div, Min, Max
  }
}

template <EwOp kOp, class T>
constexpr bool binary_accepts() {
  constexpr bool boolean = std::is_same_v<T, bool>;
  switch (kind_of(kOp)) {
    case BinaryKind::kLogical:
      return boolean;
    case BinaryKind::kEqual:
      return true;
    case BinaryKind::kPow:
      return std::is_floating_point_v<T> || std::is_same_v<T, int32_t> ||
             std::is_same_v<T, int64_t>;
    default:
      return !boolean;
  }
}

void check_accepts(const Node& node, std::span<const TensorDesc> inputs, size_t i, bool ok) {
  if (!ok) {
    Error error =
        op_error(ErrorKind::kUnsupported, "input dtype not supported by this op", node, inputs);
    error.add_context("dtype", std::string(dtype_name(inputs[i].dtype)));
    throw error;
  }
}

template <EwOp kOp>
std::vector<TensorDesc> infer_binary(const InferContext& ctx) {
  const Node& node = ctx.node;
  constexpr bool variadic = kOp == EwOp::kMin || kOp == EwOp::kMax;
  expect_arity(node, ctx.inputs, variadic ? 1 : 2, variadic ? SIZE_MAX : 2, 1, 1);
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    if (!ctx.has_input(i)) {
      throw op_error(ErrorKind::kInvalidModel, "inputs may not be absent", node, ctx.inputs);
    }
    check_accepts(node, ctx.inputs, i,
                  dispatch_dtype(constraint_dtype(ctx.inputs[i].dtype), node,
                                 [](auto t) { return binary_accepts<kOp, decltype(t)>(); }));
    // Pow alone allows different base and exponent types.
    if (kOp != EwOp::kPow) expect_same_dtype(node, ctx.inputs, 0, i);
  }
  const Shape shape = broadcast_all(node, ctx.inputs);
  const BinaryKind kind = kind_of(kOp);
  const DType out =
      kind == BinaryKind::kCompare || kind == BinaryKind::kEqual || kind == BinaryKind::kLogical
          ? DType::kBool
          : ctx.inputs[0].dtype;
  return {TensorDesc{out, shape}};
}

//! x ** y for integer x and y: exact (wrapping) for y >= 0; 1/x^|y| truncated toward zero for
//! y < 0, which is 0 unless |x| == 1.
template <class T>
T int_pow(T x, int64_t y) {
  if (y < 0) {
    if (x == 1) return 1;
    if (x == -1) return (y % 2 == 0) ? 1 : -1;
    return 0;
  }
  using U = std::make_unsigned_t<T>;
  U result = 1;
  U base = static_cast<U>(x);
  while (y > 0) {
    if (y & 1) result = static_cast<U>(result * base);
    base = static_cast<U>(base * base);
    y >>= 1;
  }
  return static_cast<T>(result);
}

template <class X, class Y>
X pow_value(X x, Y y) {
  if constexpr (std::is_integral_v<X> && std::is_integral_v<Y>) {
    return int_pow<X>(x, static_cast<int64_t>(y));
  } else {
    return kernels::cast_value<X>(std::pow(static_cast<double>(x), static_cast<double>(y)));
  }
}

template <EwOp kOp>
std::vector<HostTensor> run_binary_cpu(const Node& node, std::span<const HostTensor> inputs) {
  if (has_half_input(inputs)) {
    return run_half_through_float(node, inputs, &run_binary_cpu<kOp>, inputs[0].dtype());
  }
  std::vector<TensorDesc> descs;
  for (const HostTensor& t : inputs) descs.push_back(t.desc());
  const Shape out_shape = broadcast_all(node, descs);
  const BinaryKind kind = kind_of(kOp);
  const bool predicate =
      kind == BinaryKind::kCompare || kind == BinaryKind::kEqual || kind == BinaryKind::kLogical;
  HostTensor y(predicate ? DType::kBool : inputs[0].dtype(), out_shape);
  const std::vector<Shape> shapes = {inputs[0].shape(), inputs[1].shape()};

  dispatch_dtype(inputs[0].dtype(), node, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!binary_accepts<kOp, T>()) {
      throw Error(ErrorKind::kUnsupported, "input dtype not supported by this op", node.context());
    } else if constexpr (kOp == EwOp::kPow) {
      dispatch_dtype(inputs[1].dtype(), node, [&](auto ytag) {
        using Y = decltype(ytag);
        const T* a = inputs[0].data<T>();
        const Y* b = inputs[1].data<Y>();
        T* out = y.data<T>();
        for_each_broadcast(out_shape, shapes, [&](int64_t i, const int64_t* off) {
          out[i] = pow_value<T, Y>(a[off[0]], b[off[1]]);
        });
      });
    } else {
      const T* a = inputs[0].data<T>();
      const T* b = inputs[1].data<T>();
      if constexpr (kind_of(kOp) == BinaryKind::kArith) {
        using C = CpuCompute<T>;
        T* out = y.data<T>();
        for_each_broadcast(out_shape, shapes, [&](int64_t i, const int64_t* off) {
          out[i] = static_cast<T>(
              kernels::arith_value<kOp, C>(static_cast<C>(a[off[0]]), static_cast<C>(b[off[1]])));
        });
      } else {
        bool* out = y.data<bool>();
        for_each_broadcast(out_shape, shapes, [&](int64_t i, const int64_t* off) {
          out[i] = kernels::predicate_value<kOp, T>(a[off[0]], b[off[1]]);
        });
      }
    }
  });
  return {std::move(y)};
}

//! Min and Max fold their inputs left to right: out = op(...op(op(x0, x1), x2)..., xn).
template <EwOp kOp>
std::vector<HostTensor> run_variadic_cpu(const Node& node, std::span<const HostTensor> inputs) {
  if (has_half_input(inputs)) {
    return run_half_through_float(node, inputs, &run_variadic_cpu<kOp>, inputs[0].dtype());
  }
  if (inputs.size() == 1) return {inputs[0]};
  std::vector<TensorDesc> descs;
  for (const HostTensor& t : inputs) descs.push_back(t.desc());
  const Shape out_shape = broadcast_all(node, descs);
  HostTensor y(inputs[0].dtype(), out_shape);
  dispatch_dtype(inputs[0].dtype(), node, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!binary_accepts<kOp, T>()) {
      throw Error(ErrorKind::kUnsupported, "input dtype not supported by this op", node.context());
    } else {
      T* out = y.data<T>();
      // acc = x0 broadcast to the output shape, then fold in each further input.
      const std::vector<Shape> first = {inputs[0].shape()};
      for_each_broadcast(out_shape, first, [&](int64_t i, const int64_t* off) {
        out[i] = inputs[0].data<T>()[off[0]];
      });
      for (size_t k = 1; k < inputs.size(); ++k) {
        const T* b = inputs[k].data<T>();
        const std::vector<Shape> shapes = {inputs[k].shape()};
        for_each_broadcast(out_shape, shapes, [&](int64_t i, const int64_t* off) {
          out[i] = kernels::arith_value<kOp, T>(out[i], b[off[0]]);
        });
      }
    }
  });
  return {std::move(y)};
}

std::vector<TensorDesc> infer_where(const InferContext& ctx) {
  const Node& node = ctx.node;
  expect_arity(node, ctx.inputs, 3, 3, 1, 1);
  expect_dtype(node, ctx.inputs, 0, {DType::kBool});
  expect_same_dtype(node, ctx.inputs, 1, 2);
  const Shape shape = broadcast_all(node, ctx.inputs);
  return {TensorDesc{ctx.inputs[1].dtype, shape}};
}

std::vector<HostTensor> run_where_cpu(const Node& node, std::span<const HostTensor> inputs) {
  if (has_half_input(inputs)) {  // exact: Where only selects
    return run_half_through_float(node, inputs, &run_where_cpu, inputs[1].dtype());
  }
  std::vector<TensorDesc> descs;
  for (const HostTensor& t : inputs) descs.push_back(t.desc());
  const Shape out_shape = broadcast_all(node, descs);
  HostTensor y(inputs[1].dtype(), out_shape);
  const std::vector<Shape> shapes = {inputs[0].shape(), inputs[1].shape(), inputs[2].shape()};
  const bool* c = inputs[0].data<bool>();
  dispatch_dtype(inputs[1].dtype(), node, [&](auto tag) {
    using T = decltype(tag);
    const T* a = inputs[1].data<T>();
    const T* b = inputs[2].data<T>();
    T* out = y.data<T>();
    for_each_broadcast(out_shape, shapes, [&](int64_t i, const int64_t* off) {
      out[i] = c[off[0]] ? a[off[1]] : b[off[2]];
    });
  });
  return {std::move(y)};
}

template <EwOp kOp>
OpDef binary_def(std::string_view name) {
  OpDef def;
  def.op_type = name;
  def.infer = &infer_binary<kOp>;
  if constexpr (kOp == EwOp::kMin || kOp == EwOp::kMax) {
    def.run_cpu = &run_variadic_cpu<kOp>;
    def.prepare_gpu = &prepare_variadic_gpu;
  } else {
    def.run_cpu = &run_binary_cpu<kOp>;
    def.prepare_gpu = &prepare_binary_gpu;
  }
  def.gpu_dtypes = kFloatDTypes;  // float16/bfloat16 compute in float
  return def;
}

}  // namespace

std::vector<OpDef> binary_op_defs() {
  OpDef where;
  where.op_type = "Where";
  where.infer = &infer_where;
  where.run_cpu = &run_where_cpu;
  where.prepare_gpu = &prepare_where_gpu;
  where.gpu_dtypes = kFloatDTypes;
  return {
      binary_def<EwOp::kAdd>("Add"),
      binary_def<EwOp::kSub>("Sub"),
      binary_def<EwOp::kMul>("Mul"),
      binary_def<EwOp::kDiv>("Div"),
      binary_def<EwOp::kPow>("Pow"),
      binary_def<EwOp::kEqual>("Equal"),
      binary_def<EwOp::kLess>("Less"),
      binary_def<EwOp::kGreater>("Greater"),
      binary_def<EwOp::kGreaterOrEqual>("GreaterOrEqual"),
      binary_def<EwOp::kAnd>("And"),
      binary_def<EwOp::kOr>("Or"),
      binary_def<EwOp::kMin>("Min"),
      binary_def<EwOp::kMax>("Max"),
      where,
  };
}

}  // namespace rill::ops::ew
