#include "bench/layer_profile.h"

#include "bench/bench_buffers.h"
#include "cuda/stream.h"

namespace rill::bench {

LayerProfile profile_engine_layers(const Engine& engine, const BenchConfig& config,
                                   int iterations) {
  const IoSpec io = resolve_io(engine, config);
  const BufferSet buffers = BufferSet::make(io, /*with_host_copies=*/false, /*seed=*/1);
  auto context = engine.create_context();
  for (size_t i = 0; i < io.inputs.size(); ++i) {
    context->set_input_shape(io.inputs[i].name, io.inputs[i].shape);
    context->set_tensor_address(io.inputs[i].name, buffers.inputs[i].data);
  }
  for (size_t i = 0; i < io.outputs.size(); ++i) {
    context->set_tensor_address(io.outputs[i].name, buffers.outputs[i].data);
  }
  const cuda::Stream stream = cuda::Stream::create();
  return context->profile_layers(stream.get(), iterations);
}

}  // namespace rill::bench
