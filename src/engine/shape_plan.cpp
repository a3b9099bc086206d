#include "engine/shape_plan.h"

#include <algorithm>
#include <cstring>

#include "cuda/check.h"
#include "engine/graph_shapes.h"
#include "ir/memory_planner.h"

namespace rill::engine {

namespace {

constexpr size_t kAlignment = ir::kArenaAlignment;

// rill's NVTX domain: layer ranges are grouped under "rill" in Nsight Systems.
nvtxDomainHandle_t nvtx_domain() {
  static const nvtxDomainHandle_t domain = nvtxDomainCreateA("rill");
  return domain;
}

size_t align_up(size_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

ir::BufferRequest activation(std::string name, size_t bytes, size_t step) {
  ir::BufferRequest request;
  request.name = std::move(name);
  request.bytes = std::max<size_t>(bytes, 1);
  request.first_use = static_cast<int64_t>(step);
  request.last_use = static_cast<int64_t>(step);
  return request;
}

}  // namespace

DeviceWeights::DeviceWeights(const ir::Graph& graph, int device_index) : device(device_index) {
  size_t total = 0;
  for (const auto& [name, tensor] : graph.initializers) {
    offsets[name] = total;
    total += align_up(std::max<size_t>(tensor.bytes(), 1));
  }
  memory = cuda::DeviceAllocation(total);
  // One staging buffer and one copy: uploading weights is setup, done once per engine and device.
  std::vector<std::byte> staging(total);
  for (const auto& [name, tensor] : graph.initializers) {
    std::memcpy(staging.data() + offsets[name], tensor.raw(), tensor.bytes());
  }
  if (total > 0) {
    RILL_CUDA_CHECK(cudaMemcpy(memory.data(), staging.data(), total, cudaMemcpyHostToDevice));
  }
}

ShapePlan::ShapePlan(const EngineDefinition& definition, const DeviceWeights& weights,
                     const std::vector<ir::Shape>& input_shapes,
                     const ops::LibraryHandles& planning, kernels::AlgorithmSelector* algorithms)
    : weights_(weights),
      input_shapes_(input_shapes),
      nvtx_layers_(definition.options.nvtx_layers) {
  const ir::Graph& graph = definition.graph;
  std::map<std::string, ir::Shape> named;
  for (size_t i = 0; i < definition.inputs.size(); ++i) {
    named[definition.inputs[i].name] = input_shapes[i];
  }
  const GraphShapes shapes = infer_graph_shapes(graph, named);
  const size_t value_count = shapes.descs.size();
  locations_.resize(value_count);

  // Where caller-bound values live.
  std::vector<int> alias_root(value_count);
  for (size_t v = 0; v < value_count; ++v) alias_root[v] = static_cast<int>(v);
  for (size_t i = 0; i < definition.inputs.size(); ++i) {
    locations_[shapes.id(definition.inputs[i].name)] = {Storage::kInput, static_cast<uint32_t>(i), 0};
  }
  for (const auto& [name, offset] : weights.offsets) {
    locations_[shapes.id(name)] = {Storage::kWeight, 0, offset};
  }

  // Steps: every node that is not evaluated on the host and is not a pure alias.
  std::vector<int> output_of_graph(value_count, -1);
  for (size_t j = 0; j < graph.outputs.size(); ++j) {
    const int v = shapes.id(graph.outputs[j].name);
    if (output_of_graph[v] < 0) output_of_graph[v] = static_cast<int>(j);
  }
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ir::Node& node = graph.nodes[n];
    const NodeFacts& facts = shapes.nodes[n];
    if (facts.on_host) continue;
    if (facts.def->output_kind == ops::OutputKind::kAliasOfInput0) {
      alias_root[facts.outputs[0]] = alias_root[facts.inputs[0]];
      continue;
    }
    if (facts.def->prepare_gpu == nullptr) {
      throw Error(ErrorKind::kUnsupported, "op has no GPU kernel", node.context());
    }
    const std::vector<ir::TensorDesc> in_descs = shapes.input_descs(facts);
    const std::vector<const ir::HostTensor*> constants = shapes.input_constants(facts);
    std::vector<ir::TensorDesc> out_descs;
    for (int v : facts.outputs) out_descs.push_back(v >= 0 ? shapes.descs[v] : ir::TensorDesc{});
    Step step;
    step.node = &node;
    if (definition.options.nvtx_layers) {
      // Registered once per plan, so that enqueue pushes a handle instead of copying a string.
      step.nvtx_name = nvtxDomainRegisterStringA(nvtx_domain(), node.name.c_str());
    }
    try {
      step.kernel = facts.def->prepare_gpu(ops::GpuPrepareContext{
          node, in_descs, constants, out_descs, planning, definition.options.allow_tf32,
          algorithms});
    } catch (Error& e) {
      if (e.context_value("node").empty()) e.add_context("node", node.name).add_context("op", node.op_type);
      throw;
    }
    step.inputs = facts.inputs;
    step.outputs = facts.outputs;
    for (const auto& d : out_descs) {
      if (!step.output_type.empty()) step.output_type += ", ";
      step.output_type += ir::desc_string(d);
    }
    max_inputs_ = std::max(max_inputs_, step.inputs.size());
    max_outputs_ = std::max(max_outputs_, step.outputs.size());
    steps_.push_back(std::move(step));
  }

  // Host-known values that kernels read, or that are graph outputs, are uploaded once into this
  // plan's constants.
  std::vector<std::pair<int, size_t>> uploads;
  size_t constant_bytes = 0;
  auto upload = [&](int v) {
    if (v < 0 || shapes.host[v] == nullptr || locations_[v].storage != Storage::kNone) return;
    locations_[v] = {Storage::kConstant, 0, constant_bytes};
    uploads.emplace_back(v, constant_bytes);
    constant_bytes += align_up(std::max<size_t>(shapes.descs[v].bytes(), 1));
  };
  for (const Step& step : steps_) {
    for (int v : step.inputs) upload(v);
  }
  for (const ir::ValueInfo& output : graph.outputs) upload(alias_root[shapes.id(output.name)]);
  if (constant_bytes > 0) {
    constants_ = cuda::DeviceAllocation(constant_bytes);
    std::vector<std::byte> staging(constant_bytes);
    for (const auto& [v, offset] : uploads) {
      std::memcpy(staging.data() + offset, shapes.host[v]->raw(), shapes.host[v]->bytes());
    }
    RILL_CUDA_CHECK(
        cudaMemcpy(constants_.data(), staging.data(), constant_bytes, cudaMemcpyHostToDevice));
  }

  // Kernel outputs that are graph outputs are written straight into the caller's buffer.
  for (const Step& step : steps_) {
    for (int v : step.outputs) {
      if (v >= 0 && output_of_graph[v] >= 0) {
        locations_[v] = {Storage::kOutput, static_cast<uint32_t>(output_of_graph[v]), 0};
      }
    }
  }

  // Activations: kernel outputs that no one else stores, planned by liveness over the steps.
  // An alias keeps its root alive for as long as the alias is read.
  std::vector<ir::BufferRequest> buffers;
  std::vector<int> buffer_value;  // buffer index -> value id, or -1 for a workspace
  std::vector<int> buffer_of(value_count, -1);
  for (size_t s = 0; s < steps_.size(); ++s) {
    for (int v : steps_[s].outputs) {
      if (v < 0 || locations_[v].storage != Storage::kNone) continue;
      buffer_of[v] = static_cast<int>(buffers.size());
      buffers.push_back(activation(shapes.names[v], shapes.descs[v].bytes(), s));
      buffer_value.push_back(v);
    }
    for (int v : steps_[s].inputs) {
      if (v < 0) continue;
      const int b = buffer_of[alias_root[v]];
      if (b >= 0) buffers[b].last_use = std::max<int64_t>(buffers[b].last_use, static_cast<int64_t>(s));
    }
    if (const size_t ws = steps_[s].kernel->workspace_bytes(); ws > 0) {
      buffers.push_back(activation("workspace of " + steps_[s].node->name, ws, s));
      buffer_value.push_back(-1 - static_cast<int>(s));
    }
  }
  // Values copied into outputs at the end must live to the end.
  for (size_t j = 0; j < graph.outputs.size(); ++j) {
    const int b = buffer_of[alias_root[shapes.id(graph.outputs[j].name)]];
    if (b >= 0) buffers[b].last_use = static_cast<int64_t>(steps_.size());
  }
  const ir::MemoryPlan memory = ir::plan_memory(buffers);
  arena_bytes_ = memory.arena_bytes;
  naive_bytes_ = memory.naive_bytes;
  for (size_t b = 0; b < buffers.size(); ++b) {
    if (buffer_value[b] >= 0) {
      locations_[buffer_value[b]] = {Storage::kArena, 0, memory.offsets[b]};
    } else {
      steps_[static_cast<size_t>(-1 - buffer_value[b])].workspace_offset = memory.offsets[b];
    }
  }
  // Aliases live where their roots live.
  for (size_t v = 0; v < value_count; ++v) {
    if (alias_root[v] != static_cast<int>(v)) locations_[v] = locations_[alias_root[v]];
  }

  // Graph outputs that no kernel wrote in place are copied at the end of enqueue.
  for (size_t j = 0; j < graph.outputs.size(); ++j) {
    const int v = shapes.id(graph.outputs[j].name);
    output_shapes_.push_back(shapes.descs[v].shape);
    const ValueLocation& loc = locations_[v];
    const bool in_place = loc.storage == Storage::kOutput && loc.index == j;
    if (in_place) continue;
    if (loc.storage == Storage::kNone) {
      throw Error(ErrorKind::kInternal, "graph output has no storage",
                  {{"output", graph.outputs[j].name}});
    }
    copies_.push_back({v, static_cast<uint32_t>(j), shapes.descs[v].bytes()});
  }
}

void* ShapePlan::resolve(int value, const Bindings& bindings) const {
  if (value < 0) return nullptr;
  const ValueLocation& loc = locations_[static_cast<size_t>(value)];
  switch (loc.storage) {
    case Storage::kNone: return nullptr;
    case Storage::kInput: return (*bindings.inputs)[loc.index];
    case Storage::kOutput: return (*bindings.outputs)[loc.index];
    case Storage::kWeight: return weights_.memory.bytes_at(loc.offset);
    case Storage::kConstant: return constants_.bytes_at(loc.offset);
    case Storage::kArena: return static_cast<std::byte*>(bindings.arena) + loc.offset;
  }
  return nullptr;
}

void ShapePlan::push_layer_range(const Step& step) const {
  nvtxEventAttributes_t range{};
  range.version = NVTX_VERSION;
  range.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE;
  range.messageType = NVTX_MESSAGE_TYPE_REGISTERED;
  range.message.registered = step.nvtx_name;
  nvtxDomainRangePushEx(nvtx_domain(), &range);
}

void ShapePlan::enqueue(const Bindings& bindings, cudaStream_t stream,
                        const ops::LibraryHandles& libraries, std::vector<const void*>& scratch_in,
                        std::vector<void*>& scratch_out, StepObserver* observer) const {
  for (size_t index = 0; index < steps_.size(); ++index) {
    const Step& step = steps_[index];
    scratch_in.clear();
    scratch_out.clear();
    for (int v : step.inputs) scratch_in.push_back(resolve(v, bindings));
    for (int v : step.outputs) scratch_out.push_back(resolve(v, bindings));
    const ops::GpuLaunch launch{scratch_in, scratch_out,
                                static_cast<std::byte*>(bindings.arena) + step.workspace_offset,
                                stream, &libraries};
    if (nvtx_layers_) push_layer_range(step);
    if (observer != nullptr) observer->before_step(index, stream);
    try {
      step.kernel->enqueue(launch);
      if (nvtx_layers_) nvtxDomainRangePop(nvtx_domain());
    } catch (Error& e) {
      if (nvtx_layers_) nvtxDomainRangePop(nvtx_domain());
      if (e.context_value("node").empty()) {
        e.add_context("node", step.node->name).add_context("op", step.node->op_type);
      }
      throw;
    }
    if (observer != nullptr) observer->after_step(index, stream);
  }
  for (const OutputCopy& copy : copies_) {
    if (copy.bytes == 0) continue;
    RILL_CUDA_CHECK(cudaMemcpyAsync((*bindings.outputs)[copy.output], resolve(copy.value, bindings),
                                    copy.bytes, cudaMemcpyDeviceToDevice, stream));
  }
}

ShapePlan::StepInfo ShapePlan::step_info(size_t index) const {
  const Step& step = steps_.at(index);
  return {step.node->name, step.node->op_type, step.kernel->describe()};
}

std::string ShapePlan::describe() const {
  std::string text;
  for (const Step& step : steps_) {
    text += "  " + step.node->name + " (" + step.node->op_type + ") -> " + step.output_type +
            ": " + step.kernel->describe() + "\n";
  }
  return text;
}

}  // namespace rill::engine
