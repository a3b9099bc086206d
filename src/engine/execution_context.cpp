// Note [Lifetimes]
// ~~~~~~~~~~~~~~~~
// enqueue() returns before the GPU has run anything. Until the work enqueued on the stream has
// completed, the caller must keep every bound input and output allocation alive and unmodified
// by other streams (order them with events), and must keep the context alive. rill itself
// allocates nothing per inference: activations live in the context's arena, weights and
// plan-time constants in the engine, and all of them outlive any enqueued work because a context
// holds its engine and is destroyed only by its owner.
#include "engine/context_state.h"
#include "engine/layer_profiler.h"

#include <algorithm>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/stream.h"

namespace rill::engine {

namespace {

size_t index_of(const std::vector<TensorInfo>& infos, const std::string& name, const char* what) {
  for (size_t i = 0; i < infos.size(); ++i) {
    if (infos[i].name == name) return i;
  }
  throw Error(ErrorKind::kInvalidArgument, std::string("no ") + what + " with this name",
              {{"name", name}});
}

}  // namespace

ContextState::ContextState(std::shared_ptr<const Engine> engine)
    : engine_(std::move(engine)),
      device_(cuda::current_device()),
      cublaslt_(kernels::CublasLtHandle::create()),
      cudnn_(kernels::CudnnHandle::create()),
      libraries_{cublaslt_.get(), cudnn_.get()},
      inputs_(definition().inputs.size(), nullptr),
      outputs_(definition().outputs.size(), nullptr) {
  for (const TensorInfo& in : definition().inputs) input_shapes_.push_back(in.range.opt);
}

void ContextState::set_input_shape(const std::string& name, const ir::Shape& shape) {
  const size_t i = index_of(definition().inputs, name, "input");
  check_input_shape(definition().inputs[i], shape);
  if (input_shapes_[i] == shape) return;
  input_shapes_[i] = shape;
  plan_.reset();
}

const ShapePlan& ContextState::plan() {
  if (plan_) return *plan_;
  plan_ = EngineAccess::state(*engine_).plan_for(input_shapes_);
  // Growing the arena is setup for a new, larger signature, never steady state.
  if (plan_->arena_bytes() > arena_.size()) {
    arena_ = cuda::DeviceAllocation(plan_->arena_bytes());
    ++memory_generation_;
  }
  scratch_in_.reserve(plan_->max_step_inputs());
  scratch_out_.reserve(plan_->max_step_outputs());
  return *plan_;
}

ir::Shape ContextState::output_shape(const std::string& name) {
  return plan().output_shapes()[index_of(definition().outputs, name, "output")];
}

void ContextState::set_tensor_address(const std::string& name, void* data) {
  if (data == nullptr) {
    throw Error(ErrorKind::kInvalidArgument, "tensor address is null", {{"name", name}});
  }
  for (size_t i = 0; i < definition().inputs.size(); ++i) {
    if (definition().inputs[i].name == name) {
      inputs_[i] = data;
      return;
    }
  }
  outputs_[index_of(definition().outputs, name, "input or output")] = data;
}

void ContextState::enqueue(cudaStream_t stream, StepObserver* observer) {
  const ShapePlan& current = plan();
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (inputs_[i] == nullptr && ir::element_count(current.input_shapes()[i]) > 0) {
      throw Error(ErrorKind::kInvalidArgument, "input has no address bound",
                  {{"input", definition().inputs[i].name}});
    }
  }
  for (size_t i = 0; i < outputs_.size(); ++i) {
    if (outputs_[i] == nullptr && ir::element_count(current.output_shapes()[i]) > 0) {
      throw Error(ErrorKind::kInvalidArgument, "output has no address bound",
                  {{"output", definition().outputs[i].name}});
    }
  }
  if (cuda::current_device() != device_) {
    throw Error(ErrorKind::kInvalidArgument, "context used on another device than it was made on",
                {{"context_device", std::to_string(device_)}});
  }
  const Bindings bindings{&inputs_, &outputs_, arena_.data()};
  current.enqueue(bindings, stream, libraries_, scratch_in_, scratch_out_, observer);
}

}  // namespace rill::engine

namespace rill {

ExecutionContext::ExecutionContext(std::unique_ptr<engine::ContextState> state)
    : state_(std::move(state)) {}
ExecutionContext::~ExecutionContext() = default;

void ExecutionContext::set_input_shape(const std::string& name, const std::vector<int64_t>& shape) {
  state_->set_input_shape(name, shape);
}
std::vector<int64_t> ExecutionContext::output_shape(const std::string& name) const {
  return state_->output_shape(name);
}
void ExecutionContext::set_tensor_address(const std::string& name, void* data) {
  state_->set_tensor_address(name, data);
}
void ExecutionContext::enqueue(cudaStream_t stream) { state_->enqueue(stream); }
LayerProfile ExecutionContext::profile_layers(cudaStream_t stream, int iterations) {
  return engine::profile_layers(*state_, stream, iterations);
}
uint64_t ExecutionContext::memory_generation() const { return state_->memory_generation(); }
size_t ExecutionContext::arena_bytes() const { return state_->plan().arena_bytes(); }
size_t ExecutionContext::naive_activation_bytes() const {
  return state_->plan().naive_activation_bytes();
}

}  // namespace rill
