// Element types. Every tensor, kernel and plan carries its dtype as a value, so FP16/BF16 and
// integer paths land as new cases rather than rewrites.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
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
//! True for float16/bfloat16.
constexpr bool is_half(DType dtype) noexcept {
  return dtype == DType::kFloat16 || dtype == DType::kBFloat16;
}

//! A set of dtypes, as data: what an op's GPU path computes in (ops::OpDef::gpu_dtypes).
class DTypeSet {
 public:
  constexpr DTypeSet() = default;
  constexpr DTypeSet(std::initializer_list<DType> dtypes) {
    for (DType d : dtypes) bits_ |= bit(d);
  }
  constexpr bool contains(DType dtype) const noexcept { return (bits_ & bit(dtype)) != 0; }
  constexpr bool empty() const noexcept { return bits_ == 0; }
  constexpr DTypeSet operator|(DTypeSet other) const noexcept { return from_bits(bits_ | other.bits_); }
  friend constexpr bool operator==(DTypeSet, DTypeSet) = default;
  //! "float32, float16, bfloat16".
  std::string to_string() const;

 private:
  static constexpr uint32_t bit(DType d) noexcept { return uint32_t{1} << static_cast<unsigned>(d); }
  static constexpr DTypeSet from_bits(uint32_t bits) noexcept {
    DTypeSet set;
    set.bits_ = bits;
    return set;
  }
  uint32_t bits_ = 0;
};

//! float32, float16 and bfloat16: what a reduced-precision engine's ops compute in.
inline constexpr DTypeSet kFloatDTypes{DType::kFloat32, DType::kFloat16, DType::kBFloat16};
//! Every dtype: ops that move bytes without looking at them.
inline constexpr DTypeSet kAllDTypes{DType::kFloat32, DType::kFloat16, DType::kBFloat16,
                                     DType::kFloat64, DType::kInt64,   DType::kInt32,
                                     DType::kInt8,    DType::kUInt8,   DType::kBool};

}  // namespace rill
