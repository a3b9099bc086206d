#include <gtest/gtest.h>

#include "runtime/graph_cache.h"

namespace rill::runtime {
namespace {

std::vector<ir::Shape> signature(int64_t batch) { return {{batch, 3, 32, 32}}; }

TEST(GraphCache, FindsWhatItStoresAndEvictsLeastRecentlyUsed) {
  GraphCache cache(2);  // empty graphs: the cache's bookkeeping needs no GPU
  cache.insert(signature(1), std::make_unique<SessionGraph>());
  cache.insert(signature(2), std::make_unique<SessionGraph>());
  ASSERT_NE(cache.find(signature(1)), nullptr);  // 1 is now the most recent
  cache.insert(signature(3), std::make_unique<SessionGraph>());
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.evictions(), 1u);
  EXPECT_NE(cache.find(signature(1)), nullptr);
  EXPECT_EQ(cache.find(signature(2)), nullptr) << "least recently used goes first";
  EXPECT_NE(cache.find(signature(3)), nullptr);
}

TEST(GraphCache, ReinsertingReplacesWithoutDuplicates) {
  GraphCache cache(4);
  cache.insert(signature(1), std::make_unique<SessionGraph>());
  auto failed = std::make_unique<SessionGraph>();
  failed->capture_failed = true;
  cache.insert(signature(1), std::move(failed));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(cache.find(signature(1))->capture_failed);
  EXPECT_EQ(cache.evictions(), 0u);
}

}  // namespace
}  // namespace rill::runtime
