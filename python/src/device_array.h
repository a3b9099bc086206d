// DeviceArray: an output that rill allocated (stream-ordered, on the caller's stream), handed to
// Python. It exports itself through DLPack (__dlpack__ with the stream-exchange protocol) and
// __cuda_array_interface__ (version 3, with its stream), so torch.from_dlpack, CuPy and JAX take
// it without a copy.
//
// Note [Consumer streams]
// ~~~~~~~~~~~~~~~~~~~~~~~
// The memory is freed with cudaFreeAsync on the allocating stream when the array dies. A
// consumer that asked for it on another stream (__dlpack__(stream=s)) is made to wait for the
// allocating stream at once, and remembered: at the free, the allocating stream first waits for
// all work issued to every remembered stream so far (as torch's record_stream does), so the
// memory is never reused under a consumer's kernel.
#pragma once

#include <cuda_runtime_api.h>

#include <memory>
#include <vector>

#include "cuda/stream_pool.h"
#include "rill/session.h"

namespace rill::python {

class DeviceArray {
 public:
  DeviceArray(OwnedTensor tensor, cudaStream_t stream, int device,
              std::shared_ptr<cuda::EventPool> events);
  ~DeviceArray();
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;

  const OwnedTensor& tensor() const { return tensor_; }
  cudaStream_t stream() const { return stream_; }
  int device() const { return device_; }
  //! Orders a consumer stream after the allocating stream, and the free after the consumer
  //! (Note [Consumer streams]). A no-op for the allocating stream itself.
  void use_on(cudaStream_t consumer);

 private:
  OwnedTensor tensor_;
  cudaStream_t stream_;
  int device_;
  std::shared_ptr<cuda::EventPool> events_;
  std::vector<cudaStream_t> consumers_;
};

}  // namespace rill::python
