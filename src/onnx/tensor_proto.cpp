#include "onnx/tensor_proto.h"

#include <bit>
#include <cstring>
#include <limits>
#include <vector>

namespace rill::onnx {

namespace pb = ::onnx;

// raw_data is little-endian by the ONNX spec; copying it verbatim is only right on a
// little-endian host, which every platform rill targets is.
static_assert(std::endian::native == std::endian::little, "rill assumes a little-endian host");

std::optional<DType> dtype_from_onnx(int32_t elem_type) noexcept {
  switch (elem_type) {
    case pb::TensorProto::FLOAT:
      return DType::kFloat32;
    case pb::TensorProto::FLOAT16:
      return DType::kFloat16;
    case pb::TensorProto::BFLOAT16:
      return DType::kBFloat16;
    case pb::TensorProto::DOUBLE:
      return DType::kFloat64;
    case pb::TensorProto::INT64:
      return DType::kInt64;
    case pb::TensorProto::INT32:
      return DType::kInt32;
    case pb::TensorProto::INT8:
      return DType::kInt8;
    case pb::TensorProto::UINT8:
      return DType::kUInt8;
    case pb::TensorProto::BOOL:
      return DType::kBool;
    default:
      return std::nullopt;
  }
}

std::string onnx_type_name(int32_t elem_type) {
  if (pb::TensorProto::DataType_IsValid(elem_type)) {
    return pb::TensorProto::DataType_Name(static_cast<pb::TensorProto::DataType>(elem_type));
  }
  return std::to_string(elem_type);
}

namespace {

Error tensor_error(ErrorKind kind, std::string message, const pb::TensorProto& proto,
                   const Error::Context& context) {
  Error error(kind, std::move(message), context);
  error.add_context("tensor", proto.name().empty() ? "<unnamed>" : proto.name());
  return error;
}

// Copies a repeated proto field into `bytes` element by element, narrowing to the tensor's
// element type: the typed fields are wider than the elements they hold (int32_data carries
// int8, uint8, bool and the bit patterns of float16/bfloat16).
template <class Elem, class Field>
void narrow_into(const Field& field, std::vector<std::byte>& bytes) {
  bytes.resize(static_cast<size_t>(field.size()) * sizeof(Elem));
  for (int i = 0; i < field.size(); ++i) {
    const auto value = static_cast<Elem>(field.Get(i));
    std::memcpy(bytes.data() + static_cast<size_t>(i) * sizeof(Elem), &value, sizeof(Elem));
  }
}

}  // namespace

ir::HostTensor tensor_from_proto(const pb::TensorProto& proto, const Error::Context& context) {
  if (proto.data_location() == pb::TensorProto::EXTERNAL || proto.external_data_size() > 0) {
    throw tensor_error(ErrorKind::kUnsupported,
                       "tensors with external data are not supported; save the model with its "
                       "weights inline",
                       proto, context);
  }
  const std::optional<DType> dtype = dtype_from_onnx(proto.data_type());
  if (!dtype) {
    Error error = tensor_error(ErrorKind::kUnsupported, "tensor element type is not supported",
                               proto, context);
    error.add_context("dtype", onnx_type_name(proto.data_type()));
    throw error;
  }

  ir::Shape shape;
  shape.reserve(static_cast<size_t>(proto.dims_size()));
  int64_t elements = 1;
  for (int64_t d : proto.dims()) {
    if (d < 0)
      throw tensor_error(ErrorKind::kInvalidModel, "tensor has a negative dim", proto, context);
    if (d != 0 && elements > std::numeric_limits<int64_t>::max() / d) {
      throw tensor_error(ErrorKind::kInvalidModel, "tensor has too many elements", proto, context);
    }
    elements *= d;
    shape.push_back(d);
  }

  std::vector<std::byte> bytes;
  const size_t elem_size = dtype_size(*dtype);
  size_t stored_elements = 0;  // what the proto actually holds, compared with `elements` below
  if (proto.has_raw_data()) {
    const std::string& raw = proto.raw_data();
    if (raw.size() % elem_size != 0) {
      throw tensor_error(ErrorKind::kInvalidModel,
                         "raw_data size is not a multiple of the element size", proto, context);
    }
    stored_elements = raw.size() / elem_size;
    const auto* begin = reinterpret_cast<const std::byte*>(raw.data());
    bytes.assign(begin, begin + raw.size());
  } else {
    switch (*dtype) {
      case DType::kFloat32:
        narrow_into<float>(proto.float_data(), bytes);
        break;
      case DType::kFloat64:
        narrow_into<double>(proto.double_data(), bytes);
        break;
      case DType::kInt64:
        narrow_into<int64_t>(proto.int64_data(), bytes);
        break;
      case DType::kInt32:
        narrow_into<int32_t>(proto.int32_data(), bytes);
        break;
      case DType::kInt8:
        narrow_into<int8_t>(proto.int32_data(), bytes);
        break;
      case DType::kUInt8:
        narrow_into<uint8_t>(proto.int32_data(), bytes);
        break;
      case DType::kBool:
        narrow_into<uint8_t>(proto.int32_data(), bytes);
        break;
      case DType::kFloat16:
      case DType::kBFloat16:
        narrow_into<uint16_t>(proto.int32_data(), bytes);
        break;
    }
    stored_elements = bytes.size() / elem_size;
  }
  if (static_cast<uint64_t>(elements) != stored_elements) {
    Error error = tensor_error(ErrorKind::kInvalidModel, "tensor data does not match its shape",
                               proto, context);
    error.add_context("shape", ir::shape_string(shape));
    error.add_context("stored_elements", std::to_string(stored_elements));
    throw error;
  }
  if (*dtype == DType::kBool) {
    // HostTensor's bool convention is one byte holding exactly 0 or 1.
    for (std::byte& b : bytes) b = b == std::byte{0} ? std::byte{0} : std::byte{1};
  }
  return ir::HostTensor(*dtype, std::move(shape), bytes);
}

}  // namespace rill::onnx
