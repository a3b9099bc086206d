// What a reduction reduces, decided once from attributes/constant inputs and shared by reduce.cpp
// (CPU) and reduce_gpu.cpp.
#pragma once

#include <span>
#include <vector>

#include "ops/op.h"

namespace rill::ops::ew {

enum class ReduceKind { kSum, kMean, kMax };

struct ReduceSpec {
  ReduceKind kind = ReduceKind::kSum;
  std::vector<bool> reduced;  //!< per input dim
  ir::Shape keep_shape;       //!< input shape with reduced dims set to 1 (keepdims layout)
  ir::Shape out_shape;        //!< the output's shape (keep_shape without them unless keepdims)
  bool noop = false;          //!< noop_with_empty_axes with no axes: output = input
};

//! ReduceSum/Mean/Max (opset 13: Sum's axes from input 1, Mean/Max's from the `axes` attribute;
//! opset 18's axes input is accepted for all three) and GlobalAveragePool. `axes` is input 1's
//! value when present (null otherwise). Errors name the node and its inputs.
ReduceSpec reduce_spec(const Node& node, std::span<const TensorDesc> inputs,
                       const HostTensor* axes);

}  // namespace rill::ops::ew
