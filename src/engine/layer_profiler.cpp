#include "engine/layer_profiler.h"

#include <algorithm>
#include <vector>

#include "cuda/check.h"
#include "cuda/event.h"
#include "cuda/stream.h"
#include "cuda/stream_hold.h"
#include "engine/context_state.h"

namespace rill::engine {

namespace {

constexpr int kWarmupIterations = 2;
// Layers queued behind one StreamHold: a few launches each stays well inside the stream's launch
// queue (cuda/stream_hold.h). Later layers run as they are queued; their start/end events keep
// any gap before them out of their times, though not gaps inside a multi-launch layer.
constexpr size_t kMaxHeldLayers = 256;

float median(std::vector<float> values) {
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

// Records a timing event before and after every step of one enqueue.
class LayerTimer final : public StepObserver {
 public:
  explicit LayerTimer(size_t layers) {
    for (size_t i = 0; i < layers; ++i) {
      starts_.push_back(cuda::Event::create(cuda::Event::Timing::kEnabled));
      ends_.push_back(cuda::Event::create(cuda::Event::Timing::kEnabled));
    }
  }

  void begin(cuda::StreamHold* hold) { hold_ = hold; }

  void before_step(size_t step, cudaStream_t stream) override {
    if (step == kMaxHeldLayers && hold_ != nullptr) hold_->release();
    starts_[step].ref().record(stream);
  }
  void after_step(size_t step, cudaStream_t stream) override { ends_[step].ref().record(stream); }

  float layer_ms(size_t step) const { return cuda::elapsed_ms(starts_[step], ends_[step]); }
  float total_ms() const { return cuda::elapsed_ms(starts_.front(), ends_.back()); }

 private:
  std::vector<cuda::Event> starts_, ends_;
  cuda::StreamHold* hold_ = nullptr;
};

}  // namespace

LayerProfile profile_layers(ContextState& context, cudaStream_t stream, int iterations) {
  if (iterations < 1) {
    throw Error(ErrorKind::kInvalidArgument, "a layer profile needs at least one iteration",
                {{"iterations", std::to_string(iterations)}});
  }
  if (cuda::is_default_stream(stream)) {
    // Holding a default stream would stall every other stream that synchronizes with it.
    throw Error(ErrorKind::kInvalidArgument,
                "profile layers on a created stream, not a default stream");
  }
  const ShapePlan& plan = context.plan();
  const size_t layers = plan.kernel_count();
  LayerProfile profile;
  profile.iterations = iterations;
  if (layers == 0) return profile;

  for (int i = 0; i < kWarmupIterations; ++i) context.enqueue(stream);
  RILL_CUDA_CHECK(cudaStreamSynchronize(stream));

  LayerTimer timer(layers);
  std::vector<std::vector<float>> layer_times(layers);
  std::vector<float> totals;
  for (int i = 0; i < iterations; ++i) {
    {
      cuda::StreamHold hold(stream);
      timer.begin(&hold);
      try {
        context.enqueue(stream, &timer);
      } catch (...) {
        hold.release();
        (void)cudaStreamSynchronize(stream);
        throw;
      }
      timer.begin(nullptr);
    }  // released: the iteration runs
    RILL_CUDA_CHECK(cudaStreamSynchronize(stream));
    for (size_t l = 0; l < layers; ++l) layer_times[l].push_back(timer.layer_ms(l));
    totals.push_back(timer.total_ms());
  }

  for (size_t l = 0; l < layers; ++l) {
    const ShapePlan::StepInfo info = plan.step_info(l);
    profile.layers.push_back({info.name, info.op, info.kernel, median(layer_times[l]),
                              *std::min_element(layer_times[l].begin(), layer_times[l].end())});
  }
  profile.total_median_ms = median(totals);
  return profile;
}

}  // namespace rill::engine
