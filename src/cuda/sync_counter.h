// The sync counter: counts host-blocking CUDA calls and default-stream work, through CUPTI.
//
// Note [What the sync counter counts]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// (a) Host syncs: runtime and driver API calls that block the calling thread until the device
//     catches up: cudaStreamSynchronize, cudaDeviceSynchronize, cudaEventSynchronize, the
//     synchronous cudaMemcpy* / cudaMemset*, cudaMalloc* except cudaMallocAsync and
//     cudaMallocFromPoolAsync, cudaFree* except cudaFreeAsync, cudaHostAlloc / cudaMallocHost /
//     cudaFreeHost, and their driver twins (cuStreamSynchronize, cuCtxSynchronize, cuMemcpyHtoD,
//     cuMemAlloc, cuMemFreeHost, ...).
// (b) Default-stream operations: every kernel launch, graph launch, copy, memset or host function
//     issued to the legacy default stream (0, cudaStreamLegacy) or the per-thread default stream
//     (cudaStreamPerThread, or 0 through a _ptsz entry point). Synchronous copies and memsets are
//     issued to the legacy stream, so they count in both (a) and (b).
// A runtime call reaches the driver through driver calls of its own; those nested driver calls
// are not counted again for what their runtime call was already counted for. A driver call that
// a runtime call makes on its own account (a hidden allocation, say) is counted.
//
// Counting needs CUPTI's callback API, which allows one subscriber per process: the first live
// SyncCounter subscribes, and the tracker stays subscribed (with its callbacks disabled while no
// counter is live) until the process ends. start_process_tracking() (rill trace's injection
// library) keeps the callbacks enabled until then.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace rill::cuda {

enum class SyncEventKind { kHostSync, kDefaultStreamOp };

//! Count of one API for one kind of event, in a breakdown.
struct ApiCount {
  std::string api;  //!< the API's name, as CUPTI spells it (cudaStreamSynchronize, cuMemAlloc_v2)
  SyncEventKind kind;
  uint64_t count;
};

struct SyncTotals;  // defined in sync_counter.cpp

//! One counted event, as handed to a sync observer.
struct SyncEvent {
  SyncEventKind kind;
  const char* api;  //!< CUPTI's name for the API (cudaStreamSynchronize_v3020); lives as long as
                    //!< the process
};

//! Called for every event that the tracker counts (Note [What the sync counter counts]), on the
//! thread that made the CUDA call, from inside that call. It must be cheap, must not throw and must
//! not call CUDA. A synchronous copy, counted in both (a) and (b), arrives as two events.
using SyncObserver = void (*)(const SyncEvent&);

//! Installs `observer` (nullptr removes it). One observer per process: the last call wins. The
//! observer sees events only while tracking is on: while a SyncCounter is live, or for good after
//! start_process_tracking().
void set_sync_observer(SyncObserver observer) noexcept;

//! Turns tracking on for the rest of the process without a SyncCounter object (rill trace's
//! injection library does this). Idempotent; tracking is never turned off again. Throws
//! rill::Error (kCupti) like SyncCounter(), for example when another CUPTI tool owns the process.
void start_process_tracking();

//! Scoped counting of host syncs and default-stream work. Construct it, run the code under test,
//! read the counts. Counts are since construction or the last reset(), for the whole process or
//! for the thread that constructed the counter.
class SyncCounter {
 public:
  //! Starts counting. Throws rill::Error (kCupti) when CUPTI cannot subscribe, for example
  //! because another CUPTI tool owns the process.
  SyncCounter();
  ~SyncCounter();
  SyncCounter(const SyncCounter&) = delete;
  SyncCounter& operator=(const SyncCounter&) = delete;

  //! Host-blocking calls made by any thread.
  uint64_t host_syncs() const;
  //! Default-stream operations issued by any thread.
  uint64_t default_stream_ops() const;
  //! Host-blocking calls made by the constructing thread. Throws if called from another thread.
  uint64_t thread_host_syncs() const;
  //! Default-stream operations issued by the constructing thread.
  uint64_t thread_default_stream_ops() const;

  //! Non-zero counts per API (whole process), largest first.
  std::vector<ApiCount> breakdown() const;
  //! "2 host syncs (cudaStreamSynchronize 2), 1 default-stream op (cudaLaunchKernel 1)".
  std::string summary() const;
  //! Starts the counts again from zero.
  void reset();

 private:
  void check_owner_thread() const;

  std::thread::id owner_;
  std::unique_ptr<SyncTotals> process_start_;
  std::unique_ptr<SyncTotals> thread_start_;
};

}  // namespace rill::cuda
