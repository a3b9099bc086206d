#include "test_kernels.cuh"

#include "cuda/check.h"

namespace rill::testing {

namespace {

__device__ uint64_t global_timer_ns() {
  uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

__global__ void spin_then_write(int* flag, int value, uint64_t nanoseconds) {
  const uint64_t start = global_timer_ns();
  while (global_timer_ns() - start < nanoseconds) {
  }
  *flag = value;
}

__global__ void copy_int(const int* src, int* dst) { *dst = *src; }

__global__ void increment(int* data, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) data[i] += 1;
}

}  // namespace

void launch_spin_then_write(int* flag, int value, uint64_t nanoseconds, cudaStream_t stream) {
  spin_then_write<<<1, 1, 0, stream>>>(flag, value, nanoseconds);
  RILL_CUDA_CHECK_LAUNCH();
}

void launch_copy_int(const int* src, int* dst, cudaStream_t stream) {
  copy_int<<<1, 1, 0, stream>>>(src, dst);
  RILL_CUDA_CHECK_LAUNCH();
}

void launch_increment(int* data, int n, cudaStream_t stream) {
  increment<<<(n + 255) / 256, 256, 0, stream>>>(data, n);
  RILL_CUDA_CHECK_LAUNCH();
}

}  // namespace rill::testing
