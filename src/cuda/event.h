// Events: a non-owning EventRef and an owning, move-only Event.
#pragma once

#include <cuda_runtime_api.h>

#include <utility>

#include "cuda/stream.h"

namespace rill::cuda {

//! A non-owning view of an event.
class EventRef {
 public:
  constexpr EventRef() noexcept = default;
  constexpr EventRef(cudaEvent_t event) noexcept : event_(event) {}  // NOLINT: implicit view

  constexpr cudaEvent_t get() const noexcept { return event_; }
  //! Records the event on `stream` (asynchronous).
  void record(StreamRef stream) const;
  //! Makes `stream` wait for the work recorded by this event, without blocking the host.
  void wait_on(StreamRef stream) const;
  //! Host-blocking wait; for tests and tools only.
  void synchronize() const;
  //! True when the recorded work has completed, without blocking.
  bool ready() const;

 private:
  cudaEvent_t event_ = nullptr;
};

//! Milliseconds between two completed timing events.
float elapsed_ms(EventRef start, EventRef stop);

//! An owning event. Move-only; the destructor never throws.
class Event {
 public:
  //! Flags for create(): synchronization-only events are cheaper to record.
  enum class Timing { kDisabled, kEnabled };

  Event() noexcept = default;
  static Event create(Timing timing = Timing::kDisabled);
  static Event from_native_handle(cudaEvent_t event) noexcept { return Event(event); }

  Event(Event&& other) noexcept : event_(std::exchange(other.event_, nullptr)) {}
  Event& operator=(Event&& other) noexcept {
    std::swap(event_, other.event_);
    return *this;
  }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event();

  cudaEvent_t get() const noexcept { return event_; }
  EventRef ref() const noexcept { return EventRef(event_); }
  operator EventRef() const noexcept { return ref(); }  // NOLINT: an Event is usable as a ref
  cudaEvent_t release() noexcept { return std::exchange(event_, nullptr); }

 private:
  explicit Event(cudaEvent_t event) noexcept : event_(event) {}
  cudaEvent_t event_ = nullptr;
};

}  // namespace rill::cuda
