// Device discovery and the device guard.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

namespace rill::cuda {

//! Number of CUDA devices; 0 when the machine has no driver or no GPU (cudaErrorNoDevice,
//! cudaErrorInsufficientDriver). Any other failure throws: a broken driver is not "no GPU".
int device_count();

//! True when at least one CUDA device is usable.
inline bool has_device() { return device_count() > 0; }

//! The calling thread's current device.
int current_device();

//! "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)"-style description of a device.
std::string describe_device(int device);

//! Makes `device` current for a scope and restores the previous device on exit. Neither copyable
//! nor movable: a guard belongs to exactly one scope (as c10::cuda::CUDAGuard).
class DeviceGuard {
 public:
  explicit DeviceGuard(int device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;
  DeviceGuard(DeviceGuard&&) = delete;
  DeviceGuard& operator=(DeviceGuard&&) = delete;

 private:
  int previous_;
  bool changed_;
};

//! Sets the calling thread's stream-capture interaction mode for a scope and restores it on exit.
//! rill captures in cudaStreamCaptureModeThreadLocal so that other threads' unsafe calls (a
//! cudaMalloc in another library, say) neither break nor get broken by our capture.
class CaptureModeGuard {
 public:
  explicit CaptureModeGuard(cudaStreamCaptureMode mode);
  ~CaptureModeGuard();
  CaptureModeGuard(const CaptureModeGuard&) = delete;
  CaptureModeGuard& operator=(const CaptureModeGuard&) = delete;
  CaptureModeGuard(CaptureModeGuard&&) = delete;
  CaptureModeGuard& operator=(CaptureModeGuard&&) = delete;

 private:
  cudaStreamCaptureMode previous_;
};

}  // namespace rill::cuda
