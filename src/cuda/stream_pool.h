// Per-device pools of reusable non-blocking streams and synchronization events, and join().
//
// Note [Stream reuse]
// ~~~~~~~~~~~~~~~~~~~
// Creating and destroying a stream or event costs microseconds and, for streams, may
// synchronize the device. rill therefore creates them only when a pool has none free (at
// start-up, or while a session grows its context pool) and reuses them forever after. A lease
// returns its handle on destruction. Pools are objects owned by a runtime or session, never
// globals, so their lifetime is explicit.
#pragma once

#include <cuda_runtime_api.h>

#include "cuda/event.h"
#include "cuda/handle_pool.h"
#include "cuda/stream.h"

namespace rill::cuda {

enum class StreamPriority { kNormal, kHigh };

//! Non-blocking streams of one device, in two priorities. Safe to use from many threads.
class StreamPool {
 public:
  using Lease = HandlePool<cudaStream_t>::Lease;

  //! A pool for `device`; creates no stream until the first acquire() or reserve().
  explicit StreamPool(int device);

  int device() const noexcept { return device_; }
  //! Leases a stream; every stream handed out is non-blocking and never a default stream.
  Lease acquire(StreamPriority priority = StreamPriority::kNormal);
  void reserve(size_t count, StreamPriority priority = StreamPriority::kNormal);
  //! Streams created so far (leased or free), of one priority.
  size_t created(StreamPriority priority = StreamPriority::kNormal) const;
  size_t in_use(StreamPriority priority = StreamPriority::kNormal) const;
  //! The numeric priorities used for kNormal and kHigh on this device.
  int numeric_priority(StreamPriority priority) const noexcept;

 private:
  HandlePool<cudaStream_t>& pool(StreamPriority priority);
  const HandlePool<cudaStream_t>& pool(StreamPriority priority) const;

  int device_;
  int normal_priority_ = 0;
  int high_priority_ = 0;
  HandlePool<cudaStream_t> normal_;
  HandlePool<cudaStream_t> high_;
};

//! Timing-disabled events of one device, for joins. Safe to use from many threads.
class EventPool {
 public:
  using Lease = HandlePool<cudaEvent_t>::Lease;

  explicit EventPool(int device);
  int device() const noexcept { return device_; }
  Lease acquire() { return pool_.acquire(); }
  void reserve(size_t count) { pool_.reserve(count); }
  size_t created() const { return pool_.created(); }

 private:
  int device_;
  HandlePool<cudaEvent_t> pool_;
};

//! Makes all work issued to `waiter` from now on wait for all work issued to `signaler` so far:
//! an event record on `signaler` and cudaStreamWaitEvent on `waiter`. The host never blocks, and
//! the event goes back to the pool at once: a wait binds to the record that precedes it, so a
//! later record of the same event does not affect it. Works inside stream capture (it forks or
//! joins the captured graph). A no-op when the two streams are the same.
void join(StreamRef waiter, StreamRef signaler, EventPool& events);

}  // namespace rill::cuda
