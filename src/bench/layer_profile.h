// `rill bench --profile`: the per-layer profile of an engine at the benchmark's shapes.
#pragma once

#include "rill/engine.h"

#include "bench/bench_config.h"

namespace rill::bench {

//! Profiles `engine`'s layers (ExecutionContext::profile_layers) at the shapes `config` gives,
//! on a fresh context and stream with random inputs. Needs a GPU; blocks the host.
LayerProfile profile_engine_layers(const Engine& engine, const BenchConfig& config, int iterations);

}  // namespace rill::bench
