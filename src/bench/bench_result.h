// What a benchmark run measured.
//
// Note [What the bench measures]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// One inference is one Session::run call (a whole batch). Over the timed loop:
// - throughput: timed inferences over wall time, from the moment the threads are released to
//   the end of a device sync after the last call (the sync is outside the counted region);
// - enqueue time: host time inside Session::run (ExecutionContext::enqueue in naive mode);
// - GPU compute time: CUDA timing events recorded on the caller stream just before and after the
//   call, as trtexec measures it; a redirected call is bracketed too, since the caller stream
//   waits for the engine stream before the second event;
// - H2D / D2H: events around the copies, when transfers are included;
// - latency: with a sync after each call (naive mode, --sync-each), host wall time from the
//   start of the iteration to the return of the sync: what a caller waits. Without syncs the
//   host never learns when one inference ends, so latency is the GPU-event span of the
//   inference (H2D start to D2H end, or compute start to end), trtexec's definition;
//   `latency_source` says which;
// - host syncs and default-stream ops: cuda::SyncCounter over the timed loop, whole process,
//   divided by the timed inferences.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "rill/session.h"

#include "bench/bench_config.h"
#include "bench/stats.h"

namespace rill::bench {

//! One input's concrete shape as benchmarked.
struct ShapeEntry {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
};

struct BenchResult {
  BenchConfig config;  //!< as run
  std::string label;   //!< config.label, or a label derived from the settings
  std::string device;  //!< cudaDeviceProp::name
  std::vector<ShapeEntry> inputs;
  int64_t batch = 0;  //!< leading dim of the first input (samples per inference)

  uint64_t inferences = 0;  //!< timed
  double wall_s = 0;
  double throughput = 0;        //!< inferences per second, all threads together
  double per_inference_ms = 0;  //!< 1000 / throughput

  std::string latency_source;  //!< "host" (sync after each call) or "gpu-events"
  LatencyStats latency_ms;
  LatencyStats enqueue_ms;
  LatencyStats gpu_compute_ms;
  LatencyStats h2d_ms;  //!< count 0 unless transfers are included
  LatencyStats d2h_ms;

  bool syncs_counted = false;  //!< false when CUPTI was unavailable or counting was off
  uint64_t host_syncs = 0;
  uint64_t default_stream_ops = 0;
  double host_syncs_per_inference = 0;
  double default_stream_ops_per_inference = 0;
  std::string sync_summary;  //!< SyncCounter::summary() over the timed loop

  bool has_session = false;    //!< false in naive mode (no Session)
  SessionStats session_stats;  //!< totals at the end (warm-up included)
  SessionStats timed_stats;    //!< the timed loop alone

  std::vector<std::string> warnings;  //!< from diagnose()
};

//! A `compare` run: one model, several scenarios, the first being the baseline.
struct CompareReport {
  std::string model;
  std::string device;
  std::string date;  //!< UTC, YYYY-MM-DD
  std::vector<BenchResult> scenarios;
};

}  // namespace rill::bench
