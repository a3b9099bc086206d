#include <cstdio>

#include "cli/commands.h"

namespace rill::cli {

int run_build(const BuildCommand& cmd) {
  const std::shared_ptr<Engine> engine =
      Engine::build_from_onnx(cmd.model, build_options(cmd.shapes, cmd.tf32));
  engine->save(cmd.output);
  const EngineSummary& s = engine->summary();
  std::printf("built %s -> %s\n", cmd.model.c_str(), cmd.output.c_str());
  std::printf("  layers: %zu imported, %zu after optimization, %zu fused\n", s.nodes_imported,
              s.nodes_optimized, s.fused_nodes);
  std::printf("  weights: %.2f MiB\n", static_cast<double>(s.weight_bytes) / (1024.0 * 1024.0));
  return 0;
}

int run_inspect(const InspectCommand& cmd) {
  const std::shared_ptr<Engine> engine = open_model(cmd.model, {});
  std::printf("%s\n%s", cmd.model.c_str(), engine->describe(/*with_gpu_plan=*/true).c_str());
  return 0;
}

}  // namespace rill::cli
