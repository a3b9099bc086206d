#include "bench/bench_buffers.h"

#include <algorithm>
#include <cstring>

#include "cuda/check.h"
#include "ir/tensor.h"

namespace rill::bench {

IoSpec resolve_io(const Engine& engine, const BenchConfig& config) {
  for (const auto& [name, shape] : config.input_shapes) {
    bool found = false;
    for (const TensorInfo& info : engine.inputs()) found = found || info.name == name;
    if (!found) {
      throw Error(ErrorKind::kInvalidArgument, "the model has no input with this name",
                  {{"input", name}});
    }
  }
  IoSpec io;
  auto context = engine.create_context();
  for (const TensorInfo& info : engine.inputs()) {
    TensorSpec spec{info.name, info.dtype, bench_input_shape(info, config), 0};
    spec.bytes = static_cast<size_t>(ir::element_count(spec.shape)) * dtype_size(spec.dtype);
    context->set_input_shape(spec.name, spec.shape);
    io.inputs.push_back(std::move(spec));
  }
  for (const TensorInfo& info : engine.outputs()) {
    TensorSpec spec{info.name, info.dtype, context->output_shape(info.name), 0};
    spec.bytes = static_cast<size_t>(ir::element_count(spec.shape)) * dtype_size(spec.dtype);
    io.outputs.push_back(std::move(spec));
  }
  return io;
}

BufferSet BufferSet::make(const IoSpec& io, bool with_host_copies, uint64_t seed) {
  BufferSet set;
  for (const TensorSpec& spec : io.inputs) {
    std::vector<std::byte> data(spec.bytes);
    fill_random(data, spec.dtype, seed++);
    set.device_inputs.emplace_back(std::max<size_t>(spec.bytes, 1));
    RILL_CUDA_CHECK(cudaMemcpy(set.device_inputs.back().data(), data.data(), spec.bytes,
                               cudaMemcpyHostToDevice));
    set.inputs.push_back({set.device_inputs.back().data(), spec.dtype, spec.shape});
    if (with_host_copies) {
      set.host_inputs.emplace_back(std::max<size_t>(spec.bytes, 1));
      std::memcpy(set.host_inputs.back().data(), data.data(), spec.bytes);
    }
  }
  for (const TensorSpec& spec : io.outputs) {
    set.device_outputs.emplace_back(std::max<size_t>(spec.bytes, 1));
    // Poisoned (NaN for floats), so an output the run never writes is visible.
    RILL_CUDA_CHECK(cudaMemset(set.device_outputs.back().data(), 0xFF, spec.bytes));
    set.outputs.push_back({set.device_outputs.back().data(), spec.dtype, spec.shape});
    if (with_host_copies) set.host_outputs.emplace_back(std::max<size_t>(spec.bytes, 1));
  }
  return set;
}

}  // namespace rill::bench
