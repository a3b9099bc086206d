// Human-readable benchmark output: a trtexec-style report for one run, a markdown table for a
// comparison, and the warnings both print.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "bench/bench_result.h"

namespace rill::bench {

//! Enqueue time at or above this share of the GPU time means the host may be the bottleneck
//! (trtexec warns at the same point).
inline constexpr double kEnqueueBoundRatio = 0.8;
//! Fewer timed inferences than this make p99 little more than the maximum.
inline constexpr size_t kFewSamples = 100;

//! The warnings a result deserves: enqueue-bound without graphs (trtexec's hint), host syncs or
//! default-stream work where none was expected, graph captures or fallbacks in the timed loop,
//! too few samples, no sync counts.
std::vector<std::string> diagnose(const BenchResult& result);

//! A trtexec-style report of one run: throughput, latency percentiles, enqueue and GPU compute
//! time, transfers, sync counts, session counters and warnings.
std::string format_report(const BenchResult& result);

//! "1.23 ms" style number with sensible precision: 3 significant digits at least.
std::string format_ms(double ms);

//! A markdown table of scenarios with speed-ups over the first: scenario, per-inference time
//! (median latency, and 1/throughput), throughput, GPU time (median), host syncs / inference,
//! default-stream ops / inference, speed-up vs the first (by 1/throughput).
std::string format_compare_table(std::span<const BenchResult> scenarios);

//! A markdown section for docs/PERFORMANCE.md: a heading with model, batch, card and date, the
//! table, and notes (what the columns mean, warnings).
std::string format_compare_markdown(const CompareReport& report);

}  // namespace rill::bench
