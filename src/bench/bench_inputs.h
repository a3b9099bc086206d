// The inputs a benchmark feeds a model: concrete shapes and random contents. Host only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "rill/engine.h"

#include "bench/bench_config.h"

namespace rill::bench {

//! The shape the benchmark gives `info`: config.input_shapes[name] if listed, else the engine's
//! opt shape with the leading dim set to config.batch when that dim is dynamic and batch > 0.
//! Host only.
std::vector<int64_t> bench_input_shape(const TensorInfo& info, const BenchConfig& config);

//! Fills `bytes` with random values of `dtype`, never all zeros (METHOD.md): floats uniform in
//! [-1, 1] (half types: magnitudes in [1/16, 1)), integers in [0, 99] as `rill run` makes them
//! (valid token ids for any vocabulary of 100 or more), bool/uint8/int8 0 or 1. Host only.
void fill_random(std::span<std::byte> bytes, DType dtype, uint64_t seed);

}  // namespace rill::bench
