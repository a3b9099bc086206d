// rill.Attention (Note [Attention] in ir/passes/attention_fusion.h): shape inference and CPU
// reference (double accumulation, stable softmax). The GPU half is attention_gpu.cpp.
#include "ops/attention.h"

#include <cmath>
#include <limits>
#include <string>

namespace rill::ops::transformer {

namespace {

std::string inputs_string(const Node& node, std::span<const TensorDesc> inputs) {
  std::string text;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (i > 0) text += ", ";
    text += node.has_input(i) ? ir::desc_string(inputs[i]) : std::string("<absent>");
  }
  return text;
}

[[noreturn]] void fail(ErrorKind kind, const std::string& message, const Node& node,
                       std::span<const TensorDesc> inputs) {
  Error error(kind, "rill.Attention: " + message, node.context());
  error.add_context("inputs", inputs_string(node, inputs));
  throw error;
}

// numpy broadcast of one dim over several sizes (each 1 or the common size).
int64_t broadcast_dim(std::initializer_list<int64_t> sizes, bool* ok) {
  int64_t out = 1;
  for (int64_t s : sizes) {
    if (s == 1) continue;
    if (out != 1 && out != s) *ok = false;
    out = s;
  }
  return out;
}

}  // namespace

AttentionSpec attention_spec(const Node& node, std::span<const TensorDesc> inputs) {
  if (inputs.size() < 3 || inputs.size() > 4 || node.outputs.size() != 1) {
    fail(ErrorKind::kInvalidModel, "needs inputs (q, k, v[, mask]) and one output", node, inputs);
  }
  const DType dtype = inputs[0].dtype;
  if (dtype != DType::kFloat32 && dtype != DType::kFloat64 && !is_half(dtype)) {
    fail(ErrorKind::kUnsupported, "q must be a floating-point tensor", node, inputs);
  }
  AttentionSpec spec;
  spec.has_mask = inputs.size() > 3 && node.has_input(3);
  const bool packed = node.attr_int("qkv_packed", 0) != 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!node.has_input(i)) {
      if (i < 3) fail(ErrorKind::kInvalidModel, "q, k and v are required", node, inputs);
      continue;
    }
    if (inputs[i].dtype != dtype) {
      fail(ErrorKind::kInvalidModel, "q, k, v and mask must share one dtype", node, inputs);
    }
    if (i < 3 && !packed && inputs[i].shape.size() != 4) {
      fail(ErrorKind::kInvalidModel, "q, k and v must be [batch, seq, heads, head_dim]", node,
           inputs);
    }
  }
  if (packed) {
    const ir::Shape& qkv = inputs[0].shape;
    if (node.inputs[1] != node.inputs[0] || node.inputs[2] != node.inputs[0] || qkv.size() != 5 ||
        qkv[2] != 3) {
      fail(ErrorKind::kInvalidModel, "qkv_packed needs q, k and v to be one [B, S, 3, H, D] value",
           node, inputs);
    }
  }
  // Packed QKV: each of q, k and v is the [B, S, H, D] view of one third (Note [Packed QKV]).
  const ir::Shape view = packed ? ir::Shape{inputs[0].shape[0], inputs[0].shape[1],
                                            inputs[0].shape[3], inputs[0].shape[4]}
                                : ir::Shape{};
  const ir::Shape& q = packed ? view : inputs[0].shape;
  const ir::Shape& k = packed ? view : inputs[1].shape;
  const ir::Shape& v = packed ? view : inputs[2].shape;
  if (q[3] != k[3] || k[1] != v[1]) {
    fail(ErrorKind::kInvalidModel, "q and k need one head_dim, k and v one sequence length", node,
         inputs);
  }
  // The mask, right-aligned to [B, H, Sq, Sk].
  std::array<int64_t, 4> mask_dims{1, 1, 1, 1};
  if (spec.has_mask) {
    const ir::Shape& m = inputs[3].shape;
    if (m.size() > 4) fail(ErrorKind::kInvalidModel, "mask rank above 4", node, inputs);
    for (size_t d = 0; d < m.size(); ++d) mask_dims[4 - m.size() + d] = m[d];
  }
  bool ok = true;
  spec.batch = broadcast_dim({q[0], k[0], v[0], mask_dims[0]}, &ok);
  spec.heads = broadcast_dim({q[2], k[2], v[2], mask_dims[1]}, &ok);
  if (!ok) fail(ErrorKind::kInvalidModel, "batch or head dims do not broadcast", node, inputs);
  spec.seq_q = q[1];
  spec.seq_k = k[1];
  spec.head_dim = q[3];
  spec.value_dim = v[3];
  if ((mask_dims[2] != 1 && mask_dims[2] != spec.seq_q) ||
      (mask_dims[3] != 1 && mask_dims[3] != spec.seq_k)) {
    fail(ErrorKind::kInvalidModel, "mask does not broadcast to [batch, heads, seq_q, seq_k]", node,
         inputs);
  }
  const double default_scale = spec.head_dim > 0 ? 1.0 / std::sqrt(double(spec.head_dim)) : 1.0;
  spec.scale = node.has_attribute("scale") ? double{node.attr_float("scale", 1.f)} : default_scale;
  spec.out_shape = {spec.batch, spec.seq_q, spec.heads, spec.value_dim};

  // Contiguous [B, S, H, D] layouts; broadcast dims (size 1 under a larger B or H) step by 0.
  auto strides = [&](const ir::Shape& s) {
    return std::array<int64_t, 3>{s[0] == 1 ? 0 : s[1] * s[2] * s[3], s[2] * s[3],
                                  s[2] == 1 ? 0 : s[3]};
  };
  spec.q_strides = strides(q);
  spec.k_strides = strides(k);
  spec.v_strides = strides(v);
  if (packed) {
    const int64_t row = q[2] * q[3];  // H * D
    for (auto* s : {&spec.q_strides, &spec.k_strides, &spec.v_strides}) {
      *s = {q[0] == 1 ? 0 : q[1] * 3 * row, 3 * row, q[2] == 1 ? 0 : q[3]};
    }
    spec.qkv_offsets = {0, row, 2 * row};
  }
  spec.out_strides = strides(spec.out_shape);
  if (spec.has_mask) {
    int64_t step = 1;
    for (size_t d = 4; d-- > 0;) {
      spec.mask_strides[d] = mask_dims[d] == 1 ? 0 : step;
      step *= mask_dims[d];
    }
  }
  return spec;
}

std::vector<TensorDesc> infer_attention(const InferContext& ctx) {
  const AttentionSpec spec = attention_spec(ctx.node, ctx.inputs);
  return {TensorDesc{ctx.inputs[0].dtype, spec.out_shape}};
}

std::vector<HostTensor> run_attention_cpu(const Node& node, std::span<const HostTensor> inputs) {
  std::vector<TensorDesc> descs;
  for (const HostTensor& t : inputs) descs.push_back(t.desc());
  const AttentionSpec spec = attention_spec(node, descs);
  const std::vector<double> q = inputs[0].as_doubles();
  const std::vector<double> k = inputs[1].as_doubles();
  const std::vector<double> v = inputs[2].as_doubles();
  const std::vector<double> mask = spec.has_mask ? inputs[3].as_doubles() : std::vector<double>{};
  std::vector<double> out(static_cast<size_t>(ir::element_count(spec.out_shape)));
  std::vector<double> scores(static_cast<size_t>(spec.seq_k));
  auto at = [](const std::array<int64_t, 3>& s, int64_t b, int64_t pos, int64_t h) {
    return b * s[0] + pos * s[1] + h * s[2];
  };
  for (int64_t b = 0; b < spec.batch; ++b) {
    for (int64_t h = 0; h < spec.heads; ++h) {
      for (int64_t i = 0; i < spec.seq_q; ++i) {
        const int64_t qi = spec.qkv_offsets[0] + at(spec.q_strides, b, i, h);
        double max = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < spec.seq_k; ++j) {
          const int64_t kj = spec.qkv_offsets[1] + at(spec.k_strides, b, j, h);
          double dot = 0.0;
          for (int64_t d = 0; d < spec.head_dim; ++d) {
            dot += q[static_cast<size_t>(qi + d)] * k[static_cast<size_t>(kj + d)];
          }
          double s = dot * spec.scale;
          if (spec.has_mask) {
            const auto& m = spec.mask_strides;
            s += mask[static_cast<size_t>(b * m[0] + h * m[1] + i * m[2] + j * m[3])];
          }
          scores[static_cast<size_t>(j)] = s;
          max = std::max(max, s);
        }
        double sum = 0.0;
        for (double& s : scores) {
          s = std::exp(s - max);  // NaN for a row of -inf only, as Softmax's reference
          sum += s;
        }
        const int64_t oi = at(spec.out_strides, b, i, h);
        for (int64_t d = 0; d < spec.value_dim; ++d) {
          double acc = 0.0;
          for (int64_t j = 0; j < spec.seq_k; ++j) {
            acc += scores[static_cast<size_t>(j)] *
                   v[static_cast<size_t>(spec.qkv_offsets[2] + at(spec.v_strides, b, j, h) + d)];
          }
          out[static_cast<size_t>(oi + d)] = acc / sum;
        }
      }
    }
  }
  const DType dtype = inputs[0].dtype();
  if (dtype == DType::kFloat64) {
    HostTensor result(dtype, spec.out_shape);
    std::copy(out.begin(), out.end(), result.data<double>());
    return {std::move(result)};
  }
  // float32, or half rounded once through float (as the GPU stores its float accumulators).
  HostTensor as_float(DType::kFloat32, spec.out_shape);
  for (size_t i = 0; i < out.size(); ++i) as_float.data<float>()[i] = static_cast<float>(out[i]);
  if (dtype == DType::kFloat32) return {std::move(as_float)};
  return {ir::convert_floating(as_float, dtype)};
}

}  // namespace rill::ops::transformer
