// The Session's internals: the context pool and what each pooled context owns.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "cuda/event.h"
#include "cuda/stream_pool.h"
#include "rill/session.h"
#include "runtime/graph_cache.h"

namespace rill::runtime {

//! One execution context with everything that belongs to it. A slot is used by one run at a time,
//! but its GPU work may still be in flight when the next run takes it, possibly on another
//! stream: `done` marks the end of its last work, and every run first makes its stream wait for
//! it (Note [Context reuse across streams] in session.cpp).
struct ContextSlot {
  std::unique_ptr<ExecutionContext> context;
  cuda::StreamPool::Lease engine_stream;
  cuda::Event done;
  GraphCache graphs;
  uint64_t graphs_memory_generation = 0;  //!< the context memory the cached graphs point into
  std::vector<void*> bound_inputs;   //!< addresses last bound, to skip rebinding
  std::vector<void*> bound_outputs;
  uint64_t engine_stream_id = 0;  //!< cuda::stream_id_if_known(engine_stream)
  uint64_t last_stream_id = 0;    //!< the stream that ran the slot's last work; 0 unknown
  std::vector<ir::Shape> signature;  //!< scratch for the run's input shapes (no allocation)
  //! The last few caller addresses per tensor found to be device memory of the session's GPU,
  //! suitably aligned (cuda::device_pointer_problem), so that steady state, also with a few
  //! rotating buffer sets, asks the driver nothing.
  struct CheckedAddresses {
    std::array<const void*, 4> recent{};
    size_t next = 0;
    bool contains(const void* p) const {
      return std::find(recent.begin(), recent.end(), p) != recent.end();
    }
    void add(const void* p) {
      recent[next] = p;
      next = (next + 1) % recent.size();
    }
  };
  std::vector<CheckedAddresses> checked_inputs;
  std::vector<CheckedAddresses> checked_outputs;
  //! Input-shape signatures this context has run outside a caller's capture: planned, with an
  //! arena large enough for them (Note [Caller capture]).
  std::set<std::vector<ir::Shape>> warmed;

  explicit ContextSlot(size_t graph_capacity) : graphs(graph_capacity) {}
};

class SessionState {
 public:
  SessionState(std::shared_ptr<const Engine> engine, SessionOptions options);
  ~SessionState();

  void run(std::span<const Tensor> inputs, std::span<const Tensor> outputs, cudaStream_t caller);
  std::vector<OwnedTensor> run_allocating(std::span<const Tensor> inputs, cudaStream_t caller);
  SessionStats stats() const;
  const Engine& engine() const { return *engine_; }

 private:
  class SlotLease;
  SlotLease acquire();
  //! Takes a context out of the pool for good, for a run into the caller's capture.
  ContextSlot& pin_for_caller_capture(const std::vector<ir::Shape>& signature);
  void run_into_caller_capture(std::span<const Tensor> inputs, std::span<const Tensor> outputs,
                               cudaStream_t caller);
  void release(ContextSlot* slot);
  std::unique_ptr<ContextSlot> make_slot();

  // The parts of a run, on a held slot.
  void set_shapes(ContextSlot& slot, std::span<const Tensor> inputs);
  void check_outputs(ContextSlot& slot, std::span<const Tensor> outputs);
  void run_on_slot(ContextSlot& slot, std::span<const Tensor> inputs,
                   std::span<const Tensor> outputs, cudaStream_t caller);
  //! Throws kInvalidArgument for a caller address the GPU cannot use, before any work is issued.
  void check_address(const Tensor& t, const TensorInfo& info, const char* role,
                     ContextSlot::CheckedAddresses& checked) const;
  //! Enqueues the run proper on `work` (plain, capture or replay).
  void enqueue_on(ContextSlot& slot, std::span<const Tensor> inputs,
                  std::span<const Tensor> outputs, cudaStream_t work);
  void bind(ContextSlot& slot, std::span<const Tensor> inputs, std::span<const Tensor> outputs);
  void enqueue_plain(ContextSlot& slot, std::span<const Tensor> inputs,
                     std::span<const Tensor> outputs, cudaStream_t stream);
  std::unique_ptr<SessionGraph> capture(ContextSlot& slot, std::span<const Tensor> inputs,
                                        std::span<const Tensor> outputs);
  //! Captures the context's enqueue, as bound now, on its engine stream.
  cuda::Graph capture_enqueue(ContextSlot& slot);
  //! Replays a captured signature (Note [Direct replay] in session.cpp).
  void replay(SessionGraph& graph, ContextSlot& slot, std::span<const Tensor> inputs,
              std::span<const Tensor> outputs, cudaStream_t stream);
  void replay_staged(SessionGraph& graph, std::span<const Tensor> inputs,
                     std::span<const Tensor> outputs, cudaStream_t stream);
  void rebind_direct(SessionGraph& graph, ContextSlot& slot, std::span<const Tensor> inputs,
                     std::span<const Tensor> outputs);
  void drop_stale_graphs(ContextSlot& slot);

  std::shared_ptr<const Engine> engine_;
  SessionOptions options_;
  int device_;
  cuda::StreamPool streams_;
  cuda::EventPool events_;

  mutable std::mutex pool_mutex_;
  std::condition_variable slot_freed_;
  std::vector<std::unique_ptr<ContextSlot>> slots_;  // all slots ever made
  std::vector<ContextSlot*> free_;
  std::vector<std::unique_ptr<ContextSlot>> pinned_;  // out of the pool, in callers' graphs
  std::set<std::vector<ir::Shape>> warmed_;          // signatures some context has run
  size_t making_ = 0;  // slots being made outside the lock

  std::once_flag redirect_logged_;
  struct Counters {
    std::atomic<uint64_t> runs{0}, redirected{0}, captures{0}, replays{0}, fallbacks{0},
        plain{0}, updates{0}, staged{0}, caller_captures{0};
  } counters_;
};

}  // namespace rill::runtime
