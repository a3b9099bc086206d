// Softmax (opset 13: one axis, default -1): shape inference and CPU reference (double, stable:
// exp(x - max) / sum). The GPU half is softmax_gpu.cpp. float16/bfloat16: Note [Half CPU
// references].
#include <cmath>
#include <limits>

#include "ops/elementwise_common.h"

namespace rill::ops::ew {

namespace {

std::vector<TensorDesc> infer_softmax(const InferContext& ctx) {
  const Node& node = ctx.node;
  expect_arity(node, ctx.inputs, 1, 1, 1, 1);
  expect_dtype(node, ctx.inputs, 0,
               {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16});
  const auto rank = static_cast<int64_t>(ctx.inputs[0].shape.size());
  if (rank == 0) {
    throw op_error(ErrorKind::kInvalidModel, "Softmax of a scalar", node, ctx.inputs);
  }
  (void)normalize_axis(node, ctx.inputs, node.attr_int("axis", -1), rank);
  return {ctx.inputs[0]};
}

template <class T>
void softmax_rows(const T* x, T* y, int64_t outer, int64_t dim, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const T* in = x + o * dim * inner + i;
      T* out = y + o * dim * inner + i;
      double max = -std::numeric_limits<double>::infinity();
      for (int64_t d = 0; d < dim; ++d) max = std::max(max, static_cast<double>(in[d * inner]));
      double sum = 0.0;
      for (int64_t d = 0; d < dim; ++d) sum += std::exp(static_cast<double>(in[d * inner]) - max);
      for (int64_t d = 0; d < dim; ++d) {
        out[d * inner] = static_cast<T>(std::exp(static_cast<double>(in[d * inner]) - max) / sum);
      }
    }
  }
}

std::vector<HostTensor> run_softmax_cpu(const Node& node, std::span<const HostTensor> inputs) {
  if (has_half_input(inputs)) {
    return run_half_through_float(node, inputs, &run_softmax_cpu, inputs[0].dtype());
  }
  const HostTensor& x = inputs[0];
  const std::vector<TensorDesc> descs = {x.desc()};
  const ir::Shape& shape = x.shape();
  const auto axis = static_cast<size_t>(
      normalize_axis(node, descs, node.attr_int("axis", -1), static_cast<int64_t>(shape.size())));
  int64_t outer = 1;
  int64_t inner = 1;
  for (size_t d = 0; d < axis; ++d) outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  HostTensor y(x.dtype(), shape);
  if (x.dtype() == DType::kFloat32) {
    softmax_rows(x.data<float>(), y.data<float>(), outer, shape[axis], inner);
  } else if (x.dtype() == DType::kFloat64) {
    softmax_rows(x.data<double>(), y.data<double>(), outer, shape[axis], inner);
  } else {
    throw op_error(ErrorKind::kUnsupported, "Softmax dtype", node, descs);
  }
  return {std::move(y)};
}

}  // namespace

std::vector<OpDef> softmax_op_defs() {
  OpDef softmax;
  softmax.op_type = "Softmax";
  softmax.infer = &infer_softmax;
  softmax.run_cpu = &run_softmax_cpu;
  softmax.prepare_gpu = &prepare_softmax_gpu;
  softmax.gpu_dtypes = kFloatDTypes;
  return {softmax};
}

}  // namespace rill::ops::ew
