#include <algorithm>
#include <vector>

#include "ops/families.h"
#include "ops/op.h"

namespace rill::ops {

namespace {

std::vector<OpDef> build_registry() {
  std::vector<OpDef> all;
  for (auto&& family : {elementwise_ops(), reduction_ops(), nn_ops(), movement_ops(),
                        transformer_ops()}) {
    all.insert(all.end(), family.begin(), family.end());
  }
  return all;
}

const std::vector<OpDef>& registry() {
  static const std::vector<OpDef> table = build_registry();
  return table;
}

}  // namespace

const OpDef* find_op(std::string_view op_type) {
  const auto& table = registry();
  const auto it = std::find_if(table.begin(), table.end(),
                               [&](const OpDef& def) { return def.op_type == op_type; });
  return it == table.end() ? nullptr : &*it;
}

std::span<const OpDef> all_ops() { return registry(); }

}  // namespace rill::ops
