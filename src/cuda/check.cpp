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
  // The runtime also keeps `status` as the thread's "last error", which the next
  // RILL_CUDA_CHECK_LAUNCH would report for a launch that worked. The error is handled here (it
  // becomes this exception), so it is cleared, as c10's check does. A sticky error (the context
  // is broken) stays: every later call reports it, and so it should.
  (void)cudaGetLastError();
  throw make_cuda_error(status, expression, file, line);
}

}  // namespace rill::cuda
