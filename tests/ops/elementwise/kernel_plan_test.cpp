// Host checks of the launch planners: the offsets a kernel derives from a BroadcastLayout or a
// ReducePlan (replayed here on the host, exactly as the kernels compute them) must address the
// same elements as the CPU reference's broadcasting. Runs without a GPU.
#include <gtest/gtest.h>
#include <random>

#include "kernels/elementwise.cuh"
#include "kernels/reduce.cuh"
#include "ops/elementwise_common.h"

namespace rill::kernels {
namespace {

using Shape = std::vector<int64_t>;

// The kernels' offset computation (elementwise_impl.cuh: broadcast_offsets).
template <int N>
std::vector<uint32_t> offsets_of(const BroadcastLayout<N>& layout, uint32_t i, int n) {
  std::vector<uint32_t> off(N, 0);
  uint32_t rem = i;
  for (int d = layout.rank - 1; d > 0; --d) {
    const uint32_t q = rem / layout.dims[d];
    for (int k = 0; k < n; ++k) off[k] += (rem - q * layout.dims[d]) * layout.strides[k][d];
    rem = q;
  }
  for (int k = 0; k < n; ++k) off[k] += rem * layout.strides[k][0];
  return off;
}

void expect_layout_matches(const Shape& out, const std::vector<Shape>& ins) {
  SCOPED_TRACE(ir::shape_string(out));
  BroadcastLayout<3> layout;
  ASSERT_TRUE(make_broadcast_layout<3>(out, ins, &layout));
  int64_t count = 1;
  for (int64_t d : out) count *= d;
  ASSERT_EQ(layout.count, static_cast<uint32_t>(count));
  // Reference offsets from the CPU's odometer.
  std::vector<std::vector<int64_t>> expected(static_cast<size_t>(count));
  ops::ew::for_each_broadcast(out, ins, [&](int64_t i, const int64_t* off) {
    expected[static_cast<size_t>(i)].assign(off, off + ins.size());
  });
  for (uint32_t i = 0; i < layout.count; ++i) {
    const std::vector<uint32_t> got = offsets_of(layout, i, static_cast<int>(ins.size()));
    for (size_t k = 0; k < ins.size(); ++k) {
      if (layout.contiguous) {
        // The contiguous kernels use the output index for every input.
        ASSERT_EQ(expected[i][k], layout.count == 1 ? 0 : static_cast<int64_t>(i));
      } else {
        ASSERT_EQ(static_cast<int64_t>(got[k]), expected[i][k])
            << "element " << i << " input " << k;
      }
    }
  }
}

TEST(KernelPlans, BroadcastLayoutsAddressTheRightElements) {
  expect_layout_matches({2, 3, 4}, {{2, 3, 4}, {2, 3, 4}});
  expect_layout_matches({8, 3, 5}, {{8, 1, 5}, {3, 1}});
  expect_layout_matches({17, 3}, {{}, {17, 3}});
  expect_layout_matches({8, 16, 24}, {{8, 16, 24}, {24}});
  expect_layout_matches({5, 6}, {{5, 1}, {1, 6}});
  expect_layout_matches({2, 3, 4, 5}, {{2, 3, 1, 5}, {3, 4, 1}});
  expect_layout_matches({4, 5, 7}, {{4, 1, 7}, {4, 5, 7}, {}});
  expect_layout_matches({1}, {{}, {1}});
  expect_layout_matches({3, 1, 4, 1, 5}, {{3, 1, 4, 1, 5}, {1, 1, 5}});
  // Random shapes.
  std::mt19937 rng(1);
  for (int trial = 0; trial < 200; ++trial) {
    const size_t rank = 1 + rng() % 5;
    Shape out(rank);
    for (auto& d : out) d = 1 + rng() % 4;
    std::vector<Shape> ins;
    for (int k = 0; k < 3; ++k) {
      const size_t r = rng() % (rank + 1);
      Shape s(out.end() - static_cast<ptrdiff_t>(r), out.end());
      for (auto& d : s) {
        if (rng() % 3 == 0) d = 1;
      }
      ins.push_back(s);
    }
    // The output must be the broadcast of the inputs for a real op; force it by including it.
    ins[0] = out;
    expect_layout_matches(out, ins);
  }
}

TEST(KernelPlans, ContiguousOnlyWhenDense) {
  BroadcastLayout<3> layout;
  ASSERT_TRUE(make_broadcast_layout<3>(Shape{4, 5}, std::vector<Shape>{{4, 5}, {4, 5}}, &layout));
  EXPECT_TRUE(layout.contiguous);
  EXPECT_FALSE(make_broadcast_layout<3>(Shape{4, 5}, std::vector<Shape>{{1, 4, 5}}, &layout));
  ASSERT_TRUE(make_broadcast_layout<3>(Shape{4, 5}, std::vector<Shape>{{4, 5}, {5}}, &layout));
  EXPECT_FALSE(layout.contiguous);
  EXPECT_FALSE(make_broadcast_layout<3>(Shape{1 << 16, 1 << 15}, std::vector<Shape>{{1}}, &layout));
}

// Replays reduce_general_kernel's and reduce_rows_kernel's addressing on the host.
std::vector<double> host_reduce(const ReducePlan& plan, const std::vector<double>& x) {
  std::vector<double> out(plan.out_count, 0.0);
  for (uint32_t o = 0; o < plan.out_count; ++o) {
    if (plan.rows) {
      for (uint32_t c = 0; c < plan.reduce_count; ++c) out[o] += x[o * plan.reduce_count + c];
      continue;
    }
    uint32_t base = 0;
    uint32_t rem = o;
    for (int d = plan.kept_rank - 1; d >= 0; --d) {
      const uint32_t q = rem / plan.kept_dims[d];
      base += (rem - q * plan.kept_dims[d]) * plan.kept_strides[d];
      rem = q;
    }
    for (uint32_t r = 0; r < plan.reduce_count; ++r) {
      uint32_t off = base;
      uint32_t rr = r;
      for (int d = plan.red_rank - 1; d >= 0; --d) {
        const uint32_t q = rr / plan.red_dims[d];
        off += (rr - q * plan.red_dims[d]) * plan.red_strides[d];
        rr = q;
      }
      out[o] += x[off];
    }
  }
  return out;
}

TEST(KernelPlans, ReducePlansVisitTheRightElements) {
  std::mt19937 rng(2);
  for (int trial = 0; trial < 300; ++trial) {
    const size_t rank = 1 + rng() % 5;
    Shape shape(rank);
    for (auto& d : shape) d = 1 + rng() % 5;
    std::vector<bool> reduced(rank);
    bool flags[8] = {};
    for (size_t d = 0; d < rank; ++d) flags[d] = reduced[d] = rng() % 2 == 0;
    ReducePlan plan;
    ASSERT_TRUE(make_reduce_plan(shape, std::span<const bool>(flags, rank), ReduceOp::kSum, &plan));
    // Input values that identify their position; expected sums via the CPU's broadcasting.
    const int64_t n = ir::element_count(shape);
    std::vector<double> x(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i)] = static_cast<double>(i * i % 977);
    Shape keep = shape;
    for (size_t d = 0; d < rank; ++d) {
      if (reduced[d]) keep[d] = 1;
    }
    std::vector<double> expected(static_cast<size_t>(ir::element_count(keep)), 0.0);
    const std::vector<Shape> keep_as_input = {keep};
    ops::ew::for_each_broadcast(shape, keep_as_input, [&](int64_t i, const int64_t* off) {
      expected[static_cast<size_t>(off[0])] += x[static_cast<size_t>(i)];
    });
    ASSERT_EQ(plan.out_count, expected.size()) << ir::shape_string(shape);
    EXPECT_EQ(host_reduce(plan, x), expected) << ir::shape_string(shape) << " rows=" << plan.rows;
  }
}

}  // namespace
}  // namespace rill::kernels
