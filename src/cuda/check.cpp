#include "cuda/check.h"

#include <string>

namespace rill::cuda {

namespace {
std::string base_name(const char* path) {
  std::string p = path;
  const auto slash = p.find_last_of('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}
}  // namespace

Error make_cuda_error(cudaError_t status, const char* expression, const char* file, int line) {
  const ErrorKind kind = is_no_device_status(status) ? ErrorKind::kNoDevice : ErrorKind::kCuda;
  std::string message = std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status);
  return Error(kind, std::move(message),
               {{"call", expression}, {"at", base_name(file) + ":" + std::to_string(line)}});
}

void throw_cuda_error(cudaError_t status, const char* expression, const char* file, int line) {
  throw make_cuda_error(status, expression, file, line);
}

}  // namespace rill::cuda
