#include "ir/passes/qkv_packing.h"

#include <cstring>
#include <optional>
#include <type_traits>
#include <variant>

#include "ir/passes/matmul_bias_fusion.h"
#include "ir/passes/pass_util.h"

namespace rill::ir {

namespace {

constexpr std::string_view kAttentionOp = "rill.Attention";

bool same_tensor(const HostTensor& a, const HostTensor& b) {
  return a.desc() == b.desc() && std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

// Whether values a and b are the same computation: one name, equal constants, or outputs of
// nodes of one op with equal attributes and pairwise-same inputs (bounded depth).
bool same_value(const Graph& graph, const std::string& a, const std::string& b, int depth = 8) {
  if (a == b) return true;
  if (depth == 0) return false;
  const HostTensor* ca = passes::initializer(graph, a);
  const HostTensor* cb = passes::initializer(graph, b);
  if (ca != nullptr || cb != nullptr) return ca != nullptr && cb != nullptr && same_tensor(*ca, *cb);
  const auto pa = graph.producer(a);
  const auto pb = graph.producer(b);
  if (!pa || !pb) return false;
  const Node& na = graph.nodes[*pa];
  const Node& nb = graph.nodes[*pb];
  if (na.op_type != nb.op_type || na.domain != nb.domain || na.outputs.size() != 1 ||
      nb.outputs.size() != 1 || na.inputs.size() != nb.inputs.size() ||
      na.attributes.size() != nb.attributes.size()) {
    return false;
  }
  for (const auto& [key, value] : na.attributes) {
    const auto it = nb.attributes.find(key);
    if (it == nb.attributes.end() || it->second.index() != value.index()) return false;
    const AttributeValue& other = it->second;
    const bool equal = std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, HostTensor>) {
            return same_tensor(x, std::get<HostTensor>(other));
          } else {
            return x == std::get<T>(other);
          }
        },
        value);
    if (!equal) return false;
  }
  for (size_t i = 0; i < na.inputs.size(); ++i) {
    if (!same_value(graph, na.inputs[i], nb.inputs[i], depth - 1)) return false;
  }
  return true;
}

struct Projection {
  size_t reshape = 0;
  size_t matmul = 0;
};

// The Reshape(FusedMatMul(x, W, b)) that produces `value`, read only along that path.
std::optional<Projection> projection_of(const Graph& graph, const passes::ConsumerMap& consumers,
                                        const std::string& value) {
  auto single_reader = [&](const std::string& v) {
    const auto it = consumers.find(v);
    return it != consumers.end() && it->second.size() == 1 && !passes::is_graph_output(graph, v);
  };
  const auto reshape = graph.producer(value);
  if (!reshape || !single_reader(value)) return std::nullopt;
  const Node& r = graph.nodes[*reshape];
  if (r.op_type != "Reshape" || !r.domain.empty() || r.inputs.size() != 2 ||
      r.attr_int("allowzero", 0) != 0) {
    return std::nullopt;
  }
  const auto matmul = graph.producer(r.inputs[0]);
  if (!matmul || !single_reader(r.inputs[0])) return std::nullopt;
  const Node& m = graph.nodes[*matmul];
  if (m.op_type != kFusedMatMulOp || m.inputs.size() != 3 || m.has_attribute("rill_activation")) {
    return std::nullopt;
  }
  const HostTensor* w = passes::initializer(graph, m.inputs[1]);
  const HostTensor* b = passes::initializer(graph, m.inputs[2]);
  if (w == nullptr || b == nullptr || w->dtype() != DType::kFloat32 || w->shape().size() != 2 ||
      b->dtype() != DType::kFloat32 || b->shape() != Shape{w->shape()[1]}) {
    return std::nullopt;
  }
  return Projection{*reshape, *matmul};
}

// [a | b | c] along the last axis of 1-D or 2-D float tensors with equal leading dims.
HostTensor concat_last(const HostTensor& a, const HostTensor& b, const HostTensor& c) {
  const int64_t cols = a.shape().back();
  const int64_t rows = a.elements() / cols;
  Shape shape = a.shape();
  shape.back() = 3 * cols;
  HostTensor out(DType::kFloat32, shape);
  float* dst = out.data<float>();
  for (int64_t r = 0; r < rows; ++r) {
    for (const HostTensor* part : {&a, &b, &c}) {
      std::memcpy(dst, part->data<float>() + r * cols, static_cast<size_t>(cols) * sizeof(float));
      dst += cols;
    }
  }
  return out;
}

HostTensor ints(std::vector<int64_t> values) {
  const auto n = static_cast<int64_t>(values.size());
  return HostTensor::from<int64_t>({n}, values);
}

}  // namespace

size_t pack_qkv_projections(Graph& graph) {
  size_t packed = 0;
  for (size_t a = 0; a < graph.nodes.size(); ++a) {
    const passes::ConsumerMap consumers = passes::consumer_map(graph);
    const Node& attention = graph.nodes[a];
    if (attention.op_type != kAttentionOp || attention.attr_int("qkv_packed", 0) != 0 ||
        attention.inputs.size() < 3) {
      continue;
    }
    std::vector<Projection> p;
    for (size_t i = 0; i < 3; ++i) {
      if (auto found = projection_of(graph, consumers, attention.inputs[i])) p.push_back(*found);
    }
    if (p.size() != 3) continue;
    const Node& mq = graph.nodes[p[0].matmul];
    const Node& mk = graph.nodes[p[1].matmul];
    const Node& mv = graph.nodes[p[2].matmul];
    const HostTensor& wq = *passes::initializer(graph, mq.inputs[1]);
    const HostTensor& wk = *passes::initializer(graph, mk.inputs[1]);
    const HostTensor& wv = *passes::initializer(graph, mv.inputs[1]);
    if (mk.inputs[0] != mq.inputs[0] || mv.inputs[0] != mq.inputs[0] || wk.shape() != wq.shape() ||
        wv.shape() != wq.shape() ||
        !same_value(graph, graph.nodes[p[1].reshape].inputs[1], graph.nodes[p[0].reshape].inputs[1]) ||
        !same_value(graph, graph.nodes[p[2].reshape].inputs[1], graph.nodes[p[0].reshape].inputs[1])) {
      continue;
    }
    const std::string base = attention.name + "/qkv";
    const std::string w = graph.unique_value_name(base + "_weight");
    graph.initializers.emplace(w, concat_last(wq, wk, wv));
    const std::string b = graph.unique_value_name(base + "_bias");
    graph.initializers.emplace(
        b, concat_last(*passes::initializer(graph, mq.inputs[2]), *passes::initializer(graph, mk.inputs[2]),
                       *passes::initializer(graph, mv.inputs[2])));
    std::vector<std::string> constants;
    for (auto& [suffix, value] : std::vector<std::pair<std::string, HostTensor>>{
             {"_lo", ints({0})}, {"_mid", ints({2})}, {"_hi", ints({4})}, {"_axis", ints({0})},
             {"_three", ints({3})}}) {
      constants.push_back(graph.unique_value_name(base + suffix));
      graph.initializers.emplace(constants.back(), std::move(value));
    }
    const std::string& q_shape = graph.nodes[p[0].reshape].inputs[1];
    const std::string x = mq.inputs[0];
    auto node = [&](const std::string& op, std::vector<std::string> in, const std::string& out) {
      Node n;
      n.name = passes::unique_node_name(graph, base + "/" + op);
      n.op_type = op;
      n.inputs = std::move(in);
      n.outputs = {graph.unique_value_name(out)};
      return n;
    };
    std::vector<Node> added;
    added.push_back(node("Slice", {q_shape, constants[0], constants[1], constants[3]}, base + "_bs"));
    added.push_back(node("Slice", {q_shape, constants[1], constants[2], constants[3]}, base + "_hd"));
    Node concat = node("Concat", {added[0].outputs[0], constants[4], added[1].outputs[0]}, base + "_shape");
    concat.attributes["axis"] = int64_t{0};
    added.push_back(std::move(concat));
    Node gemm = mq;
    gemm.name = passes::unique_node_name(graph, base + "/FusedMatMul");
    gemm.inputs = {x, w, b};
    gemm.outputs = {graph.unique_value_name(base + "_projected")};
    added.push_back(gemm);
    added.push_back(node("Reshape", {added.back().outputs[0], added[2].outputs[0]}, base));
    const std::string packed_value = added.back().outputs[0];

    Node fused = attention;
    fused.inputs[0] = fused.inputs[1] = fused.inputs[2] = packed_value;
    fused.attributes["qkv_packed"] = int64_t{1};
    std::vector<bool> erase(graph.nodes.size(), false);
    for (const Projection& proj : p) erase[proj.reshape] = erase[proj.matmul] = true;
    // The new nodes go where the attention node is: every value they read is defined before it.
    std::vector<Node> nodes;
    nodes.reserve(graph.nodes.size() + added.size());
    size_t new_index = 0;
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
      if (erase[n]) continue;
      if (n == a) {
        for (Node& added_node : added) nodes.push_back(std::move(added_node));
        new_index = nodes.size();
        nodes.push_back(std::move(fused));
        continue;
      }
      nodes.push_back(std::move(graph.nodes[n]));
    }
    graph.nodes = std::move(nodes);
    a = new_index;
    ++packed;
  }
  return packed;
}

}  // namespace rill::ir
