// Device and pinned host memory, owned and move-only.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <utility>

#include "cuda/stream.h"

namespace rill::cuda {

//! Stream-ordered device memory: allocated with cudaMallocAsync (or cudaMallocFromPoolAsync on
//! a given pool) on `stream` and freed with cudaFreeAsync on the same stream, so neither side
//! blocks the host. The memory may be used on other streams only after they are ordered after
//! the allocation (an event join), and the owning stream must outlive the buffer.
class DeviceBuffer {
 public:
  DeviceBuffer() noexcept = default;
  //! Allocates `bytes` on `stream` from the device's current memory pool, or from `pool`.
  DeviceBuffer(size_t bytes, StreamRef stream, cudaMemPool_t pool = nullptr);
  //! Adopts memory that was allocated stream-ordered on `stream`.
  static DeviceBuffer from_native_handle(void* data, size_t bytes, StreamRef stream) noexcept;

  DeviceBuffer(DeviceBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        bytes_(std::exchange(other.bytes_, 0)),
        stream_(other.stream_) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(bytes_, other.bytes_);
    std::swap(stream_, other.stream_);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer();

  void* data() const noexcept { return data_; }
  template <class T>
  T* data_as() const noexcept {
    return static_cast<T*>(data_);
  }
  size_t size() const noexcept { return bytes_; }
  StreamRef stream() const noexcept { return stream_; }
  //! Gives up ownership; the caller must cudaFreeAsync the pointer.
  void* release() noexcept {
    bytes_ = 0;
    return std::exchange(data_, nullptr);
  }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
  StreamRef stream_;
};

//! Device memory for setup-time allocations that live as long as their owner (engine weights,
//! a context's activation arena): cudaMalloc / cudaFree, which synchronize the device, so never
//! made or released on a per-inference path.
class DeviceAllocation {
 public:
  DeviceAllocation() noexcept = default;
  explicit DeviceAllocation(size_t bytes);
  DeviceAllocation(DeviceAllocation&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}
  DeviceAllocation& operator=(DeviceAllocation&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(bytes_, other.bytes_);
    return *this;
  }
  DeviceAllocation(const DeviceAllocation&) = delete;
  DeviceAllocation& operator=(const DeviceAllocation&) = delete;
  ~DeviceAllocation();

  void* data() const noexcept { return data_; }
  std::byte* bytes_at(size_t offset) const noexcept { return static_cast<std::byte*>(data_) + offset; }
  size_t size() const noexcept { return bytes_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

//! Page-locked host memory (cudaHostAlloc), for asynchronous copies. Allocation and release
//! synchronize the device, so these are made at setup time only, never per inference.
class PinnedBuffer {
 public:
  PinnedBuffer() noexcept = default;
  explicit PinnedBuffer(size_t bytes);
  PinnedBuffer(PinnedBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}
  PinnedBuffer& operator=(PinnedBuffer&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(bytes_, other.bytes_);
    return *this;
  }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  ~PinnedBuffer();

  void* data() const noexcept { return data_; }
  template <class T>
  T* data_as() const noexcept {
    return static_cast<T*>(data_);
  }
  size_t size() const noexcept { return bytes_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace rill::cuda
