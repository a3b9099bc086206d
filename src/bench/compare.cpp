#include "bench/compare.h"

#include "bench/runner.h"

namespace rill::bench {

std::vector<BenchConfig> default_scenarios(const BenchConfig& base) {
  auto scenario = [&](const char* label, StreamMode mode, bool graphs, int threads) {
    BenchConfig c = base;
    c.label = label;
    c.stream_mode = mode;
    c.cuda_graph = graphs && mode != StreamMode::kNaive;
    c.threads = threads;
    c.streams = threads;
    c.sync_each = mode == StreamMode::kNaive;
    return c;
  };
  const int threads = base.threads > 1 ? base.threads : 4;
  const std::string many = "(e) " + std::to_string(threads) + " threads x " +
                           std::to_string(threads) + " streams + CUDA graphs";
  std::vector<BenchConfig> list = {
      scenario("(a) naive: legacy default stream + sync per call", StreamMode::kNaive, false, 1),
      scenario("(b) session, caller on default stream (redirected)", StreamMode::kDefault, false,
               1),
      scenario("(c) session, explicit non-default stream", StreamMode::kExplicit, false, 1),
      scenario("(d) explicit stream + CUDA graphs", StreamMode::kExplicit, true, 1),
      scenario("", StreamMode::kExplicit, true, threads),
      scenario("(d') as (d), graphs re-captured and updated for new buffers", StreamMode::kExplicit,
               true, 1),
  };
  list[4].label = many;
  list[5].graph_capture_update = true;
  return list;
}

CompareReport run_compare(std::shared_ptr<const Engine> engine,
                          const std::vector<BenchConfig>& scenarios,
                          const std::function<void(const BenchResult&)>& on_result) {
  CompareReport report;
  report.model = scenarios.empty() ? std::string() : scenarios.front().model;
  report.device = current_device_name();
  report.date = utc_date();
  for (const BenchConfig& config : scenarios) {
    report.scenarios.push_back(run_benchmark(engine, config));
    if (on_result) on_result(report.scenarios.back());
  }
  return report;
}

}  // namespace rill::bench
