// A ShapePlan: everything needed to enqueue the engine for one input-shape signature, made once
// and shared by every context of the engine (it is immutable, and GpuKernel::enqueue is const).
//
// It holds each node's prepared GpuKernel, where every value lives (a bound input or output,
// the engine's weights, the plan's uploaded host-known constants, or an offset in the context's
// activation arena), and the activation memory plan.
#pragma once

#include <cuda_runtime_api.h>
#include <nvtx3/nvToolsExt.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cuda/device_buffer.h"
#include "engine/engine_definition.h"
#include "ops/op.h"

namespace rill::engine {

struct DeviceWeights;

enum class Storage : uint8_t {
  kNone,      //!< absent optional input
  kInput,     //!< caller-bound input `index`
  kOutput,    //!< caller-bound output `index`
  kWeight,    //!< engine weights + offset
  kConstant,  //!< this plan's uploaded host-known values + offset
  kArena,     //!< the context's activation arena + offset
};

struct ValueLocation {
  Storage storage = Storage::kNone;
  uint32_t index = 0;
  size_t offset = 0;
};

//! Device pointers a context binds for one enqueue, by engine input/output index.
struct Bindings {
  const std::vector<void*>* inputs = nullptr;
  const std::vector<void*>* outputs = nullptr;
  void* arena = nullptr;
};

//! Sees each step of an enqueue, before and after its launches are queued (the layer profile
//! records timing events there: ExecutionContext::profile_layers).
class StepObserver {
 public:
  virtual ~StepObserver() = default;
  virtual void before_step(size_t step, cudaStream_t stream) = 0;
  virtual void after_step(size_t step, cudaStream_t stream) = 0;
};

class ShapePlan {
 public:
  //! Plans `definition` for `input_shapes` (engine input order) on the current device.
  //! `algorithms` (may be null) supplies the engine's tuned library algorithms.
  ShapePlan(const EngineDefinition& definition, const DeviceWeights& weights,
            const std::vector<ir::Shape>& input_shapes, const ops::LibraryHandles& planning,
            kernels::AlgorithmSelector* algorithms = nullptr);

  //! Launches every kernel on `stream`, then copies outputs that no kernel writes directly (an
  //! output that is a reshaped input, a constant, ...). No allocation, no host sync.
  //! `scratch_in` / `scratch_out` are the caller's reusable pointer arrays (see
  //! max_step_inputs()). `observer`, when given, sees every step.
  void enqueue(const Bindings& bindings, cudaStream_t stream, const ops::LibraryHandles& libraries,
               std::vector<const void*>& scratch_in, std::vector<void*>& scratch_out,
               StepObserver* observer = nullptr) const;

  const std::vector<ir::Shape>& input_shapes() const noexcept { return input_shapes_; }
  const std::vector<ir::Shape>& output_shapes() const noexcept { return output_shapes_; }
  size_t arena_bytes() const noexcept { return arena_bytes_; }
  size_t naive_activation_bytes() const noexcept { return naive_bytes_; }
  size_t max_step_inputs() const noexcept { return max_inputs_; }
  size_t max_step_outputs() const noexcept { return max_outputs_; }
  size_t kernel_count() const noexcept { return steps_.size(); }
  //! One line per launched step: node, op, kernel description, output type.
  std::string describe() const;

  //! What step `index` (< kernel_count()) runs: its node's name and op, and how it runs.
  struct StepInfo {
    std::string name, op, kernel;
  };
  StepInfo step_info(size_t index) const;

 private:
  struct Step {
    const ir::Node* node = nullptr;
    nvtxStringHandle_t nvtx_name = nullptr;  //!< registered NVTX string, when nvtx_layers is on
    std::unique_ptr<ops::GpuKernel> kernel;
    std::vector<int> inputs;   // value ids, -1 absent
    std::vector<int> outputs;  // value ids
    size_t workspace_offset = 0;
    std::string output_type;
  };
  struct OutputCopy {
    int value = -1;
    uint32_t output = 0;
    size_t bytes = 0;
  };

  void* resolve(int value, const Bindings& bindings) const;
  void push_layer_range(const Step& step) const;

  const DeviceWeights& weights_;
  std::vector<ir::Shape> input_shapes_;
  std::vector<ir::Shape> output_shapes_;
  std::vector<ValueLocation> locations_;  // by value id
  std::vector<Step> steps_;
  std::vector<OutputCopy> copies_;
  cuda::DeviceAllocation constants_;
  size_t arena_bytes_ = 0;
  size_t naive_bytes_ = 0;
  size_t max_inputs_ = 0;
  size_t max_outputs_ = 0;
  bool nvtx_layers_ = false;
};

//! The engine's initializers on one device, uploaded once.
struct DeviceWeights {
  DeviceWeights(const ir::Graph& graph, int device);
  int device = 0;
  cuda::DeviceAllocation memory;
  std::map<std::string, size_t> offsets;
};

}  // namespace rill::engine
