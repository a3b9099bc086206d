// Terse construction of hand-built ir::Graphs for pass tests.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace rill::ir::testing {

inline ValueInfo value(const std::string& name, const Shape& shape, DType dtype = DType::kFloat32) {
  SymbolicShape dims;
  for (int64_t d : shape) dims.push_back(Dim{d, {}});
  return ValueInfo{name, dtype, dims};
}

inline Node node(const std::string& name, const std::string& op, std::vector<std::string> inputs,
                 std::vector<std::string> outputs,
                 std::map<std::string, AttributeValue> attributes = {}) {
  Node n;
  n.name = name;
  n.op_type = op;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.attributes = std::move(attributes);
  return n;
}

//! Declares the shape of an intermediate, as ONNX shape inference would.
inline void annotate(Graph& graph, const std::string& name, const Shape& shape,
                     DType dtype = DType::kFloat32) {
  graph.value_info[name] = value(name, shape, dtype);
}

inline std::vector<std::string> op_types(const Graph& graph) {
  std::vector<std::string> ops;
  for (const Node& n : graph.nodes) ops.push_back(n.op_type);
  return ops;
}

}  // namespace rill::ir::testing
