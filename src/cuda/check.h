// The CUDA runtime check macro and the kernel-launch check.
//
// RILL_CUDA_CHECK(expr) evaluates `expr` exactly once and throws rill::Error (kind kCuda, or
// kNoDevice when there is no driver or GPU) with the expression, the CUDA error name and string,
// and file:line. Call RILL_CUDA_CHECK_LAUNCH() after every kernel launch. A failed call's
// error is cleared from the runtime's "last error" as it is thrown (unless it is sticky), so it
// cannot fail the next launch check.
#pragma once

#include <cuda_runtime_api.h>

#include "rill/error.h"

namespace rill::cuda {

//! Builds the Error for a failed CUDA call; used by RILL_CUDA_CHECK, public so that code which
//! wants to decide itself (for example "no device is fine here") formats errors the same way.
Error make_cuda_error(cudaError_t status, const char* expression, const char* file, int line);

[[noreturn]] void throw_cuda_error(cudaError_t status, const char* expression, const char* file,
                                   int line);

inline void check(cudaError_t status, const char* expression, const char* file, int line) {
  if (status != cudaSuccess) [[unlikely]] {
    throw_cuda_error(status, expression, file, line);
  }
}

//! True for the statuses that mean "this machine has no usable GPU" rather than a failure.
inline bool is_no_device_status(cudaError_t status) {
  return status == cudaErrorNoDevice || status == cudaErrorInsufficientDriver;
}

}  // namespace rill::cuda

#define RILL_CUDA_CHECK(expr) ::rill::cuda::check((expr), #expr, __FILE__, __LINE__)
#define RILL_CUDA_CHECK_LAUNCH() \
  ::rill::cuda::check(cudaGetLastError(), "kernel launch", __FILE__, __LINE__)
