// A CUDA program with planted syncs, for rill trace's GPU test (trace_gpu_test.cpp). What it
// does, and so exactly what `rill trace` must report:
//   host syncs:         3 cudaStreamSynchronize (all from plant_stream_syncs),
//                       2 cudaDeviceSynchronize (from plant_device_syncs),
//                       1 cudaMemcpy (synchronous, device to host)            = 6
//   default-stream ops: 4 kernel launches on the legacy default stream,
//                       1 cudaMemcpy (synchronous copies use the legacy stream) = 5
//   not reported:       100 launches, cudaMallocAsync and cudaFreeAsync on a non-blocking stream.
// Memory comes from cudaMallocAsync, which is not a host sync, so that nothing else is counted.
// The planting functions are exported (ENABLE_EXPORTS) and never inlined, so that the report can
// name them. Exits 0 when the arithmetic checks out.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <cuda_runtime_api.h>

namespace {

constexpr int kElements = 1 << 16;

void check(cudaError_t result, const char* what) {
  if (result != cudaSuccess) {
    std::fprintf(stderr, "rill_trace_probe: %s: %s\n", what, cudaGetErrorString(result));
    std::exit(2);
  }
}

__global__ void increment(int* data, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) data[i] += 1;
}

void launch_increment(int* data, cudaStream_t stream) {
  increment<<<(kElements + 255) / 256, 256, 0, stream>>>(data, kElements);
  check(cudaGetLastError(), "launch");
}

}  // namespace

__attribute__((noinline)) void plant_stream_syncs(cudaStream_t stream) {
  for (int i = 0; i < 3; ++i) check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
}

__attribute__((noinline)) void plant_device_syncs() {
  for (int i = 0; i < 2; ++i) check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
}

int main() {
  cudaStream_t stream = nullptr;
  check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
  int* data = nullptr;
  check(cudaMallocAsync(&data, kElements * sizeof(int), stream), "cudaMallocAsync");
  check(cudaMemsetAsync(data, 0, kElements * sizeof(int), stream), "cudaMemsetAsync");
  for (int i = 0; i < 100; ++i) launch_increment(data, stream);
  plant_stream_syncs(stream);  // also orders the stream's work before the default stream's

  for (int i = 0; i < 4; ++i) launch_increment(data, /*legacy default stream*/ nullptr);
  plant_device_syncs();

  std::vector<int> host(kElements);
  check(cudaMemcpy(host.data(), data, kElements * sizeof(int), cudaMemcpyDeviceToHost),
        "cudaMemcpy");
  check(cudaFreeAsync(data, stream), "cudaFreeAsync");
  check(cudaStreamDestroy(stream), "cudaStreamDestroy");
  for (int v : host) {
    if (v != 104) {
      std::fprintf(stderr, "rill_trace_probe: expected 104, got %d\n", v);
      return 1;
    }
  }
  return 0;
}
