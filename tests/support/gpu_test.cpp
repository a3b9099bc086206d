#include "gpu_test.h"

#include <cstdlib>

#include <cuda_runtime_api.h>

#include "cuda/check.h"

namespace rill::testing {

std::string gpu_unavailable_reason() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (cuda::is_no_device_status(status)) {
    cudaGetLastError();
    return std::string("no CUDA device on this machine (") + cudaGetErrorName(status) + ")";
  }
  // Anything else is a real failure, reported as such by the caller's next CUDA call; here it
  // must not turn into a skip.
  if (status != cudaSuccess) {
    ADD_FAILURE() << "cudaGetDeviceCount failed: " << cudaGetErrorString(status);
    return {};
  }
  return count > 0 ? std::string() : std::string("cudaGetDeviceCount reported 0 devices");
}

bool gpu_expected() {
  const char* value = std::getenv("RILL_EXPECT_GPU");
  return value != nullptr && std::string(value) == "1";
}

}  // namespace rill::testing
