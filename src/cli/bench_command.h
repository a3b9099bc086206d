// `rill bench`: throughput, latency percentiles, enqueue and GPU time, and host-sync counts of a
// model under one stream mode, or the standard comparison of all of them (--compare). The logic
// lives in src/bench; this only turns CLI options into a BenchConfig and prints.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/commands.h"

namespace rill::cli {

struct BenchCommand {
  std::string model = "models/tiny_cnn.onnx";
  ShapeOptions shapes;
  PrecisionOptions precision;
  int64_t batch = 0;        //!< > 0: leading dim of dynamic inputs; 0: the engine's opt shape
  double duration_s = 0;    //!< seconds of timed loop (3 when neither this nor iterations)
  uint64_t iterations = 0;  //!< timed inferences; wins over duration_s
  uint64_t warmup = 20;     //!< per stream
  int streams = 0;          //!< 0: one per thread
  int threads = 1;
  bool cuda_graph = true;
  std::string stream = "explicit";  //!< default | dedicated | explicit | naive
  bool sync_each = false;
  bool include_transfers = false;
  std::string json;  //!< write results here
  bool compare = false;
  bool profile = false;        //!< print a per-layer profile after the benchmark
  int profile_iterations = 50;
  size_t profile_top = 25;     //!< layers the profile lists, slowest first; 0: all
};

//! Runs the benchmark and prints its report (or the comparison table). Needs a GPU: without one
//! it throws rill::Error (kNoDevice).
int run_bench(const BenchCommand& command);

}  // namespace rill::cli
