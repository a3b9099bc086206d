// The buffers a benchmark feeds a model: input/output specs with concrete shapes, and the device
// (and pinned host) buffer sets that each caller stream rotates through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "rill/engine.h"
#include "rill/session.h"

#include "bench/bench_config.h"
#include "bench/bench_inputs.h"
#include "cuda/device_buffer.h"

namespace rill::bench {

struct TensorSpec {
  std::string name;
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
  size_t bytes = 0;
};

struct IoSpec {
  std::vector<TensorSpec> inputs;   //!< engine order
  std::vector<TensorSpec> outputs;  //!< engine order
};

//! Input and output specs for `config`: output shapes come from a throwaway execution context,
//! so this needs a GPU. Throws kInvalidArgument for an input_shapes name the model lacks.
IoSpec resolve_io(const Engine& engine, const BenchConfig& config);

//! One inference's buffers: device inputs (filled with random data) and outputs, and, when
//! transfers are included, pinned host copies of both.
struct BufferSet {
  std::vector<cuda::DeviceAllocation> device_inputs, device_outputs;
  std::vector<cuda::PinnedBuffer> host_inputs, host_outputs;
  std::vector<Tensor> inputs, outputs;  //!< views of the device buffers, for Session::run

  //! Allocates and fills a set (setup time: cudaMalloc, cudaMemcpy).
  static BufferSet make(const IoSpec& io, bool with_host_copies, uint64_t seed);
};

}  // namespace rill::bench
