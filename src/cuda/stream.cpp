#include "cuda/stream.h"

#include "cuda/check.h"

namespace rill::cuda {

void StreamRef::synchronize() const { RILL_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

bool StreamRef::ready() const {
  const cudaError_t status = cudaStreamQuery(stream_);
  if (status == cudaErrorNotReady) return false;
  RILL_CUDA_CHECK(status);
  return true;
}

int StreamRef::priority() const {
  int priority = 0;
  RILL_CUDA_CHECK(cudaStreamGetPriority(stream_, &priority));
  return priority;
}

Stream Stream::create(int priority) {
  cudaStream_t stream = nullptr;
  RILL_CUDA_CHECK(cudaStreamCreateWithPriority(&stream, cudaStreamNonBlocking, priority));
  return Stream(stream);
}

Stream::~Stream() {
  if (stream_ != nullptr) (void)cudaStreamDestroy(stream_);
}

}  // namespace rill::cuda
