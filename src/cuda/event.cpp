#include "cuda/event.h"

#include "cuda/check.h"

namespace rill::cuda {

void EventRef::record(StreamRef stream) const {
  RILL_CUDA_CHECK(cudaEventRecord(event_, stream.get()));
}

void EventRef::wait_on(StreamRef stream) const {
  RILL_CUDA_CHECK(cudaStreamWaitEvent(stream.get(), event_, 0));
}

void EventRef::synchronize() const { RILL_CUDA_CHECK(cudaEventSynchronize(event_)); }

bool EventRef::ready() const {
  const cudaError_t status = cudaEventQuery(event_);
  if (status == cudaErrorNotReady) {
    (void)cudaGetLastError();  // an answer, not an error: it must not linger as the last error
    return false;
  }
  RILL_CUDA_CHECK(status);
  return true;
}

float elapsed_ms(EventRef start, EventRef stop) {
  float ms = 0.0f;
  RILL_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));
  return ms;
}

Event Event::create(Timing timing) {
  cudaEvent_t event = nullptr;
  const unsigned flags = timing == Timing::kEnabled ? cudaEventDefault : cudaEventDisableTiming;
  RILL_CUDA_CHECK(cudaEventCreateWithFlags(&event, flags));
  return Event(event);
}

Event::~Event() {
  if (event_ != nullptr) (void)cudaEventDestroy(event_);
}

}  // namespace rill::cuda
