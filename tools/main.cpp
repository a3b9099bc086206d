// The rill command-line tool. Thin: parsing and printing only; the work lives in src/.
#include <cstdio>
#include <cstring>
#include <exception>

#include "cuda/device.h"
#include "rill/error.h"
#include "rill/version.h"

int main(int argc, char** argv) {
  try {
    if (argc > 1 && (std::strcmp(argv[1], "--version") == 0)) {
      std::printf("rill %s\n", rill::kVersion);
      return 0;
    }
    const int devices = rill::cuda::device_count();
    std::printf("rill %s: %d CUDA device(s)\n", rill::kVersion, devices);
    for (int d = 0; d < devices; ++d) {
      std::printf("  [%d] %s\n", d, rill::cuda::describe_device(d).c_str());
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rill: %s\n", e.what());
    return 1;
  }
}
