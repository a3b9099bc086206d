// Reading a caller's device array as a rill::Tensor, without copying it: DLPack (__dlpack__ with
// the stream-exchange protocol), __cuda_array_interface__ (with its stream), or a raw
// (pointer, dtype, shape) tuple from rill.torch.
#pragma once

#include <cuda_runtime_api.h>
#include <dlpack/dlpack.h>

#include <memory>
#include <string>
#include <vector>

#include "bindings.h"
#include "cuda/stream_pool.h"
#include "rill/session.h"

namespace rill::python {

//! Keeps imported arrays alive until the run has been enqueued, then releases them: DLPack
//! tensors through their deleters. Held with the GIL.
class ImportedArrays {
 public:
  ImportedArrays() = default;
  ImportedArrays(const ImportedArrays&) = delete;
  ImportedArrays& operator=(const ImportedArrays&) = delete;
  ~ImportedArrays();

  void keep(DLManagedTensor* managed) { dlpack_.push_back(managed); }

 private:
  std::vector<DLManagedTensor*> dlpack_;
};

//! Reads `object` (input or output `name`) as a C-contiguous tensor on `device`, ordered before
//! work that the caller issues to `stream` (the DLPack producer or the interface's stream is made
//! to signal it). Throws InvalidArgumentError/InputTypeError with the name for anything else.
Tensor import_device_array(const py::handle& object, const std::string& name, int device,
                           cudaStream_t stream, cuda::EventPool& events, ImportedArrays& keep);

}  // namespace rill::python
