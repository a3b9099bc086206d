// The runtime's "last error" after errors rill handles: a handled error must not fail the next
// good launch (issue 10, bug 2), and caller pointers are classified before anything reads them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/device_buffer.h"
#include "cuda/event.h"
#include "cuda/pointer_check.h"
#include "cuda/stream.h"
#include "gpu_test.h"
#include "test_kernels.cuh"

namespace rill::cuda {
namespace {

TEST(ErrorState, NotReadyFromAQueryDoesNotFailTheNextLaunch) {
  RILL_REQUIRE_GPU();
  const Stream stream = Stream::create();
  const Event event = Event::create();
  DeviceAllocation flag(sizeof(int));
  testing::launch_spin_then_write(static_cast<int*>(flag.data()), 1, 50'000'000, stream.get());
  event.ref().record(stream.get());
  EXPECT_FALSE(event.ref().ready()) << "the spin kernel should still run";
  EXPECT_FALSE(StreamRef(stream.get()).ready());
  // A good launch right after: its check must see no stale cudaErrorNotReady.
  EXPECT_NO_THROW(testing::launch_increment(static_cast<int*>(flag.data()), 1, stream.get()));
  RILL_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
  EXPECT_TRUE(event.ref().ready());
}

TEST(ErrorState, AThrownErrorDoesNotFailTheNextLaunch) {
  RILL_REQUIRE_GPU();
  const Stream stream = Stream::create();
  DeviceAllocation data(sizeof(int));
  // cudaErrorInvalidValue: a non-sticky error, handled by being thrown.
  EXPECT_THROW(RILL_CUDA_CHECK(cudaMemsetAsync(nullptr, 0, 64, stream.get())), Error);
  EXPECT_NO_THROW(testing::launch_increment(static_cast<int*>(data.data()), 1, stream.get()));
  RILL_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
}

TEST(PointerCheck, ClassifiesCallerAddresses) {
  RILL_REQUIRE_GPU();
  const int device = current_device();
  DeviceAllocation device_memory(4096);
  PinnedBuffer pinned(4096);
  std::vector<float> pageable(1024);
  auto* base = static_cast<std::byte*>(device_memory.data());
  EXPECT_EQ(device_pointer_problem(base, device), "");
  EXPECT_EQ(device_pointer_problem(base + 256, device), "");
  EXPECT_NE(device_pointer_problem(base + 4, device).find("aligned"), std::string::npos);
  EXPECT_NE(device_pointer_problem(pageable.data(), device), "");
  EXPECT_NE(device_pointer_problem(pinned.data(), device).find("host"), std::string::npos);
  EXPECT_NE(device_pointer_problem(device_memory.data(), device + 1), "")
      << "device memory of another GPU";
  // No stale error from the queries.
  EXPECT_NO_THROW(testing::launch_increment(static_cast<int*>(device_memory.data()), 1, nullptr));
  RILL_CUDA_CHECK(cudaDeviceSynchronize());
}

}  // namespace
}  // namespace rill::cuda
