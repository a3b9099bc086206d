// MatMul (numpy semantics) and rill.FusedMatMul: shape inference and CPU references (GPU half in
// matmul_gpu.cpp).
#include <algorithm>
#include <string>

#include "ops/nn_common.h"

namespace rill::ops::nn {

MatMulSetup matmul_setup(const Node& node, std::span<const TensorDesc> inputs) {
  if (inputs.size() < 2 || !node.has_input(0) || !node.has_input(1)) {
    fail(node, ErrorKind::kInvalidModel, "MatMul needs inputs A and B");
  }
  const auto shapes = [&] { return describe_inputs(node, inputs); };
  require_float(node, inputs[0], "A");
  Shape a = inputs[0].shape;
  Shape b = inputs[1].shape;
  if (inputs[1].dtype != inputs[0].dtype || a.empty() || b.empty()) {
    fail(node, ErrorKind::kInvalidModel, "A and B must be tensors of rank >= 1 and one dtype",
         {{"inputs", shapes()}});
  }
  const bool a_vector = a.size() == 1;
  const bool b_vector = b.size() == 1;
  if (a_vector) a.insert(a.begin(), 1);
  if (b_vector) b.push_back(1);
  MatMulSetup s;
  s.m = a[a.size() - 2];
  s.k = a[a.size() - 1];
  s.n = b[b.size() - 1];
  if (b[b.size() - 2] != s.k) {
    fail(node, ErrorKind::kInvalidModel, "inner dimensions of A and B differ",
         {{"inputs", shapes()}});
  }
  const size_t rank = std::max(a.size(), b.size()) - 2;
  Shape batch_a(rank - (a.size() - 2), 1);
  batch_a.insert(batch_a.end(), a.begin(), a.end() - 2);
  Shape batch_b(rank - (b.size() - 2), 1);
  batch_b.insert(batch_b.end(), b.begin(), b.end() - 2);
  s.batch.resize(rank);
  for (size_t d = 0; d < rank; ++d) {
    if (batch_a[d] != batch_b[d] && batch_a[d] != 1 && batch_b[d] != 1) {
      fail(node, ErrorKind::kInvalidModel, "batch dimensions of A and B do not broadcast",
           {{"inputs", shapes()}});
    }
    s.batch[d] = batch_a[d] == 1 ? batch_b[d] : batch_a[d];
  }
  // Element offsets of each output batch's A and B matrices (broadcast dims stride 0).
  const int64_t count = ir::element_count(s.batch);
  s.a_offsets.assign(static_cast<size_t>(count), 0);
  s.b_offsets.assign(static_cast<size_t>(count), 0);
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t rest = flat;
    int64_t stride_a = s.m * s.k;
    int64_t stride_b = s.k * s.n;
    for (size_t d = rank; d-- > 0;) {
      const int64_t index = rest % s.batch[d];
      rest /= s.batch[d];
      if (batch_a[d] != 1) s.a_offsets[flat] += index * stride_a;
      if (batch_b[d] != 1) s.b_offsets[flat] += index * stride_b;
      stride_a *= batch_a[d];
      stride_b *= batch_b[d];
    }
  }
  s.out = s.batch;
  if (!a_vector) s.out.push_back(s.m);
  if (!b_vector) s.out.push_back(s.n);
  return s;
}

std::vector<TensorDesc> infer_matmul(const InferContext& ctx) {
  return {TensorDesc{ctx.inputs[0].dtype, matmul_setup(ctx.node, ctx.inputs).out}};
}

namespace {
// D[m, n] (+)= A[m, :] . B[:, n] for one batch, row-major, accumulating in double.
void matmul_block(const double* a, const double* b, double* d, int64_t m, int64_t n, int64_t k) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0.0;
      for (int64_t p = 0; p < k; ++p) acc += a[i * k + p] * b[p * n + j];
      d[i * n + j] = acc;
    }
  }
}
}  // namespace

std::vector<HostTensor> run_matmul_cpu(const Node& node, std::span<const HostTensor> inputs) {
  const std::vector<TensorDesc> descs{inputs[0].desc(), inputs[1].desc()};
  const MatMulSetup s = matmul_setup(node, descs);
  const std::vector<double> a = inputs[0].as_doubles();
  const std::vector<double> b = inputs[1].as_doubles();
  std::vector<double> y(static_cast<size_t>(ir::element_count(s.out)));
  for (size_t batch = 0; batch < s.a_offsets.size(); ++batch) {
    matmul_block(a.data() + s.a_offsets[batch], b.data() + s.b_offsets[batch],
                 y.data() + static_cast<int64_t>(batch) * s.m * s.n, s.m, s.n, s.k);
  }
  return {from_doubles(inputs[0].dtype(), s.out, y)};
}

FusedMatMulSetup fused_matmul_setup(const Node& node, std::span<const TensorDesc> inputs) {
  if (inputs.size() < 2 || !node.has_input(0) || !node.has_input(1)) {
    fail(node, ErrorKind::kInvalidModel, "rill.FusedMatMul needs inputs A and B");
  }
  const auto shapes = [&] { return describe_inputs(node, inputs); };
  const TensorDesc& a = inputs[0];
  const TensorDesc& b = inputs[1];
  require_float(node, a, "A");
  if (b.dtype != a.dtype || a.shape.empty() || b.shape.size() != 2 ||
      a.shape.back() != b.shape[0]) {
    fail(node, ErrorKind::kInvalidModel, "rill.FusedMatMul needs A [..., K] and B [K, N]",
         {{"inputs", shapes()}});
  }
  FusedMatMulSetup s;
  s.k = b.shape[0];
  s.n = b.shape[1];
  s.m = ir::element_count(Shape(a.shape.begin(), a.shape.end() - 1));
  if (inputs.size() > 2 && node.has_input(2)) {
    if (inputs[2].shape != Shape{s.n} || inputs[2].dtype != a.dtype) {
      fail(node, ErrorKind::kInvalidModel, "bias must be [N] of A's dtype", {{"inputs", shapes()}});
    }
    s.has_bias = true;
  }
  s.activation = fused_activation(node, {Activation::kRelu, Activation::kSigmoid, Activation::kTanh,
                                         Activation::kLeakyRelu, Activation::kGeluTanh});
  s.out = a.shape;
  s.out.back() = s.n;
  return s;
}

std::vector<TensorDesc> infer_fused_matmul(const InferContext& ctx) {
  return {TensorDesc{ctx.inputs[0].dtype, fused_matmul_setup(ctx.node, ctx.inputs).out}};
}

std::vector<HostTensor> run_fused_matmul_cpu(const Node& node, std::span<const HostTensor> inputs) {
  std::vector<TensorDesc> descs;
  for (const HostTensor& t : inputs) descs.push_back(t.desc());
  const FusedMatMulSetup s = fused_matmul_setup(node, descs);
  const std::vector<double> a = inputs[0].as_doubles();
  const std::vector<double> b = inputs[1].as_doubles();
  std::vector<double> y(static_cast<size_t>(s.m * s.n));
  matmul_block(a.data(), b.data(), y.data(), s.m, s.n, s.k);
  if (s.has_bias || s.activation.kind != Activation::kNone) {
    const std::vector<double> bias = s.has_bias ? inputs[2].as_doubles() : std::vector<double>{};
    for (size_t i = 0; i < y.size(); ++i) {
      const double v = s.has_bias ? y[i] + bias[i % static_cast<size_t>(s.n)] : y[i];
      y[i] = apply_activation(v, s.activation);
    }
  }
  return {from_doubles(inputs[0].dtype(), s.out, y)};
}

}  // namespace rill::ops::nn
