#include "engine/graph_shapes.h"

#include "engine/host_evaluation.h"

namespace rill::engine {

int GraphShapes::id(const std::string& name) const {
  const auto it = ids.find(name);
  if (it == ids.end()) {
    throw Error(ErrorKind::kInternal, "value has no id", {{"value", name}});
  }
  return it->second;
}

std::vector<ir::TensorDesc> GraphShapes::input_descs(const NodeFacts& node) const {
  std::vector<ir::TensorDesc> result;
  for (int v : node.inputs) result.push_back(v >= 0 ? descs[v] : ir::TensorDesc{});
  return result;
}

std::vector<const ir::HostTensor*> GraphShapes::input_constants(const NodeFacts& node) const {
  std::vector<const ir::HostTensor*> result;
  for (int v : node.inputs) result.push_back(v >= 0 ? host[v] : nullptr);
  return result;
}

namespace {

std::string types_of(const GraphShapes& shapes, const NodeFacts& node) {
  std::string text;
  for (int v : node.inputs) {
    if (!text.empty()) text += ", ";
    text += v >= 0 ? ir::desc_string(shapes.descs[v]) : "absent";
  }
  return text;
}

int add_value(GraphShapes& shapes, const std::string& name, ir::TensorDesc desc,
              const ir::HostTensor* host) {
  const int id = static_cast<int>(shapes.names.size());
  shapes.ids[name] = id;
  shapes.names.push_back(name);
  shapes.descs.push_back(std::move(desc));
  shapes.host.push_back(host);
  return id;
}

}  // namespace

GraphShapes infer_graph_shapes(const ir::Graph& graph,
                               const std::map<std::string, ir::Shape>& input_shapes) {
  GraphShapes shapes;
  for (const ir::ValueInfo& input : graph.inputs) {
    const auto it = input_shapes.find(input.name);
    if (it == input_shapes.end()) {
      throw Error(ErrorKind::kInvalidArgument, "no shape given for input", {{"input", input.name}});
    }
    add_value(shapes, input.name, {input.dtype, it->second}, nullptr);
  }
  for (const auto& [name, tensor] : graph.initializers) {
    add_value(shapes, name, tensor.desc(), &tensor);
  }

  for (const ir::Node& node : graph.nodes) {
    NodeFacts facts;
    facts.def = &op_for(node);
    bool all_host = true;
    for (const std::string& in : node.inputs) {
      if (in.empty()) {
        facts.inputs.push_back(-1);
        continue;
      }
      const int v = shapes.id(in);
      facts.inputs.push_back(v);
      all_host = all_host && shapes.host[v] != nullptr;
    }
    try {
      std::vector<ir::TensorDesc> outputs;
      std::vector<const ir::HostTensor*> values(node.outputs.size(), nullptr);
      if (node.op_type == "Shape") {
        facts.on_host = true;
        auto value = std::make_unique<ir::HostTensor>(shape_of(node, shapes.descs[facts.inputs[0]]));
        outputs.push_back(value->desc());
        values[0] = value.get();
        shapes.computed.push_back(std::move(value));
      } else if (all_host && facts.def->run_cpu != nullptr) {
        facts.on_host = true;
        std::vector<ir::HostTensor> in_values;
        for (int v : facts.inputs) in_values.push_back(v >= 0 ? *shapes.host[v] : ir::HostTensor());
        std::vector<ir::HostTensor> results = evaluate_on_host(node, in_values);
        for (size_t i = 0; i < results.size() && i < node.outputs.size(); ++i) {
          outputs.push_back(results[i].desc());
          auto value = std::make_unique<ir::HostTensor>(std::move(results[i]));
          values[i] = value.get();
          shapes.computed.push_back(std::move(value));
        }
      } else {
        const std::vector<ir::TensorDesc> in_descs = shapes.input_descs(facts);
        const std::vector<const ir::HostTensor*> constants = shapes.input_constants(facts);
        outputs = facts.def->infer(ops::InferContext{node, in_descs, constants});
      }
      if (outputs.size() < node.outputs.size()) {
        throw Error(ErrorKind::kInternal, "op produced fewer outputs than the node names",
                    node.context());
      }
      for (size_t i = 0; i < node.outputs.size(); ++i) {
        if (node.outputs[i].empty()) {
          facts.outputs.push_back(-1);
          continue;
        }
        facts.outputs.push_back(add_value(shapes, node.outputs[i], outputs[i], values[i]));
      }
    } catch (Error& e) {
      if (e.context_value("node").empty()) {
        e.add_context("node", node.name).add_context("op", node.op_type);
      }
      if (e.context_value("inputs").empty()) e.add_context("inputs", types_of(shapes, facts));
      throw;
    }
    shapes.nodes.push_back(std::move(facts));
  }
  for (const ir::ValueInfo& output : graph.outputs) (void)shapes.id(output.name);
  return shapes;
}

}  // namespace rill::engine
