// rill's graph IR: what the ONNX importer produces, the passes rewrite, and the engine plans.
//
// Values are named (ONNX style): a node's inputs and outputs are value names; an empty input name
// is an absent optional input. Nodes are kept in topological order.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "ir/tensor.h"

namespace rill::ir {

//! One dimension of a declared shape: a known size, or a named symbol such as "batch".
struct Dim {
  int64_t value = -1;  //!< -1 when not known statically
  std::string symbol;  //!< for symbolic dims, the name; may be empty for an anonymous unknown

  bool is_static() const noexcept { return value >= 0; }
  friend bool operator==(const Dim&, const Dim&) = default;
};
using SymbolicShape = std::vector<Dim>;
//! "[batch,3,224,224]".
std::string symbolic_shape_string(const SymbolicShape& shape);

//! A declared value: graph input, graph output or annotated intermediate.
struct ValueInfo {
  std::string name;
  DType dtype = DType::kFloat32;
  std::optional<SymbolicShape> shape;  //!< absent when the rank is unknown
};

using AttributeValue = std::variant<int64_t, float, std::string, std::vector<int64_t>,
                                    std::vector<float>, std::vector<std::string>, HostTensor>;

struct Node {
  std::string name;     //!< unique within the graph (the importer names unnamed nodes)
  std::string op_type;  //!< "Conv", "Relu", ... or a rill op such as "rill.FusedElementwise"
  std::string domain;   //!< "" for the ONNX domain
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::map<std::string, AttributeValue> attributes;

  bool has_attribute(const std::string& key) const { return attributes.count(key) > 0; }
  //! Typed attribute lookups; the fallback is returned when the attribute is absent, and a
  //! present attribute of another type is an invalid-model error naming node and attribute.
  int64_t attr_int(const std::string& key, int64_t fallback) const;
  float attr_float(const std::string& key, float fallback) const;
  std::string attr_string(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const std::string& key, std::vector<int64_t> fallback = {}) const;
  std::vector<float> attr_floats(const std::string& key, std::vector<float> fallback = {}) const;
  //! A required tensor attribute (Constant's value); throws when absent.
  const HostTensor& attr_tensor(const std::string& key) const;
  //! Required integer attribute; throws an invalid-model error when absent.
  int64_t required_int(const std::string& key) const;

  //! The i-th input name, or "" when absent (optional inputs past the end are absent too).
  const std::string& input(size_t i) const;
  bool has_input(size_t i) const { return !input(i).empty(); }
  //! Error context for this node: node name and op type.
  Error::Context context() const { return {{"node", name}, {"op", op_type}}; }
};

struct Graph {
  std::string name;
  int64_t opset = 0;  //!< ONNX default-domain opset the model was written for
  std::vector<Node> nodes;
  std::vector<ValueInfo> inputs;   //!< runtime inputs only (initializers are not listed here)
  std::vector<ValueInfo> outputs;
  std::unordered_map<std::string, HostTensor> initializers;
  std::unordered_map<std::string, ValueInfo> value_info;  //!< annotations for intermediates

  bool is_initializer(const std::string& value) const { return initializers.count(value) > 0; }
  //! Index of the node producing `value`, if any.
  std::optional<size_t> producer(const std::string& value) const;
  //! Number of node inputs plus graph outputs that read `value`.
  size_t use_count(const std::string& value) const;
  //! Throws kInvalidModel when a node reads a value nothing defines or nodes are out of order.
  void validate() const;
  //! A value name not yet used in the graph, derived from `base`.
  std::string unique_value_name(const std::string& base) const;
};

}  // namespace rill::ir
