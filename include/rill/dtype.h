// Element types. Every tensor, kernel and plan carries its dtype as a value, so FP16/BF16 and
// integer paths land as new cases rather than rewrites.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rill {

enum class DType : uint8_t {
  kFloat32,
  kFloat16,
  kBFloat16,
  kFloat64,
  kInt64,
  kInt32,
  kInt8,
  kUInt8,
  kBool,
};

//! Bytes per element.
size_t dtype_size(DType dtype) noexcept;
//! "float32", "float16", "bfloat16", "float64", "int64", "int32", "int8", "uint8", "bool".
std::string_view dtype_name(DType dtype) noexcept;
//! True for float32/float16/bfloat16/float64.
bool is_floating(DType dtype) noexcept;

}  // namespace rill
