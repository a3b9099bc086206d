#include <cstdio>

#include "cli/commands.h"
#include "cuda/device.h"

namespace rill::cli {

std::shared_ptr<Engine> open_model(const std::string& path, const BuildOptions& options) {
  if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".rill") == 0) return Engine::load(path);
  return Engine::build_from_onnx(path, options);
}

int run_info() {
  const int devices = cuda::device_count();
  std::printf("CUDA devices: %d\n", devices);
  for (int d = 0; d < devices; ++d) std::printf("  [%d] %s\n", d, cuda::describe_device(d).c_str());
  if (devices == 0) std::printf("  (no GPU: rill runs models with its CPU reference executor)\n");
  return 0;
}

}  // namespace rill::cli
