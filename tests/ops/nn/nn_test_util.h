// Small helpers shared by the nn op tests.
#pragma once

#include <string>
#include <vector>

#include "op_test_driver.h"
#include "ops/families.h"

namespace rill::testing::nn {

inline std::span<const ops::OpDef> nn_table() {
  static const std::vector<ops::OpDef> table = ops::nn_ops();
  return table;
}

//! An OpCase for `op_type` with the given inputs (an empty HostTensor is an absent input).
inline OpCase make_case(const std::string& op_type, std::vector<ir::HostTensor> inputs,
                        std::map<std::string, ir::AttributeValue> attributes = {},
                        int outputs = 1) {
  OpCase c;
  c.def = find_def(nn_table(), op_type);
  c.node = make_node(op_type, static_cast<int>(inputs.size()), outputs, std::move(attributes));
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].shape().empty() && inputs[i].bytes() == 0) c.node.inputs[i].clear();
  }
  c.inputs = std::move(inputs);
  return c;
}

inline ir::HostTensor floats(ir::Shape shape, std::vector<float> values) {
  return ir::HostTensor::from<float>(std::move(shape), values);
}

inline ir::HostTensor iota(ir::Shape shape, float start = 0.0f) {
  std::vector<float> v(static_cast<size_t>(ir::element_count(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + static_cast<float>(i);
  return floats(std::move(shape), v);
}

inline std::vector<float> values(const ir::HostTensor& t) {
  const auto span = t.values<float>();
  return {span.begin(), span.end()};
}

using Ints = std::vector<int64_t>;

}  // namespace rill::testing::nn
