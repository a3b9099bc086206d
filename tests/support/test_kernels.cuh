// Small kernels shared by the GPU tests.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace rill::testing {

//! Spins for about `nanoseconds` of GPU time, then writes `value` to *flag.
void launch_spin_then_write(int* flag, int value, uint64_t nanoseconds, cudaStream_t stream);
//! Copies *src to *dst (one thread).
void launch_copy_int(const int* src, int* dst, cudaStream_t stream);
//! Adds 1 to each of n ints.
void launch_increment(int* data, int n, cudaStream_t stream);

}  // namespace rill::testing
