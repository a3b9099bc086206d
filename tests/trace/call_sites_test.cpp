#include "trace/call_sites.h"

#include <gtest/gtest.h>
#include <thread>
#include <vector>

namespace rill::trace {
namespace {

RawFrame native(uintptr_t pc) {
  return {pc, RawFrame::kNative};
}
RawFrame python(uintptr_t code, int32_t line) {
  return {code, line};
}

// CUPTI's names live for the whole process; these literals do too.
constexpr const char* kStreamSync = "cudaStreamSynchronize_v3020";
constexpr const char* kDeviceSync = "cudaDeviceSynchronize_v3020";
constexpr const char* kLaunch = "cudaLaunchKernel_v7000";

TEST(DisplayApiName, DropsTheVersionAndKeepsPerThread) {
  EXPECT_EQ(display_api_name("cudaStreamSynchronize_v3020"), "cudaStreamSynchronize");
  EXPECT_EQ(display_api_name("cuMemAlloc_v2"), "cuMemAlloc");
  EXPECT_EQ(display_api_name("cuMemcpyHtoDAsync_v2_ptsz"), "cuMemcpyHtoDAsync_ptsz");
  EXPECT_EQ(display_api_name("cudaMemcpyAsync_ptsz_v7000"), "cudaMemcpyAsync_ptsz");
  EXPECT_EQ(display_api_name("__cudaLaunchKernel_v13000"), "__cudaLaunchKernel");
  EXPECT_EQ(display_api_name("cuCtxSynchronize"), "cuCtxSynchronize");
  EXPECT_EQ(display_api_name("cudaMemcpy_v"), "cudaMemcpy_v");  // no digits: not a version
}

TEST(CallSiteTable, CountsBySiteAndSortsBusiestFirst) {
  CallSiteTable table;
  const std::vector<RawFrame> a = {native(0x10), native(0x20)};
  const std::vector<RawFrame> b = {native(0x30)};
  for (int i = 0; i < 3; ++i) table.record(SyncEventKind::kHostSync, kStreamSync, a);
  table.record(SyncEventKind::kHostSync, kStreamSync, b);
  for (int i = 0; i < 2; ++i) table.record(SyncEventKind::kHostSync, kDeviceSync, b);
  for (int i = 0; i < 4; ++i) table.record(SyncEventKind::kDefaultStreamOp, kLaunch, a);

  const std::vector<ApiSites> summary = table.summarize(/*top_n=*/5);
  ASSERT_EQ(summary.size(), 3u);
  // Equal counts: host syncs before default-stream ops.
  EXPECT_EQ(summary[0].api, "cudaStreamSynchronize");
  EXPECT_EQ(summary[0].kind, SyncEventKind::kHostSync);
  EXPECT_EQ(summary[0].count, 4u);
  EXPECT_EQ(summary[0].distinct_sites, 2u);
  ASSERT_EQ(summary[0].top_sites.size(), 2u);
  EXPECT_EQ(summary[0].top_sites[0].count, 3u);
  EXPECT_EQ(summary[0].top_sites[0].frames, a);
  EXPECT_EQ(summary[0].top_sites[1].count, 1u);
  EXPECT_EQ(summary[0].top_sites[1].frames, b);
  EXPECT_EQ(summary[1].api, "cudaLaunchKernel");
  EXPECT_EQ(summary[1].kind, SyncEventKind::kDefaultStreamOp);
  EXPECT_EQ(summary[1].count, 4u);
  EXPECT_EQ(summary[2].api, "cudaDeviceSynchronize");
  EXPECT_EQ(summary[2].count, 2u);

  EXPECT_EQ(table.total(SyncEventKind::kHostSync), 6u);
  EXPECT_EQ(table.total(SyncEventKind::kDefaultStreamOp), 4u);
}

TEST(CallSiteTable, KeepsOnlyTheTopSitesButCountsThemAll) {
  CallSiteTable table;
  for (uintptr_t site = 1; site <= 10; ++site) {
    const std::vector<RawFrame> frames = {native(site)};
    for (uintptr_t i = 0; i < site; ++i)
      table.record(SyncEventKind::kHostSync, kStreamSync, frames);
  }
  const std::vector<ApiSites> summary = table.summarize(/*top_n=*/3);
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].count, 55u);
  EXPECT_EQ(summary[0].distinct_sites, 10u);
  ASSERT_EQ(summary[0].top_sites.size(), 3u);
  EXPECT_EQ(summary[0].top_sites[0].frames[0].address, 10u);
  EXPECT_EQ(summary[0].top_sites[2].frames[0].address, 8u);
}

TEST(CallSiteTable, MergesApisThatDifferOnlyInVersion) {
  CallSiteTable table;
  const std::vector<RawFrame> frames = {native(1)};
  table.record(SyncEventKind::kHostSync, "cuMemAlloc", frames);
  table.record(SyncEventKind::kHostSync, "cuMemAlloc_v2", frames);
  const std::vector<ApiSites> summary = table.summarize(5);
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].api, "cuMemAlloc");
  EXPECT_EQ(summary[0].count, 2u);
}

TEST(CallSiteTable, TellsPythonAndNativeFramesApartAndSeparatesKinds) {
  CallSiteTable table;
  // Same numbers, but one is a Python code object at line 7 and the other a return address.
  table.record(SyncEventKind::kHostSync, kStreamSync, std::vector<RawFrame>{python(0x40, 7)});
  table.record(SyncEventKind::kHostSync, kStreamSync, std::vector<RawFrame>{native(0x40)});
  table.record(SyncEventKind::kDefaultStreamOp, kStreamSync, std::vector<RawFrame>{native(0x40)});
  const std::vector<ApiSites> summary = table.summarize(5);
  ASSERT_EQ(summary.size(), 2u);
  const ApiSites& host = summary[0].kind == SyncEventKind::kHostSync ? summary[0] : summary[1];
  EXPECT_EQ(host.distinct_sites, 2u);
  EXPECT_EQ(host.count, 2u);
  EXPECT_TRUE(python(0x40, 0).is_python());
  EXPECT_FALSE(native(0x40).is_python());
}

TEST(CallSiteTable, IgnoresFramesBeyondTheLimit) {
  CallSiteTable table;
  std::vector<RawFrame> deep(kMaxFrames + 4);
  for (size_t i = 0; i < deep.size(); ++i) deep[i] = native(i + 1);
  std::vector<RawFrame> deeper = deep;
  deeper.back() = native(999);  // differs only past the limit: the same site
  table.record(SyncEventKind::kHostSync, kStreamSync, deep);
  table.record(SyncEventKind::kHostSync, kStreamSync, deeper);
  const std::vector<ApiSites> summary = table.summarize(5);
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].distinct_sites, 1u);
  EXPECT_EQ(summary[0].top_sites[0].frames.size(), kMaxFrames);
}

TEST(CallSiteTable, EventsWithNoRoomForTheirSiteStillCount) {
  CallSiteTable table(/*max_sites=*/2);
  for (uintptr_t site = 1; site <= 5; ++site) {
    table.record(SyncEventKind::kHostSync, kStreamSync, std::vector<RawFrame>{native(site)});
  }
  table.record(SyncEventKind::kHostSync, kStreamSync, std::vector<RawFrame>{native(1)});  // kept
  EXPECT_EQ(table.dropped_sites(), 3u);
  EXPECT_EQ(table.total(SyncEventKind::kHostSync), 6u);
  const std::vector<ApiSites> summary = table.summarize(5);
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].count, 6u);
  EXPECT_EQ(summary[0].distinct_sites, 2u);
  EXPECT_EQ(summary[0].top_sites[0].count, 2u);
}

TEST(CallSiteTable, CountsEveryEventFromManyThreads) {
  CallSiteTable table;
  std::vector<std::thread> threads;
  for (uintptr_t t = 0; t < 4; ++t) {
    threads.emplace_back([&table, t] {
      for (int i = 0; i < 5000; ++i) {
        table.record(SyncEventKind::kHostSync, kStreamSync,
                     std::vector<RawFrame>{native(static_cast<uintptr_t>(i % 7)), native(t)});
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(table.total(SyncEventKind::kHostSync), 20000u);
  EXPECT_EQ(table.summarize(100)[0].distinct_sites, 28u);
}

}  // namespace
}  // namespace rill::trace
