#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "cuda/handle_pool.h"

namespace rill::cuda {
namespace {

// Fake handles: integers handed out by a factory that records creations and destructions.
struct FakeFactory {
  std::atomic<int> next{1};
  std::mutex mutex;
  std::multiset<int> destroyed;

  HandlePool<int>::Create create() {
    return [this] { return next.fetch_add(1); };
  }
  HandlePool<int>::Destroy destroy() {
    return [this](int h) {
      std::lock_guard lock(mutex);
      destroyed.insert(h);
    };
  }
};

TEST(HandlePool, ReusesReturnedHandles) {
  FakeFactory factory;
  HandlePool<int> pool(factory.create(), factory.destroy());
  int first = 0;
  {
    auto lease = pool.acquire();
    first = lease.get();
    EXPECT_EQ(pool.in_use(), 1u);
  }
  EXPECT_EQ(pool.in_use(), 0u);
  auto again = pool.acquire();
  EXPECT_EQ(again.get(), first);
  EXPECT_EQ(pool.created(), 1u);
}

TEST(HandlePool, ReserveCreatesAheadAndAcquireThenCreatesNothing) {
  FakeFactory factory;
  HandlePool<int> pool(factory.create(), factory.destroy());
  pool.reserve(4);
  EXPECT_EQ(pool.created(), 4u);
  EXPECT_EQ(pool.available(), 4u);
  std::vector<HandlePool<int>::Lease> leases;
  for (int i = 0; i < 4; ++i) leases.push_back(pool.acquire());
  EXPECT_EQ(pool.created(), 4u);
  leases.push_back(pool.acquire());  // the fifth grows the pool
  EXPECT_EQ(pool.created(), 5u);
}

TEST(HandlePool, MovedLeaseReturnsOnce) {
  FakeFactory factory;
  HandlePool<int> pool(factory.create(), factory.destroy());
  {
    auto a = pool.acquire();
    auto b = std::move(a);
    EXPECT_FALSE(a);
    EXPECT_TRUE(b);
    HandlePool<int>::Lease c;
    c = std::move(b);
    EXPECT_EQ(pool.in_use(), 1u);
  }
  EXPECT_EQ(pool.in_use(), 0u);
  EXPECT_EQ(pool.available(), 1u);
}

TEST(HandlePool, FailedCreationLeavesCountsConsistent) {
  int calls = 0;
  HandlePool<int> pool(
      [&]() -> int {
        if (++calls == 1) throw std::runtime_error("no more streams");
        return 42;
      },
      [](int) {});
  EXPECT_THROW(pool.acquire(), std::runtime_error);
  EXPECT_EQ(pool.created(), 0u);
  EXPECT_EQ(pool.acquire().get(), 42);
}

// 16 threads lease and return handles in a tight loop. No handle may be held by two threads at
// once, the pool may not grow past the number of threads, and on destruction every handle is
// destroyed exactly once.
TEST(HandlePool, SixteenThreadsNeverShareALeaseAndNothingLeaks) {
  constexpr int kThreads = 16;
  constexpr int kIterations = 20000;
  FakeFactory factory;
  std::atomic<int> double_leases{0};
  size_t created = 0;
  {
    HandlePool<int> pool(factory.create(), factory.destroy());
    std::vector<std::atomic<int>> holders(1024);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kIterations; ++i) {
          auto lease = pool.acquire();
          int expected = 0;
          if (!holders[lease.get()].compare_exchange_strong(expected, t + 1)) ++double_leases;
          if (i % 7 == 0) std::this_thread::yield();
          holders[lease.get()].store(0);
        }
      });
    }
    for (auto& th : threads) th.join();
    created = pool.created();
    EXPECT_LE(created, static_cast<size_t>(kThreads));
    EXPECT_GE(created, 1u);
    EXPECT_EQ(pool.in_use(), 0u);
    EXPECT_EQ(pool.available(), created);
  }
  EXPECT_EQ(double_leases.load(), 0);
  std::set<int> unique(factory.destroyed.begin(), factory.destroyed.end());
  EXPECT_EQ(factory.destroyed.size(), created) << "every created handle destroyed exactly once";
  EXPECT_EQ(unique.size(), created);
  EXPECT_EQ(static_cast<size_t>(factory.next.load() - 1), created);
}

}  // namespace
}  // namespace rill::cuda
