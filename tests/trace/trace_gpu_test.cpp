// rill trace end to end: the injection library on a program with planted syncs
// (rill_trace_probe.cu says exactly what it plants).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>

#include "gpu_test.h"
#include "trace/launch.h"

namespace rill::trace {
namespace {

TraceResult trace_probe(bool json) {
  TraceOptions options;
  options.command = {RILL_TRACE_PROBE};
  options.library = RILL_TRACE_INJECTION;
  options.json = json;
  return run_traced(options);
}

const nlohmann::json* find_api(const nlohmann::json& kind, const std::string& api) {
  for (const nlohmann::json& entry : kind["by_api"]) {
    if (entry["api"] == api) return &entry;
  }
  return nullptr;
}

uint64_t count_of(const nlohmann::json& kind, const std::string& api) {
  const nlohmann::json* entry = find_api(kind, api);
  return entry != nullptr ? (*entry)["count"].get<uint64_t>() : 0;
}

TEST(TraceGpu, ReportsExactlyThePlantedSyncsAndDefaultStreamWork) {
  RILL_REQUIRE_GPU();
  const TraceResult r = trace_probe(/*json=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.report;
  ASSERT_EQ(r.processes, 1) << r.report;
  const nlohmann::json j = nlohmann::json::parse(r.report);
  ASSERT_EQ(j["tracking"], true) << r.report;
  const nlohmann::json& syncs = j["host_syncs"];
  const nlohmann::json& ops = j["default_stream_ops"];

  EXPECT_EQ(count_of(syncs, "cudaStreamSynchronize"), 3u) << r.report;
  EXPECT_EQ(count_of(syncs, "cudaDeviceSynchronize"), 2u) << r.report;
  EXPECT_EQ(count_of(syncs, "cudaMemcpy"), 1u) << r.report;
  EXPECT_EQ(syncs["total"], 6) << r.report;

  // <<<>>> launches are __cudaLaunchKernel from CUDA 13 on, cudaLaunchKernel before.
  uint64_t launches = 0;
  for (const nlohmann::json& entry : ops["by_api"]) {
    if (entry["api"].get<std::string>().find("LaunchKernel") != std::string::npos) {
      launches += entry["count"].get<uint64_t>();
    }
  }
  EXPECT_EQ(launches, 4u) << r.report;
  EXPECT_EQ(count_of(ops, "cudaMemcpy"), 1u) << r.report;
  // The 100 launches on the non-blocking stream are not default-stream work.
  EXPECT_EQ(ops["total"], 5) << r.report;
}

TEST(TraceGpu, TheTopCallSiteNamesThePlantingFunction) {
  RILL_REQUIRE_GPU();
  const TraceResult r = trace_probe(/*json=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.report;
  const nlohmann::json j = nlohmann::json::parse(r.report);

  const nlohmann::json* stream_sync = find_api(j["host_syncs"], "cudaStreamSynchronize");
  ASSERT_NE(stream_sync, nullptr) << r.report;
  const nlohmann::json& top = (*stream_sync)["call_sites"][0];
  EXPECT_EQ(top["count"], 3) << r.report;  // one loop: one call site
  ASSERT_FALSE(top["frames"].empty()) << r.report;
  EXPECT_NE(top["frames"][0]["function"].get<std::string>().find("plant_stream_syncs"),
            std::string::npos)
      << r.report;

  const nlohmann::json* device_sync = find_api(j["host_syncs"], "cudaDeviceSynchronize");
  ASSERT_NE(device_sync, nullptr) << r.report;
  EXPECT_NE((*device_sync)["call_sites"][0]["frames"][0]["function"].get<std::string>().find(
                "plant_device_syncs"),
            std::string::npos)
      << r.report;
}

TEST(TraceGpu, TextReportNamesApisAndFunctions) {
  RILL_REQUIRE_GPU();
  const TraceResult r = trace_probe(/*json=*/false);
  ASSERT_EQ(r.exit_code, 0) << r.report;
  EXPECT_NE(r.report.find("6 host syncs, 5 default-stream ops"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("cudaStreamSynchronize: 3 host syncs"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("plant_stream_syncs"), std::string::npos) << r.report;
}

}  // namespace
}  // namespace rill::trace
