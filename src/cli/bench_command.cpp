#include "cli/bench_command.h"

#include <cstdio>

#include "bench/compare.h"
#include "bench/json_output.h"
#include "bench/layer_profile.h"
#include "bench/layer_report.h"
#include "bench/report.h"
#include "bench/runner.h"
#include "cuda/device.h"

namespace rill::cli {

namespace {

bench::BenchConfig make_config(const BenchCommand& cmd) {
  bench::BenchConfig c;
  c.model = cmd.model;
  c.batch = cmd.batch;
  c.iterations = cmd.iterations;
  c.duration_s = cmd.iterations == 0 && cmd.duration_s <= 0 ? 3.0 : cmd.duration_s;
  c.warmup = cmd.warmup;
  c.stream_mode = bench::parse_stream_mode(cmd.stream);
  c.threads = cmd.threads;
  c.streams = cmd.streams;
  c.cuda_graph = cmd.cuda_graph;
  c.sync_each = cmd.sync_each;
  c.include_transfers = cmd.include_transfers;
  c.validate();
  return c;
}

}  // namespace

int run_bench(const BenchCommand& cmd) {
  const bench::BenchConfig config = make_config(cmd);
  if (!cuda::has_device()) {
    throw Error(ErrorKind::kNoDevice, "rill bench needs a CUDA GPU; this machine has none");
  }
  const std::shared_ptr<const Engine> engine =
      open_model(cmd.model, build_options(cmd.shapes, cmd.precision));
  std::printf("rill bench: %s on %s\n", cmd.model.c_str(),
              cuda::describe_device(cuda::current_device()).c_str());
  std::fflush(stdout);

  if (!cmd.compare) {
    const bench::BenchResult result = bench::run_benchmark(engine, config);
    std::printf("%s", bench::format_report(result).c_str());
    nlohmann::json json = bench::to_json(result);
    if (cmd.profile) {
      const LayerProfile profile =
          bench::profile_engine_layers(*engine, config, cmd.profile_iterations);
      std::printf("\n%s", bench::format_layer_profile(profile, cmd.profile_top).c_str());
      json["layer_profile"] = bench::to_json(profile);
    }
    if (!cmd.json.empty()) {
      bench::write_json_file(json, cmd.json);
      std::printf("results written to %s\n", cmd.json.c_str());
    }
    return 0;
  }

  const bench::CompareReport report =
      bench::run_compare(engine, bench::default_scenarios(config), [](const bench::BenchResult& r) {
        std::printf("  %-55s %10.1f inf/s  %s ms/inf\n", r.label.c_str(), r.throughput,
                    bench::format_ms(r.per_inference_ms).c_str());
        std::fflush(stdout);
      });
  std::printf("\n%s", bench::format_compare_markdown(report).c_str());
  if (!cmd.json.empty()) {
    bench::write_json_file(bench::to_json(report), cmd.json);
    std::printf("results written to %s\n", cmd.json.c_str());
  }
  return 0;
}

}  // namespace rill::cli
