// Owning, move-only handles for the math libraries: CublasLtHandle and CudnnHandle.
//
// The execution context owns one of each (a handle is used by one stream at a time; cuDNN's
// handle carries its stream, see Note [cuDNN stream binding] in cudnn_conv.h) and exposes the raw
// pointers to kernels through ops::LibraryHandles. Creation may allocate device memory, so it
// happens when a context is made, never on a per-inference path.
#pragma once

#include <utility>

struct cublasLtContext;
struct cudnnContext;

namespace rill::kernels {

class CublasLtHandle {
 public:
  CublasLtHandle() noexcept = default;
  //! cublasLtCreate(); throws kCublas on failure.
  static CublasLtHandle create();
  //! Adopts a handle; the wrapper now destroys it.
  static CublasLtHandle from_native_handle(cublasLtContext* handle) noexcept {
    return CublasLtHandle(handle);
  }

  CublasLtHandle(CublasLtHandle&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)) {}
  CublasLtHandle& operator=(CublasLtHandle&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  CublasLtHandle(const CublasLtHandle&) = delete;
  CublasLtHandle& operator=(const CublasLtHandle&) = delete;
  ~CublasLtHandle();  // never throws

  cublasLtContext* get() const noexcept { return handle_; }
  explicit operator bool() const noexcept { return handle_ != nullptr; }
  cublasLtContext* release() noexcept { return std::exchange(handle_, nullptr); }

 private:
  explicit CublasLtHandle(cublasLtContext* handle) noexcept : handle_(handle) {}
  cublasLtContext* handle_ = nullptr;
};

class CudnnHandle {
 public:
  CudnnHandle() noexcept = default;
  //! cudnnCreate() on the current device; throws kCudnn on failure.
  static CudnnHandle create();
  static CudnnHandle from_native_handle(cudnnContext* handle) noexcept {
    return CudnnHandle(handle);
  }

  CudnnHandle(CudnnHandle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  CudnnHandle& operator=(CudnnHandle&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  CudnnHandle(const CudnnHandle&) = delete;
  CudnnHandle& operator=(const CudnnHandle&) = delete;
  ~CudnnHandle();  // never throws

  cudnnContext* get() const noexcept { return handle_; }
  explicit operator bool() const noexcept { return handle_ != nullptr; }
  cudnnContext* release() noexcept { return std::exchange(handle_, nullptr); }

 private:
  explicit CudnnHandle(cudnnContext* handle) noexcept : handle_(handle) {}
  cudnnContext* handle_ = nullptr;
};

}  // namespace rill::kernels
