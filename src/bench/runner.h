// Runs one benchmark: warm-up, a timed loop on one or more threads and streams, and the
// statistics of Note [What the bench measures] (bench_result.h).
#pragma once

#include <memory>
#include <string>

#include "rill/engine.h"

#include "bench/bench_config.h"
#include "bench/bench_result.h"

namespace rill::bench {

//! Benchmarks `engine` on the current CUDA device as `config` says and returns the result with
//! its warnings filled in. Needs a GPU; throws rill::Error for bad settings or CUDA failures.
BenchResult run_benchmark(std::shared_ptr<const Engine> engine, const BenchConfig& config);

//! The current device's name (cudaDeviceProp::name), e.g. "NVIDIA H100 80GB HBM3".
std::string current_device_name();

//! Today's date in UTC, YYYY-MM-DD.
std::string utc_date();

}  // namespace rill::bench
