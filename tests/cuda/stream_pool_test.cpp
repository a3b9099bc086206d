#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/stream_pool.h"
#include "gpu_test.h"

namespace rill::cuda {
namespace {

TEST(StreamPool, HandsOutNonBlockingNonDefaultStreamsOnly) {
  RILL_REQUIRE_GPU();
  StreamPool pool(current_device());
  std::vector<StreamPool::Lease> leases;
  for (auto priority : {StreamPriority::kNormal, StreamPriority::kHigh}) {
    for (int i = 0; i < 8; ++i) {
      leases.push_back(pool.acquire(priority));
      const cudaStream_t s = leases.back().get();
      EXPECT_FALSE(is_default_stream(s));
      unsigned flags = 0;
      RILL_CUDA_CHECK(cudaStreamGetFlags(s, &flags));
      EXPECT_EQ(flags & cudaStreamNonBlocking, cudaStreamNonBlocking);
      EXPECT_EQ(StreamRef(s).priority(), pool.numeric_priority(priority));
    }
  }
  EXPECT_LT(pool.numeric_priority(StreamPriority::kHigh),
            pool.numeric_priority(StreamPriority::kNormal) + 1);
}

TEST(StreamPool, ReusesStreamsInsteadOfCreatingThem) {
  RILL_REQUIRE_GPU();
  StreamPool pool(current_device());
  cudaStream_t first = nullptr;
  {
    auto lease = pool.acquire();
    first = lease.get();
  }
  for (int i = 0; i < 1000; ++i) {
    auto lease = pool.acquire();
    EXPECT_EQ(lease.get(), first);
  }
  EXPECT_EQ(pool.created(), 1u);
}

TEST(StreamPool, SixteenThreadsGetDistinctStreams) {
  RILL_REQUIRE_GPU();
  StreamPool pool(current_device());
  std::mutex mutex;
  std::set<cudaStream_t> seen;
  std::vector<StreamPool::Lease> held(16);
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      held[t] = pool.acquire();
      std::lock_guard lock(mutex);
      seen.insert(held[t].get());
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(seen.size(), 16u);
  EXPECT_EQ(pool.in_use(), 16u);
  held.clear();
  EXPECT_EQ(pool.in_use(), 0u);
}

}  // namespace
}  // namespace rill::cuda
