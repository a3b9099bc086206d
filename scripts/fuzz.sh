#!/usr/bin/env bash
# Builds rill's libFuzzer targets with clang-14 (ASan + UBSan, build-fuzz/) and runs each for N
# seconds (default 60) from its seed corpus in fuzz/corpus/<target>/. Exits non-zero on any
# finding: a crash, a sanitizer report, a leak, a hang (-timeout), memory past -rss_limit_mb, or
# an exception other than rill::Error (Note [Fuzzing outcomes] in fuzz/fuzz_guard.h). A finding's
# input is left in build-fuzz/findings/<target>/.
# Usage: scripts/fuzz.sh [seconds] [target...]; FUZZ_BUILD_DIR overrides the directory.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(onnx_import plan_loader npy_reader shape_string)
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}

for tool in clang-14 clang++-14; do
  command -v "$tool" >/dev/null || { echo "fuzz: $tool missing (bash scripts/setup.sh)" >&2; exit 1; }
done
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
launchers=()
if command -v ccache >/dev/null; then
  launchers=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(cd .. && pwd)} CCACHE_NOHASHDIR=1
fi
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  # Only the libraries the targets need are built: no tests, benchmarks or Python.
  cmake -S . -B "$build_dir" "${generator[@]}" "${launchers[@]}" \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DRILL_BUILD_FUZZERS=ON -DRILL_BUILD_TESTS=OFF -DRILL_BUILD_BENCH=OFF -DRILL_BUILD_PYTHON=OFF
fi
start=$(date +%s)
cmake --build "$build_dir" --parallel "${JOBS:-$(nproc)}" --target "${targets[@]/#/fuzz_}"
echo "fuzz: targets built in $(($(date +%s) - start)) s"

# detect_leaks: a leak is a finding. The shadow gap stays protected: no fuzzing path touches CUDA.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for target in "${targets[@]}"; do
  corpus="$build_dir/corpus/$target"  # new inputs go here; the checked-in seeds stay read-only
  findings="$build_dir/findings/$target"
  mkdir -p "$corpus" "$findings"
  log="$build_dir/fuzz-$target.log"
  echo "fuzz: $target for ${seconds}s (log $log)"
  if "$build_dir/fuzz/fuzz_$target" "$corpus" "fuzz/corpus/$target" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -detect_leaks=1 \
      -artifact_prefix="$findings/" -print_final_stats=1 >"$log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^Done" "$log" | tr '\n' ' '; echo
  else
    echo "fuzz: FINDING in $target; input in $findings/, last lines of the log:" >&2
    tail -n 40 "$log" >&2
    failed+=("$target")
  fi
done
echo "fuzz: $((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]}" >&2
  exit 1
fi
