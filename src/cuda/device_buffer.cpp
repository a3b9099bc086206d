#include "cuda/device_buffer.h"

#include "cuda/check.h"

namespace rill::cuda {

DeviceBuffer::DeviceBuffer(size_t bytes, StreamRef stream, cudaMemPool_t pool)
    : bytes_(bytes), stream_(stream) {
  if (bytes == 0) return;
  if (pool != nullptr) {
    RILL_CUDA_CHECK(cudaMallocFromPoolAsync(&data_, bytes, pool, stream.get()));
  } else {
    RILL_CUDA_CHECK(cudaMallocAsync(&data_, bytes, stream.get()));
  }
}

DeviceBuffer DeviceBuffer::from_native_handle(void* data, size_t bytes, StreamRef stream) noexcept {
  DeviceBuffer buffer;
  buffer.data_ = data;
  buffer.bytes_ = bytes;
  buffer.stream_ = stream;
  return buffer;
}

DeviceBuffer::~DeviceBuffer() {
  if (data_ != nullptr) (void)cudaFreeAsync(data_, stream_.get());
}

DeviceAllocation::DeviceAllocation(size_t bytes) : bytes_(bytes) {
  if (bytes == 0) return;
  RILL_CUDA_CHECK(cudaMalloc(&data_, bytes));
}

DeviceAllocation::~DeviceAllocation() {
  if (data_ != nullptr) (void)cudaFree(data_);
}

PinnedBuffer::PinnedBuffer(size_t bytes) : bytes_(bytes) {
  if (bytes == 0) return;
  RILL_CUDA_CHECK(cudaHostAlloc(&data_, bytes, cudaHostAllocDefault));
}

PinnedBuffer::~PinnedBuffer() {
  if (data_ != nullptr) (void)cudaFreeHost(data_);
}

}  // namespace rill::cuda
