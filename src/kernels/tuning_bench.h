// Where build-time tuning times library algorithms (Note [Build-time tuning] in
// algorithm_selector.h): a stream, timing events and scratch memory on the build GPU.
#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <span>
#include <vector>

#include <cuda_runtime_api.h>

#include "cuda/device_buffer.h"
#include "cuda/event.h"
#include "cuda/stream.h"

namespace rill::kernels {

class TuningBench {
 public:
  //! Limits that keep a build quick: a ResNet-50 has ~20 distinct convolutions, each timed with
  //! at most max_candidates * (warmup + repetitions) launches.
  struct Settings {
    int max_candidates = 8;
    int warmup = 2;
    int repetitions = 5;
  };

  //! A stream and events on the current device. Build time only: it allocates and synchronizes.
  explicit TuningBench(Settings settings);
  TuningBench() : TuningBench(Settings{}) {}
  TuningBench(const TuningBench&) = delete;
  TuningBench& operator=(const TuningBench&) = delete;

  int max_candidates() const noexcept { return settings_.max_candidates; }
  cudaStream_t stream() const noexcept { return stream_.get(); }

  //! Disjoint 256-byte aligned device buffers of the given sizes, valid until the next call. They
  //! hold a finite, non-zero pattern (0x3c bytes: 0.0115 in float32 and bfloat16, 1.06 in
  //! float16), so that no candidate runs on zeros or NaNs, which some kernels handle faster.
  std::vector<void*> buffers(std::span<const size_t> bytes);
  std::vector<void*> buffers(std::initializer_list<size_t> bytes) {
    return buffers(std::span<const size_t>(bytes.begin(), bytes.size()));
  }

  //! Median milliseconds of one `launch(stream())` after `warmup` untimed launches; each timed
  //! launch sits between two recorded events. Blocks the host (build time only). Throws what
  //! `launch` throws.
  float time(const std::function<void(cudaStream_t)>& launch);

  //! Launches timed since construction, for the build summary.
  size_t launches() const noexcept { return launches_; }

 private:
  Settings settings_;
  cuda::Stream stream_;
  std::vector<cuda::Event> events_;  // start, stop per repetition
  cuda::DeviceAllocation scratch_;
  size_t launches_ = 0;
};

}  // namespace rill::kernels
