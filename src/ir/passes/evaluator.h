// How passes compute values: the engine injects its CPU reference (ops::find_op(op)->run_cpu), so
// src/ir stays independent of src/ops.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "ir/graph.h"
#include "ir/tensor.h"

namespace rill::ir {

//! Computes a node's outputs from its inputs on the host. Absent optional inputs arrive as empty
//! HostTensors; one result per node output. An evaluator that cannot run an op throws a
//! kUnsupported error, which constant folding treats as "leave this node alone".
using Evaluator =
    std::function<std::vector<HostTensor>(const Node& node, std::span<const HostTensor> inputs)>;

}  // namespace rill::ir
