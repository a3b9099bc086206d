#include "engine/reduced_precision.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include "engine/graph_shapes.h"

namespace rill::engine {

namespace {

constexpr int64_t kOnnxFloat = 1;
constexpr int64_t kOnnxFloat16 = 10;
constexpr int64_t kOnnxBFloat16 = 16;

bool is_constant_input(const ops::OpDef& def, size_t slot) {
  return std::find(def.constant_inputs.begin(), def.constant_inputs.end(),
                   static_cast<int>(slot)) != def.constant_inputs.end();
}

// Ops whose output dtype an attribute fixes: converting them would change what they compute.
bool output_dtype_from_attribute(const ir::Node& node) {
  return node.op_type == "ConstantOfShape";
}

// Weights converted to float16 saturate: a finite float32 beyond float16's range (exporters write
// torch.finfo(float32).min for masks) becomes +-65504 rather than inf, so that 0 * mask stays 0
// instead of NaN. bfloat16 has float32's range.
ir::HostTensor to_half_weights(const ir::HostTensor& weights, DType half) {
  if (half != DType::kFloat16) return ir::convert_floating(weights, half);
  constexpr float kMaxHalf = 65504.0f;
  ir::HostTensor clamped = weights;
  for (float& v :
       std::span<float>(clamped.data<float>(), static_cast<size_t>(clamped.elements()))) {
    if (std::isfinite(v)) v = std::clamp(v, -kMaxHalf, kMaxHalf);
  }
  return ir::convert_floating(clamped, half);
}

class Rewriter {
 public:
  Rewriter(ir::Graph& graph, DType half, const std::map<std::string, ir::Shape>& input_shapes,
           const HalfSupport& supports)
      : graph_(graph),
        half_(half),
        supports_(supports),
        types_(infer_graph_shapes(graph, input_shapes)) {}

  PrecisionReport run() {
    choose_half_nodes();
    for (size_t n = 0; n < graph_.nodes.size(); ++n) {
      if (!half_node_[n]) continue;
      for (const std::string& out : graph_.nodes[n].outputs) {
        if (!out.empty() && dtype(out) == DType::kFloat32) half_values_.insert(out);
      }
    }
    convert_initializers();
    cast_graph_outputs();
    insert_casts();
    // Annotations of intermediates describe the float32 graph.
    for (const std::string& v : half_values_) graph_.value_info.erase(v);
    graph_.validate();
    return report_;
  }

 private:
  DType dtype(const std::string& value) const { return types_.descs[types_.id(value)].dtype; }

  void choose_half_nodes() {
    half_node_.assign(graph_.nodes.size(), false);
    for (size_t n = 0; n < graph_.nodes.size(); ++n) {
      const ir::Node& node = graph_.nodes[n];
      const NodeFacts& facts = types_.nodes[n];
      if (facts.on_host) continue;
      bool touches_float32 = false;
      bool touches_float64 = false;
      auto look = [&](int v) {
        if (v < 0) return;
        touches_float32 |= types_.descs[v].dtype == DType::kFloat32;
        touches_float64 |= types_.descs[v].dtype == DType::kFloat64;
      };
      for (size_t i = 0; i < facts.inputs.size(); ++i) {
        if (!is_constant_input(*facts.def, i)) look(facts.inputs[i]);
      }
      for (int v : facts.outputs) look(v);
      const bool half = touches_float32 && !touches_float64 && supports_(node, *facts.def, half_);
      half_node_[n] = half;
      if (facts.def->output_kind == ops::OutputKind::kComputed) {
        ++(half ? report_.half_nodes : report_.float_nodes);
      }
    }
  }

  // Slots of half nodes that read `value` as data (not as a plan-time constant).
  bool read_as_half(size_t n, size_t slot) const {
    return half_node_[n] && !is_constant_input(*types_.nodes[n].def, slot) &&
           graph_.nodes[n].op_type != "Cast";
  }

  void convert_initializers() {
    std::vector<std::string> names;
    for (const auto& [name, tensor] : graph_.initializers) {
      if (tensor.dtype() == DType::kFloat32) names.push_back(name);
    }
    std::sort(names.begin(), names.end());  // deterministic plans
    for (const std::string& name : names) {
      bool half_reader = false;
      bool float_reader = std::any_of(graph_.outputs.begin(), graph_.outputs.end(),
                                      [&](const ir::ValueInfo& o) { return o.name == name; });
      for (size_t n = 0; n < graph_.nodes.size(); ++n) {
        const ir::Node& node = graph_.nodes[n];
        for (size_t i = 0; i < node.inputs.size(); ++i) {
          if (node.inputs[i] != name) continue;
          (read_as_half(n, i) ? half_reader : float_reader) = true;
        }
      }
      if (!half_reader) continue;
      ir::HostTensor converted = to_half_weights(graph_.initializers.at(name), half_);
      ++report_.converted_weights;
      if (!float_reader) {
        graph_.initializers[name] = std::move(converted);
        half_values_.insert(name);
        continue;
      }
      const std::string copy = fresh_value_name(name + suffix());
      graph_.initializers.emplace(copy, std::move(converted));
      half_values_.insert(copy);
      for (size_t n = 0; n < graph_.nodes.size(); ++n) {
        ir::Node& node = graph_.nodes[n];
        for (size_t i = 0; i < node.inputs.size(); ++i) {
          if (node.inputs[i] == name && read_as_half(n, i)) node.inputs[i] = copy;
        }
      }
    }
  }

  // A graph output that became half is renamed inside the graph, and a final Cast writes the
  // float32 output under its own name.
  void cast_graph_outputs() {
    for (const ir::ValueInfo& output : graph_.outputs) {
      if (half_values_.count(output.name) == 0) continue;
      const std::string inner = fresh_value_name(output.name + suffix());
      for (ir::Node& node : graph_.nodes) {
        std::replace(node.inputs.begin(), node.inputs.end(), output.name, inner);
        std::replace(node.outputs.begin(), node.outputs.end(), output.name, inner);
      }
      half_values_.erase(output.name);
      half_values_.insert(inner);
      pending_tail_.push_back(make_cast(inner, output.name, DType::kFloat32));
    }
  }

  void insert_casts() {
    std::vector<ir::Node> nodes;
    nodes.reserve(graph_.nodes.size() * 2);
    std::map<std::pair<std::string, DType>, std::string> casts;  // (value, to) -> cast output
    auto cast_of = [&](const std::string& value, DType to) {
      const auto key = std::make_pair(value, to);
      if (const auto it = casts.find(key); it != casts.end()) return it->second;
      const std::string out =
          fresh_value_name(value + (to == DType::kFloat32 ? std::string("_fp32") : suffix()));
      nodes.push_back(make_cast(value, out, to));
      if (to != DType::kFloat32) half_values_.insert(out);
      casts.emplace(key, out);
      return out;
    };
    for (size_t n = 0; n < graph_.nodes.size(); ++n) {
      ir::Node node = graph_.nodes[n];
      const NodeFacts& facts = types_.nodes[n];
      if (!facts.on_host && node.op_type != "Cast") {
        for (size_t i = 0; i < node.inputs.size(); ++i) {
          const std::string& in = node.inputs[i];
          if (in.empty() || is_constant_input(*facts.def, i)) continue;
          const bool is_half = half_values_.count(in) > 0;
          if (half_node_[n] && !is_half && value_dtype_now(in) == DType::kFloat32) {
            node.inputs[i] = cast_of(in, half_);
          } else if (!half_node_[n] && is_half) {
            node.inputs[i] = cast_of(in, DType::kFloat32);
          }
        }
      }
      if (node.op_type == "Cast" && half_node_[n] && node.attr_int("to", 0) == kOnnxFloat) {
        node.attributes["to"] = half_ == DType::kFloat16 ? kOnnxFloat16 : kOnnxBFloat16;
      }
      nodes.push_back(std::move(node));
    }
    for (ir::Node& tail : pending_tail_) nodes.push_back(std::move(tail));
    graph_.nodes = std::move(nodes);
  }

  // The dtype a value has after the rewrite so far (values added by it are not in types_).
  DType value_dtype_now(const std::string& value) const {
    if (half_values_.count(value) > 0) return half_;
    const auto it = types_.ids.find(value);
    return it == types_.ids.end() ? DType::kFloat32 : types_.descs[it->second].dtype;
  }

  ir::Node make_cast(const std::string& in, const std::string& out, DType to) {
    ++report_.casts;
    ir::Node cast;
    cast.name = unique_node_name("rill/cast_" + out);
    cast.op_type = "Cast";
    cast.inputs = {in};
    cast.outputs = {out};
    cast.attributes["to"] = to == DType::kFloat32   ? kOnnxFloat
                            : to == DType::kFloat16 ? kOnnxFloat16
                                                    : kOnnxBFloat16;
    return cast;
  }

  // A value name unused by the graph and by the casts made so far (not yet in the graph).
  std::string fresh_value_name(const std::string& base) {
    std::string name = graph_.unique_value_name(base);
    for (int i = 1; reserved_.count(name) > 0; ++i) {
      name = graph_.unique_value_name(base + "_r" + std::to_string(i));
    }
    reserved_.insert(name);
    return name;
  }

  std::string unique_node_name(const std::string& base) {
    if (node_names_.empty()) {
      for (const ir::Node& node : graph_.nodes) node_names_.insert(node.name);
    }
    std::string name = base;
    for (int i = 1; node_names_.count(name) > 0; ++i) name = base + "_" + std::to_string(i);
    node_names_.insert(name);
    return name;
  }

  std::string suffix() const { return half_ == DType::kFloat16 ? "_fp16" : "_bf16"; }

  ir::Graph& graph_;
  DType half_;
  const HalfSupport& supports_;
  GraphShapes types_;
  std::vector<bool> half_node_;
  std::unordered_set<std::string> half_values_;
  std::unordered_set<std::string> reserved_;
  std::unordered_set<std::string> node_names_;
  std::vector<ir::Node> pending_tail_;
  PrecisionReport report_;
};

}  // namespace

bool op_supports_half(const ir::Node& node, const ops::OpDef& def, DType dtype) {
  return def.gpu_dtypes.contains(dtype) && !output_dtype_from_attribute(node);
}

PrecisionReport convert_to_reduced_precision(ir::Graph& graph, DType dtype,
                                             const std::map<std::string, ir::Shape>& input_shapes,
                                             const HalfSupport& supports) {
  if (!is_half(dtype)) {
    throw Error(ErrorKind::kInternal, "reduced precision needs float16 or bfloat16",
                {{"dtype", std::string(dtype_name(dtype))}});
  }
  return Rewriter(graph, dtype, input_shapes, supports).run();
}

void check_gpu_dtypes(const ir::Graph& graph,
                      const std::map<std::string, ir::Shape>& input_shapes) {
  const GraphShapes types = infer_graph_shapes(graph, input_shapes);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const NodeFacts& facts = types.nodes[n];
    if (facts.on_host) continue;
    auto check = [&](int v) {
      if (v < 0) return;
      const DType d = types.descs[v].dtype;
      if (!is_floating(d) || facts.def->gpu_dtypes.contains(d)) return;
      Error error(ErrorKind::kUnsupported, "op has no GPU kernel for this dtype",
                  graph.nodes[n].context());
      error.add_context("dtype", std::string(dtype_name(d)))
          .add_context("value", types.names[v])
          .add_context("supported", facts.def->gpu_dtypes.to_string());
      throw error;
    };
    for (size_t i = 0; i < facts.inputs.size(); ++i) {
      if (!is_constant_input(*facts.def, i)) check(facts.inputs[i]);
    }
    for (int v : facts.outputs) check(v);
  }
}

}  // namespace rill::engine
