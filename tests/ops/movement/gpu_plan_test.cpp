// Host tests of the GPU side's plan-time decisions (no device needed): the fast divider every
// movement kernel indexes with, and which kernel prepare_gpu picks for a case.
#include <gtest/gtest.h>

#include "kernels/index_math.h"
#include "movement_test_util.h"

namespace rill::movement_test {
namespace {

TEST(FastDivmod, MatchesDivisionUpTo2Pow31) {
  const uint32_t divisors[] = {1,
                               2,
                               3,
                               5,
                               7,
                               12,
                               31,
                               32,
                               33,
                               100,
                               255,
                               1000,
                               65535,
                               65537,
                               (1u << 20) + 7,
                               (1u << 30) + 1,
                               (1u << 31) - 1,
                               1u << 31};
  const uint32_t numerators[] = {
      0,          1,          2, 3, 99, 1000, 65536, 123456789, (1u << 31) - 1, (1u << 31) - 2,
      (1u << 30), 2000000000u};
  for (uint32_t d : divisors) {
    const kernels::FastDivmod fast(d);
    for (uint32_t n : numerators) {
      uint32_t rem = 0;
      const uint32_t q = fast.divmod(n, rem);
      ASSERT_EQ(q, n / d) << n << " / " << d;
      ASSERT_EQ(rem, n % d) << n << " % " << d;
    }
    for (uint32_t n = 0; n < 5000; ++n) ASSERT_EQ(fast.div(n), n / d) << n << " / " << d;
  }
}

// prepare_gpu on the host, for ops whose preparation does not touch the device.
std::string kernel_for(const testing::OpCase& c) {
  (void)testing::run_cpu(c);  // the CPU result must have the inferred types
  return testing::prepare_on_host(c)->describe();
}

TEST(MovementGpuPlan, TransposePicksTiledKernelForBatched2d) {
  auto nhwc =
      make_case("Transpose", {iota({2, 3, 8, 8})}, {{"perm", std::vector<int64_t>{0, 2, 3, 1}}});
  EXPECT_EQ(kernel_for(nhwc), "transpose (tiled, batch 2, 3x64)");
  auto last_two =
      make_case("Transpose", {iota({1, 5, 1, 7})}, {{"perm", std::vector<int64_t>{3, 2, 1, 0}}});
  EXPECT_EQ(kernel_for(last_two), "transpose (tiled, batch 1, 5x7)");
  // (2,0,1) of [2,3,4] is a 2-D transpose of [6,4].
  auto merged =
      make_case("Transpose", {iota({2, 3, 4})}, {{"perm", std::vector<int64_t>{2, 0, 1}}});
  EXPECT_EQ(kernel_for(merged), "transpose (tiled, batch 1, 6x4)");
  auto generic =
      make_case("Transpose", {iota({2, 3, 4})}, {{"perm", std::vector<int64_t>{1, 0, 2}}});
  EXPECT_EQ(kernel_for(generic), "transpose (strided copy, rank 3)");
  auto identity = make_case("Transpose", {iota({4, 5})}, {{"perm", std::vector<int64_t>{0, 1}}});
  EXPECT_EQ(kernel_for(identity), "transpose (contiguous copy)");
}

TEST(MovementGpuPlan, SliceAndExpandCollapseDims) {
  auto rows = make_case("Slice", {iota({5, 6, 7}), ints({1}), ints({3})});
  EXPECT_EQ(kernel_for(rows), "slice (contiguous copy)");
  auto cols = make_case("Slice", {iota({5, 6, 7}), ints({1}), ints({3}), ints({2})});
  EXPECT_EQ(kernel_for(cols), "slice (strided copy, rank 2)");
  auto bcast = make_case("Expand", {iota({1, 4, 1}), ints({3, 4, 1})});
  EXPECT_EQ(kernel_for(bcast), "expand (strided copy, rank 2)");
}

TEST(MovementGpuPlan, ConcatUsesWideUnitsWhenRowsAllow) {
  auto wide = make_case("Concat", {iota({8, 16}), iota({8, 32})}, {{"axis", int64_t{1}}});
  EXPECT_EQ(kernel_for(wide), "concat (2 parts, 16-byte units)");
  auto narrow = make_case("Concat", {iota({3, 7}), iota({3, 2})}, {{"axis", int64_t{1}}});
  EXPECT_EQ(kernel_for(narrow), "concat (2 parts, 4-byte units)");
  auto split = make_case("Split", {iota({4, 6})}, {{"axis", int64_t{1}}}, 3);
  EXPECT_EQ(kernel_for(split), "split (3 parts, 8-byte units)");
}

TEST(MovementGpuPlan, PrepareErrorsCarryNodeContext) {
  auto cubic = make_case("Resize", {iota({1, 1, 2, 2}), HostTensor(), floats({4}, {1, 1, 2, 2})},
                         {{"mode", std::string("cubic")}}, 1, {1});
  const ops::LibraryHandles libraries;
  std::vector<ir::TensorDesc> in_descs;
  for (const HostTensor& t : cubic.inputs) in_descs.push_back(t.desc());
  std::vector<const HostTensor*> constants = {nullptr, nullptr, &cubic.inputs[2]};
  const std::vector<ir::TensorDesc> out_descs = {{DType::kFloat32, {1, 1, 4, 4}}};
  const ops::GpuPrepareContext ctx{cubic.node, in_descs, constants, out_descs, libraries, false};
  try {
    cubic.def->prepare_gpu(ctx);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_EQ(e.context_value("node"), "Resize_under_test");
    EXPECT_EQ(e.context_value("input0"), "float32[1,1,2,2]");
  }
}

}  // namespace
}  // namespace rill::movement_test
