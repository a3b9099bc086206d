// Evaluating nodes on the host with the CPU reference: the constant-folding evaluator, plan-time
// shape arithmetic, and the CPU executor all go through here.
#pragma once

#include <span>
#include <vector>

#include "ir/graph.h"
#include "ops/op.h"

namespace rill::engine {

//! The registered op for a node, or kUnsupported naming node and op.
const ops::OpDef& op_for(const ir::Node& node);

//! Runs a node's CPU reference. Errors gain the node's context.
std::vector<ir::HostTensor> evaluate_on_host(const ir::Node& node,
                                             std::span<const ir::HostTensor> inputs);

//! A Shape node's output from its input's description alone (opset 15 start/end), so that shape
//! arithmetic never needs the data.
ir::HostTensor shape_of(const ir::Node& node, const ir::TensorDesc& input);

}  // namespace rill::engine
