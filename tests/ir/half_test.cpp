// Host half-precision conversions (ir/half.h) against independent references: GCC's _Float16 for
// float16, and for bfloat16 a rounding written out from the definition (the nearest of the two
// neighbouring bfloat16 values, ties to the even one).
#include "ir/half.h"

#include <bit>
#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <random>

#include "ir/tensor.h"

namespace rill::ir {
namespace {

uint16_t reference_bfloat16(float value) {
  if (std::isnan(value)) return 0x7FC0;
  const auto bits = std::bit_cast<uint32_t>(value);
  const auto down = static_cast<uint16_t>(bits >> 16);  // truncation: toward zero
  const auto up = static_cast<uint16_t>(down + 1);      // next magnitude away from zero
  const double v = value;
  const double lo = std::bit_cast<float>(static_cast<uint32_t>(down) << 16);
  const double hi = std::bit_cast<float>(static_cast<uint32_t>(up) << 16);
  const double d_lo = std::fabs(v - lo);
  const double d_hi = std::isinf(hi) ? std::numeric_limits<double>::infinity() : std::fabs(hi - v);
  if (std::isinf(hi) && d_lo > 0) {
    // Above the largest finite bfloat16: round to inf once past its halfway point.
    const double below_max = std::bit_cast<float>(static_cast<uint32_t>(down - 1) << 16);
    const double ulp = std::fabs(lo - below_max);
    return std::fabs(v) >= std::fabs(lo) + ulp / 2 ? up : down;
  }
  if (d_lo < d_hi) return down;
  if (d_hi < d_lo) return up;
  return (down & 1) == 0 ? down : up;
}

std::vector<float> probe_floats() {
  std::vector<float> values = {0.0f,
                               -0.0f,
                               1.0f,
                               -1.0f,
                               65504.0f,
                               65519.99f,
                               65520.0f,
                               -65520.0f,
                               1e-8f,
                               5.96e-8f,
                               2.98e-8f,
                               2.99e-8f,
                               6.1e-5f,
                               6.103515625e-05f,
                               std::numeric_limits<float>::infinity(),
                               -std::numeric_limits<float>::infinity(),
                               std::numeric_limits<float>::max(),
                               std::numeric_limits<float>::min(),
                               std::numeric_limits<float>::denorm_min(),
                               3.14159265f,
                               1e30f};
  // Every tie between two neighbouring float16 values of [1, 2): 1 + (2k+1) * 2^-11.
  for (int k = 0; k < 1024; ++k) values.push_back(1.0f + static_cast<float>(2 * k + 1) / 2048.0f);
  std::mt19937 rng(7);
  std::uniform_int_distribution<uint32_t> any_bits;
  for (int i = 0; i < 200000; ++i) {
    const float f = std::bit_cast<float>(any_bits(rng));
    if (!std::isnan(f)) values.push_back(f);
  }
  std::uniform_real_distribution<float> in_range(-70000.0f, 70000.0f);
  for (int i = 0; i < 200000; ++i) values.push_back(in_range(rng) * std::ldexp(1.0f, -(i % 40)));
  return values;
}

TEST(Half, RoundsLikeTheCompilersFloat16) {
  for (float f : probe_floats()) {
    const auto expected = std::bit_cast<uint16_t>(static_cast<_Float16>(f));
    ASSERT_EQ(Half(f).bits, expected) << "value " << f;
  }
}

TEST(Half, EveryHalfWidensExactlyAndRoundTrips) {
  for (uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
    Half h;
    h.bits = static_cast<uint16_t>(bits);
    const float widened = static_cast<float>(h);
    const auto reference = static_cast<float>(std::bit_cast<_Float16>(static_cast<uint16_t>(bits)));
    if (std::isnan(reference)) {
      ASSERT_TRUE(std::isnan(widened)) << bits;
      ASSERT_TRUE(std::isnan(static_cast<float>(Half(widened)))) << bits;
      continue;
    }
    ASSERT_EQ(std::bit_cast<uint32_t>(widened), std::bit_cast<uint32_t>(reference)) << bits;
    ASSERT_EQ(Half(widened).bits, bits);
  }
}

TEST(BFloat16, RoundsToNearestEven) {
  for (float f : probe_floats()) {
    ASSERT_EQ(BFloat16(f).bits, reference_bfloat16(f)) << "value " << f;
  }
  EXPECT_TRUE(std::isnan(static_cast<float>(BFloat16(std::numeric_limits<float>::quiet_NaN()))));
}

TEST(BFloat16, EveryValueWidensExactlyAndRoundTrips) {
  for (uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
    BFloat16 b;
    b.bits = static_cast<uint16_t>(bits);
    const float widened = static_cast<float>(b);
    ASSERT_EQ(std::bit_cast<uint32_t>(widened), bits << 16);
    if (!std::isnan(widened)) {
      ASSERT_EQ(BFloat16(widened).bits, bits);
    }
  }
}

TEST(ConvertFloating, ConvertsBetweenEveryFloatingDtype) {
  const HostTensor x = HostTensor::from<float>({4}, {1.0f, -2.5f, 1.0f + 1.0f / 2048.0f, 70000.0f});
  const HostTensor h = convert_floating(x, DType::kFloat16);
  ASSERT_EQ(h.dtype(), DType::kFloat16);
  EXPECT_EQ(h.data<Half>()[2].bits, Half(1.0f).bits) << "a tie rounds to even";
  EXPECT_TRUE(std::isinf(static_cast<float>(h.data<Half>()[3])));
  const HostTensor back = convert_floating(h, DType::kFloat64);
  EXPECT_EQ(back.data<double>()[1], -2.5);
  const HostTensor b = convert_floating(x, DType::kBFloat16);
  EXPECT_EQ(static_cast<float>(b.data<BFloat16>()[3]), 70144.0f);
  EXPECT_EQ(b.as_doubles()[0], 1.0);
  EXPECT_THROW((void)convert_floating(HostTensor::from<int64_t>({1}, {3}), DType::kFloat16), Error);
}

}  // namespace
}  // namespace rill::ir
