// StreamHold: keeps a stream's GPU work from starting until the host has queued all of it, so
// that timing events bracket GPU work only (Note [Timing without host gaps]).
#pragma once

#include <cuda_runtime_api.h>

#include <atomic>

namespace rill::cuda {

// Note [Timing without host gaps]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// Timing events on a stream measure the GPU's clock, and the GPU idles whenever the host has not
// yet queued the next launch. A launch whose host side (descriptor setup, cudnnBackendExecute,
// cuBLASLt's heuristics) takes longer than its kernels therefore reads as slow: at batch 1 that
// made build-time tuning pick kernels 3x slower in the network, and it would make a per-layer
// profile blame a layer for its host cost. A StreamHold queues a host function that spins until
// release(): everything queued behind it starts only then, back to back, as a graph replay runs.
//
// Tools only (tuning, profiling): the held stream blocks a CUDA host-callback thread, and work
// queued behind the hold must fit the stream's launch queue (a few thousand operations), else
// the host blocks on a full queue that cannot drain. Callers hold for one iteration at a time.
class StreamHold {
 public:
  //! Queues the hold on `stream`. Throws rill::Error if the host function cannot be queued.
  explicit StreamHold(cudaStream_t stream);
  StreamHold(const StreamHold&) = delete;
  StreamHold& operator=(const StreamHold&) = delete;
  //! Releases the hold if release() was not called (never throws).
  ~StreamHold() { release(); }

  //! Lets the work queued behind the hold start. Idempotent.
  void release() noexcept;

 private:
  // Owned by the host function once queued: it deletes the flag after seeing it set, so the
  // StreamHold may go away before the stream reaches the hold.
  std::atomic<bool>* flag_ = nullptr;
};

}  // namespace rill::cuda
