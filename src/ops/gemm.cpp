// Gemm: attributes, shape inference and the CPU reference (GPU half in gemm_gpu.cpp).
#include <string>

#include "ops/nn_common.h"

namespace rill::ops::nn {

GemmSetup gemm_setup(const Node& node, std::span<const TensorDesc> inputs) {
  if (inputs.size() < 2 || !node.has_input(0) || !node.has_input(1)) {
    fail(node, ErrorKind::kInvalidModel, "Gemm needs inputs A and B");
  }
  const auto shapes = [&] { return describe_inputs(node, inputs); };
  const TensorDesc& a = inputs[0];
  const TensorDesc& b = inputs[1];
  require_float(node, a, "A");
  if (b.dtype != a.dtype || a.shape.size() != 2 || b.shape.size() != 2) {
    fail(node, ErrorKind::kInvalidModel, "A and B must be matrices of one dtype",
         {{"inputs", shapes()}});
  }
  GemmSetup s;
  s.trans_a = node.attr_int("transA", 0) != 0;
  s.trans_b = node.attr_int("transB", 0) != 0;
  s.alpha = node.attr_float("alpha", 1.0f);
  s.beta = node.attr_float("beta", 1.0f);
  s.m = s.trans_a ? a.shape[1] : a.shape[0];
  s.k = s.trans_a ? a.shape[0] : a.shape[1];
  const int64_t kb = s.trans_b ? b.shape[1] : b.shape[0];
  s.n = s.trans_b ? b.shape[0] : b.shape[1];
  if (kb != s.k) {
    fail(node, ErrorKind::kInvalidModel, "inner dimensions of A and B differ",
         {{"inputs", shapes()}});
  }
  if (inputs.size() > 2 && node.has_input(2)) {
    const TensorDesc& c = inputs[2];
    const size_t rank = c.shape.size();
    const int64_t rows = rank == 2 ? c.shape[0] : 1;
    const int64_t cols = rank >= 1 ? c.shape[rank - 1] : 1;
    if (c.dtype != a.dtype || rank > 2 || (rows != 1 && rows != s.m) ||
        (cols != 1 && cols != s.n)) {
      fail(node, ErrorKind::kInvalidModel, "C does not broadcast to [M, N]",
           {{"inputs", shapes()}});
    }
    s.has_c = true;
    s.c_row_stride = rows == 1 ? 0 : cols;
    s.c_col_stride = cols == 1 ? 0 : 1;
  }
  s.activation = fused_activation(
      node, {Activation::kRelu, Activation::kSigmoid, Activation::kTanh, Activation::kLeakyRelu});
  return s;
}

std::vector<TensorDesc> infer_gemm(const InferContext& ctx) {
  const GemmSetup s = gemm_setup(ctx.node, ctx.inputs);
  return {TensorDesc{ctx.inputs[0].dtype, {s.m, s.n}}};
}

std::vector<HostTensor> run_gemm_cpu(const Node& node, std::span<const HostTensor> inputs) {
  std::vector<TensorDesc> descs;
  for (const HostTensor& t : inputs) descs.push_back(t.desc());
  const GemmSetup s = gemm_setup(node, descs);
  const std::vector<double> a = inputs[0].as_doubles();
  const std::vector<double> b = inputs[1].as_doubles();
  const std::vector<double> c = s.has_c ? inputs[2].as_doubles() : std::vector<double>{};
  std::vector<double> y(static_cast<size_t>(s.m * s.n));
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < s.n; ++j) {
      double acc = 0.0;
      for (int64_t p = 0; p < s.k; ++p) {
        const double av = s.trans_a ? a[p * s.m + i] : a[i * s.k + p];
        const double bv = s.trans_b ? b[j * s.k + p] : b[p * s.n + j];
        acc += av * bv;
      }
      double v = static_cast<double>(s.alpha) * acc;
      if (s.has_c) v += static_cast<double>(s.beta) * c[i * s.c_row_stride + j * s.c_col_stride];
      y[i * s.n + j] = apply_activation(v, s.activation);
    }
  }
  return {from_doubles(inputs[0].dtype(), {s.m, s.n}, y)};
}

}  // namespace rill::ops::nn
