#include "ir/graph.h"

#include <unordered_set>

namespace rill::ir {

std::string symbolic_shape_string(const SymbolicShape& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ',';
    if (shape[i].is_static()) {
      text += std::to_string(shape[i].value);
    } else {
      text += shape[i].symbol.empty() ? "?" : shape[i].symbol;
    }
  }
  return text + "]";
}

namespace {

template <class T>
const T* attribute_as(const Node& node, const std::string& key) {
  const auto it = node.attributes.find(key);
  if (it == node.attributes.end()) return nullptr;
  const T* value = std::get_if<T>(&it->second);
  if (value == nullptr) {
    Error error(ErrorKind::kInvalidModel, "attribute has the wrong type", node.context());
    error.add_context("attribute", key);
    throw error;
  }
  return value;
}

}  // namespace

int64_t Node::attr_int(const std::string& key, int64_t fallback) const {
  const auto* v = attribute_as<int64_t>(*this, key);
  return v ? *v : fallback;
}

float Node::attr_float(const std::string& key, float fallback) const {
  const auto* v = attribute_as<float>(*this, key);
  return v ? *v : fallback;
}

std::string Node::attr_string(const std::string& key, const std::string& fallback) const {
  const auto* v = attribute_as<std::string>(*this, key);
  return v ? *v : fallback;
}

std::vector<int64_t> Node::attr_ints(const std::string& key, std::vector<int64_t> fallback) const {
  const auto* v = attribute_as<std::vector<int64_t>>(*this, key);
  return v ? *v : fallback;
}

std::vector<float> Node::attr_floats(const std::string& key, std::vector<float> fallback) const {
  const auto* v = attribute_as<std::vector<float>>(*this, key);
  return v ? *v : fallback;
}

const HostTensor& Node::attr_tensor(const std::string& key) const {
  const auto* v = attribute_as<HostTensor>(*this, key);
  if (v == nullptr) {
    Error error(ErrorKind::kInvalidModel, "required tensor attribute is missing", context());
    error.add_context("attribute", key);
    throw error;
  }
  return *v;
}

int64_t Node::required_int(const std::string& key) const {
  const auto* v = attribute_as<int64_t>(*this, key);
  if (v == nullptr) {
    Error error(ErrorKind::kInvalidModel, "required attribute is missing", context());
    error.add_context("attribute", key);
    throw error;
  }
  return *v;
}

const std::string& Node::input(size_t i) const {
  static const std::string kAbsent;
  return i < inputs.size() ? inputs[i] : kAbsent;
}

std::optional<size_t> Graph::producer(const std::string& value) const {
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const auto& out : nodes[i].outputs) {
      if (out == value) return i;
    }
  }
  return std::nullopt;
}

size_t Graph::use_count(const std::string& value) const {
  size_t uses = 0;
  for (const Node& node : nodes) {
    for (const auto& in : node.inputs) uses += in == value ? 1 : 0;
  }
  for (const ValueInfo& out : outputs) uses += out.name == value ? 1 : 0;
  return uses;
}

void Graph::validate() const {
  std::unordered_set<std::string> defined;
  for (const ValueInfo& in : inputs) defined.insert(in.name);
  for (const auto& [value, tensor] : initializers) defined.insert(value);
  for (const Node& node : nodes) {
    for (const auto& in : node.inputs) {
      if (!in.empty() && defined.count(in) == 0) {
        Error error(ErrorKind::kInvalidModel,
                    "node reads a value that no graph input, initializer or earlier node defines",
                    node.context());
        error.add_context("value", in);
        throw error;
      }
    }
    for (const auto& out : node.outputs) {
      if (!out.empty()) defined.insert(out);
    }
  }
  for (const ValueInfo& out : outputs) {
    if (defined.count(out.name) == 0) {
      throw Error(ErrorKind::kInvalidModel, "graph output is never produced",
                  {{"output", out.name}});
    }
  }
}

std::string Graph::unique_value_name(const std::string& base) const {
  std::unordered_set<std::string> used;
  for (const ValueInfo& v : inputs) used.insert(v.name);
  for (const ValueInfo& v : outputs) used.insert(v.name);
  for (const auto& [value, tensor] : initializers) used.insert(value);
  for (const Node& node : nodes) {
    for (const auto& o : node.outputs) used.insert(o);
  }
  if (used.count(base) == 0) return base;
  for (int i = 1;; ++i) {
    std::string candidate = base + "_" + std::to_string(i);
    if (used.count(candidate) == 0) return candidate;
  }
}

}  // namespace rill::ir
