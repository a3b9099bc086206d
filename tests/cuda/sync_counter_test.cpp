#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/device_buffer.h"
#include "cuda/graph.h"
#include "cuda/stream_pool.h"
#include "cuda/sync_counter.h"
#include "gpu_test.h"
#include "test_kernels.cuh"

namespace rill::cuda {
namespace {

uint64_t count_of(const SyncCounter& c, std::string_view api, SyncEventKind kind) {
  uint64_t n = 0;
  for (const ApiCount& a : c.breakdown()) {
    if (a.kind == kind && a.api.starts_with(api)) n += a.count;
  }
  return n;
}

class SyncCounterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RILL_REQUIRE_GPU();
    pool_.emplace(current_device());
    stream_ = pool_->acquire();
    buffer_ = DeviceBuffer(1024 * sizeof(int), stream_.get());
    // Warm up: module loading and the first launch happen outside the counted region.
    testing::launch_increment(buffer_.data_as<int>(), 1024, stream_.get());
    RILL_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
  }
  void TearDown() override {
    if (stream_) RILL_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
  }
  int* data() { return buffer_.data_as<int>(); }

  std::optional<StreamPool> pool_;
  StreamPool::Lease stream_;
  DeviceBuffer buffer_;
};

TEST_F(SyncCounterTest, CountsOnePlantedStreamSynchronize) {
  SyncCounter counter;
  RILL_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
  EXPECT_EQ(counter.host_syncs(), 1u) << counter.summary();
  EXPECT_EQ(counter.thread_host_syncs(), 1u);
  EXPECT_EQ(counter.default_stream_ops(), 0u) << counter.summary();
  EXPECT_EQ(count_of(counter, "cudaStreamSynchronize", SyncEventKind::kHostSync), 1u);
}

TEST_F(SyncCounterTest, CountsOnePlantedLegacyStreamLaunch) {
  SyncCounter counter;
  testing::launch_increment(data(), 1024, /*stream=*/nullptr);
  EXPECT_EQ(counter.default_stream_ops(), 1u) << counter.summary();
  EXPECT_EQ(counter.host_syncs(), 0u) << counter.summary();
  RILL_CUDA_CHECK(cudaStreamSynchronize(cudaStreamLegacy));
}

TEST_F(SyncCounterTest, CountsExplicitLegacyAndPerThreadStreams) {
  SyncCounter counter;
  testing::launch_increment(data(), 1024, cudaStreamLegacy);
  testing::launch_increment(data(), 1024, cudaStreamPerThread);
  RILL_CUDA_CHECK(cudaMemsetAsync(data(), 0, 16, cudaStreamPerThread));
  EXPECT_EQ(counter.default_stream_ops(), 3u) << counter.summary();
  EXPECT_EQ(counter.host_syncs(), 0u) << counter.summary();
  RILL_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
  RILL_CUDA_CHECK(cudaStreamSynchronize(cudaStreamLegacy));
}

TEST_F(SyncCounterTest, SynchronousCopyIsAHostSyncOnTheDefaultStream) {
  int host[4] = {};
  SyncCounter counter;
  RILL_CUDA_CHECK(cudaMemcpy(host, data(), sizeof(host), cudaMemcpyDeviceToHost));
  EXPECT_EQ(counter.host_syncs(), 1u) << counter.summary();
  EXPECT_EQ(counter.default_stream_ops(), 1u) << counter.summary();
}

TEST_F(SyncCounterTest, MallocAndFreeCountButStreamOrderedOnesDoNot) {
  SyncCounter counter;
  void* p = nullptr;
  RILL_CUDA_CHECK(cudaMalloc(&p, 4096));
  RILL_CUDA_CHECK(cudaFree(p));
  EXPECT_EQ(counter.host_syncs(), 2u) << counter.summary();
  counter.reset();
  { DeviceBuffer stream_ordered(4096, stream_.get()); }
  void* pinned = nullptr;
  EXPECT_EQ(counter.host_syncs(), 0u) << counter.summary();
  RILL_CUDA_CHECK(cudaMallocHost(&pinned, 4096));
  RILL_CUDA_CHECK(cudaFreeHost(pinned));
  EXPECT_EQ(counter.host_syncs(), 2u) << counter.summary();
}

TEST_F(SyncCounterTest, AsyncWorkOnAPoolStreamCountsZero) {
  EventPool events(current_device());
  const auto other = pool_->acquire();
  int* host = nullptr;
  RILL_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&host), 1024 * sizeof(int)));
  SyncCounter counter;
  for (int i = 0; i < 1000; ++i) {
    testing::launch_increment(data(), 1024, stream_.get());
    join(other.get(), stream_.get(), events);
    RILL_CUDA_CHECK(cudaMemcpyAsync(host, data(), 1024 * sizeof(int), cudaMemcpyDeviceToHost,
                                    other.get()));
    join(stream_.get(), other.get(), events);
  }
  EXPECT_EQ(counter.host_syncs(), 0u) << counter.summary();
  EXPECT_EQ(counter.default_stream_ops(), 0u) << counter.summary();
  RILL_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
  EXPECT_EQ(host[0], 1 + 1000) << "the work really ran";
  RILL_CUDA_CHECK(cudaFreeHost(host));
}

TEST_F(SyncCounterTest, GraphLaunchOnDefaultStreamCounts) {
  cudaGraph_t raw = nullptr;
  {
    CaptureModeGuard mode(cudaStreamCaptureModeThreadLocal);
    RILL_CUDA_CHECK(cudaStreamBeginCapture(stream_.get(), cudaStreamCaptureModeThreadLocal));
    testing::launch_increment(data(), 1024, stream_.get());
    RILL_CUDA_CHECK(cudaStreamEndCapture(stream_.get(), &raw));
  }
  Graph graph = Graph::from_native_handle(raw);
  GraphExec exec = GraphExec::instantiate(graph);
  exec.launch(stream_.get());  // upload happens on first launch
  RILL_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
  SyncCounter counter;
  exec.launch(stream_.get());
  EXPECT_EQ(counter.default_stream_ops(), 0u) << counter.summary();
  exec.launch(cudaStreamLegacy);
  EXPECT_EQ(counter.default_stream_ops(), 1u) << counter.summary();
  RILL_CUDA_CHECK(cudaStreamSynchronize(cudaStreamLegacy));
}

TEST_F(SyncCounterTest, SeparatesThisThreadFromOthers) {
  SyncCounter counter;
  std::thread other([&] { RILL_CUDA_CHECK(cudaStreamSynchronize(stream_.get())); });
  other.join();
  EXPECT_EQ(counter.host_syncs(), 1u) << counter.summary();
  EXPECT_EQ(counter.thread_host_syncs(), 0u);
  std::thread reader([&] { EXPECT_THROW(counter.thread_host_syncs(), Error); });
  reader.join();
}

TEST_F(SyncCounterTest, NestedCountersAndSummary) {
  SyncCounter outer;
  RILL_CUDA_CHECK(cudaDeviceSynchronize());
  {
    SyncCounter inner;
    RILL_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
    EXPECT_EQ(inner.host_syncs(), 1u);
  }
  EXPECT_EQ(outer.host_syncs(), 2u);
  const std::string summary = outer.summary();
  EXPECT_NE(summary.find("2 host syncs"), std::string::npos) << summary;
  EXPECT_NE(summary.find("cudaDeviceSynchronize"), std::string::npos) << summary;
}

}  // namespace
}  // namespace rill::cuda
