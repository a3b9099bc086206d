#!/usr/bin/env bash
# Builds rill and runs every test with CTest. Without a GPU the GPU tests (label `gpu`) report
# "Skipped" with the reason; on a GPU machine they run (scripts/gpu-check.sh makes skips fail).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure --timeout 600 -j "${JOBS:-$(nproc)}"
