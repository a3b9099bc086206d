// The rill command-line tool: argument parsing and dispatch only; the commands live in src/cli.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <new>

#include "cli/bench_command.h"
#include "cli/commands.h"
#include "cli/trace_command.h"
#include "rill/error.h"
#include "rill/version.h"

namespace {

void add_shape_options(CLI::App* app, rill::cli::ShapeOptions& shapes) {
  app->add_option("--min", shapes.min, "smallest shape of an input, name:dims (input:1x3x224x224)");
  app->add_option("--opt", shapes.opt, "shape to optimize for, name:dims");
  app->add_option("--max", shapes.max, "largest shape of an input, name:dims");
}

void add_precision_options(CLI::App* app, rill::cli::PrecisionOptions& precision) {
  CLI::Option* fp16 = app->add_flag(
      "--fp16", precision.fp16, "build a float16 engine (float accumulation; I/O keeps its dtypes)");
  app->add_flag("--bf16", precision.bf16, "build a bfloat16 engine (float accumulation)")
      ->excludes(fp16);
  app->add_flag("--tf32", precision.tf32, "allow TF32 tensor-core math for float32");
  app->add_flag("--nvtx", precision.nvtx, "name every layer with an NVTX range (Nsight Systems)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rill: an ONNX inference runtime for NVIDIA GPUs that never syncs needlessly"};
  // One line per error, like every other rill error. Set before the subcommands are added:
  // CLI11 copies it into each subcommand when it is created.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("rill: ") + e.what() + " (see --help)\n";
  });
  app.set_version_flag("--version", std::string("rill ") + rill::kVersion);
  app.require_subcommand(0, 1);

  rill::cli::BuildCommand build;
  CLI::App* build_app = app.add_subcommand("build", "build an ONNX model into a .rill plan file");
  build_app->add_option("model", build.model, "ONNX model")->required()->check(CLI::ExistingFile);
  build_app->add_option("-o,--output", build.output, "plan file to write")->required();
  add_precision_options(build_app, build.precision);
  add_shape_options(build_app, build.shapes);
  CLI::Option* no_tuning = build_app->add_flag(
      "--no-tuning", build.tuning.no_tuning,
      "take the libraries' heuristic algorithms instead of timing the candidates of every GEMM "
      "and convolution on this GPU");
  build_app
      ->add_option("--timing-cache", build.tuning.timing_cache,
                   "read tuned algorithms from FILE and write newly timed ones back (made if "
                   "missing; one from another GPU or library version is replaced)")
      ->type_name("FILE")
      ->excludes(no_tuning);

  rill::cli::RunCommand run;
  run.model = "models/tiny_cnn.onnx";
  CLI::App* run_app = app.add_subcommand("run", "run a model once and print or save its outputs");
  run_app->add_option("model", run.model, "ONNX model or .rill plan (default: the bundled model)")
      ->check(CLI::ExistingFile);
  run_app->add_option("--input", run.inputs, "input from a .npy file, name=file.npy (repeatable)");
  run_app->add_option("--expect", run.expects,
                      "compare an output with a .npy file, name=file.npy (repeatable)");
  run_app->add_option("--tolerance", run.tolerance, "relative L2 tolerance for --expect")
      ->check(CLI::NonNegativeNumber);
  run_app->add_option("--output-dir", run.output_dir, "write every output as DIR/<name>.npy");
  run_app->add_option("--batch", run.batch, "batch size for random inputs")->check(CLI::PositiveNumber);
  run_app->add_flag("--cpu", run.cpu, "use the CPU reference executor even with a GPU");
  add_precision_options(run_app, run.precision);
  add_shape_options(run_app, run.shapes);

  rill::cli::InspectCommand inspect;
  CLI::App* inspect_app = app.add_subcommand("inspect", "show inputs, outputs, layers and the plan");
  inspect_app->add_option("model", inspect.model, "ONNX model or .rill plan")
      ->required()
      ->check(CLI::ExistingFile);

  rill::cli::BenchCommand bench;
  CLI::App* bench_app = app.add_subcommand(
      "bench", "measure throughput, latency percentiles and host syncs of a model");
  bench_app
      ->add_option("model", bench.model, "ONNX model or .rill plan (default: the bundled model)")
      ->check(CLI::ExistingFile);
  bench_app->add_option("--batch", bench.batch, "batch size: the leading dim of dynamic inputs")
      ->check(CLI::PositiveNumber);
  CLI::Option* bench_duration =
      bench_app
          ->add_option("--duration", bench.duration_s, "seconds of timed inferences (default 3)")
          ->check(CLI::PositiveNumber);
  bench_app->add_option("--iterations", bench.iterations, "timed inferences, instead of --duration")
      ->check(CLI::PositiveNumber)
      ->excludes(bench_duration);
  bench_app->add_option("--warmup", bench.warmup,
                        "untimed inferences per stream first (default 20)");
  bench_app
      ->add_option("--streams", bench.streams, "caller streams in all (default: one per thread)")
      ->check(CLI::PositiveNumber);
  bench_app->add_option("--threads", bench.threads, "host threads sharing one Session (default 1)")
      ->check(CLI::PositiveNumber);
  bench_app->add_flag("--cuda-graph,!--no-cuda-graph", bench.cuda_graph,
                      "replay CUDA graphs (default) or enqueue every call");
  bench_app
      ->add_option("--stream", bench.stream,
                   "caller stream: explicit (default), default (legacy stream, redirected), "
                   "dedicated (always redirected), naive (legacy stream + sync, no Session)")
      ->check(CLI::IsMember({"default", "dedicated", "explicit", "naive"}));
  bench_app->add_flag("--sync-each", bench.sync_each, "cudaStreamSynchronize after every call");
  bench_app->add_flag("--include-transfers", bench.include_transfers,
                      "time an H2D copy of the inputs and a D2H copy of the outputs too");
  bench_app->add_option("--json", bench.json, "write the results as JSON to this file");
  CLI::Option* bench_compare = bench_app->add_flag(
      "--compare", bench.compare,
      "run scenarios (a)-(e) in one process and print a table with speed-ups");
  bench_app
      ->add_flag("--profile", bench.profile,
                 "after the benchmark, time every layer and print the slowest (trtexec's "
                 "--dumpProfile)")
      ->excludes(bench_compare);
  bench_app
      ->add_option("--profile-iterations", bench.profile_iterations,
                   "enqueues the profile times each layer over (default 50)")
      ->check(CLI::PositiveNumber);
  bench_app->add_option("--profile-top", bench.profile_top,
                        "layers listed by --profile, slowest first (default 25, 0: all)");
  add_precision_options(bench_app, bench.precision);
  add_shape_options(bench_app, bench.shapes);

  CLI::App* info_app = app.add_subcommand("info", "show the CUDA devices rill sees");

  rill::cli::TraceCommand trace;
  CLI::App* trace_app = app.add_subcommand(
      "trace", "run a CUDA program and report its host syncs and default-stream work");
  trace_app->add_option("-o,--output", trace.output, "write the report to FILE instead of stdout");
  trace_app->add_flag("--json", trace.json, "print the report as JSON");
  trace_app->add_option("--top", trace.top, "call sites shown per API")
      ->check(CLI::NonNegativeNumber);
  trace_app->add_option("command", trace.command, "the program and its arguments, after --")
      ->required();

  CLI11_PARSE(app, argc, argv);
  try {
    if (*build_app) return rill::cli::run_build(build);
    if (*run_app) return rill::cli::run_run(run);
    if (*inspect_app) return rill::cli::run_inspect(inspect);
    if (*info_app) return rill::cli::run_info();
    if (*bench_app) return rill::cli::run_bench(bench);
    if (*trace_app) return rill::cli::run_trace(trace);
    std::printf("%s", app.help().c_str());
    return 0;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "rill: out of host memory (is a shape far too large?)\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rill: %s\n", e.what());
    return 1;
  }
}
