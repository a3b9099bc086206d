#include <gtest/gtest.h>

#include "cuda/stream.h"

namespace rill::cuda {
namespace {

// These handles are compared, never used, so the test needs no GPU.
TEST(IsDefaultStream, RecognizesEveryDefaultStreamHandle) {
  EXPECT_TRUE(is_default_stream(nullptr));
  EXPECT_TRUE(is_default_stream(cudaStreamLegacy));
  EXPECT_TRUE(is_default_stream(cudaStreamPerThread));
  EXPECT_TRUE(StreamRef().is_default());
  EXPECT_TRUE(StreamRef(cudaStreamPerThread).is_default());
}

TEST(IsDefaultStream, RejectsCreatedStreamHandles) {
  // Any handle other than the three reserved values is a created stream.
  auto* fake = reinterpret_cast<cudaStream_t>(uintptr_t{0x7f00deadbeef});
  EXPECT_FALSE(is_default_stream(fake));
  EXPECT_FALSE(StreamRef(fake).is_default());
  EXPECT_FALSE(is_default_stream(reinterpret_cast<cudaStream_t>(uintptr_t{0x3})));
}

TEST(StreamRef, ComparesByHandle) {
  auto* fake = reinterpret_cast<cudaStream_t>(uintptr_t{0x1000});
  EXPECT_EQ(StreamRef(fake), StreamRef(fake));
  EXPECT_FALSE(StreamRef(fake) == StreamRef(cudaStreamLegacy));
}

TEST(Stream, DefaultConstructedOwnsNothing) {
  Stream s;
  EXPECT_EQ(s.get(), nullptr);
  Stream moved = std::move(s);
  EXPECT_EQ(moved.release(), nullptr);
}

}  // namespace
}  // namespace rill::cuda
