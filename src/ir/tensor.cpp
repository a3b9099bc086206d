#include "ir/tensor.h"

#include <algorithm>
#include <limits>

namespace rill::ir {

int64_t element_count(const Shape& shape) {
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) {
      throw Error(ErrorKind::kInternal, "element count of a shape with a negative dim",
                  {{"shape", shape_string(shape)}});
    }
    if (d != 0 && count > std::numeric_limits<int64_t>::max() / d) {
      throw Error(ErrorKind::kInvalidArgument, "shape has too many elements",
                  {{"shape", shape_string(shape)}});
    }
    count *= d;
  }
  return count;
}

std::string shape_string(const Shape& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

std::string desc_string(const TensorDesc& desc) {
  return std::string(dtype_name(desc.dtype)) + shape_string(desc.shape);
}

namespace {

// TensorDesc::bytes(), checked: a host tensor's shape may come from a file, and unchecked 2^61
// float64 elements wrap to 0 bytes and match an empty buffer.
size_t checked_bytes(const TensorDesc& desc) {
  const auto count = static_cast<size_t>(desc.elements());
  const size_t size = dtype_size(desc.dtype);
  if (size != 0 && count > std::numeric_limits<size_t>::max() / size) {
    throw Error(ErrorKind::kInvalidArgument, "tensor has too many bytes",
                {{"type", desc_string(desc)}});
  }
  return count * size;
}

}  // namespace

HostTensor::HostTensor(DType dtype, Shape shape)
    : desc_{dtype, std::move(shape)}, data_(checked_bytes(desc_)) {}

HostTensor::HostTensor(DType dtype, Shape shape, std::span<const std::byte> bytes)
    : desc_{dtype, std::move(shape)} {
  if (bytes.size() != checked_bytes(desc_)) {
    throw Error(ErrorKind::kInvalidArgument, "tensor data size does not match its type",
                {{"type", desc_string(desc_)},
                 {"expected_bytes", std::to_string(desc_.bytes())},
                 {"bytes", std::to_string(bytes.size())}});
  }
  data_.assign(bytes.begin(), bytes.end());
}

namespace {
template <class To>
std::vector<To> convert_all(const HostTensor& t) {
  std::vector<To> out(static_cast<size_t>(t.elements()));
  const auto n = out.size();
  switch (t.dtype()) {
    case DType::kFloat32:
      for (size_t i = 0; i < n; ++i) out[i] = static_cast<To>(t.data<float>()[i]);
      break;
    case DType::kFloat64:
      for (size_t i = 0; i < n; ++i) out[i] = static_cast<To>(t.data<double>()[i]);
      break;
    case DType::kInt64:
      for (size_t i = 0; i < n; ++i) out[i] = static_cast<To>(t.data<int64_t>()[i]);
      break;
    case DType::kInt32:
      for (size_t i = 0; i < n; ++i) out[i] = static_cast<To>(t.data<int32_t>()[i]);
      break;
    case DType::kInt8:
      for (size_t i = 0; i < n; ++i) out[i] = static_cast<To>(t.data<int8_t>()[i]);
      break;
    case DType::kUInt8:
      for (size_t i = 0; i < n; ++i) out[i] = static_cast<To>(t.data<uint8_t>()[i]);
      break;
    case DType::kBool:
      for (size_t i = 0; i < n; ++i) out[i] = static_cast<To>(t.data<bool>()[i] ? 1 : 0);
      break;
    case DType::kFloat16:
      for (size_t i = 0; i < n; ++i) out[i] = static_cast<To>(static_cast<float>(t.data<Half>()[i]));
      break;
    case DType::kBFloat16:
      for (size_t i = 0; i < n; ++i) {
        out[i] = static_cast<To>(static_cast<float>(t.data<BFloat16>()[i]));
      }
      break;
  }
  return out;
}
}  // namespace

std::vector<int64_t> HostTensor::as_int64s() const {
  if (is_floating(dtype())) {
    throw Error(ErrorKind::kInvalidModel, "expected an integer tensor",
                {{"type", desc_string(desc_)}});
  }
  return convert_all<int64_t>(*this);
}

std::vector<double> HostTensor::as_doubles() const {
  return convert_all<double>(*this);
}

HostTensor convert_floating(const HostTensor& tensor, DType to) {
  if (!is_floating(tensor.dtype()) || !is_floating(to)) {
    throw Error(ErrorKind::kInternal, "convert_floating needs floating-point dtypes",
                {{"from", desc_string(tensor.desc())}, {"to", std::string(dtype_name(to))}});
  }
  const std::vector<double> values = tensor.as_doubles();
  HostTensor out(to, tensor.shape());
  const size_t n = values.size();
  switch (to) {
    case DType::kFloat32:
      for (size_t i = 0; i < n; ++i) out.data<float>()[i] = static_cast<float>(values[i]);
      break;
    case DType::kFloat64:
      for (size_t i = 0; i < n; ++i) out.data<double>()[i] = values[i];
      break;
    case DType::kFloat16:
      // Through float, as the GPU converts: double -> float -> half rounds once at each step,
      // and float16's rounding of a float is what __float2half_rn gives the kernels.
      for (size_t i = 0; i < n; ++i) out.data<Half>()[i] = Half(static_cast<float>(values[i]));
      break;
    case DType::kBFloat16:
      for (size_t i = 0; i < n; ++i) out.data<BFloat16>()[i] = BFloat16(static_cast<float>(values[i]));
      break;
    default:
      break;
  }
  return out;
}

HostTensor transposed(const HostTensor& in, std::span<const int64_t> perm) {
  const Shape& shape = in.shape();
  const size_t rank = shape.size();
  if (perm.size() != rank) {
    throw Error(ErrorKind::kInternal, "transpose: perm does not match the rank",
                {{"shape", shape_string(shape)}});
  }
  Shape out_shape;
  for (int64_t p : perm) out_shape.push_back(shape[static_cast<size_t>(p)]);
  HostTensor out(in.dtype(), out_shape);
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t d = rank; d-- > 1;) in_strides[d - 1] = in_strides[d] * shape[d];
  const size_t size = dtype_size(in.dtype());
  const int64_t count = in.elements();
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t src = 0;
    for (size_t d = 0; d < rank; ++d) src += index[d] * in_strides[static_cast<size_t>(perm[d])];
    std::copy_n(in.raw() + static_cast<size_t>(src) * size, size,
                out.raw() + static_cast<size_t>(i) * size);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < out_shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

HostTensor HostTensor::reshaped(Shape shape) const {
  if (element_count(shape) != elements()) {
    throw Error(ErrorKind::kInternal, "reshape changes the element count",
                {{"from", shape_string(desc_.shape)}, {"to", shape_string(shape)}});
  }
  HostTensor t = *this;
  t.desc_.shape = std::move(shape);
  return t;
}

namespace detail {
void throw_dtype_mismatch(DType have, DType want) {
  throw Error(
      ErrorKind::kInternal, "typed access with the wrong element type",
      {{"tensor", std::string(dtype_name(have))}, {"requested", std::string(dtype_name(want))}});
}
}  // namespace detail

}  // namespace rill::ir
