#include "cuda/stream.h"

#include "cuda/check.h"

namespace rill::cuda {

uint64_t stream_id_if_known(cudaStream_t stream) {
  if (is_default_stream(stream)) return 0;
  cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
  RILL_CUDA_CHECK(cudaStreamIsCapturing(stream, &capture));
  if (capture != cudaStreamCaptureStatusNone) return 0;
  unsigned long long id = 0;
  RILL_CUDA_CHECK(cudaStreamGetId(stream, &id));
  return id;
}

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
