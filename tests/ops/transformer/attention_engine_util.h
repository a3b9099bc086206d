// The attention block model (data/attention_block.onnx, made by data/make_attention_block.py)
// through the engine: its inputs and the CPU executor's outputs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "rill/engine.h"

#include "op_test_driver.h"

namespace rill::testing::transformer {

inline std::string attention_block_path() {
  return std::string(RILL_SOURCE_DIR) + "/tests/ops/transformer/data/attention_block.onnx";
}

//! x [batch, 16, 32] in [-1, 1) and a key-padding mask [batch, 1, 1, 16]: 0, or -1e4 on the
//! last `batch + 1` keys of each batch (never all of them).
inline std::vector<ir::HostTensor> attention_block_inputs(int64_t batch, uint64_t seed) {
  ir::HostTensor x = random_tensor(DType::kFloat32, {batch, 16, 32}, seed);
  ir::HostTensor mask(DType::kFloat32, {batch, 1, 1, 16});
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t j = 16 - (b + 1); j < 16; ++j) mask.data<float>()[b * 16 + j] = -1e4f;
  }
  return {x, mask};
}

inline std::vector<ir::HostTensor> run_engine_on_cpu(const Engine& engine,
                                                     const std::vector<ir::HostTensor>& inputs) {
  std::map<std::string, Engine::HostTensor> in;
  for (size_t i = 0; i < inputs.size(); ++i) {
    in[engine.inputs()[i].name] = {
        inputs[i].dtype(), inputs[i].shape(),
        std::vector<std::byte>(inputs[i].raw(), inputs[i].raw() + inputs[i].bytes())};
  }
  const auto out = engine.run_on_cpu(in);
  std::vector<ir::HostTensor> result;
  for (const TensorInfo& info : engine.outputs()) {
    const auto& t = out.at(info.name);
    result.emplace_back(t.dtype, t.shape, t.data);
  }
  return result;
}

}  // namespace rill::testing::transformer
