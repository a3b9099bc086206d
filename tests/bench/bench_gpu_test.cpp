// The bench on a GPU: every compare scenario runs on tiny_cnn, the naive baseline syncs the host
// at least once per inference, and the Session's modes (b)-(e) make no host sync and issue no
// default-stream work in the timed loop.
#include <gtest/gtest.h>

#include "rill/engine.h"

#include "bench/compare.h"
#include "bench/json_output.h"
#include "bench/report.h"
#include "bench/runner.h"
#include "gpu_test.h"

namespace rill::bench {
namespace {

std::shared_ptr<const Engine> tiny_cnn() {
  static const std::shared_ptr<const Engine> engine =
      Engine::build_from_onnx(std::string(RILL_SOURCE_DIR) + "/models/tiny_cnn.onnx");
  return engine;
}

BenchConfig tiny_config() {
  BenchConfig c;
  c.model = std::string(RILL_SOURCE_DIR) + "/models/tiny_cnn.onnx";
  c.batch = 1;
  c.iterations = 50;
  c.warmup = 5;
  return c;
}

void expect_sane(const BenchResult& r) {
  EXPECT_EQ(r.inferences, 50u) << r.label;
  EXPECT_GT(r.throughput, 0) << r.label;
  EXPECT_EQ(r.gpu_compute_ms.count, 50u) << r.label;
  EXPECT_GT(r.gpu_compute_ms.median, 0) << r.label;
  EXPECT_GT(r.enqueue_ms.median, 0) << r.label;
  EXPECT_LE(r.latency_ms.min, r.latency_ms.median) << r.label;
  EXPECT_LE(r.latency_ms.median, r.latency_ms.max) << r.label;
  ASSERT_TRUE(r.syncs_counted) << r.label << ": " << r.sync_summary;
}

TEST(BenchGpu, NaiveSyncsAndSessionModesNeverDo) {
  RILL_REQUIRE_GPU();
  const auto scenarios = default_scenarios(tiny_config());
  ASSERT_EQ(scenarios.size(), 6u);
  const CompareReport report = run_compare(tiny_cnn(), scenarios);
  ASSERT_EQ(report.scenarios.size(), 6u);
  for (const BenchResult& r : report.scenarios) expect_sane(r);

  const BenchResult& naive = report.scenarios[0];
  EXPECT_GE(naive.host_syncs_per_inference, 1.0) << naive.sync_summary;
  EXPECT_GT(naive.default_stream_ops_per_inference, 0.0) << naive.sync_summary;
  EXPECT_EQ(naive.latency_source, "host");
  EXPECT_FALSE(naive.has_session);

  for (size_t i = 1; i < report.scenarios.size(); ++i) {
    const BenchResult& r = report.scenarios[i];
    EXPECT_EQ(r.host_syncs_per_inference, 0.0) << r.label << ": " << r.sync_summary;
    EXPECT_EQ(r.default_stream_ops_per_inference, 0.0) << r.label << ": " << r.sync_summary;
    EXPECT_TRUE(r.has_session) << r.label;
    EXPECT_EQ(r.timed_stats.runs, 50u) << r.label;
  }
  EXPECT_EQ(report.scenarios[1].timed_stats.redirected_runs, 50u) << "(b) is redirected";
  EXPECT_EQ(report.scenarios[2].timed_stats.redirected_runs, 0u) << "(c) runs on its stream";
  EXPECT_EQ(report.scenarios[2].timed_stats.graph_replays, 0u) << "(c) has graphs off";
  EXPECT_EQ(report.scenarios[3].timed_stats.graph_replays, 50u) << "(d) replays every call";
  EXPECT_EQ(report.scenarios[3].timed_stats.graph_captures, 0u) << "captured in the warm-up";
  EXPECT_EQ(report.scenarios[4].config.threads, 4);
  EXPECT_EQ(report.scenarios[5].timed_stats.graph_replays, 50u) << "(d') replays every call";
  EXPECT_GT(report.scenarios[5].timed_stats.graph_updates, 0u) << "(d') patches for new buffers";
  EXPECT_EQ(report.scenarios[3].timed_stats.graph_updates, 0u) << "(d) copies, never patches";

  // The outputs a bench writes: a table row per scenario and parseable JSON.
  const std::string md = format_compare_markdown(report);
  EXPECT_NE(md.find("(e) 4 threads x 4 streams"), std::string::npos) << md;
  const nlohmann::json j = nlohmann::json::parse(to_json(report).dump());
  EXPECT_EQ(j["scenarios"].size(), 6u);
  std::printf("%s\n", md.c_str());
}

TEST(BenchGpu, DedicatedModeAndTransfersStaySyncFree) {
  RILL_REQUIRE_GPU();
  BenchConfig c = tiny_config();
  c.stream_mode = StreamMode::kDedicated;
  c.include_transfers = true;
  const BenchResult r = run_benchmark(tiny_cnn(), c);
  expect_sane(r);
  EXPECT_EQ(r.host_syncs_per_inference, 0.0) << r.sync_summary;
  EXPECT_EQ(r.default_stream_ops_per_inference, 0.0) << r.sync_summary;
  EXPECT_EQ(r.timed_stats.redirected_runs, 50u);
  EXPECT_EQ(r.h2d_ms.count, 50u);
  EXPECT_EQ(r.d2h_ms.count, 50u);
  EXPECT_GE(r.latency_ms.median, r.gpu_compute_ms.median) << "latency spans the copies too";
}

TEST(BenchGpu, SyncEachCountsOneSyncPerCallAndDurationModeRuns) {
  RILL_REQUIRE_GPU();
  BenchConfig c = tiny_config();
  c.sync_each = true;
  c.threads = 2;
  c.streams = 4;  // two streams per thread, round-robin
  const BenchResult r = run_benchmark(tiny_cnn(), c);
  expect_sane(r);
  EXPECT_EQ(r.latency_source, "host");
  EXPECT_GE(r.host_syncs_per_inference, 1.0) << r.sync_summary;
  EXPECT_EQ(r.default_stream_ops_per_inference, 0.0) << r.sync_summary;

  BenchConfig d = tiny_config();
  d.iterations = 0;
  d.duration_s = 0.2;
  const BenchResult timed = run_benchmark(tiny_cnn(), d);
  EXPECT_GT(timed.inferences, 0u);
  EXPECT_GE(timed.wall_s, 0.2);
  EXPECT_EQ(timed.host_syncs_per_inference, 0.0) << timed.sync_summary;
}

}  // namespace
}  // namespace rill::bench
