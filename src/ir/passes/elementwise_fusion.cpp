#include "ir/passes/elementwise_fusion.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <optional>
#include <unordered_map>

#include "ir/passes/pass_util.h"

namespace rill::ir {

int elementwise_step_arity(std::string_view op_type) noexcept {
  static constexpr std::string_view kBinary[] = {"Add", "Sub", "Mul", "Div", "Pow", "Min", "Max"};
  static constexpr std::string_view kUnary[] = {
      "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Erf",  "Sqrt",        "Reciprocal",
      "Neg",  "Exp",       "Log",     "Abs",  "Clip", "HardSigmoid", "HardSwish"};
  if (std::find(std::begin(kBinary), std::end(kBinary), op_type) != std::end(kBinary)) return 2;
  if (std::find(std::begin(kUnary), std::end(kUnary), op_type) != std::end(kUnary)) return 1;
  return 0;
}

ElementwiseProgram decode_elementwise_program(const Node& node) {
  auto invalid = [&](std::string message) {
    return Error(ErrorKind::kInvalidModel, "rill.FusedElementwise: " + std::move(message),
                 node.context());
  };
  const auto ops_it = node.attributes.find("ops");
  const auto* ops = ops_it == node.attributes.end()
                        ? nullptr
                        : std::get_if<std::vector<std::string>>(&ops_it->second);
  if (ops == nullptr || ops->empty()) throw invalid("missing or empty STRINGS attribute \"ops\"");
  const std::vector<int64_t> args = node.attr_ints("args");
  const std::vector<float> alphas = node.attr_floats("alphas");
  const size_t steps = ops->size();
  if (args.size() != 2 * steps || alphas.size() != 2 * steps) {
    Error error = invalid("\"args\" and \"alphas\" must hold 2 entries per step");
    error.add_context("steps", std::to_string(steps));
    error.add_context("args", std::to_string(args.size()));
    error.add_context("alphas", std::to_string(alphas.size()));
    throw error;
  }
  if (node.inputs.empty() || node.outputs.size() != 1) {
    throw invalid("needs at least one input and exactly one output");
  }
  for (const std::string& in : node.inputs) {
    if (in.empty()) throw invalid("inputs may not be absent");
  }

  ElementwiseProgram program;
  program.input_count = node.inputs.size();
  const auto n = static_cast<int64_t>(program.input_count);
  for (size_t s = 0; s < steps; ++s) {
    ElementwiseStep step{(*ops)[s], args[2 * s], args[2 * s + 1], alphas[2 * s], alphas[2 * s + 1]};
    auto step_error = [&](std::string message) {
      Error error = invalid(std::move(message));
      error.add_context("step", std::to_string(s));
      error.add_context("step_op", step.op);
      return error;
    };
    const int arity = elementwise_step_arity(step.op);
    if (arity == 0) throw step_error("step op is not an elementwise op");
    // Operands are inputs or earlier steps, which keeps the program acyclic and in order.
    const int64_t limit = n + static_cast<int64_t>(s);
    auto valid = [&](int64_t operand) { return operand >= 0 && operand < limit; };
    if (!valid(step.lhs)) throw step_error("operand index out of range");
    if (arity == 1 && step.rhs != -1) throw step_error("unary step must have second operand -1");
    if (arity == 2 && !valid(step.rhs)) throw step_error("operand index out of range");
    program.steps.push_back(std::move(step));
  }
  return program;
}

namespace {

constexpr float kInfinity = std::numeric_limits<float>::infinity();

// numpy broadcasting of declared shapes; nullopt when two static dims conflict. A symbolic dim
// against a static one > 1 resolves to the static one (the only size a valid model can have).
std::optional<SymbolicShape> broadcast(const SymbolicShape& a, const SymbolicShape& b) {
  const size_t rank = std::max(a.size(), b.size());
  SymbolicShape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const Dim one{1, {}};
    const Dim& x = i < rank - a.size() ? one : a[i - (rank - a.size())];
    const Dim& y = i < rank - b.size() ? one : b[i - (rank - b.size())];
    if (x.is_static() && y.is_static()) {
      if (x.value != y.value && x.value != 1 && y.value != 1) return std::nullopt;
      out[i] = x.value == 1 ? y : x;
    } else if (x.is_static()) {
      out[i] = x.value == 1 ? y : x;
    } else if (y.is_static()) {
      out[i] = y.value == 1 ? x : y;
    } else {
      out[i] = (x.symbol == y.symbol) ? x : Dim{};
    }
  }
  return out;
}

// False only when the shapes certainly differ: symbolic dims might be equal.
bool may_equal(const SymbolicShape& a, const SymbolicShape& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].is_static() && b[i].is_static() && a[i].value != b[i].value) return false;
  }
  return true;
}

// Clip's min/max must be absent or scalar float32 initializers to become step constants.
std::optional<float> clip_bound(const Graph& graph, const Node& node, size_t i, float absent) {
  if (!node.has_input(i)) return absent;
  const HostTensor* t = passes::initializer(graph, node.inputs[i]);
  if (t == nullptr || t->dtype() != DType::kFloat32 || t->elements() != 1) return std::nullopt;
  return t->data<float>()[0];
}

// The inputs of `node` that are operands of its step (Clip's min/max are constants instead).
std::vector<std::string> operands(const Node& node) {
  if (node.op_type == "Clip") return {node.inputs[0]};
  return node.inputs;
}

class Fuser {
 public:
  explicit Fuser(Graph& graph) : graph_(graph), consumers_(passes::consumer_map(graph)) {}

  size_t run() {
    const size_t count = graph_.nodes.size();
    infer_dtypes();
    candidate_.assign(count, false);
    for (size_t i = 0; i < count; ++i) candidate_[i] = is_candidate(graph_.nodes[i]);

    // Union each candidate with its only reader when that reader is a candidate too. Every
    // member but one then has exactly one reader, inside the group: each group is a tree whose
    // root is its one member with an outside reader.
    parent_.resize(count);
    std::iota(parent_.begin(), parent_.end(), size_t{0});
    for (size_t i = 0; i < count; ++i) {
      if (!candidate_[i]) continue;
      if (const std::optional<size_t> reader = sole_candidate_reader(i)) unite(i, *reader);
    }
    // union-find representative -> members in graph order
    std::unordered_map<size_t, std::vector<size_t>> groups;
    for (size_t i = 0; i < count; ++i) {
      if (candidate_[i]) groups[find(i)].push_back(i);
    }

    std::vector<bool> erase(count, false);
    size_t fused = 0;
    for (size_t i = 0; i < count; ++i) {  // in graph order, for deterministic output
      const auto it = groups.find(i);
      if (it == groups.end() || it->second.size() < 2) continue;
      if (std::optional<Node> node = fuse_group(it->second)) {
        // The last member in graph order is the root: it reads, transitively, all the others.
        const size_t root = it->second.back();
        for (size_t member : it->second) {
          if (member == root) continue;
          erase[member] = true;
          graph_.value_info.erase(graph_.nodes[member].outputs[0]);  // intermediates vanish
        }
        graph_.nodes[root] = std::move(*node);
        ++fused;
      }
    }
    passes::erase_nodes(graph_, erase);
    return fused;
  }

 private:
  // Element types of elementwise results that shape inference did not annotate: these ops
  // produce their first input's type.
  void infer_dtypes() {
    for (const Node& node : graph_.nodes) {
      if (!node.domain.empty() || elementwise_step_arity(node.op_type) == 0) continue;
      for (const std::string& out : node.outputs) {
        std::optional<DType> dtype = passes::value_dtype(graph_, out);
        if (!dtype && node.has_input(0)) dtype = dtype_of(node.inputs[0]);
        if (dtype) dtypes_[out] = *dtype;
      }
    }
  }

  std::optional<DType> dtype_of(const std::string& value) const {
    if (const auto it = dtypes_.find(value); it != dtypes_.end()) return it->second;
    return passes::value_dtype(graph_, value);
  }

  bool is_candidate(const Node& node) const {
    const int arity = elementwise_step_arity(node.op_type);
    if (!node.domain.empty() || arity == 0 || node.outputs.size() != 1 || node.outputs[0].empty()) {
      return false;
    }
    if (node.op_type == "Clip") {
      if (node.inputs.empty() || node.inputs.size() > 3 || !node.has_input(0)) return false;
      if (!clip_bound(graph_, node, 1, -kInfinity) || !clip_bound(graph_, node, 2, kInfinity)) {
        return false;
      }
    } else if (node.inputs.size() != static_cast<size_t>(arity)) {
      return false;  // also rules out Min/Max with other than two inputs
    }
    for (const std::string& in : operands(node)) {
      if (in.empty() || dtype_of(in) != DType::kFloat32) return false;
    }
    return dtype_of(node.outputs[0]) == DType::kFloat32;
  }

  std::optional<size_t> sole_candidate_reader(size_t index) const {
    const std::string& out = graph_.nodes[index].outputs[0];
    if (passes::is_graph_output(graph_, out)) return std::nullopt;
    const auto it = consumers_.find(out);
    if (it == consumers_.end() || it->second.size() != 1) return std::nullopt;
    const size_t reader = it->second[0];
    if (!candidate_[reader]) return std::nullopt;
    // The value must be an operand of the reader, not, say, a Clip bound.
    const std::vector<std::string> reader_operands = operands(graph_.nodes[reader]);
    const bool is_operand =
        std::find(reader_operands.begin(), reader_operands.end(), out) != reader_operands.end();
    return is_operand ? std::optional<size_t>(reader) : std::nullopt;
  }

  // The fused node for a group, or nullopt when a shape check fails.
  std::optional<Node> fuse_group(const std::vector<size_t>& members) const {
    std::unordered_map<std::string, size_t> step_of;  // member output -> step index
    for (size_t s = 0; s < members.size(); ++s) step_of[graph_.nodes[members[s]].outputs[0]] = s;

    std::vector<std::string> inputs;
    std::optional<SymbolicShape> shape = SymbolicShape{};
    for (size_t member : members) {
      for (const std::string& in : operands(graph_.nodes[member])) {
        if (step_of.count(in) > 0 || std::find(inputs.begin(), inputs.end(), in) != inputs.end()) {
          continue;
        }
        const std::optional<SymbolicShape> in_shape = passes::value_shape(graph_, in);
        if (!in_shape) return std::nullopt;
        shape = broadcast(*shape, *in_shape);
        if (!shape) return std::nullopt;
        inputs.push_back(in);
      }
    }
    const Node& root = graph_.nodes[members.back()];
    if (const auto declared = passes::value_shape(graph_, root.outputs[0])) {
      if (!may_equal(*declared, *shape)) return std::nullopt;
    }

    const auto n = static_cast<int64_t>(inputs.size());
    auto operand_index = [&](const std::string& value) -> int64_t {
      if (const auto it = step_of.find(value); it != step_of.end()) {
        return n + static_cast<int64_t>(it->second);
      }
      return std::find(inputs.begin(), inputs.end(), value) - inputs.begin();
    };
    std::vector<std::string> ops;
    std::vector<int64_t> args;
    std::vector<float> alphas;
    for (size_t member : members) {
      const Node& node = graph_.nodes[member];
      const std::vector<std::string> operand_values = operands(node);
      ops.push_back(node.op_type);
      args.push_back(operand_index(operand_values[0]));
      args.push_back(operand_values.size() > 1 ? operand_index(operand_values[1]) : -1);
      float alpha = 0.f;
      float beta = 0.f;
      if (node.op_type == "LeakyRelu") {
        alpha = node.attr_float("alpha", 0.01f);
      } else if (node.op_type == "HardSigmoid") {
        alpha = node.attr_float("alpha", 0.2f);
        beta = node.attr_float("beta", 0.5f);
      } else if (node.op_type == "Clip") {
        alpha = *clip_bound(graph_, node, 1, -kInfinity);
        beta = *clip_bound(graph_, node, 2, kInfinity);
      }
      alphas.push_back(alpha);
      alphas.push_back(beta);
    }

    Node fused;
    fused.name = root.name;  // the root is replaced, so its name stays unique
    fused.op_type = std::string(kFusedElementwiseOp);
    fused.domain = std::string(kRillDomain);
    fused.inputs = std::move(inputs);
    fused.outputs = {root.outputs[0]};
    fused.attributes["ops"] = std::move(ops);
    fused.attributes["args"] = std::move(args);
    fused.attributes["alphas"] = std::move(alphas);
    return fused;
  }

  size_t find(size_t i) {
    while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
    return i;
  }
  void unite(size_t a, size_t b) { parent_[find(a)] = find(b); }

  Graph& graph_;
  passes::ConsumerMap consumers_;
  std::unordered_map<std::string, DType> dtypes_;
  std::vector<bool> candidate_;
  std::vector<size_t> parent_;
};

}  // namespace

size_t fuse_elementwise(Graph& graph) {
  return Fuser(graph).run();
}

}  // namespace rill::ir
