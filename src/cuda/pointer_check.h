// What a caller's device pointer is, checked before any work that would read or write it is
// enqueued (a bad pointer found by a kernel is a sticky error that ends the CUDA context).
#pragma once

#include <cstddef>
#include <string>

namespace rill::cuda {

//! The widest alignment rill's kernels and libraries ask of a tensor (cuBLASLt's 16-byte
//! vector loads); arena and staging buffers are 256-byte aligned.
inline constexpr size_t kTensorAlignment = 16;

//! Empty when `p` is memory the GPU `device` can read and write at kTensorAlignment; else why
//! not ("host memory that CUDA does not know", "memory of GPU 1", "8-byte aligned", ...).
//! One cudaPointerGetAttributes call; clears the runtime's last error it may leave.
std::string device_pointer_problem(const void* p, int device);

}  // namespace rill::cuda
