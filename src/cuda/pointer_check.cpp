#include "cuda/pointer_check.h"

#include <cuda_runtime_api.h>

#include <cstdint>

#include "cuda/check.h"

namespace rill::cuda {

std::string device_pointer_problem(const void* p, int device) {
  cudaPointerAttributes attributes{};
  const cudaError_t status = cudaPointerGetAttributes(&attributes, p);
  if (status == cudaErrorInvalidValue) {
    (void)cudaGetLastError();  // the answer, not a failure: leave no stale last error
    return "not a pointer CUDA knows";
  }
  RILL_CUDA_CHECK(status);
  switch (attributes.type) {
    case cudaMemoryTypeUnregistered:
      return "host memory that CUDA does not know (pageable)";
    case cudaMemoryTypeHost:
      return "host memory (pinned): pass device memory";
    case cudaMemoryTypeDevice:
      if (attributes.device != device) {
        return "memory of GPU " + std::to_string(attributes.device) + ", the session runs on GPU " +
               std::to_string(device);
      }
      break;
    case cudaMemoryTypeManaged:
      break;
  }
  const auto address = reinterpret_cast<uintptr_t>(p);
  if (address % kTensorAlignment != 0) {
    return "address not " + std::to_string(kTensorAlignment) + "-byte aligned";
  }
  return {};
}

}  // namespace rill::cuda
