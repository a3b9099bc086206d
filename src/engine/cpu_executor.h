// The CPU reference executor: runs a graph node by node with each op's CPU reference. Slow and
// exact; the oracle for GPU results and the fallback on machines without a GPU.
#pragma once

#include <map>
#include <string>

#include "ir/graph.h"

namespace rill::engine {

//! Runs `graph` on named host inputs and returns its outputs by name.
std::map<std::string, ir::HostTensor> run_graph_on_cpu(
    const ir::Graph& graph, const std::map<std::string, ir::HostTensor>& inputs);

}  // namespace rill::engine
