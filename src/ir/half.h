// Half-precision element types on the host: storage (16 bits) plus conversions through float.
//
// The host has no half arithmetic. The CPU reference computes a half tensor by widening each
// element to float, applying the float semantics and rounding the result back (round to nearest
// even, as the GPU's __float2half_rn and __float2bfloat16_rn do), so that a half op's reference
// is exactly "the float op, rounded at its inputs and its output".
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace rill::ir {

//! IEEE 754 binary16.
struct Half {
  uint16_t bits = 0;
  Half() = default;
  explicit Half(float value);
  explicit operator float() const;
};

//! bfloat16: the upper half of a float32.
struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  explicit BFloat16(float value);
  explicit operator float() const;
};

inline BFloat16::BFloat16(float value) {
  const auto f = std::bit_cast<uint32_t>(value);
  if (std::isnan(value)) {
    bits = static_cast<uint16_t>((f >> 16) | 0x0040);  // keep the sign, stay a (quiet) NaN
    return;
  }
  const uint32_t rounding = 0x7FFF + ((f >> 16) & 1);  // to nearest, ties to even
  bits = static_cast<uint16_t>((f + rounding) >> 16);
}

inline BFloat16::operator float() const {
  return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

inline Half::Half(float value) {
  const auto f = std::bit_cast<uint32_t>(value);
  const auto sign = static_cast<uint16_t>((f >> 16) & 0x8000);
  const uint32_t abs = f & 0x7FFFFFFF;
  if (abs >= 0x7F800000) {  // inf or NaN
    bits = static_cast<uint16_t>(sign | 0x7C00 | (abs > 0x7F800000 ? 0x200 : 0));
    return;
  }
  if (abs >= 0x477FF000) {  // rounds to a magnitude >= 65520: overflow to inf
    bits = static_cast<uint16_t>(sign | 0x7C00);
    return;
  }
  if (abs < 0x38800000) {  // below 2^-14: a subnormal half (or zero)
    // value = abs_float * 2^24 units of the smallest subnormal; round to nearest even.
    const float scaled = std::bit_cast<float>(abs) * 16777216.0f;  // exact: a power of two
    bits = static_cast<uint16_t>(sign | static_cast<uint16_t>(std::nearbyint(scaled)));
    return;
  }
  // Normal: rebias the exponent (127 -> 15) and round the 23-bit mantissa to 10 bits.
  const uint32_t rebased = abs - ((127 - 15) << 23);
  const uint32_t rounding = 0xFFF + ((rebased >> 13) & 1);
  bits = static_cast<uint16_t>(sign | ((rebased + rounding) >> 13));
}

inline Half::operator float() const {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1F;
  const uint32_t mantissa = bits & 0x3FF;
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24
    const float magnitude = static_cast<float>(mantissa) * (1.0f / 16777216.0f);
    return sign != 0 ? -magnitude : magnitude;
  }
  if (exponent == 0x1F) return std::bit_cast<float>(sign | 0x7F800000 | (mantissa << 13));
  return std::bit_cast<float>(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

}  // namespace rill::ir
