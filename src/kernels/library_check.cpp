#include "kernels/library_check.h"

#include <string>

namespace rill::kernels {

namespace {
std::string base_name(const char* path) {
  const std::string p = path;
  const auto slash = p.find_last_of('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}
}  // namespace

// Spelled out rather than taken from cublasGetStatusName(): that lives in libcublas, which the
// nn kernels do not otherwise need.
const char* cublas_status_name(cublasStatus_t status) noexcept {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS:
      return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED:
      return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED:
      return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE:
      return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH:
      return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR:
      return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED:
      return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR:
      return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR:
      return "CUBLAS_STATUS_LICENSE_ERROR";
  }
  return "CUBLAS_STATUS_UNKNOWN";
}

void throw_cublas_error(cublasStatus_t status, const char* expression, const char* file, int line) {
  std::string name = cublas_status_name(status);
  if (name == "CUBLAS_STATUS_UNKNOWN") name = "CUBLAS_STATUS_" + std::to_string(int(status));
  throw Error(ErrorKind::kCublas, std::move(name),
              {{"call", expression}, {"at", base_name(file) + ":" + std::to_string(line)}});
}

void throw_cudnn_error(cudnnStatus_t status, const char* expression, const char* file, int line) {
  // cudnnGetErrorString() returns the enumerator's name ("CUDNN_STATUS_BAD_PARAM") and is a
  // pure lookup: safe to call while another cuDNN call failed.
  std::string message = cudnnGetErrorString(status);
  char detail[512] = {};
  cudnnGetLastErrorString(detail, sizeof(detail));
  Error::Context context{{"call", expression},
                         {"at", base_name(file) + ":" + std::to_string(line)}};
  if (detail[0] != '\0') context.emplace_back("cudnn_detail", detail);
  throw Error(ErrorKind::kCudnn, std::move(message), std::move(context));
}

}  // namespace rill::kernels
