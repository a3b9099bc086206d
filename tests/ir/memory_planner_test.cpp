// The planner on random instances, checked by brute force, and on hand-made edge cases.
#include "ir/memory_planner.h"

#include <gtest/gtest.h>
#include <random>

#include "rill/error.h"

namespace rill::ir {
namespace {

size_t aligned(size_t bytes) {
  return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

// Lifetime of a buffer's memory: its owner's own lifetime extended by every view of it.
std::pair<int64_t, int64_t> owner_lifetime(std::span<const BufferRequest> buffers,
                                           const MemoryPlan& plan, size_t owner) {
  int64_t first = buffers[owner].first_use, last = buffers[owner].last_use;
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (plan.owners[i] != owner) continue;
    first = std::min(first, buffers[i].first_use);
    last = std::max(last, buffers[i].last_use);
  }
  return {first, last};
}

void check_plan(std::span<const BufferRequest> buffers, const MemoryPlan& plan) {
  ASSERT_EQ(plan.offsets.size(), buffers.size());
  size_t naive = 0;
  for (size_t i = 0; i < buffers.size(); ++i) {
    const size_t owner = plan.owners[i];
    if (buffers[owner].pinned) {
      EXPECT_EQ(plan.offsets[i], MemoryPlan::kNotPlanned) << i;
      continue;
    }
    ASSERT_NE(plan.offsets[i], MemoryPlan::kNotPlanned) << i;
    if (owner == i) {
      EXPECT_EQ(plan.offsets[i] % kArenaAlignment, 0u) << i;
      EXPECT_LE(plan.offsets[i] + aligned(buffers[i].bytes), plan.arena_bytes) << i;
      naive += aligned(buffers[i].bytes);
    } else {
      EXPECT_EQ(plan.offsets[i], plan.offsets[owner] + buffers[i].alias_offset) << i;
    }
  }
  EXPECT_EQ(plan.naive_bytes, naive);
  EXPECT_LE(plan.arena_bytes, plan.naive_bytes);
  // Brute force: owners live at the same time never share a byte.
  for (size_t a = 0; a < buffers.size(); ++a) {
    if (plan.owners[a] != a || buffers[a].pinned || buffers[a].bytes == 0) continue;
    const auto [fa, la] = owner_lifetime(buffers, plan, a);
    for (size_t b = a + 1; b < buffers.size(); ++b) {
      if (plan.owners[b] != b || buffers[b].pinned || buffers[b].bytes == 0) continue;
      const auto [fb, lb] = owner_lifetime(buffers, plan, b);
      if (fa > lb || fb > la) continue;
      const bool disjoint = plan.offsets[a] + buffers[a].bytes <= plan.offsets[b] ||
                            plan.offsets[b] + buffers[b].bytes <= plan.offsets[a];
      EXPECT_TRUE(disjoint) << "buffers " << a << " and " << b << " overlap";
    }
  }
}

TEST(MemoryPlanner, RandomInstancesNeverOverlap) {
  std::mt19937 rng(1234);
  for (int instance = 0; instance < 300; ++instance) {
    const int steps = 1 + static_cast<int>(rng() % 40);
    const size_t count = 1 + rng() % 60;
    std::vector<BufferRequest> buffers(count);
    for (size_t i = 0; i < count; ++i) {
      BufferRequest& b = buffers[i];
      b.name = "v" + std::to_string(i);
      b.bytes = rng() % 5 == 0 ? rng() % 300 : rng() % 100000;
      b.first_use = rng() % steps;
      b.last_use = b.first_use + rng() % (steps - b.first_use + 1);
      b.pinned = rng() % 10 == 0;
      if (i > 0 && rng() % 6 == 0) {  // a view of an earlier buffer, maybe of a view
        const size_t target = rng() % i;
        b.alias_of = target;
        b.bytes = buffers[target].bytes / 2;
        b.alias_offset = buffers[target].bytes - b.bytes;
      }
    }
    const MemoryPlan plan = plan_memory(buffers);
    check_plan(buffers, plan);
    if (HasFailure()) {
      ADD_FAILURE() << "instance " << instance;
      return;
    }
  }
}

TEST(MemoryPlanner, ReusesMemoryOfDeadBuffers) {
  // A chain: each buffer lives for two steps, so two slots suffice.
  std::vector<BufferRequest> chain;
  for (int i = 0; i < 10; ++i) chain.push_back({"t" + std::to_string(i), 1000, i, i + 1});
  const MemoryPlan plan = plan_memory(chain);
  check_plan(chain, plan);
  EXPECT_EQ(plan.arena_bytes, 2 * aligned(1000));
  EXPECT_EQ(plan.naive_bytes, 10 * aligned(1000));
}

TEST(MemoryPlanner, AliasExtendsOwnerLifetime) {
  std::vector<BufferRequest> buffers = {
      {"a", 1024, 0, 1},
      {"view", 1024, 1, 5, false, size_t{0}, 0},  // a's memory read until step 5
      {"b", 1024, 2, 3},                          // must not reuse a's memory
  };
  const MemoryPlan plan = plan_memory(buffers);
  check_plan(buffers, plan);
  EXPECT_EQ(plan.owners[1], 0u);
  EXPECT_EQ(plan.offsets[1], plan.offsets[0]);
  EXPECT_NE(plan.offsets[2], plan.offsets[0]);
}

TEST(MemoryPlanner, PinnedBuffersAndTheirViewsAreNotPlanned) {
  std::vector<BufferRequest> buffers = {
      {"input", 4096, 0, 3, true},
      {"reshaped", 4096, 1, 2, false, size_t{0}, 0},
      {"tmp", 100, 1, 1},
  };
  const MemoryPlan plan = plan_memory(buffers);
  EXPECT_EQ(plan.offsets[0], MemoryPlan::kNotPlanned);
  EXPECT_EQ(plan.offsets[1], MemoryPlan::kNotPlanned);
  EXPECT_EQ(plan.offsets[2], 0u);
  EXPECT_EQ(plan.arena_bytes, kArenaAlignment);
}

TEST(MemoryPlanner, BestFitPicksTheSmallestGap) {
  // Placed largest first: a [0,8192) b [8192,12288) g1 [12288,14336) c [14336,15360)
  // g2 [15360,15872) d [15872,16128). g1 and g2 die after step 4, leaving a 2048- and a 512-byte
  // gap between buffers still live; `late` (256 bytes) belongs in the 512-byte one.
  std::vector<BufferRequest> buffers = {
      {"a", 8192, 0, 10}, {"b", 4096, 0, 10}, {"g1", 2048, 0, 4},  {"c", 1024, 0, 10},
      {"g2", 512, 0, 4},  {"d", 256, 0, 10},  {"late", 256, 5, 6},
  };
  const MemoryPlan plan = plan_memory(buffers);
  check_plan(buffers, plan);
  EXPECT_EQ(plan.offsets[4], 15360u);
  EXPECT_EQ(plan.offsets[6], plan.offsets[4]);
  EXPECT_EQ(plan.arena_bytes, 16128u);
}

TEST(MemoryPlanner, InvalidRequestsNameTheBuffer) {
  auto expect_invalid = [](std::vector<BufferRequest> buffers, const std::string& name) {
    try {
      plan_memory(buffers);
      ADD_FAILURE() << "expected an error for " << name;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_EQ(e.context_value("buffer"), name);
    }
  };
  expect_invalid({{"backwards", 10, 5, 2}}, "backwards");
  expect_invalid({{"self", 10, 0, 1, false, size_t{0}}}, "self");
  expect_invalid({{"a", 10, 0, 1}, {"out_of_range", 10, 0, 1, false, size_t{7}}}, "out_of_range");
  expect_invalid({{"a", 10, 0, 1, false, size_t{1}}, {"b", 10, 0, 1, false, size_t{0}}}, "a");
  expect_invalid({{"a", 10, 0, 1}, {"overrun", 8, 0, 1, false, size_t{0}, 4}}, "overrun");
  expect_invalid({{"huge", std::numeric_limits<size_t>::max(), 0, 1}}, "huge");
}

TEST(MemoryPlanner, EmptyInput) {
  const MemoryPlan plan = plan_memory({});
  EXPECT_EQ(plan.arena_bytes, 0u);
  EXPECT_EQ(plan.naive_bytes, 0u);
}

}  // namespace
}  // namespace rill::ir
