// A tiny float32 CPU interpreter for pass tests: enough ops to check that a rewritten graph
// computes what the original did, without depending on src/ops.
#pragma once

#include <cmath>
#include <random>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/graph.h"
#include "ir/passes/activation_fusion.h"
#include "ir/passes/elementwise_fusion.h"
#include "ir/passes/matmul_bias_fusion.h"

namespace rill::ir::testing {

inline Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    out[i] = x == 1 ? y : x;
  }
  return out;
}

// Index into `t` (broadcast to `shape`) of the element at flat position `flat` of `shape`.
inline float broadcast_at(const HostTensor& t, const Shape& shape, int64_t flat) {
  int64_t index = 0;
  int64_t stride = 1;
  const size_t offset = shape.size() - t.shape().size();
  for (size_t d = shape.size(); d-- > 0;) {
    const int64_t coord = flat % shape[d];
    flat /= shape[d];
    if (d >= offset) {
      const int64_t size = t.shape()[d - offset];
      index += (size == 1 ? 0 : coord) * stride;
      stride *= size;
    }
  }
  return t.data<float>()[index];
}

inline float apply_unary(const std::string& op, float x, float alpha, float beta) {
  if (op == "Relu") return x > 0 ? x : 0.f;
  if (op == "LeakyRelu") return x < 0 ? alpha * x : x;
  if (op == "Sigmoid") return 1.f / (1.f + std::exp(-x));
  if (op == "Tanh") return std::tanh(x);
  if (op == "Erf") return std::erf(x);
  if (op == "Sqrt") return std::sqrt(x);
  if (op == "Reciprocal") return 1.f / x;
  if (op == "Neg") return -x;
  if (op == "Exp") return std::exp(x);
  if (op == "Log") return std::log(x);
  if (op == "Abs") return std::fabs(x);
  if (op == "Clip") return std::min(std::max(x, alpha), beta);
  if (op == "HardSigmoid") return std::max(0.f, std::min(1.f, alpha * x + beta));
  if (op == "HardSwish") return x * std::max(0.f, std::min(1.f, x / 6.f + 0.5f));
  throw Error(ErrorKind::kUnsupported, "test evaluator: unary op", {{"op", op}});
}

inline float apply_binary(const std::string& op, float a, float b) {
  if (op == "Add") return a + b;
  if (op == "Sub") return a - b;
  if (op == "Mul") return a * b;
  if (op == "Div") return a / b;
  if (op == "Pow") return std::pow(a, b);
  if (op == "Min") return a < b ? a : b;
  if (op == "Max") return a > b ? a : b;
  throw Error(ErrorKind::kUnsupported, "test evaluator: binary op", {{"op", op}});
}

inline HostTensor binary(const std::string& op, const HostTensor& a, const HostTensor& b) {
  const Shape shape = broadcast_shapes(a.shape(), b.shape());
  HostTensor out(DType::kFloat32, shape);
  for (int64_t i = 0; i < out.elements(); ++i) {
    out.data<float>()[i] = apply_binary(op, broadcast_at(a, shape, i), broadcast_at(b, shape, i));
  }
  return out;
}

inline HostTensor unary(const std::string& op, const HostTensor& a, float alpha, float beta) {
  HostTensor out(DType::kFloat32, a.shape());
  for (int64_t i = 0; i < out.elements(); ++i) {
    out.data<float>()[i] = apply_unary(op, a.data<float>()[i], alpha, beta);
  }
  return out;
}

inline HostTensor activation(const Node& node, HostTensor t) {
  const std::string act = node.attr_string(std::string(kActivationAttribute), "");
  if (act.empty()) return t;
  return unary(act, t, node.attr_float(std::string(kActivationAlphaAttribute), 0.01f), 0.f);
}

// [M,K] x [K,N] (+ bias [N]).
inline HostTensor matmul(const HostTensor& a, const HostTensor& b, const HostTensor* bias) {
  const int64_t m = a.shape()[0], k = a.shape()[1], n = b.shape()[1];
  HostTensor out(DType::kFloat32, {m, n});
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double sum = bias ? bias->data<float>()[j] : 0.0;
      for (int64_t p = 0; p < k; ++p)
        sum += double{a.data<float>()[i * k + p]} * b.data<float>()[p * n + j];
      out.data<float>()[i * n + j] = static_cast<float>(sum);
    }
  }
  return out;
}

// 1x1 Conv, NCHW, no padding: all the BN-folding tests need.
inline HostTensor conv1x1(const HostTensor& x, const HostTensor& w, const HostTensor* b) {
  const int64_t n = x.shape()[0], c = x.shape()[1], hw = x.shape()[2] * x.shape()[3];
  const int64_t m = w.shape()[0];
  HostTensor out(DType::kFloat32, {n, m, x.shape()[2], x.shape()[3]});
  for (int64_t in = 0; in < n; ++in) {
    for (int64_t om = 0; om < m; ++om) {
      for (int64_t p = 0; p < hw; ++p) {
        double sum = b ? b->data<float>()[om] : 0.0;
        for (int64_t ic = 0; ic < c; ++ic) {
          sum += double{w.data<float>()[om * c + ic]} * x.data<float>()[(in * c + ic) * hw + p];
        }
        out.data<float>()[(in * m + om) * hw + p] = static_cast<float>(sum);
      }
    }
  }
  return out;
}

inline HostTensor batchnorm(const Node& node, std::span<const HostTensor> in) {
  const double eps = node.attr_float("epsilon", 1e-5f);
  HostTensor out(DType::kFloat32, in[0].shape());
  const int64_t c = in[0].shape()[1];
  const int64_t inner = in[0].elements() / in[0].shape()[0] / c;
  for (int64_t i = 0; i < out.elements(); ++i) {
    const int64_t ch = (i / inner) % c;
    const double s = in[1].data<float>()[ch] / std::sqrt(double{in[4].data<float>()[ch]} + eps);
    out.data<float>()[i] = static_cast<float>(
        (in[0].data<float>()[i] - in[3].data<float>()[ch]) * s + in[2].data<float>()[ch]);
  }
  return out;
}

inline HostTensor fused_elementwise(const Node& node, std::span<const HostTensor> in) {
  const ElementwiseProgram program = decode_elementwise_program(node);
  std::vector<HostTensor> values(in.begin(), in.end());
  for (const ElementwiseStep& step : program.steps) {
    const HostTensor& lhs = values[static_cast<size_t>(step.lhs)];
    values.push_back(step.is_unary() ? unary(step.op, lhs, step.alpha, step.beta)
                                     : binary(step.op, lhs, values[static_cast<size_t>(step.rhs)]));
  }
  return values.back();
}

//! The evaluator the pass tests inject.
inline std::vector<HostTensor> evaluate(const Node& node, std::span<const HostTensor> in) {
  const std::string& op = node.op_type;
  if (op == "Identity") return {in[0]};
  if (op == "Constant") {
    if (node.has_attribute("value_float"))
      return {HostTensor::scalar(node.attr_float("value_float", 0.f))};
    return {node.attr_tensor("value")};
  }
  if (op == "Conv")
    return {activation(node, conv1x1(in[0], in[1], in.size() > 2 ? &in[2] : nullptr))};
  if (op == "BatchNormalization") return {batchnorm(node, in)};
  if (op == "MatMul") return {matmul(in[0], in[1], nullptr)};
  if (op == std::string(kFusedMatMulOp)) return {activation(node, matmul(in[0], in[1], &in[2]))};
  if (op == std::string(kFusedElementwiseOp)) return {fused_elementwise(node, in)};
  if (elementwise_step_arity(op) == 2) return {binary(op, in[0], in[1])};
  if (op == "Clip") {
    const float lo = in.size() > 1 && in[1].bytes() > 0 ? in[1].data<float>()[0] : -INFINITY;
    const float hi = in.size() > 2 && in[2].bytes() > 0 ? in[2].data<float>()[0] : INFINITY;
    return {unary(op, in[0], lo, hi)};
  }
  if (elementwise_step_arity(op) == 1) {
    const float alpha = node.attr_float("alpha", op == "LeakyRelu" ? 0.01f : 0.2f);
    return {unary(op, in[0], alpha, node.attr_float("beta", 0.5f))};
  }
  throw Error(ErrorKind::kUnsupported, "test evaluator: op", node.context());
}

//! Runs the graph on `inputs`; returns every graph output by name.
inline std::unordered_map<std::string, HostTensor> run_graph(
    const Graph& graph, const std::unordered_map<std::string, HostTensor>& inputs) {
  std::unordered_map<std::string, HostTensor> values = inputs;
  for (const auto& [name, tensor] : graph.initializers) values[name] = tensor;
  for (const Node& node : graph.nodes) {
    std::vector<HostTensor> args;
    for (const std::string& in : node.inputs)
      args.push_back(in.empty() ? HostTensor() : values.at(in));
    std::vector<HostTensor> outs = evaluate(node, args);
    for (size_t i = 0; i < node.outputs.size(); ++i) values[node.outputs[i]] = std::move(outs[i]);
  }
  std::unordered_map<std::string, HostTensor> outputs;
  for (const ValueInfo& out : graph.outputs) outputs[out.name] = values.at(out.name);
  return outputs;
}

inline HostTensor random_tensor(Shape shape, uint32_t seed, float lo = -2.f, float hi = 2.f) {
  HostTensor t(DType::kFloat32, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (int64_t i = 0; i < t.elements(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

inline float max_abs_diff(const HostTensor& a, const HostTensor& b) {
  if (a.shape() != b.shape()) return INFINITY;
  float diff = 0.f;
  for (int64_t i = 0; i < a.elements(); ++i) {
    diff = std::max(diff, std::fabs(a.data<float>()[i] - b.data<float>()[i]));
  }
  return diff;
}

}  // namespace rill::ir::testing
