// Streams: a non-owning StreamRef and an owning, move-only Stream (after CCCL's cuda::stream_ref
// and cuda::stream).
//
// Note [Default streams]
// ~~~~~~~~~~~~~~~~~~~~~~
// Three handles name a default stream: 0 and cudaStreamLegacy (the legacy default stream, which
// synchronizes with every blocking stream of its context) and cudaStreamPerThread (the
// per-thread default stream). Work on either may stall or be stalled by unrelated work, and a
// CUDA-graph capture cannot start on them. rill never issues work on a default stream by itself;
// callers that hand one in are redirected to an engine stream (see runtime/).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <utility>

namespace rill::cuda {

//! True for the legacy default stream (0 or cudaStreamLegacy) and the per-thread default stream.
inline bool is_default_stream(cudaStream_t stream) noexcept {
  return stream == nullptr || stream == cudaStreamLegacy || stream == cudaStreamPerThread;
}

//! The process-unique id of a non-default stream (cudaStreamGetId: never reused, unlike handles,
//! which a new stream may get after the old one was destroyed), or 0 when it is not known: for a
//! default stream, and for a stream being captured, where asking would invalidate the capture.
uint64_t stream_id_if_known(cudaStream_t stream);

//! A non-owning view of a stream. Cheap to copy; never destroys anything.
class StreamRef {
 public:
  constexpr StreamRef() noexcept = default;
  constexpr StreamRef(cudaStream_t stream) noexcept : stream_(stream) {}  // NOLINT: implicit view

  constexpr cudaStream_t get() const noexcept { return stream_; }
  bool is_default() const noexcept { return is_default_stream(stream_); }

  //! Host-blocking wait. Never used on a per-inference path; for tests, tools and teardown.
  void synchronize() const;
  //! True when all work on the stream has completed (cudaStreamQuery), without blocking.
  bool ready() const;
  //! The stream's priority (lower number = higher priority).
  int priority() const;

  friend constexpr bool operator==(StreamRef a, StreamRef b) noexcept {
    return a.stream_ == b.stream_;
  }

 private:
  cudaStream_t stream_ = nullptr;
};

//! An owning stream. Created non-blocking (it never synchronizes with the legacy default
//! stream). Move-only; the destructor destroys the stream and never throws.
class Stream {
 public:
  Stream() noexcept = default;
  //! Creates a non-blocking stream on the current device with the given priority (0 = normal;
  //! see cudaDeviceGetStreamPriorityRange for the high end).
  static Stream create(int priority = 0);
  //! Adopts an existing stream; the Stream now owns and destroys it.
  static Stream from_native_handle(cudaStream_t stream) noexcept { return Stream(stream); }

  Stream(Stream&& other) noexcept : stream_(std::exchange(other.stream_, nullptr)) {}
  Stream& operator=(Stream&& other) noexcept {
    std::swap(stream_, other.stream_);
    return *this;
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream();

  cudaStream_t get() const noexcept { return stream_; }
  StreamRef ref() const noexcept { return StreamRef(stream_); }
  operator StreamRef() const noexcept { return ref(); }  // NOLINT: a Stream is usable as a ref
  //! Gives up ownership without destroying the stream.
  cudaStream_t release() noexcept { return std::exchange(stream_, nullptr); }

 private:
  explicit Stream(cudaStream_t stream) noexcept : stream_(stream) {}
  cudaStream_t stream_ = nullptr;
};

}  // namespace rill::cuda
