// Check macros for cuBLASLt and cuDNN calls, after RILL_CUDA_CHECK (cuda/check.h).
//
// RILL_CUBLAS_CHECK(expr) and RILL_CUDNN_CHECK(expr) evaluate `expr` exactly once and, on
// failure, throw rill::Error of kind kCublas / kCudnn whose message is the status name
// ("CUBLAS_STATUS_NOT_SUPPORTED", "CUDNN_STATUS_BAD_PARAM") and whose context records the
// expression and file:line. Callers add node context as the error travels up.
#pragma once

#include <cublasLt.h>
#include <cudnn.h>

#include "rill/error.h"

namespace rill::kernels {

//! "CUBLAS_STATUS_NOT_SUPPORTED"; never null (unknown values give "CUBLAS_STATUS_<n>").
const char* cublas_status_name(cublasStatus_t status) noexcept;

[[noreturn]] void throw_cublas_error(cublasStatus_t status, const char* expression,
                                     const char* file, int line);
[[noreturn]] void throw_cudnn_error(cudnnStatus_t status, const char* expression, const char* file,
                                    int line);

inline void check_cublas(cublasStatus_t status, const char* expression, const char* file,
                         int line) {
  if (status != CUBLAS_STATUS_SUCCESS) [[unlikely]] {
    throw_cublas_error(status, expression, file, line);
  }
}

inline void check_cudnn(cudnnStatus_t status, const char* expression, const char* file, int line) {
  if (status != CUDNN_STATUS_SUCCESS) [[unlikely]] {
    throw_cudnn_error(status, expression, file, line);
  }
}

}  // namespace rill::kernels

#define RILL_CUBLAS_CHECK(expr) ::rill::kernels::check_cublas((expr), #expr, __FILE__, __LINE__)
#define RILL_CUDNN_CHECK(expr) ::rill::kernels::check_cudnn((expr), #expr, __FILE__, __LINE__)
