// An execution context's state: its library handles, current shapes and plan, activation arena
// and bound tensor addresses.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cuda/device_buffer.h"
#include "engine/engine_state.h"
#include "kernels/library_handles.h"
#include "rill/engine.h"

namespace rill::engine {

class ContextState {
 public:
  explicit ContextState(std::shared_ptr<const Engine> engine);

  void set_input_shape(const std::string& name, const ir::Shape& shape);
  ir::Shape output_shape(const std::string& name);
  void set_tensor_address(const std::string& name, void* data);
  //! `observer` (may be null) sees every step: the layer profile times them.
  void enqueue(cudaStream_t stream, StepObserver* observer = nullptr);
  const ShapePlan& plan();
  uint64_t memory_generation() const noexcept { return memory_generation_; }

 private:
  const EngineDefinition& definition() const { return EngineAccess::state(*engine_).definition; }

  std::shared_ptr<const Engine> engine_;  // keeps the engine alive for the context's lifetime
  int device_ = 0;
  kernels::CublasLtHandle cublaslt_;
  kernels::CudnnHandle cudnn_;
  ops::LibraryHandles libraries_;
  std::vector<ir::Shape> input_shapes_;
  std::shared_ptr<const ShapePlan> plan_;  // for input_shapes_, or null when they changed
  cuda::DeviceAllocation arena_;
  uint64_t memory_generation_ = 0;
  std::vector<void*> inputs_;
  std::vector<void*> outputs_;
  std::vector<const void*> scratch_in_;
  std::vector<void*> scratch_out_;
};

}  // namespace rill::engine
