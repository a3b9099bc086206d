// What an engine is, independent of any GPU: the optimized graph, how it was built, and its
// build summary. This is what a .rill plan file stores.
#pragma once

#include <map>
#include <string>

#include "ir/graph.h"
#include "kernels/algorithm_selector.h"
#include "rill/engine.h"

namespace rill::engine {

//! Library algorithms chosen by build-time tuning (Note [Build-time tuning] in
//! kernels/algorithm_selector.h), by problem key, and the environment they were timed in.
struct TunedAlgorithms {
  kernels::TuningEnvironment environment;
  std::map<std::string, kernels::AlgorithmChoice> choices;
  friend bool operator==(const TunedAlgorithms&, const TunedAlgorithms&) = default;
};

struct EngineDefinition {
  ir::Graph graph;  //!< optimized; nodes in execution order
  BuildOptions options;
  EngineSummary summary;
  std::vector<TensorInfo> inputs;   //!< with resolved shape ranges
  std::vector<TensorInfo> outputs;
  TunedAlgorithms algorithms;  //!< empty when the build did not tune
};

}  // namespace rill::engine
