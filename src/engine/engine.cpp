#include "rill/engine.h"

#include <sstream>

#include "cuda/device.h"
#include "engine/builder.h"
#include "engine/context_state.h"
#include "engine/cpu_executor.h"
#include "engine/engine_state.h"
#include "engine/graph_shapes.h"
#include "engine/plan_file.h"

namespace rill {

Engine::Engine(std::unique_ptr<engine::EngineState> state) : state_(std::move(state)) {}
Engine::~Engine() = default;

std::shared_ptr<Engine> Engine::build_from_onnx(const std::string& path,
                                                const BuildOptions& options,
                                                const BuildProgress& progress) {
  return engine::EngineAccess::make(engine::build_definition(path, options, progress));
}

PlannedMemory Engine::planned_memory() const {
  std::vector<ir::Shape> opt;
  for (const TensorInfo& in : state_->definition.inputs) opt.push_back(in.range.opt);
  const auto plan = state_->plan_for(opt);
  return {plan->arena_bytes(), plan->naive_activation_bytes(), plan->kernel_count()};
}

std::shared_ptr<Engine> Engine::load(const std::string& path) {
  return engine::EngineAccess::make(engine::read_plan_file(path));
}

void Engine::save(const std::string& path) const {
  engine::write_plan_file(state_->definition, path);
}

const std::vector<TensorInfo>& Engine::inputs() const { return state_->definition.inputs; }
const std::vector<TensorInfo>& Engine::outputs() const { return state_->definition.outputs; }
const EngineSummary& Engine::summary() const { return state_->definition.summary; }
const BuildOptions& Engine::options() const { return state_->definition.options; }

std::unique_ptr<ExecutionContext> Engine::create_context() const {
  if (cuda::device_count() == 0) {
    throw Error(ErrorKind::kNoDevice,
                "an execution context needs a CUDA device; without one use run_on_cpu()");
  }
  return std::unique_ptr<ExecutionContext>(
      new ExecutionContext(std::make_unique<engine::ContextState>(shared_from_this())));
}

std::map<std::string, Engine::HostTensor> Engine::run_on_cpu(
    const std::map<std::string, HostTensor>& inputs) const {
  std::map<std::string, ir::HostTensor> named;
  for (const TensorInfo& info : state_->definition.inputs) {
    const auto it = inputs.find(info.name);
    if (it == inputs.end()) {
      throw Error(ErrorKind::kInvalidArgument, "missing input", {{"input", info.name}});
    }
    if (it->second.dtype != info.dtype) {
      throw Error(ErrorKind::kInvalidArgument, "input has the wrong dtype",
                  {{"input", info.name},
                   {"dtype", std::string(dtype_name(it->second.dtype))},
                   {"expected", std::string(dtype_name(info.dtype))}});
    }
    engine::check_input_shape(info, it->second.shape);
    named[info.name] = ir::HostTensor(it->second.dtype, it->second.shape, it->second.data);
  }
  std::map<std::string, HostTensor> result;
  for (auto& [name, tensor] : engine::run_graph_on_cpu(state_->definition.graph, named)) {
    HostTensor out{tensor.dtype(), tensor.shape(), {}};
    out.data.assign(tensor.raw(), tensor.raw() + tensor.bytes());
    result[name] = std::move(out);
  }
  return result;
}

std::vector<std::vector<int64_t>> Engine::output_shapes(
    const std::vector<std::vector<int64_t>>& input_shapes) const {
  const engine::EngineDefinition& def = state_->definition;
  if (input_shapes.size() != def.inputs.size()) {
    throw Error(ErrorKind::kInvalidArgument,
                "expected " + std::to_string(def.inputs.size()) + " input shapes, got " +
                    std::to_string(input_shapes.size()));
  }
  std::map<std::string, ir::Shape> named;
  for (size_t i = 0; i < input_shapes.size(); ++i) {
    engine::check_input_shape(def.inputs[i], input_shapes[i]);
    named[def.inputs[i].name] = input_shapes[i];
  }
  const engine::GraphShapes shapes = engine::infer_graph_shapes(def.graph, named);
  std::vector<std::vector<int64_t>> result;
  for (const TensorInfo& out : def.outputs) result.push_back(shapes.descs[shapes.id(out.name)].shape);
  return result;
}

namespace {
std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    text += (i ? "," : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  }
  return text + "]";
}
}  // namespace

std::string Engine::describe(bool with_gpu_plan) const {
  const engine::EngineDefinition& def = state_->definition;
  std::ostringstream out;
  out << "inputs:\n";
  for (const TensorInfo& in : def.inputs) {
    out << "  " << in.name << ": " << dtype_name(in.dtype) << shape_text(in.shape)
        << "  range min " << shape_text(in.range.min) << " opt " << shape_text(in.range.opt)
        << " max " << shape_text(in.range.max) << "\n";
  }
  out << "outputs:\n";
  for (const TensorInfo& o : def.outputs) {
    out << "  " << o.name << ": " << dtype_name(o.dtype) << shape_text(o.shape) << "\n";
  }
  out << "layers: " << def.summary.nodes_optimized << " (imported " << def.summary.nodes_imported
      << ", fused " << def.summary.fused_nodes << ")\n";
  for (const auto& [op, count] : def.summary.op_counts) out << "  " << op << " x" << count << "\n";
  out << "weights: " << def.summary.weight_bytes << " bytes\n";
  out << "precision: " << precision_name(def.options.precision)
      << (def.options.allow_tf32 ? " (TF32 allowed for float32 math)" : "") << "\n";
  if (def.algorithms.choices.empty()) {
    out << "tuning: " << (def.summary.tuning.status.empty() ? "none" : def.summary.tuning.status)
        << "\n";
  } else {
    out << "tuned algorithms: " << def.algorithms.choices.size() << " distinct problems for "
        << def.algorithms.environment.to_string() << "\n";
  }
  if (with_gpu_plan && cuda::device_count() > 0) {
    std::vector<ir::Shape> opt;
    for (const TensorInfo& in : def.inputs) opt.push_back(in.range.opt);
    const auto plan = state_->plan_for(opt);
    out << "plan at opt shapes: " << plan->kernel_count() << " kernels, activation arena "
        << plan->arena_bytes() << " bytes (naive sum " << plan->naive_activation_bytes() << ")\n"
        << plan->describe();
  } else if (with_gpu_plan) {
    out << "plan: kernels and the activation memory plan are made on a GPU; none here\n";
  }
  return out.str();
}

const char* precision_name(Precision precision) noexcept {
  switch (precision) {
    case Precision::kFloat32: return "fp32";
    case Precision::kFloat16: return "fp16";
    case Precision::kBFloat16: return "bf16";
  }
  return "unknown";
}

}  // namespace rill
