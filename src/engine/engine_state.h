// The engine's internal state: its definition plus what it lazily makes on a GPU (device weights,
// planning handles, the per-signature plan cache). Shared by all contexts; thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/algorithm_tuner.h"
#include "engine/engine_definition.h"
#include "engine/shape_plan.h"
#include "kernels/library_handles.h"
#include "rill/engine.h"

namespace rill::engine {

struct EngineState {
  explicit EngineState(EngineDefinition d) : definition(std::move(d)) {}

  EngineDefinition definition;

  //! The plan for these input shapes (engine input order), made on first use and cached.
  std::shared_ptr<const ShapePlan> plan_for(const std::vector<ir::Shape>& input_shapes) const;

  //! How the plans made so far used the definition's tuned algorithms.
  struct AlgorithmUse {
    bool applicable = false;  //!< tuned in this environment (else all ignored)
    size_t used = 0;          //!< stored choices the plans took
    size_t rejected = 0;      //!< stored choices the libraries refused (heuristic instead)
  };
  AlgorithmUse algorithm_use() const;

 private:
  const DeviceWeights& weights_locked() const;

  mutable std::mutex mutex_;
  mutable std::unique_ptr<DeviceWeights> weights_;
  mutable kernels::CublasLtHandle planning_cublaslt_;
  mutable kernels::CudnnHandle planning_cudnn_;
  mutable std::unique_ptr<StoredAlgorithms> algorithms_;
  mutable std::map<std::vector<ir::Shape>, std::shared_ptr<const ShapePlan>> plans_;
};

//! rill's own way to an Engine's internals, which the public API keeps private: making an engine
//! from a definition (the builder, the plan reader, tests) and reading its state (contexts).
struct EngineAccess {
  static std::shared_ptr<Engine> make(EngineDefinition definition) {
    return std::shared_ptr<Engine>(new Engine(std::make_unique<EngineState>(std::move(definition))));
  }
  static EngineState& state(const Engine& engine) { return engine.state(); }
};

//! Throws kInvalidArgument unless `shape` is within `info`'s range.
void check_input_shape(const TensorInfo& info, const ir::Shape& shape);

}  // namespace rill::engine
