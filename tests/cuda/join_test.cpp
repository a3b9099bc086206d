#include <gtest/gtest.h>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/device_buffer.h"
#include "cuda/graph.h"
#include "cuda/stream_pool.h"
#include "gpu_test.h"
#include "test_kernels.cuh"

namespace rill::cuda {
namespace {

constexpr uint64_t kSpinNs = 200'000'000;  // 200 ms: far longer than any launch latency

// Runs producer (spin, then write 42) on A and consumer (copy the flag) on B, optionally joined,
// and returns what the consumer saw.
int run_producer_consumer(bool joined) {
  StreamPool streams(current_device());
  EventPool events(current_device());
  const auto a = streams.acquire();
  const auto b = streams.acquire();
  DeviceBuffer buffer(2 * sizeof(int), a.get());
  int* flag = buffer.data_as<int>();
  int* seen = flag + 1;
  RILL_CUDA_CHECK(cudaMemsetAsync(flag, 0, 2 * sizeof(int), a.get()));
  RILL_CUDA_CHECK(cudaStreamSynchronize(a.get()));  // test setup: memory ready on both streams

  testing::launch_spin_then_write(flag, 42, kSpinNs, a.get());
  if (joined) join(b.get(), a.get(), events);
  testing::launch_copy_int(flag, seen, b.get());

  int result = -1;
  RILL_CUDA_CHECK(cudaMemcpyAsync(&result, seen, sizeof(int), cudaMemcpyDeviceToHost, b.get()));
  RILL_CUDA_CHECK(cudaStreamSynchronize(b.get()));
  RILL_CUDA_CHECK(cudaStreamSynchronize(a.get()));
  return result;
}

TEST(Join, ConsumerOnAnotherStreamSeesProducerResult) {
  RILL_REQUIRE_GPU();
  EXPECT_EQ(run_producer_consumer(/*joined=*/true), 42);
}

// The control: without the join the consumer overtakes the 200 ms producer. If this ever saw 42
// the test above would prove nothing.
TEST(Join, WithoutJoinConsumerRunsAhead) {
  RILL_REQUIRE_GPU();
  EXPECT_EQ(run_producer_consumer(/*joined=*/false), 0);
}

TEST(Join, SameStreamIsANoOpAndUsesNoEvent) {
  RILL_REQUIRE_GPU();
  StreamPool streams(current_device());
  EventPool events(current_device());
  const auto a = streams.acquire();
  join(a.get(), a.get(), events);
  EXPECT_EQ(events.created(), 0u);
}

TEST(Join, ReusesPooledEvents) {
  RILL_REQUIRE_GPU();
  StreamPool streams(current_device());
  EventPool events(current_device());
  const auto a = streams.acquire();
  const auto b = streams.acquire();
  for (int i = 0; i < 100; ++i) join(b.get(), a.get(), events);
  EXPECT_EQ(events.created(), 1u);
  RILL_CUDA_CHECK(cudaStreamSynchronize(b.get()));
}

TEST(Join, WorksInsideStreamCapture) {
  RILL_REQUIRE_GPU();
  StreamPool streams(current_device());
  EventPool events(current_device());
  const auto a = streams.acquire();
  const auto b = streams.acquire();
  DeviceBuffer buffer(2 * sizeof(int), a.get());
  int* flag = buffer.data_as<int>();
  RILL_CUDA_CHECK(cudaMemsetAsync(flag, 0, 2 * sizeof(int), a.get()));
  RILL_CUDA_CHECK(cudaStreamSynchronize(a.get()));

  cudaGraph_t raw = nullptr;
  {
    CaptureModeGuard mode(cudaStreamCaptureModeThreadLocal);
    RILL_CUDA_CHECK(cudaStreamBeginCapture(a.get(), cudaStreamCaptureModeThreadLocal));
    join(b.get(), a.get(), events);  // fork b into the capture
    testing::launch_spin_then_write(flag, 7, 1'000'000, b.get());
    join(a.get(), b.get(), events);  // and join it back
    testing::launch_copy_int(flag, flag + 1, a.get());
    RILL_CUDA_CHECK(cudaStreamEndCapture(a.get(), &raw));
  }
  Graph graph = Graph::from_native_handle(raw);
  GraphExec exec = GraphExec::instantiate(graph);
  exec.launch(a.get());
  int seen = 0;
  RILL_CUDA_CHECK(cudaMemcpyAsync(&seen, flag + 1, sizeof(int), cudaMemcpyDeviceToHost, a.get()));
  RILL_CUDA_CHECK(cudaStreamSynchronize(a.get()));
  EXPECT_EQ(seen, 7);
}

}  // namespace
}  // namespace rill::cuda
