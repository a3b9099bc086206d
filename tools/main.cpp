// The rill command-line tool: argument parsing and dispatch only; the commands live in src/cli.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "rill/error.h"
#include "rill/version.h"

namespace {

void add_shape_options(CLI::App* app, rill::cli::ShapeOptions& shapes) {
  app->add_option("--min", shapes.min, "smallest shape of an input, name:dims (input:1x3x224x224)");
  app->add_option("--opt", shapes.opt, "shape to optimize for, name:dims");
  app->add_option("--max", shapes.max, "largest shape of an input, name:dims");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rill: an ONNX inference runtime for NVIDIA GPUs that never syncs needlessly"};
  app.set_version_flag("--version", std::string("rill ") + rill::kVersion);
  app.require_subcommand(0, 1);

  rill::cli::BuildCommand build;
  CLI::App* build_app = app.add_subcommand("build", "build an ONNX model into a .rill plan file");
  build_app->add_option("model", build.model, "ONNX model")->required()->check(CLI::ExistingFile);
  build_app->add_option("-o,--output", build.output, "plan file to write")->required();
  build_app->add_flag("--tf32", build.tf32, "allow TF32 tensor-core math for float32");
  add_shape_options(build_app, build.shapes);

  rill::cli::RunCommand run;
  run.model = "models/tiny_cnn.onnx";
  CLI::App* run_app = app.add_subcommand("run", "run a model once and print or save its outputs");
  run_app->add_option("model", run.model, "ONNX model or .rill plan (default: the bundled model)")
      ->check(CLI::ExistingFile);
  run_app->add_option("--input", run.inputs, "input from a .npy file, name=file.npy (repeatable)");
  run_app->add_option("--expect", run.expects,
                      "compare an output with a .npy file, name=file.npy (repeatable)");
  run_app->add_option("--tolerance", run.tolerance, "relative L2 tolerance for --expect");
  run_app->add_option("--output-dir", run.output_dir, "write every output as DIR/<name>.npy");
  run_app->add_option("--batch", run.batch, "batch size for random inputs")->check(CLI::PositiveNumber);
  run_app->add_flag("--cpu", run.cpu, "use the CPU reference executor even with a GPU");
  run_app->add_flag("--tf32", run.tf32, "allow TF32 tensor-core math for float32");
  add_shape_options(run_app, run.shapes);

  rill::cli::InspectCommand inspect;
  CLI::App* inspect_app = app.add_subcommand("inspect", "show inputs, outputs, layers and the plan");
  inspect_app->add_option("model", inspect.model, "ONNX model or .rill plan")
      ->required()
      ->check(CLI::ExistingFile);

  CLI::App* info_app = app.add_subcommand("info", "show the CUDA devices rill sees");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*build_app) return rill::cli::run_build(build);
    if (*run_app) return rill::cli::run_run(run);
    if (*inspect_app) return rill::cli::run_inspect(inspect);
    if (*info_app) return rill::cli::run_info();
    std::printf("%s", app.help().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rill: %s\n", e.what());
    return 1;
  }
}
