#include "cuda/stream_pool.h"

#include "cuda/check.h"
#include "cuda/device.h"

namespace rill::cuda {

namespace {

cudaStream_t create_stream(int device, int priority) {
  DeviceGuard guard(device);
  cudaStream_t stream = nullptr;
  RILL_CUDA_CHECK(cudaStreamCreateWithPriority(&stream, cudaStreamNonBlocking, priority));
  return stream;
}

// Streams and events carry their context, so destroying them needs no current-device switch.
// Best effort: pools are destroyed at teardown, when a failure has no one to report to.
void destroy_stream(cudaStream_t stream) noexcept { (void)cudaStreamDestroy(stream); }
void destroy_event(cudaEvent_t event) noexcept { (void)cudaEventDestroy(event); }

cudaEvent_t create_event(int device) {
  DeviceGuard guard(device);
  cudaEvent_t event = nullptr;
  RILL_CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
  return event;
}

}  // namespace

StreamPool::StreamPool(int device)
    : device_(device),
      normal_([this] { return create_stream(device_, normal_priority_); },
              destroy_stream),
      high_([this] { return create_stream(device_, high_priority_); },
            destroy_stream) {
  DeviceGuard guard(device);
  int least = 0;
  int greatest = 0;
  RILL_CUDA_CHECK(cudaDeviceGetStreamPriorityRange(&least, &greatest));
  normal_priority_ = least;
  high_priority_ = greatest;
}

HandlePool<cudaStream_t>& StreamPool::pool(StreamPriority priority) {
  return priority == StreamPriority::kHigh ? high_ : normal_;
}

const HandlePool<cudaStream_t>& StreamPool::pool(StreamPriority priority) const {
  return priority == StreamPriority::kHigh ? high_ : normal_;
}

StreamPool::Lease StreamPool::acquire(StreamPriority priority) { return pool(priority).acquire(); }

void StreamPool::reserve(size_t count, StreamPriority priority) { pool(priority).reserve(count); }

size_t StreamPool::created(StreamPriority priority) const { return pool(priority).created(); }

size_t StreamPool::in_use(StreamPriority priority) const { return pool(priority).in_use(); }

int StreamPool::numeric_priority(StreamPriority priority) const noexcept {
  return priority == StreamPriority::kHigh ? high_priority_ : normal_priority_;
}

EventPool::EventPool(int device)
    : device_(device),
      pool_([this] { return create_event(device_); },
            destroy_event) {}

void join(StreamRef waiter, StreamRef signaler, EventPool& events) {
  if (waiter == signaler) return;
  const EventPool::Lease event = events.acquire();
  RILL_CUDA_CHECK(cudaEventRecord(event.get(), signaler.get()));
  RILL_CUDA_CHECK(cudaStreamWaitEvent(waiter.get(), event.get(), 0));
}

}  // namespace rill::cuda
