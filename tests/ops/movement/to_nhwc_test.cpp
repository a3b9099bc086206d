// CPU tests of rill.ToNhwc: X [N, C, spatial...] -> [N, spatial..., C + pad_channels], zeros
// appended; shapes and attribute errors.
#include <gtest/gtest.h>

#include "movement_test_util.h"

namespace rill::movement_test {
namespace {

TEST(ToNhwc, MovesChannelsLastAndAppendsZeros) {
  // x[n][c][h][w] = 100n + 10c + (2h + w), N=2, C=2, H=1, W=2.
  const HostTensor x = floats({2, 2, 1, 2}, {0, 1, 10, 11, 100, 101, 110, 111});
  const auto c = make_case("rill.ToNhwc", {x}, {{"pad_channels", int64_t{2}}});
  const HostTensor y = testing::run_cpu(c).at(0);
  EXPECT_TRUE(testing::tensors_close(
      y, floats({2, 1, 2, 4}, {0, 10, 0, 0, 1, 11, 0, 0, 100, 110, 0, 0, 101, 111, 0, 0}), 0));
}

TEST(ToNhwc, WithoutPaddingIsTheTransposeAndAnyRankAboveTwoWorks) {
  const HostTensor x = iota({2, 3, 4});  // [N, C, L]
  const HostTensor y = testing::run_cpu(make_case("rill.ToNhwc", {x})).at(0);
  ASSERT_EQ(y.shape(), (Shape{2, 4, 3}));
  for (int64_t n = 0; n < 2; ++n) {
    for (int64_t l = 0; l < 4; ++l) {
      for (int64_t ch = 0; ch < 3; ++ch) {
        EXPECT_EQ(y.data<float>()[(n * 4 + l) * 3 + ch], x.data<float>()[(n * 3 + ch) * 4 + l]);
      }
    }
  }
  const auto five = make_case("rill.ToNhwc", {iota({1, 2, 2, 2, 3})}, {{"pad_channels", int64_t{1}}});
  EXPECT_EQ(testing::infer(five).at(0).shape, (Shape{1, 2, 2, 3, 3}));
}

TEST(ToNhwc, RejectsLowRankAndNegativePadding) {
  EXPECT_THROW(testing::infer(make_case("rill.ToNhwc", {iota({2, 3})})), Error);
  EXPECT_THROW(
      testing::infer(make_case("rill.ToNhwc", {iota({1, 3, 2, 2})}, {{"pad_channels", int64_t{-1}}})),
      Error);
}

}  // namespace
}  // namespace rill::movement_test
