#!/usr/bin/env bash
# Configures and builds rill into build/ (idempotent: re-runs are incremental).
# Usage: scripts/build.sh [extra cmake args...]; BUILD_DIR overrides the directory.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" "${generator[@]}" "$@"
elif [ $# -gt 0 ]; then
  cmake "$build_dir" "$@"
fi
cmake --build "$build_dir" --parallel "${JOBS:-$(nproc)}"
