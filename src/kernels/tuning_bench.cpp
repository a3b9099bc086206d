#include "kernels/tuning_bench.h"

#include <algorithm>

#include <cublasLt.h>
#include <cudnn.h>

#include "cuda/check.h"
#include "cuda/stream_hold.h"
#include "kernels/algorithm_selector.h"

namespace rill::kernels {

namespace {
size_t align_256(size_t bytes) {
  return (std::max<size_t>(bytes, 1) + 255) / 256 * 256;
}
}  // namespace

std::string TuningEnvironment::to_string() const {
  return gpu_name + " (sm_" + std::to_string(compute_major) + std::to_string(compute_minor) +
         "), cuBLASLt " + std::to_string(cublaslt_version) + ", cuDNN " +
         std::to_string(cudnn_version);
}

TuningEnvironment current_tuning_environment() {
  int device = 0;
  RILL_CUDA_CHECK(cudaGetDevice(&device));
  cudaDeviceProp prop{};
  RILL_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  TuningEnvironment env;
  env.gpu_name = prop.name;
  env.compute_major = prop.major;
  env.compute_minor = prop.minor;
  env.cublaslt_version = cublasLtGetVersion();
  env.cudnn_version = cudnnGetVersion();
  return env;
}

TuningBench::TuningBench(Settings settings) : settings_(settings), stream_(cuda::Stream::create()) {
  settings_.max_candidates = std::max(settings_.max_candidates, 1);
  settings_.warmup = std::max(settings_.warmup, 0);
  settings_.repetitions = std::max(settings_.repetitions, 1);
  for (int i = 0; i < 2 * settings_.repetitions; ++i) {
    events_.push_back(cuda::Event::create(cuda::Event::Timing::kEnabled));
  }
}

std::vector<void*> TuningBench::buffers(std::span<const size_t> bytes) {
  size_t total = 0;
  for (size_t b : bytes) total += align_256(b);
  if (total > scratch_.size()) {
    // The old scratch may still be read by queued launches: drain them before freeing it.
    RILL_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
    scratch_ = cuda::DeviceAllocation();
    scratch_ = cuda::DeviceAllocation(total);
  }
  // Refilled every time: an earlier problem's outputs are not this problem's inputs.
  RILL_CUDA_CHECK(cudaMemsetAsync(scratch_.data(), 0x3c, total, stream_.get()));
  std::vector<void*> pointers;
  size_t offset = 0;
  for (size_t b : bytes) {
    pointers.push_back(scratch_.bytes_at(offset));
    offset += align_256(b);
  }
  return pointers;
}

float TuningBench::time(const std::function<void(cudaStream_t)>& launch) {
  cudaStream_t stream = stream_.get();
  for (int i = 0; i < settings_.warmup; ++i) launch(stream);
  // Note [Timing without host gaps] (cuda/stream_hold.h): the timed launches start only once
  // all of them are queued, so the events bracket GPU work and not the host's launch cost.
  cuda::StreamHold hold(stream);
  const int reps = settings_.repetitions;
  try {
    for (int r = 0; r < reps; ++r) {
      events_[2 * r].ref().record(stream);
      launch(stream);
      events_[2 * r + 1].ref().record(stream);
    }
  } catch (...) {
    hold.release();
    (void)cudaStreamSynchronize(stream);
    throw;
  }
  hold.release();
  launches_ += static_cast<size_t>(settings_.warmup + reps);
  RILL_CUDA_CHECK(cudaStreamSynchronize(stream));
  std::vector<float> times;
  for (int r = 0; r < reps; ++r)
    times.push_back(cuda::elapsed_ms(events_[2 * r], events_[2 * r + 1]));
  std::nth_element(times.begin(), times.begin() + reps / 2, times.end());
  return times[static_cast<size_t>(reps / 2)];
}

}  // namespace rill::kernels
