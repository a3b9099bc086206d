#include "kernels/library_handles.h"

#include "kernels/library_check.h"

namespace rill::kernels {

CublasLtHandle CublasLtHandle::create() {
  cublasLtHandle_t handle = nullptr;
  RILL_CUBLAS_CHECK(cublasLtCreate(&handle));
  return CublasLtHandle(handle);
}

CublasLtHandle::~CublasLtHandle() {
  if (handle_ != nullptr) (void)cublasLtDestroy(handle_);
}

CudnnHandle CudnnHandle::create() {
  cudnnHandle_t handle = nullptr;
  RILL_CUDNN_CHECK(cudnnCreate(&handle));
  return CudnnHandle(handle);
}

CudnnHandle::~CudnnHandle() {
  if (handle_ != nullptr) (void)cudnnDestroy(handle_);
}

}  // namespace rill::kernels
