#include "ir/passes/attention_fusion.h"

#include <cmath>
#include <optional>
#include <vector>

#include "ir/passes/pass_util.h"

namespace rill::ir {

namespace {

const std::vector<int64_t> kHeadsOut = {0, 2, 1, 3};  // [B, S, H, D] <-> [B, H, S, D]
const std::vector<int64_t> kKeysT = {0, 2, 3, 1};     // [B, S, H, D] -> [B, H, D, S]

bool is_onnx(const Node& node, const char* op, size_t inputs) {
  return node.op_type == op && node.domain.empty() && node.inputs.size() == inputs &&
         node.outputs.size() == 1;
}

// Walks one candidate pattern backwards and forwards from a Softmax, collecting the nodes it
// would remove. Copyable, so that a failed alternative (which Add operand is the mask) leaves
// no trace.
struct Match {
  const Graph* graph = nullptr;
  std::vector<size_t> nodes;  // pattern nodes to remove
  double scale = 1.0;

  // A value only the pattern reads: one reader, not a graph output.
  bool inner(const std::string& value) const {
    return !value.empty() && graph->use_count(value) == 1 &&
           !passes::is_graph_output(*graph, value);
  }
  const Node* producer(const std::string& value, size_t* index) const {
    const std::optional<size_t> p = graph->producer(value);
    if (!p) return nullptr;
    *index = *p;
    return &graph->nodes[*p];
  }
  // The value of a one-element floating initializer of rank <= 4 (so that multiplying by it
  // changes neither the shape nor the rank of a rank-4 value).
  static std::optional<double> scalar(const Graph& graph, const std::string& value) {
    const HostTensor* t = passes::initializer(graph, value);
    if (t == nullptr || t->elements() != 1 || t->shape().size() > 4 || !is_floating(t->dtype())) {
      return std::nullopt;
    }
    const double x = t->as_doubles()[0];
    if (!std::isfinite(x)) return std::nullopt;
    return x;
  }

  // Absorbs Mul/Div by scalar constants that produce `value` (while it is inner); returns the
  // value they scaled.
  std::string strip_scale(std::string value) {
    for (;;) {
      size_t index = 0;
      const Node* node = inner(value) ? producer(value, &index) : nullptr;
      if (node == nullptr) return value;
      if (is_onnx(*node, "Mul", 2)) {
        const std::optional<double> c0 = scalar(*graph, node->inputs[0]);
        const std::optional<double> c1 = scalar(*graph, node->inputs[1]);
        if (c1) {
          scale *= *c1;
          value = node->inputs[0];
        } else if (c0) {
          scale *= *c0;
          value = node->inputs[1];
        } else {
          return value;
        }
      } else if (is_onnx(*node, "Div", 2)) {
        const std::optional<double> c = scalar(*graph, node->inputs[1]);
        if (!c || *c == 0.0) return value;
        scale /= *c;
        value = node->inputs[0];
      } else {
        return value;
      }
      nodes.push_back(index);
    }
  }

  // `value` = Transposes (interleaved with scale ops) of the returned value, composing to
  // `perm`. One Transpose in TorchScript's eager attention; two on the keys of exports of
  // scaled_dot_product_attention (heads out, then the last two dims swapped).
  std::optional<std::string> transposed(const std::string& value,
                                        const std::vector<int64_t>& perm) {
    if (!inner(value)) return std::nullopt;
    std::vector<int64_t> composed = {0, 1, 2, 3};  // value's dim i is cur's dim composed[i]
    std::string cur = strip_scale(value);
    for (;;) {
      size_t index = 0;
      const Node* node = inner(cur) ? producer(cur, &index) : nullptr;
      if (node == nullptr || !is_onnx(*node, "Transpose", 1)) return std::nullopt;
      const std::vector<int64_t> p = node->attr_ints("perm", {});
      if (p.size() != 4) return std::nullopt;
      for (int64_t& c : composed) {
        if (p[static_cast<size_t>(c)] < 0 || p[static_cast<size_t>(c)] > 3) return std::nullopt;
        c = p[static_cast<size_t>(c)];  // cur = Transpose(p)(x): cur's dim j is x's dim p[j]
      }
      nodes.push_back(index);
      cur = strip_scale(node->inputs[0]);
      if (composed == perm) return cur;
    }
  }

  // `value` = scaled MatMul(Transpose(q), Transpose(k)); fills q and k.
  bool scores(const std::string& value, std::string* q, std::string* k) {
    if (!inner(value)) return false;
    const std::string s = strip_scale(value);
    size_t index = 0;
    const Node* node = inner(s) ? producer(s, &index) : nullptr;
    if (node == nullptr || !is_onnx(*node, "MatMul", 2)) return false;
    nodes.push_back(index);
    const std::optional<std::string> qv = transposed(node->inputs[0], kHeadsOut);
    if (!qv) return false;
    const std::optional<std::string> kv = transposed(node->inputs[1], kKeysT);
    if (!kv) return false;
    *q = *qv;
    *k = *kv;
    return true;
  }
};

// The single node reading `value`, when there is exactly one.
std::optional<size_t> only_reader(const passes::ConsumerMap& consumers, const std::string& value) {
  const auto it = consumers.find(value);
  if (it == consumers.end() || it->second.size() != 1) return std::nullopt;
  return it->second[0];
}

bool float_like(std::optional<DType> dtype) {
  return !dtype || *dtype == DType::kFloat32 || *dtype == DType::kFloat16 ||
         *dtype == DType::kBFloat16;
}

}  // namespace

size_t fuse_attention(Graph& graph) {
  const passes::ConsumerMap consumers = passes::consumer_map(graph);
  std::vector<bool> erase(graph.nodes.size(), false);
  size_t fused = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& softmax = graph.nodes[i];
    if (erase[i] || !is_onnx(softmax, "Softmax", 1)) continue;
    // Opset 13 made -1 the default; before it, axis 1 was (and -1 or 3 of a rank-4 input meant
    // the last dim alone, as now).
    const int64_t axis = softmax.attr_int("axis", graph.opset >= 13 ? -1 : 1);
    if (axis != -1 && axis != 3) continue;

    Match base;
    base.graph = &graph;
    base.nodes.push_back(i);
    // Forwards: probs -> MatMul(probs, Transpose(v)) -> Transpose -> out.
    const std::string& probs = softmax.outputs[0];
    const std::optional<size_t> pv_index = only_reader(consumers, probs);
    if (!base.inner(probs) || !pv_index) continue;
    const Node& pv = graph.nodes[*pv_index];
    if (!is_onnx(pv, "MatMul", 2) || pv.inputs[0] != probs) continue;
    base.nodes.push_back(*pv_index);
    size_t vt_index = 0;
    const Node* vt = base.inner(pv.inputs[1]) ? base.producer(pv.inputs[1], &vt_index) : nullptr;
    if (vt == nullptr || !is_onnx(*vt, "Transpose", 1) || vt->attr_ints("perm", {}) != kHeadsOut) {
      continue;
    }
    base.nodes.push_back(vt_index);
    const std::string v = vt->inputs[0];
    const std::optional<size_t> out_index = only_reader(consumers, pv.outputs[0]);
    if (!base.inner(pv.outputs[0]) || !out_index) continue;
    const Node& out_t = graph.nodes[*out_index];
    if (!is_onnx(out_t, "Transpose", 1) || out_t.attr_ints("perm", {}) != kHeadsOut) continue;

    // Backwards: Softmax input = [Add(mask)] of scaled MatMul(Transpose(q), Transpose(k)).
    const std::string& logits = softmax.inputs[0];
    if (!base.inner(logits)) continue;
    std::optional<Match> found;
    std::string q, k, mask;
    size_t add_index = 0;
    const Node* add = base.producer(logits, &add_index);
    if (add != nullptr && is_onnx(*add, "Add", 2)) {
      for (size_t side = 0; side < 2 && !found; ++side) {
        Match m = base;
        m.nodes.push_back(add_index);
        if (add->inputs[side] != add->inputs[1 - side] && m.scores(add->inputs[side], &q, &k)) {
          found = m;
          mask = add->inputs[1 - side];
        }
      }
    } else {
      Match m = base;
      if (m.scores(logits, &q, &k)) found = m;
    }
    if (!found) continue;

    // What can be checked without shapes: float dtypes that agree, rank-4 operands, a mask of
    // rank <= 4. Shapes are the op's to check when it is planned.
    const std::optional<DType> dtype = passes::value_dtype(graph, q);
    if (!float_like(dtype)) continue;
    bool ranks_ok = true;
    for (const std::string& value : {q, k, v}) {
      const std::optional<SymbolicShape> shape = passes::value_shape(graph, value);
      if (shape && shape->size() != 4) ranks_ok = false;
    }
    if (!mask.empty()) {
      const std::optional<SymbolicShape> shape = passes::value_shape(graph, mask);
      if (shape && shape->size() > 4) ranks_ok = false;
      const std::optional<DType> mask_dtype = passes::value_dtype(graph, mask);
      if (dtype && mask_dtype && *dtype != *mask_dtype) ranks_ok = false;
    }
    if (!ranks_ok) continue;
    bool overlaps = erase[*out_index];
    for (size_t n : found->nodes) overlaps = overlaps || erase[n] || n == *out_index;
    if (overlaps) continue;

    Node attention;
    attention.name = passes::unique_node_name(graph, softmax.name + "_attention");
    attention.op_type = std::string(kAttentionOp);
    attention.domain = "rill";
    attention.inputs = {q, k, v};
    if (!mask.empty()) attention.inputs.push_back(mask);
    attention.outputs = {out_t.outputs[0]};
    attention.attributes["scale"] = static_cast<float>(found->scale);
    for (size_t n : found->nodes) {
      erase[n] = true;
      for (const std::string& value : graph.nodes[n].outputs) graph.value_info.erase(value);
    }
    graph.nodes[*out_index] = std::move(attention);
    ++fused;
  }
  passes::erase_nodes(graph, erase);
  return fused;
}

}  // namespace rill::ir
