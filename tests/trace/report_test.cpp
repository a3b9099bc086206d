#include "trace/report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace rill::trace {
namespace {

constexpr const char* kStreamSync = "cudaStreamSynchronize_v3020";
constexpr const char* kLaunch = "__cudaLaunchKernel_v13000";

// Names native frame 0xN as fn_N in lib.so at offset N, and Python frames as script.py.
std::vector<SymbolizedFrame> fake_symbols(const std::vector<RawFrame>& frames) {
  std::vector<SymbolizedFrame> words;
  for (const RawFrame& f : frames) {
    SymbolizedFrame w;
    if (f.is_python()) {
      w.function = "loop";
      w.file = "script.py";
      w.line = f.line;
    } else {
      w.function = "fn_" + std::to_string(f.address);
      w.module = "/opt/lib.so";
      w.offset = f.address;
      if (f.address == 1) {
        w.file = "probe.cu";
        w.line = 42;
      }
    }
    words.push_back(w);
  }
  return words;
}

// (The table holds a mutex, so it is filled in place rather than returned.)
void plant(CallSiteTable& table) {
  const std::vector<RawFrame> site = {{1, RawFrame::kNative}, {2, RawFrame::kNative}};
  const std::vector<RawFrame> py_site = {{0x99, 12}, {3, RawFrame::kNative}};
  for (int i = 0; i < 3; ++i) table.record(SyncEventKind::kHostSync, kStreamSync, site);
  table.record(SyncEventKind::kHostSync, kStreamSync, py_site);
  for (int i = 0; i < 2; ++i) table.record(SyncEventKind::kDefaultStreamOp, kLaunch, site);
}

const CallSiteTable& planted() {
  static CallSiteTable* table = [] {
    auto* t = new CallSiteTable;
    plant(*t);
    return t;
  }();
  return *table;
}

TEST(TraceReport, TotalsAndSymbolizedSites) {
  CallSiteTable table;
  plant(table);
  int calls = 0;
  size_t frames_asked = 0;
  const TraceReport report = build_report(table, 5, [&](const std::vector<RawFrame>& frames) {
    ++calls;
    frames_asked = frames.size();
    return fake_symbols(frames);
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(frames_asked, 4u);  // 1, 2, 3 and the Python frame, each once
  EXPECT_EQ(report.host_syncs, 4u);
  EXPECT_EQ(report.default_stream_ops, 2u);
  ASSERT_EQ(report.host_sync_apis.size(), 1u);
  const ReportApi& sync = report.host_sync_apis[0];
  EXPECT_EQ(sync.api, "cudaStreamSynchronize");
  ASSERT_EQ(sync.sites.size(), 2u);
  EXPECT_EQ(sync.sites[0].count, 3u);
  EXPECT_EQ(sync.sites[0].frames[0].function, "fn_1");
  EXPECT_FALSE(sync.sites[0].frames[0].python);
  EXPECT_TRUE(sync.sites[1].frames[0].python);
  EXPECT_EQ(sync.sites[1].frames[0].line, 12);
  ASSERT_EQ(report.default_stream_apis.size(), 1u);
  EXPECT_EQ(report.default_stream_apis[0].api, "__cudaLaunchKernel");
}

TEST(TraceReport, TopNLimitsSitesAndAShortSymbolizerIsHarmless) {
  CallSiteTable table;
  plant(table);
  const TraceReport report = build_report(
      table, 1, [](const std::vector<RawFrame>&) { return std::vector<SymbolizedFrame>{}; });
  ASSERT_EQ(report.host_sync_apis[0].sites.size(), 1u);
  EXPECT_EQ(report.host_sync_apis[0].distinct_sites, 2u);
  EXPECT_EQ(report.host_sync_apis[0].sites[0].frames.size(), 2u);
  EXPECT_NE(format_text(report).find("(top 1 of 2 call sites)"), std::string::npos);
}

TEST(TraceReport, TextNamesApisSitesAndFrames) {
  TraceReport report = build_report(planted(), 5, fake_symbols);
  report.pid = 77;
  report.command = "./probe --fast";
  const std::string text = format_text(report);
  EXPECT_EQ(text.substr(0, text.find('\n')), "rill trace: pid 77: ./probe --fast");
  EXPECT_NE(text.find("4 host syncs, 2 default-stream ops\n"), std::string::npos) << text;
  EXPECT_NE(text.find("           4  cudaStreamSynchronize            2 call sites\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("cudaStreamSynchronize: 4 host syncs\n  3x from\n"
                      "      #0 fn_1  at probe.cu:42  [lib.so+0x1]\n"
                      "      #1 fn_2  [lib.so+0x2]\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("      py loop  at script.py:12\n      #0 fn_3  [lib.so+0x3]\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("__cudaLaunchKernel: 2 default-stream ops\n"), std::string::npos) << text;
}

TEST(TraceReport, JsonFollowsTheSchema) {
  TraceReport report = build_report(planted(), 5, fake_symbols);
  report.pid = 77;
  const nlohmann::json j = nlohmann::json::parse(format_json(report));
  EXPECT_EQ(j["rill_trace"], 1);
  EXPECT_EQ(j["pid"], 77);
  EXPECT_EQ(j["tracking"], true);
  EXPECT_EQ(j["host_syncs"]["total"], 4);
  EXPECT_EQ(j["default_stream_ops"]["total"], 2);
  const nlohmann::json& api = j["host_syncs"]["by_api"][0];
  EXPECT_EQ(api["api"], "cudaStreamSynchronize");
  EXPECT_EQ(api["count"], 4);
  EXPECT_EQ(api["distinct_call_sites"], 2);
  const nlohmann::json& frame = api["call_sites"][0]["frames"][0];
  EXPECT_EQ(api["call_sites"][0]["count"], 3);
  EXPECT_EQ(frame["kind"], "native");
  EXPECT_EQ(frame["function"], "fn_1");
  EXPECT_EQ(frame["module"], "/opt/lib.so");
  EXPECT_EQ(frame["offset"], "0x1");
  EXPECT_EQ(frame["file"], "probe.cu");
  EXPECT_EQ(frame["line"], 42);
  const nlohmann::json& py = api["call_sites"][1]["frames"][0];
  EXPECT_EQ(py["kind"], "python");
  EXPECT_EQ(py["file"], "script.py");
  EXPECT_FALSE(py.contains("module"));
}

TEST(TraceReport, WithoutTrackingOnlyTheReasonIsShown) {
  TraceReport report;
  report.pid = 5;
  report.tracking = false;
  report.notes.push_back("another CUPTI tool already owns this process");
  const std::string text = format_text(report);
  EXPECT_EQ(text, "rill trace: pid 5\nnote: another CUPTI tool already owns this process\n");
  const nlohmann::json j = nlohmann::json::parse(format_json(report));
  EXPECT_EQ(j["tracking"], false);
  EXPECT_EQ(j["notes"][0], "another CUPTI tool already owns this process");
}

TEST(TraceReport, AnEmptyRunSaysNone) {
  const std::string text = format_text(build_report(CallSiteTable{}, 5, fake_symbols));
  EXPECT_NE(text.find("0 host syncs, 0 default-stream ops"), std::string::npos) << text;
  EXPECT_NE(text.find("host syncs by API\n  (none)\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("top call sites"), std::string::npos) << text;
}

}  // namespace
}  // namespace rill::trace
