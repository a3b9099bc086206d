// `compare`: several scenarios of one model in one process, the first being the baseline, so
// that every speed-up is measured side by side on the same card in the same process.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "rill/engine.h"

#include "bench/bench_config.h"
#include "bench/bench_result.h"

namespace rill::bench {

//! The standard comparison, built on `base` (model, batch, shapes, iterations or duration,
//! warm-up, transfers, buffer sets):
//!   (a) naive: legacy default stream, a host sync after every call, no Session
//!   (b) Session with the caller on the legacy default stream (redirected), graphs off
//!   (c) Session on an explicit non-default stream, graphs off
//!   (d) Session on an explicit stream with CUDA graphs
//!   (e) 4 threads on 4 explicit streams sharing one Session, graphs on (base.threads if > 1)
std::vector<BenchConfig> default_scenarios(const BenchConfig& base);

//! Runs `scenarios` in order on `engine` and returns them with model, card and date.
//! `on_result`, if given, is called after each scenario (for progress output).
CompareReport run_compare(std::shared_ptr<const Engine> engine,
                          const std::vector<BenchConfig>& scenarios,
                          const std::function<void(const BenchResult&)>& on_result = {});

}  // namespace rill::bench
