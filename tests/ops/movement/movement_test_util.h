// Shared helpers for the movement op tests.
#pragma once

#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "op_test_driver.h"
#include "ops/families.h"

namespace rill::movement_test {

using ir::HostTensor;
using ir::Shape;

inline std::span<const ops::OpDef> movement_table() {
  static const std::vector<ops::OpDef> table = ops::movement_ops();
  return table;
}

//! A case of `op` on `inputs`; inputs listed in `absent` are absent optional inputs.
inline testing::OpCase make_case(const std::string& op, std::vector<HostTensor> inputs,
                                 std::map<std::string, ir::AttributeValue> attributes = {},
                                 int outputs = 1, std::set<size_t> absent = {}) {
  testing::OpCase c;
  c.def = testing::find_def(movement_table(), op);
  c.node = testing::make_node(op, static_cast<int>(inputs.size()), outputs, std::move(attributes));
  for (size_t i : absent) {
    c.node.inputs[i].clear();
    inputs[i] = HostTensor();
  }
  c.inputs = std::move(inputs);
  return c;
}

inline HostTensor floats(Shape shape, std::vector<float> values) {
  return HostTensor::from<float>(std::move(shape), values);
}
inline HostTensor int64s(Shape shape, std::vector<int64_t> values) {
  return HostTensor::from<int64_t>(std::move(shape), values);
}
inline HostTensor ints(std::vector<int64_t> values) {
  const auto n = static_cast<int64_t>(values.size());
  return HostTensor::from<int64_t>({n}, values);
}
//! 0, 1, 2, ... as float32 in `shape`.
inline HostTensor iota(Shape shape) {
  HostTensor t(DType::kFloat32, std::move(shape));
  for (int64_t i = 0; i < t.elements(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

inline constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
inline constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

}  // namespace rill::movement_test
