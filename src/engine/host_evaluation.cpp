#include "engine/host_evaluation.h"

#include <algorithm>

namespace rill::engine {

const ops::OpDef& op_for(const ir::Node& node) {
  const ops::OpDef* def = ops::find_op(node.op_type);
  if (def == nullptr) {
    throw Error(ErrorKind::kUnsupported, "rill does not implement this op", node.context());
  }
  return *def;
}

std::vector<ir::HostTensor> evaluate_on_host(const ir::Node& node,
                                             std::span<const ir::HostTensor> inputs) {
  const ops::OpDef& def = op_for(node);
  try {
    return def.run_cpu(node, inputs);
  } catch (Error& e) {
    if (e.context_value("node").empty()) {
      e.add_context("node", node.name).add_context("op", node.op_type);
    }
    throw;
  }
}

ir::HostTensor shape_of(const ir::Node& node, const ir::TensorDesc& input) {
  const auto rank = static_cast<int64_t>(input.shape.size());
  auto clamp_axis = [&](int64_t axis) {
    if (axis < 0) axis += rank;
    return std::clamp<int64_t>(axis, 0, rank);
  };
  const int64_t start = clamp_axis(node.attr_int("start", 0));
  const int64_t end = clamp_axis(node.attr_int("end", rank));
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i) dims.push_back(input.shape[static_cast<size_t>(i)]);
  const auto count = static_cast<int64_t>(dims.size());
  return ir::HostTensor::from<int64_t>({count}, dims);
}

}  // namespace rill::engine
