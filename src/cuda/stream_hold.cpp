#include "cuda/stream_hold.h"

#include <thread>

#include "cuda/check.h"

namespace rill::cuda {

namespace {
void CUDART_CB wait_for_release(void* data) {
  auto* flag = static_cast<std::atomic<bool>*>(data);
  while (!flag->load(std::memory_order_acquire)) std::this_thread::yield();
  delete flag;
}
}  // namespace

StreamHold::StreamHold(cudaStream_t stream) : flag_(new std::atomic<bool>(false)) {
  const cudaError_t status = cudaLaunchHostFunc(stream, wait_for_release, flag_);
  if (status != cudaSuccess) {
    delete flag_;
    flag_ = nullptr;
    RILL_CUDA_CHECK(status);
  }
}

void StreamHold::release() noexcept {
  if (flag_ == nullptr) return;
  flag_->store(true, std::memory_order_release);
  flag_ = nullptr;  // the host function deletes it
}

}  // namespace rill::cuda
