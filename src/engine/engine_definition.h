// What an engine is, independent of any GPU: the optimized graph, how it was built, and its
// build summary. This is what a .rill plan file stores.
#pragma once

#include "ir/graph.h"
#include "rill/engine.h"

namespace rill::engine {

struct EngineDefinition {
  ir::Graph graph;  //!< optimized; nodes in execution order
  BuildOptions options;
  EngineSummary summary;
  std::vector<TensorInfo> inputs;   //!< with resolved shape ranges
  std::vector<TensorInfo> outputs;
};

}  // namespace rill::engine
