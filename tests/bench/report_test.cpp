// Tables, reports, warnings and JSON from hand-made results (no GPU).
#include "bench/report.h"

#include <gtest/gtest.h>
#include <string>

#include "bench/json_output.h"

namespace rill::bench {
namespace {

LatencyStats flat(double ms, size_t count = 500) {
  LatencyStats s;
  s.count = count;
  s.min = s.mean = s.median = s.p90 = s.p95 = s.p99 = s.max = ms;
  return s;
}

BenchResult result(const std::string& label, StreamMode mode, bool graphs, double per_inference_ms,
                   double gpu_ms, double enqueue_ms, uint64_t syncs, uint64_t default_ops) {
  BenchResult r;
  r.config.model = "/models/resnet50.onnx";
  r.config.iterations = 500;
  r.config.stream_mode = mode;
  r.config.cuda_graph = graphs;
  r.config.sync_each = mode == StreamMode::kNaive;
  r.label = label;
  r.device = "NVIDIA H100 80GB HBM3";
  r.inputs = {{"input", "float32", {1, 3, 224, 224}}};
  r.batch = 1;
  r.inferences = 500;
  r.per_inference_ms = per_inference_ms;
  r.throughput = 1e3 / per_inference_ms;
  r.wall_s = 500 * per_inference_ms * 1e-3;
  r.latency_source = mode == StreamMode::kNaive ? "host" : "gpu-events";
  r.latency_ms = flat(per_inference_ms * 1.1);
  r.gpu_compute_ms = flat(gpu_ms);
  r.enqueue_ms = flat(enqueue_ms);
  r.syncs_counted = true;
  r.host_syncs = syncs;
  r.default_stream_ops = default_ops;
  r.host_syncs_per_inference = static_cast<double>(syncs) / 500;
  r.default_stream_ops_per_inference = static_cast<double>(default_ops) / 500;
  r.has_session = mode != StreamMode::kNaive;
  if (r.has_session) r.session_stats.runs = 520;
  return r;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<BenchResult> scenarios() {
  return {result("(a) naive", StreamMode::kNaive, false, 2.0, 1.5, 0.6, 500, 60000),
          result("(c) explicit", StreamMode::kExplicit, false, 1.6, 1.5, 0.5, 0, 0),
          result("(d) graphs", StreamMode::kExplicit, true, 1.0, 1.0, 0.05, 0, 0)};
}

TEST(BenchReport, CompareTableHasOneRowPerScenarioWithSpeedupsOverTheFirst) {
  const auto rows = scenarios();
  const std::string table = format_compare_table(rows);
  EXPECT_TRUE(contains(table, "| scenario | per inference: median latency (ms) |")) << table;
  EXPECT_TRUE(contains(table, "| --- | ---: |"));
  EXPECT_TRUE(
      contains(table, "| (a) naive | 2.200 | 2.000 | 500.0 | 1.500 | 1.00 | 120.00 | 1.00x |"))
      << table;
  EXPECT_TRUE(
      contains(table, "| (c) explicit | 1.760 | 1.600 | 625.0 | 1.500 | 0.00 | 0.00 | 1.25x |"))
      << table;
  EXPECT_TRUE(
      contains(table, "| (d) graphs | 1.100 | 1.000 | 1000.0 | 1.000 | 0.00 | 0.00 | 2.00x |"))
      << table;
  size_t lines = 0;
  for (char c : table) lines += c == '\n';
  EXPECT_EQ(lines, 2 + rows.size());
}

TEST(BenchReport, UncountedSyncsShowAsNotAvailableAndPipesAreEscaped) {
  auto r = result("a | b", StreamMode::kExplicit, true, 1.0, 1.0, 0.1, 0, 0);
  r.syncs_counted = false;
  const std::vector<BenchResult> rows = {r};
  const std::string table = format_compare_table(rows);
  EXPECT_TRUE(contains(table, "| a \\| b |")) << table;
  EXPECT_TRUE(contains(table, "| n/a | n/a |")) << table;
}

TEST(BenchReport, NumbersKeepThreeSignificantDigits) {
  EXPECT_EQ(format_ms(0), "0.000");
  EXPECT_EQ(format_ms(0.01234), "0.0123");
  EXPECT_EQ(format_ms(0.5), "0.500");
  EXPECT_EQ(format_ms(12.3456), "12.35");
  EXPECT_EQ(format_ms(123.44), "123.4");
}

TEST(BenchReport, WarnsWhenEnqueueApproachesGpuTimeWithoutGraphs) {
  const auto bound = result("(c)", StreamMode::kExplicit, false, 1.0, 1.0, 0.9, 0, 0);
  const auto warnings = diagnose(bound);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(contains(warnings[0], "bound by enqueue time")) << warnings[0];
  EXPECT_TRUE(contains(warnings[0], "CUDA graphs")) << warnings[0];

  EXPECT_TRUE(diagnose(result("(c)", StreamMode::kExplicit, false, 1.0, 1.0, 0.5, 0, 0)).empty());
  EXPECT_TRUE(diagnose(result("(d)", StreamMode::kExplicit, true, 1.0, 1.0, 0.95, 0, 0)).empty())
      << "graphs on: no enqueue warning";
}

TEST(BenchReport, WarnsAboutUnexpectedSyncsButNotTheNaiveBaselines) {
  auto r = result("(c)", StreamMode::kExplicit, true, 1.0, 1.0, 0.1, 500, 3);
  r.sync_summary = "500 host syncs (cudaStreamSynchronize 500)";
  const auto warnings = diagnose(r);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_TRUE(contains(warnings[0], "500 host syncs in the timed loop (1.00 per inference)"));
  EXPECT_TRUE(contains(warnings[1], "3 default-stream ops"));
  EXPECT_TRUE(diagnose(result("(a)", StreamMode::kNaive, false, 2.0, 1.5, 0.1, 500, 900)).empty());
  auto transfers = result("(b)", StreamMode::kDefault, false, 1.0, 1.0, 0.1, 0, 1000);
  transfers.config.include_transfers = true;
  EXPECT_TRUE(diagnose(transfers).empty()) << "a default-stream caller's own copies are its own";
}

TEST(BenchReport, WarnsAboutCapturesInTheTimedLoopFallbacksAndFewSamples) {
  auto r = result("(d)", StreamMode::kExplicit, true, 1.0, 1.0, 0.1, 0, 0);
  r.timed_stats.graph_captures = 2;
  r.session_stats.capture_fallbacks = 1;
  r.inferences = 50;
  r.config.count_syncs = true;
  r.syncs_counted = false;
  r.sync_summary = "[cupti] another subscriber";
  const auto warnings = diagnose(r);
  ASSERT_EQ(warnings.size(), 4u);
  EXPECT_TRUE(contains(warnings[0], "not counted: [cupti] another subscriber"));
  EXPECT_TRUE(contains(warnings[1], "2 CUDA graph captures in the timed loop"));
  EXPECT_TRUE(contains(warnings[2], "capture failed for 1"));
  EXPECT_TRUE(contains(warnings[3], "only 50 timed inferences"));
}

TEST(BenchReport, ReportNamesEveryMeasurement) {
  auto r = result("(c)", StreamMode::kExplicit, false, 1.0, 1.0, 0.9, 0, 0);
  r.h2d_ms = flat(0.1);
  r.d2h_ms = flat(0.01);
  r.warnings = diagnose(r);
  const std::string text = format_report(r);
  for (const char* part :
       {"rill bench: /models/resnet50.onnx", "NVIDIA H100", "input     input float32[1,3,224,224]",
        "Throughput: 1000.0 inferences/s", "Latency (gpu-events): min = 1.100 ms", "Enqueue time:",
        "GPU compute time:", "H2D time:", "D2H time:", "Host syncs: 0 (0.00 per inference)",
        "Session: 520 runs", "[W] Throughput may be bound"}) {
    EXPECT_TRUE(contains(text, part)) << part << "\n" << text;
  }
}

TEST(BenchReport, MarkdownSectionHasHeadingCardDateTableAndWarnings) {
  CompareReport report;
  report.model = "/data/models/resnet50/model.onnx";
  report.device = "NVIDIA H100 80GB HBM3";
  report.date = "2026-11-28";
  report.scenarios = scenarios();
  report.scenarios[1].warnings = {"something odd"};
  const std::string md = format_compare_markdown(report);
  EXPECT_TRUE(contains(md, "### model.onnx, batch 1\n")) << md;
  EXPECT_TRUE(contains(md, "NVIDIA H100 80GB HBM3, 2026-11-28."));
  EXPECT_TRUE(contains(md, "Inputs input float32[1,3,224,224]; 500 timed inferences per scenario"));
  EXPECT_TRUE(contains(md, "| (d) graphs |"));
  EXPECT_TRUE(contains(md, "Warnings:\n- (c) explicit: something odd\n"));
}

TEST(BenchJson, ResultCarriesConfigStatsCountsAndSession) {
  auto r = result("(d)", StreamMode::kExplicit, true, 1.0, 0.9, 0.05, 0, 0);
  r.h2d_ms = flat(0.1);
  r.session_stats.graph_replays = 519;
  const nlohmann::json j = nlohmann::json::parse(to_json(r).dump());
  EXPECT_EQ(j["label"], "(d)");
  EXPECT_EQ(j["config"]["stream_mode"], "explicit");
  EXPECT_EQ(j["config"]["cuda_graph"], true);
  EXPECT_EQ(j["config"]["iterations"], 500);
  EXPECT_EQ(j["inputs"][0]["shape"], (std::vector<int64_t>{1, 3, 224, 224}));
  EXPECT_DOUBLE_EQ(j["throughput"].get<double>(), 1000.0);
  EXPECT_DOUBLE_EQ(j["gpu_compute_ms"]["median"].get<double>(), 0.9);
  EXPECT_EQ(j["gpu_compute_ms"]["count"], 500);
  EXPECT_TRUE(j.contains("h2d_ms"));
  EXPECT_FALSE(j.contains("d2h_ms")) << "absent when not measured";
  EXPECT_DOUBLE_EQ(j["host_syncs_per_inference"].get<double>(), 0.0);
  EXPECT_EQ(j["session_stats"]["graph_replays"], 519);
  EXPECT_EQ(j["latency_source"], "gpu-events");

  r.syncs_counted = false;
  r.has_session = false;
  const nlohmann::json k = to_json(r);
  EXPECT_TRUE(k["host_syncs_per_inference"].is_null()) << "not measured is not zero";
  EXPECT_FALSE(k.contains("session_stats"));
}

TEST(BenchJson, CompareReportListsScenariosWithSpeedups) {
  CompareReport report;
  report.model = "m.onnx";
  report.device = "card";
  report.date = "2026-11-28";
  report.scenarios = scenarios();
  const nlohmann::json j = to_json(report);
  EXPECT_EQ(j["model"], "m.onnx");
  EXPECT_EQ(j["date"], "2026-11-28");
  ASSERT_EQ(j["scenarios"].size(), 3u);
  EXPECT_DOUBLE_EQ(j["scenarios"][0]["speedup_vs_first"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["scenarios"][2]["speedup_vs_first"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(j["scenarios"][0]["host_syncs_per_inference"].get<double>(), 1.0);
}

}  // namespace
}  // namespace rill::bench
