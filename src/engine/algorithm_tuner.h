// Build-time tuning in the engine (Note [Build-time tuning] in kernels/algorithm_selector.h):
// tune_algorithms() times the library algorithms of an engine's GEMMs and convolutions when it
// is built, and StoredAlgorithms hands the choices to the plans made when the engine runs.
#pragma once

#include <cstddef>
#include <string>

#include "engine/engine_definition.h"
#include "kernels/algorithm_selector.h"

namespace rill::engine {

//! Tunes every tunable node (OpDef::tunable) of `definition` at its inputs' opt shapes on the
//! current GPU, honouring BuildOptions::tuning and timing_cache; fills definition.algorithms and
//! definition.summary.tuning. Without a GPU, or with tuning off, only the summary changes (its
//! status says why). Tuning never fails a build: a layer it cannot prepare is left to the
//! heuristic with a warning in the summary, and so is a timing cache it cannot read or write.
//! `progress` gets "tuning i/N layers" stages with fractions from `from` to `to`.
void tune_algorithms(EngineDefinition& definition, const BuildProgress& progress, double from,
                     double to);

//! An engine's tuned algorithms as its plans see them: found when they were tuned in the
//! current environment (same GPU model and library versions), never timed again. A choice the
//! library rejects for its problem, or a key with no entry (a shape other than opt), leaves
//! the plan to the heuristic.
class StoredAlgorithms final : public kernels::AlgorithmSelector {
 public:
  StoredAlgorithms(const TunedAlgorithms& algorithms, const kernels::TuningEnvironment& current);

  const kernels::AlgorithmChoice* find(const std::string& key) override;
  void rejected(const std::string& key) override;
  kernels::TuningBench* bench() override { return nullptr; }
  void tuned(const std::string& key, kernels::AlgorithmChoice choice) override;

  //! False when the choices were made in another environment and are all ignored.
  bool applicable() const noexcept { return applicable_; }
  //! Stored choices the plans took, and those the libraries rejected.
  size_t used() const noexcept { return found_ - rejected_; }
  size_t rejected_count() const noexcept { return rejected_; }

 private:
  const TunedAlgorithms& algorithms_;
  bool applicable_;
  size_t found_ = 0;
  size_t rejected_ = 0;
};

}  // namespace rill::engine
