// TensorProto and element-type conversion. Internal to src/onnx: includes protobuf-generated
// headers, so nothing outside src/onnx may include it.
#pragma once

#include <onnx/onnx_pb.h>
#include <optional>
#include <string>

#include "rill/dtype.h"
#include "rill/error.h"

#include "ir/tensor.h"

namespace rill::onnx {

//! The DType of an ONNX TensorProto.DataType, or nullopt when rill has no such DType (string,
//! uint16/32/64, int16, complex, undefined).
std::optional<DType> dtype_from_onnx(int32_t elem_type) noexcept;

//! Name of an ONNX element type for messages ("FLOAT", "STRING", "42" for unknown values).
std::string onnx_type_name(int32_t elem_type);

//! Converts a TensorProto with inline data (raw_data or the typed repeated fields) to a host
//! tensor. `context` (for example file and node) is attached to every error, together with the
//! tensor's name. External data is kUnsupported; inconsistent sizes are kInvalidModel.
ir::HostTensor tensor_from_proto(const ::onnx::TensorProto& proto, const Error::Context& context);

}  // namespace rill::onnx
