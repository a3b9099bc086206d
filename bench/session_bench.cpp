// rill_session_bench: runs `compare` (naive default stream vs the Session's stream modes and
// CUDA graphs) for each model in one process and prints a markdown table per model, ready for
// docs/PERFORMANCE.md.
//
//   rill_session_bench --models resnet50.onnx,bert.onnx --batch 1 --iterations 500 --json out.json
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "rill/engine.h"
#include "rill/error.h"

#include "bench/bench_config.h"
#include "bench/compare.h"
#include "bench/json_output.h"
#include "bench/report.h"
#include "bench/runner.h"
#include "cuda/device.h"

namespace {

std::shared_ptr<const rill::Engine> open_engine(const std::string& path, bool tf32) {
  if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".rill") == 0) {
    return rill::Engine::load(path);
  }
  rill::BuildOptions options;
  options.allow_tf32 = tf32;
  return rill::Engine::build_from_onnx(path, options);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rill_session_bench: default stream vs explicit streams vs CUDA graphs, per model"};
  std::string models = "models/tiny_cnn.onnx";
  std::string json_path;
  rill::bench::BenchConfig base;
  base.batch = 1;
  base.iterations = 500;
  base.warmup = 50;
  bool tf32 = false;
  app.add_option("--models", models, "comma-separated ONNX models or .rill plans");
  app.add_option("--batch", base.batch, "batch size (leading dim of dynamic inputs)")
      ->check(CLI::PositiveNumber);
  app.add_option("--iterations", base.iterations, "timed inferences per scenario")
      ->check(CLI::PositiveNumber);
  app.add_option("--warmup", base.warmup, "untimed inferences per stream before each scenario");
  app.add_option("--threads", base.threads, "threads (and streams) of scenario (e); default 4")
      ->check(CLI::PositiveNumber);
  app.add_flag("--include-transfers", base.include_transfers,
               "time an H2D copy of the inputs and a D2H copy of the outputs with each inference");
  app.add_flag("--tf32", tf32, "allow TF32 tensor-core math for float32");
  app.add_option("--json", json_path, "write every result to this JSON file");
  CLI11_PARSE(app, argc, argv);

  try {
    if (!rill::cuda::has_device()) {
      std::fprintf(stderr, "rill_session_bench: no CUDA device on this machine\n");
      return 1;
    }
    const std::string device = rill::bench::current_device_name();
    const std::string date = rill::bench::utc_date();
    std::printf("## rill Session benchmarks: %s, %s\n\n", device.c_str(), date.c_str());
    std::fflush(stdout);
    nlohmann::json all = {{"device", device}, {"date", date}, {"models", nlohmann::json::array()}};
    for (const std::string& model : rill::bench::split_list(models)) {
      std::fprintf(stderr, "[bench] %s: building\n", model.c_str());
      const auto engine = open_engine(model, tf32);
      rill::bench::BenchConfig config = base;
      config.model = model;
      const auto report = rill::bench::run_compare(
          engine, rill::bench::default_scenarios(config), [](const rill::bench::BenchResult& r) {
            std::fprintf(stderr, "[bench]   %-55s %10.1f inf/s  %s ms/inf\n", r.label.c_str(),
                         r.throughput, rill::bench::format_ms(r.per_inference_ms).c_str());
          });
      std::printf("%s\n", rill::bench::format_compare_markdown(report).c_str());
      std::fflush(stdout);
      all["models"].push_back(rill::bench::to_json(report));
      // Written after every model, so a later failure keeps the earlier results.
      if (!json_path.empty()) rill::bench::write_json_file(all, json_path);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rill_session_bench: %s\n", e.what());
    return 1;
  }
}
