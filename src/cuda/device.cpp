#include "cuda/device.h"

#include <cstdio>

#include "cuda/check.h"

namespace rill::cuda {

int device_count() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (is_no_device_status(status)) {
    cudaGetLastError();  // clear the error so later calls do not see it
    return 0;
  }
  RILL_CUDA_CHECK(status);
  return count;
}

int current_device() {
  int device = 0;
  RILL_CUDA_CHECK(cudaGetDevice(&device));
  return device;
}

std::string describe_device(int device) {
  cudaDeviceProp prop{};
  RILL_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  char buffer[320];
  std::snprintf(buffer, sizeof(buffer), "%s (sm_%d%d, %.1f GiB, %d SMs)", prop.name, prop.major,
                prop.minor, static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0),
                prop.multiProcessorCount);
  return buffer;
}

DeviceGuard::DeviceGuard(int device) : previous_(current_device()), changed_(previous_ != device) {
  if (changed_) RILL_CUDA_CHECK(cudaSetDevice(device));
}

DeviceGuard::~DeviceGuard() {
  // Destructors must not throw; restoring a device that was valid a moment ago cannot fail in a
  // way the caller could act on.
  if (changed_) (void)cudaSetDevice(previous_);
}

CaptureModeGuard::CaptureModeGuard(cudaStreamCaptureMode mode) : previous_(mode) {
  RILL_CUDA_CHECK(cudaThreadExchangeStreamCaptureMode(&previous_));
}

CaptureModeGuard::~CaptureModeGuard() { (void)cudaThreadExchangeStreamCaptureMode(&previous_); }

}  // namespace rill::cuda
