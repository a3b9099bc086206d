// Benchmark results as JSON (nlohmann-json), for scripts and docs/PERFORMANCE.md tooling.
// Times are in milliseconds, throughput in inferences per second.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "bench/bench_result.h"

namespace rill::bench {

nlohmann::json to_json(const LatencyStats& stats);
nlohmann::json to_json(const BenchConfig& config);
nlohmann::json to_json(const SessionStats& stats);
nlohmann::json to_json(const BenchResult& result);
nlohmann::json to_json(const CompareReport& report);

//! Writes `value` (pretty-printed, trailing newline) to `path`; throws rill::Error (kIo) when the
//! file cannot be written.
void write_json_file(const nlohmann::json& value, const std::string& path);

}  // namespace rill::bench
