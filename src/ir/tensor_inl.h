// Template definitions for tensor.h.
#pragma once

#include <type_traits>

#include "ir/half.h"

namespace rill::ir {

template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>) return DType::kFloat32;
  else if constexpr (std::is_same_v<T, double>) return DType::kFloat64;
  else if constexpr (std::is_same_v<T, int64_t>) return DType::kInt64;
  else if constexpr (std::is_same_v<T, int32_t>) return DType::kInt32;
  else if constexpr (std::is_same_v<T, int8_t>) return DType::kInt8;
  else if constexpr (std::is_same_v<T, uint8_t>) return DType::kUInt8;
  else if constexpr (std::is_same_v<T, bool>) return DType::kBool;
  else if constexpr (std::is_same_v<T, Half>) return DType::kFloat16;
  else if constexpr (std::is_same_v<T, BFloat16>) return DType::kBFloat16;
  else static_assert(sizeof(T) == 0, "no DType for this type");
}

template <class T>
HostTensor HostTensor::from(Shape shape, const std::vector<T>& values) {
  HostTensor t(dtype_of<T>(), std::move(shape));
  if (static_cast<size_t>(t.elements()) != values.size()) {
    throw Error(ErrorKind::kInternal, "HostTensor::from: value count does not match shape",
                {{"shape", shape_string(t.shape())}, {"values", std::to_string(values.size())}});
  }
  if constexpr (std::is_same_v<T, bool>) {
    for (size_t i = 0; i < values.size(); ++i) t.data_[i] = std::byte{values[i] ? uint8_t{1} : uint8_t{0}};
  } else if (!values.empty()) {
    // An empty vector's data() may be null, and memcpy from null is undefined even for 0 bytes.
    std::memcpy(t.data_.data(), values.data(), values.size() * sizeof(T));
  }
  return t;
}

namespace detail {
[[noreturn]] void throw_dtype_mismatch(DType have, DType want);
}

template <class T>
T* HostTensor::data() {
  if (dtype_of<T>() != desc_.dtype) detail::throw_dtype_mismatch(desc_.dtype, dtype_of<T>());
  return reinterpret_cast<T*>(data_.data());
}

template <class T>
const T* HostTensor::data() const {
  if (dtype_of<T>() != desc_.dtype) detail::throw_dtype_mismatch(desc_.dtype, dtype_of<T>());
  return reinterpret_cast<const T*>(data_.data());
}

}  // namespace rill::ir
