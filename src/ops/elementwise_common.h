// Shared pieces of the elementwise and reduction op families: error helpers, numpy broadcasting,
// dtype dispatch for the CPU reference, and the per-file OpDef tables that elementwise.cpp and
// reduce.cpp join. Internal to src/ops/.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "kernels/elementwise_scalar.h"
#include "ops/op.h"

namespace rill::ops::ew {

using ir::Shape;
using kernels::EwOp;

//! "float32[2,3], float32[3]" for the node's inputs ("<absent>" for missing optional ones).
std::string inputs_string(const Node& node, std::span<const TensorDesc> inputs);

//! An Error with the node's context and its input types.
Error op_error(ErrorKind kind, std::string message, const Node& node,
               std::span<const TensorDesc> inputs);

//! Throws kInvalidModel unless the node has between min and max inputs and exactly `outputs`
//! outputs (or at least min_outputs and at most `outputs` when min_outputs is given).
void expect_arity(const Node& node, std::span<const TensorDesc> inputs, size_t min_inputs,
                  size_t max_inputs, size_t min_outputs, size_t max_outputs);

//! Throws kUnsupported (naming node, op, dtype) unless input i's dtype is one of `allowed`.
void expect_dtype(const Node& node, std::span<const TensorDesc> inputs, size_t i,
                  std::initializer_list<DType> allowed);

//! Throws kInvalidModel unless inputs i and j have the same dtype.
void expect_same_dtype(const Node& node, std::span<const TensorDesc> inputs, size_t i, size_t j);

//! numpy multidirectional broadcasting of the given shapes; throws kInvalidModel naming the node.
Shape broadcast_shapes(const Node& node, std::span<const TensorDesc> inputs,
                       std::span<const size_t> which);
//! Broadcast of all present inputs.
Shape broadcast_all(const Node& node, std::span<const TensorDesc> inputs);

//! Element strides of `in` read as a tensor of shape `out` (0 on broadcast dims); `in` must be
//! broadcastable to `out`.
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

//! Calls f(out_index, offsets) for every element of `out`, offsets[k] being the element offset in
//! input k (shapes broadcastable to out). An odometer: no division per element.
template <class F>
void for_each_broadcast(const Shape& out, std::span<const Shape> ins, F&& f) {
  const size_t rank = out.size();
  const int64_t count = ir::element_count(out);
  if (count == 0) return;
  std::vector<std::vector<int64_t>> strides;
  strides.reserve(ins.size());
  for (const Shape& in : ins) strides.push_back(broadcast_strides(in, out));
  std::vector<int64_t> index(rank, 0);
  std::vector<int64_t> offsets(ins.size(), 0);
  for (int64_t i = 0; i < count; ++i) {
    f(i, offsets.data());
    for (size_t d = rank; d-- > 0;) {
      ++index[d];
      for (size_t k = 0; k < ins.size(); ++k) offsets[k] += strides[k][d];
      if (index[d] < out[d]) break;
      for (size_t k = 0; k < ins.size(); ++k) offsets[k] -= strides[k][d] * out[d];
      index[d] = 0;
    }
  }
}

//! The compute type of the CPU reference: double for floating tensors (see Note [Elementwise
//! semantics]), the element type otherwise.
template <class T>
using CpuCompute = std::conditional_t<std::is_floating_point_v<T>, double, T>;

//! Calls f(T{}) with T the C++ type of `dtype` (float, double, int64_t, int32_t, int8_t,
//! uint8_t, bool); throws kUnsupported (with the node's context) for other dtypes.
template <class F>
decltype(auto) dispatch_dtype(DType dtype, const Node& node, F&& f) {
  switch (dtype) {
    case DType::kFloat32:
      return f(float{});
    case DType::kFloat64:
      return f(double{});
    case DType::kInt64:
      return f(int64_t{});
    case DType::kInt32:
      return f(int32_t{});
    case DType::kInt8:
      return f(int8_t{});
    case DType::kUInt8:
      return f(uint8_t{});
    case DType::kBool:
      return f(bool{});
    default:
      break;
  }
  Error error(ErrorKind::kUnsupported, "dtype not supported by the CPU reference", node.context());
  error.add_context("dtype", std::string(dtype_name(dtype)));
  throw error;
}

// Note [Half CPU references]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~
// The host has no half arithmetic, so a float16/bfloat16 node's CPU reference is its float32
// reference on widened inputs: every half input converts to float32 exactly, the float32
// reference runs (computing in double and rounding to float32, see Note [Elementwise
// semantics]), and each result that the node produces in the half dtype is rounded once more,
// to nearest even. That is the float op rounded at its inputs and its output, as the GPU
// computes it (load, widen, compute in float, round on store). The double -> float -> half
// rounding can differ from a single rounding only when the float32 result lands exactly on a
// half tie, far below any test tolerance. Outputs that stay float32 (LayerNormalization's Mean
// and InvStdDev) and bool or integer outputs pass through unchanged.

//! True when any present input is float16 or bfloat16.
bool has_half_input(std::span<const HostTensor> inputs);

//! Runs `float_reference` on `inputs` with half inputs widened to float32 and rounds its float32
//! outputs with index < `narrowed` to `half` (see Note [Half CPU references]). When `half` is
//! not a half dtype, no output is rounded.
std::vector<HostTensor> run_half_through_float(const Node& node, std::span<const HostTensor> inputs,
                                               CpuFn float_reference, DType half,
                                               size_t narrowed = 1);

//! The dtype whose type constraints a node of `dtype` follows: float32 for float16/bfloat16
//! (their semantics are float's, Note [Half CPU references]), `dtype` otherwise.
constexpr DType constraint_dtype(DType dtype) {
  return is_half(dtype) ? DType::kFloat32 : dtype;
}

//! Normalizes an axis in [-rank, rank) to [0, rank); throws kInvalidModel otherwise.
int64_t normalize_axis(const Node& node, std::span<const TensorDesc> inputs, int64_t axis,
                       int64_t rank);

//! The EwOp of an ONNX op name usable in a fused program ("Relu", "Add", ...), if any.
std::optional<EwOp> fusable_op_from_name(std::string_view name);

// Tables contributed by each file of the family (joined by elementwise_ops()/reduction_ops()).
std::vector<OpDef> unary_op_defs();           // unary.cpp
std::vector<OpDef> binary_op_defs();          // binary.cpp (incl. Min/Max, Where)
std::vector<OpDef> cast_op_defs();            // cast.cpp
std::vector<OpDef> fused_op_defs();           // fused_elementwise.cpp
std::vector<OpDef> reduce_op_defs();          // reduce.cpp (incl. GlobalAveragePool)
std::vector<OpDef> softmax_op_defs();         // softmax.cpp
std::vector<OpDef> layer_norm_op_defs();      // layer_norm.cpp
std::vector<OpDef> add_layer_norm_op_defs();  // add_layer_norm.cpp (rill.AddLayerNorm)

// GPU halves (the *_gpu.cpp files).
std::unique_ptr<GpuKernel> prepare_unary_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_binary_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_variadic_gpu(const GpuPrepareContext& ctx);  // Min, Max
std::unique_ptr<GpuKernel> prepare_where_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_clip_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_cast_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_fused_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_reduce_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_softmax_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_layer_norm_gpu(const GpuPrepareContext& ctx);
std::unique_ptr<GpuKernel> prepare_add_layer_norm_gpu(const GpuPrepareContext& ctx);

//! EwOp of a unary/binary/ternary ONNX op (Clip -> kClip); throws kInternal for others.
EwOp ew_op_of(const Node& node);

}  // namespace rill::ops::ew
