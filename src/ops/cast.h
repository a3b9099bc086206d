// Cast's attribute decoding, shared by cast.cpp and cast_gpu.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "ops/op.h"

namespace rill::ops::ew {

//! The DType of an ONNX TensorProto element type number (1 float, 2 uint8, 3 int8, 6 int32,
//! 7 int64, 9 bool, 10 float16, 11 double, 16 bfloat16), if rill has one.
std::optional<DType> dtype_from_onnx(int64_t onnx_type);

//! Cast's `to` as a DType; kUnsupported (with node and inputs) when rill has no such type.
DType cast_target(const Node& node, std::span<const TensorDesc> inputs);

}  // namespace rill::ops::ew
