#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "cli/commands.h"
#include "cuda/device.h"

namespace rill::cli {

namespace {

// A one-line progress bar on a terminal ("[#######.............]  35%  optimize  0.4 s"),
// redrawn in place; one line per stage when stderr is not a terminal (CI logs, pipes).
class ProgressBar {
 public:
  ProgressBar() : start_(std::chrono::steady_clock::now()), tty_(isatty(STDERR_FILENO) == 1) {}
  // A build that fails mid-way leaves the bar's line open: end it, so the error starts a line.
  ~ProgressBar() {
    if (tty_ && open_line_) std::fputc('\n', stderr);
  }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void operator()(const std::string& stage, double fraction) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    // A log gets one line per stage, but not one per layer of a stage that reports each layer
    // ("tuning 12/53 layers"): those at most every two seconds.
    const size_t slash = stage.find('/');
    const bool per_item = slash != std::string::npos;
    const std::string kind = stage.substr(0, stage.find(' '));
    // "12/53": the last item always gets its line.
    const bool last_item = per_item && [&] {
      const size_t begin = stage.rfind(' ', slash) + 1;  // npos + 1 == 0
      const size_t end = stage.find(' ', slash);
      return stage.substr(begin, slash - begin) ==
             stage.substr(slash + 1, end == std::string::npos ? end : end - slash - 1);
    }();
    if (!tty_ && per_item && !last_item && kind == last_kind_ && seconds - last_line_s_ < 2.0) {
      return;
    }
    last_kind_ = per_item ? kind : std::string();
    last_line_s_ = seconds;
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(fraction * kWidth + 0.5);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "%s[%s] %3d%%  %-18s %6.1f s%s", tty_ ? "\r" : "", bar.c_str(),
                 static_cast<int>(fraction * 100 + 0.5), stage.c_str(), seconds,
                 tty_ && fraction < 1.0 ? "" : "\n");
    open_line_ = tty_ && fraction < 1.0;
    std::fflush(stderr);
  }

 private:
  std::chrono::steady_clock::time_point start_;
  bool tty_;
  bool open_line_ = false;
  std::string last_kind_;
  double last_line_s_ = 0.0;
};

void print_tuning(const TuningSummary& t) {
  for (const std::string& warning : t.warnings) {
    std::fprintf(stderr, "rill: warning: %s\n", warning.c_str());
  }
  if (!t.ran) {
    std::printf("  tuning: %s\n", t.status.c_str());
    return;
  }
  std::printf("  tuning: %zu layers, %zu distinct problems (%zu timed, %zu from the timing cache), "
              "%zu launches, %.2f s on %s\n",
              t.layers, t.problems, t.timed, t.cache_hits, t.launches, t.seconds, t.device.c_str());
}

double mib(size_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace

int run_build(const BuildCommand& cmd) {
  ProgressBar progress;
  const std::shared_ptr<Engine> engine = Engine::build_from_onnx(
      cmd.model, build_options(cmd.shapes, cmd.precision, cmd.tuning),
      [&](const std::string& stage, double fraction) { progress(stage, fraction); });
  progress("save", 1.0);
  engine->save(cmd.output);
  const EngineSummary& s = engine->summary();
  std::printf("built %s -> %s\n", cmd.model.c_str(), cmd.output.c_str());
  std::printf("  layers: %zu imported, %zu after optimization, %zu fused\n", s.nodes_imported,
              s.nodes_optimized, s.fused_nodes);
  std::string ops;
  for (const auto& [op, count] : s.op_counts) {
    ops += (ops.empty() ? "" : ", ") + op + " x" + std::to_string(count);
  }
  std::printf("  ops: %s\n", ops.c_str());
  std::printf("  weights: %.2f MiB\n", mib(s.weight_bytes));
  const Precision precision = engine->options().precision;
  if (precision == Precision::kFloat32) {
    std::printf("  precision: fp32%s\n", engine->options().allow_tf32 ? " (TF32 allowed)" : "");
  } else {
    std::printf("  precision: %s: %zu layers in %s, %zu left in float32, %zu casts\n",
                precision_name(precision), s.half_nodes,
                precision == Precision::kFloat16 ? "float16" : "bfloat16", s.float_nodes,
                s.precision_casts);
  }
  print_tuning(s.tuning);
  if (cuda::device_count() > 0) {
    const PlannedMemory memory = engine->planned_memory();
    std::printf("  activations at opt shapes: %.2f MiB planned arena vs %.2f MiB naive sum "
                "(%zu kernels)\n",
                mib(memory.arena_bytes), mib(memory.naive_bytes), memory.kernels);
  } else {
    std::printf("  activations: planned on the GPU at first use (no GPU here)\n");
  }
  return 0;
}

int run_inspect(const InspectCommand& cmd) {
  const std::shared_ptr<Engine> engine = open_model(cmd.model, {});
  std::printf("%s\n%s", cmd.model.c_str(), engine->describe(/*with_gpu_plan=*/true).c_str());
  return 0;
}

}  // namespace rill::cli
