// What a benchmark run is asked to do: the model, the shapes, how long, and how the caller
// drives the Session (which stream, how many threads, graphs or not).
//
// Note [Bench stream modes]
// ~~~~~~~~~~~~~~~~~~~~~~~~~
// naive     The baseline, what a naive runtime does: an ExecutionContext enqueued on the legacy
//           default stream (cudaStreamLegacy) with a cudaStreamSynchronize after every call. No
//           Session, no CUDA graphs.
// default   The caller is on the legacy default stream and calls Session::run; the Session
//           redirects the work to a pooled engine stream joined by events (Note [Stream policy]).
// explicit  The caller passes a stream it created (non-blocking); the Session runs on it.
// dedicated The caller passes a created stream, but SessionOptions::stream_policy is
//           kAlwaysDedicated, so every call is redirected as in `default`.
// In naive and default modes every thread's caller stream is the legacy default stream, so
// `streams` is one per thread there.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace rill::bench {

enum class StreamMode { kNaive, kDefault, kExplicit, kDedicated };

//! "naive", "default", "explicit", "dedicated".
std::string_view stream_mode_name(StreamMode mode) noexcept;
//! The inverse of stream_mode_name; throws rill::Error (kInvalidArgument) for anything else.
StreamMode parse_stream_mode(std::string_view name);

//! "a,b,,c" -> {"a", "b", "c"}: a comma-separated command-line list, empty items dropped.
std::vector<std::string> split_list(const std::string& text);

struct BenchConfig {
  std::string model;  //!< path, for reports only: the runner is handed a built Engine
  //! Leading (batch) dim of every input whose first dim is dynamic; 0 keeps the engine's opt
  //! shape. A static first dim is kept as it is.
  int64_t batch = 1;
  //! Shapes that replace the engine's opt shape for named inputs (before `batch` applies).
  std::map<std::string, std::vector<int64_t>> input_shapes;

  //! Timed inferences in all (split evenly across threads). When 0, run for duration_s.
  uint64_t iterations = 0;
  double duration_s = 3.0;
  //! Untimed inferences per caller stream before the timed loop (plans, captures graphs, warms
  //! caches); followed by a device sync that is outside the timed loop.
  uint64_t warmup = 20;

  StreamMode stream_mode = StreamMode::kExplicit;
  int threads = 1;  //!< host threads, each calling Session::run
  //! Caller streams in all (explicit/dedicated modes); 0 means one per thread. Each thread
  //! drives streams t, t + threads, ... round-robin.
  int streams = 0;
  bool cuda_graph = true;
  //! How replayed graphs meet the rotating buffers: staging copies (default) or re-capture and
  //! cudaGraphExecUpdate (SessionOptions::graph_rebinding).
  bool graph_capture_update = false;
  //! cudaStreamSynchronize on the caller stream after every call (naive mode always does).
  bool sync_each = false;
  //! Time an H2D copy of the inputs before and a D2H copy of the outputs after each call, on
  //! the caller stream, from and to pinned host buffers.
  bool include_transfers = false;

  //! Input/output buffer sets each stream rotates through, so that repeated runs do not just
  //! measure a warm cache (METHOD.md: rotate among several input sets).
  int buffer_sets = 4;
  //! Inferences a stream may have in flight before the caller waits. The wait polls the
  //! inference's end event with cudaEventQuery, which never blocks and is not a host sync: it
  //! keeps the CUDA launch queue from filling, which would otherwise make enqueue time read as
  //! GPU time. 0: unbounded.
  int max_in_flight = 4;
  //! Count host syncs and default-stream ops with cuda::SyncCounter (CUPTI) over the timed loop.
  bool count_syncs = true;

  //! Label used in tables ("(c) explicit stream"); empty: derived from the settings.
  std::string label;

  //! Streams actually driven: one per thread in naive/default modes, else max(streams, threads).
  int effective_streams() const;
  //! Throws rill::Error (kInvalidArgument) for settings that cannot run.
  void validate() const;
  //! "explicit stream, CUDA graphs on, 1 thread x 1 stream".
  std::string describe() const;
};

}  // namespace rill::bench
