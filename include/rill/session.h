// Session: the stream-disciplined runtime around an Engine (what Torch-TensorRT's runtime module
// is around TensorRT, with the known traps avoided).
//
//   rill::Session session(engine);
//   session.run(inputs, outputs, stream);  // returns at once; the work is ordered on `stream`
//
// Note [Stream policy]
// ~~~~~~~~~~~~~~~~~~~~
// A caller on a non-default stream runs on that stream, so everything the caller arranged for it
// (priorities, green contexts, its own event waits) applies to the inference too. A caller on the
// legacy default stream or the per-thread default stream is redirected to a pooled engine stream:
// the engine stream waits for the caller's stream through an event, runs the inference, and the
// caller's stream waits for the engine stream through another event. The caller sees ordinary
// stream semantics, the host never blocks, and no work is issued to the default stream. With
// StreamPolicy::kAlwaysDedicated every call is redirected this way.
//
// Note [Session graphs]
// ~~~~~~~~~~~~~~~~~~~~~
// With CUDA graphs on, each execution context captures its enqueue once per input-shape signature
// (warm-up first, then capture in cudaStreamCaptureModeThreadLocal on its engine stream) and
// replays the graph on later calls. The first capture binds the caller's own buffers, and a call
// that passes exactly those addresses again replays it as it is: one graph launch, nothing else
// (Note [Direct replay] in session.cpp). A call with other addresses replays a second graph that
// reads and writes the context's static staging buffers, so new addresses never force a
// re-capture: it copies its inputs in, replays, and copies the outputs out, all on the work
// stream (GraphRebinding::kCaptureAndUpdate instead re-binds the direct graph and patches it;
// docs/PERFORMANCE.md compares the two). Graphs are kept
// in a bounded LRU per context; a capture that fails falls back to plain enqueue for that
// signature, with the reason logged once.
//
// Note [Caller capture]
// ~~~~~~~~~~~~~~~~~~~~~
// A caller may itself be capturing its stream into a CUDA graph (torch.cuda.graph,
// cudaStreamBeginCapture). Then run() captures nothing of its own and redirects nothing: it
// enqueues the inference plainly on the caller's stream, so the caller's graph holds it. That
// graph keeps pointing at the context's activation memory after the call, and is replayed later
// on whatever stream the caller picks, so the context is pinned to the caller's graph: it leaves
// the pool for good (the pool makes another when it needs one) and lives as long as the Session.
// The capture must not allocate or plan, so the input shapes must have run on this session once
// before, outside the capture (the warm-up that torch.cuda.graph asks for anyway); a context
// that ran them is preferred, otherwise a fresh one is made in relaxed capture mode. A Session
// must outlive every graph captured through it.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "rill/dtype.h"
#include "rill/engine.h"

namespace rill {

namespace runtime {
class SessionState;
}

//! A caller's tensor: device pointer, dtype and shape, C-contiguous (strides are not accepted
//! yet: a non-contiguous tensor is rejected with a clear error).
struct Tensor {
  void* data = nullptr;
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
};

//! A tensor rill allocated for the caller, stream-ordered: allocated with cudaMallocAsync on the
//! caller's stream and freed with cudaFreeAsync on that stream when destroyed, so it may be
//! dropped as soon as the caller has enqueued its last use.
class OwnedTensor {
 public:
  OwnedTensor() = default;
  OwnedTensor(DType dtype, std::vector<int64_t> shape, cudaStream_t stream);
  OwnedTensor(OwnedTensor&&) noexcept;
  OwnedTensor& operator=(OwnedTensor&&) noexcept;
  OwnedTensor(const OwnedTensor&) = delete;
  OwnedTensor& operator=(const OwnedTensor&) = delete;
  ~OwnedTensor();

  Tensor view() const { return {data_, dtype_, shape_}; }
  void* data() const noexcept { return data_; }
  DType dtype() const noexcept { return dtype_; }
  const std::vector<int64_t>& shape() const noexcept { return shape_; }
  size_t bytes() const noexcept { return bytes_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
  DType dtype_ = DType::kFloat32;
  std::vector<int64_t> shape_;
  cudaStream_t stream_ = nullptr;
};

enum class StreamPolicy {
  kCallerStream,     //!< run on the caller's stream unless it is a default stream
  kAlwaysDedicated,  //!< always run on a pooled engine stream joined by events
};

//! How a replayed CUDA graph meets new caller addresses (Note [Session graphs]).
enum class GraphRebinding {
  //! A call with new addresses replays a graph bound to static staging buffers, copying inputs
  //! in and outputs out: two small device copies, never a capture.
  kStagingCopies,
  //! The graph reads and writes the caller's buffers; a call with other addresses re-captures the
  //! enqueue and patches the instantiated graph with cudaGraphExecUpdate (re-instantiating only
  //! when the update is refused). No copies, but host time per address change.
  kCaptureAndUpdate,
};

struct SessionOptions {
  StreamPolicy stream_policy = StreamPolicy::kCallerStream;
  bool cuda_graphs = true;
  //! Execution contexts made up front, and the most the pool grows to; a caller that finds all
  //! contexts busy at the maximum waits for one.
  size_t initial_contexts = 1;
  size_t max_contexts = 8;
  //! CUDA graphs kept per context (LRU by input-shape signature).
  size_t graphs_per_context = 8;
  GraphRebinding graph_rebinding = GraphRebinding::kStagingCopies;
};

//! Counters for tests, benchmarks and `rill bench`.
struct SessionStats {
  uint64_t runs = 0;
  uint64_t redirected_runs = 0;  //!< caller on a default stream (or kAlwaysDedicated)
  uint64_t graph_captures = 0;   //!< graphs instantiated
  uint64_t graph_replays = 0;
  uint64_t graph_updates = 0;  //!< kCaptureAndUpdate: graphs patched for new addresses
  //! kStagingCopies: replays that copied through staging buffers (addresses differed from the
  //! capturing call's).
  uint64_t staged_replays = 0;
  uint64_t graph_evictions = 0;
  uint64_t capture_fallbacks = 0;  //!< signatures that run without graphs after a failed capture
  uint64_t plain_enqueues = 0;
  uint64_t contexts = 0;
  //! Runs enqueued into the caller's own CUDA graph capture (Note [Caller capture]); each pinned
  //! one context to the caller's graph.
  uint64_t caller_captures = 0;
};

//! Thread-safe: many threads may call run() at once; each call takes an execution context of its
//! own from the pool, so N threads run N inferences at once on N streams.
class Session {
 public:
  explicit Session(std::shared_ptr<const Engine> engine, SessionOptions options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  //! Runs one inference ordered on `caller_stream`: it starts after everything the caller
  //! enqueued on that stream before the call, and anything the caller enqueues after the call
  //! starts after it. Returns without waiting for the GPU. Inputs and outputs are in engine
  //! order (Engine::inputs() / outputs()); see Note [Lifetimes] for how long they must live.
  void run(std::span<const Tensor> inputs, std::span<const Tensor> outputs,
           cudaStream_t caller_stream);
  //! Same, allocating the outputs stream-ordered on `caller_stream`. Not while `caller_stream`
  //! is capturing (allocate the outputs in the capture and pass them).
  std::vector<OwnedTensor> run(std::span<const Tensor> inputs, cudaStream_t caller_stream);

  const Engine& engine() const;
  SessionStats stats() const;

 private:
  std::unique_ptr<runtime::SessionState> state_;
};

}  // namespace rill
