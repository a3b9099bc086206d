#include "engine/engine_state.h"

#include "cuda/device.h"

namespace rill::engine {

const DeviceWeights& EngineState::weights_locked() const {
  if (!weights_) weights_ = std::make_unique<DeviceWeights>(definition.graph, cuda::current_device());
  if (weights_->device != cuda::current_device()) {
    throw Error(ErrorKind::kUnsupported,
                "an engine runs on the device it was first used on; load it again for another",
                {{"engine_device", std::to_string(weights_->device)},
                 {"current_device", std::to_string(cuda::current_device())}});
  }
  return *weights_;
}

std::shared_ptr<const ShapePlan> EngineState::plan_for(
    const std::vector<ir::Shape>& input_shapes) const {
  // Planning is rare (once per signature) and may take milliseconds; one lock keeps it simple
  // and makes each signature planned exactly once.
  std::lock_guard lock(mutex_);
  if (const auto it = plans_.find(input_shapes); it != plans_.end()) return it->second;
  const DeviceWeights& weights = weights_locked();
  if (!planning_cublaslt_) planning_cublaslt_ = kernels::CublasLtHandle::create();
  if (!planning_cudnn_) planning_cudnn_ = kernels::CudnnHandle::create();
  const ops::LibraryHandles planning{planning_cublaslt_.get(), planning_cudnn_.get()};
  if (!algorithms_) {
    algorithms_ = std::make_unique<StoredAlgorithms>(definition.algorithms,
                                                     kernels::current_tuning_environment());
  }
  auto plan = std::make_shared<const ShapePlan>(definition, weights, input_shapes, planning,
                                                algorithms_.get());
  plans_.emplace(input_shapes, plan);
  return plan;
}

EngineState::AlgorithmUse EngineState::algorithm_use() const {
  std::lock_guard lock(mutex_);
  if (!algorithms_) return {};
  return {algorithms_->applicable(), algorithms_->used(), algorithms_->rejected_count()};
}

void check_input_shape(const TensorInfo& info, const ir::Shape& shape) {
  const auto fail = [&](const std::string& why) {
    return Error(ErrorKind::kInvalidArgument, why,
                 {{"input", info.name},
                  {"shape", ir::shape_string(shape)},
                  {"min", ir::shape_string(info.range.min)},
                  {"max", ir::shape_string(info.range.max)}});
  };
  if (shape.size() != info.range.min.size()) throw fail("input shape has the wrong rank");
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < info.range.min[i] || shape[i] > info.range.max[i]) {
      throw fail("input shape is outside the engine's shape range");
    }
  }
}

}  // namespace rill::engine
