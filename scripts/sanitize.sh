#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer build of rill's host code, and the host tests
# (everything not labelled `gpu`) run under it with leak checking on. Note [Sanitizer builds] in
# cmake/RillTargets.cmake says what is instrumented; docs/RELIABILITY.md how to read a report.
# Usage: scripts/sanitize.sh [extra ctest args...]; BUILD_DIR (default build-asan) and JOBS as
# for scripts/build.sh. The Python bindings and the benchmark tools are not built: an
# instrumented extension module needs the ASan runtime preloaded into the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILD_DIR=${BUILD_DIR:-build-asan}
start=$SECONDS
bash scripts/setup.sh
# -O1 -g1: what the sanitizers' authors recommend (fast enough, exact stacks with file:line), and
# half the compile time of -O2 -g on CI's two cores. Only the target the host tests need is built.
BUILD_TARGET=rill_host_checks bash scripts/build.sh -DRILL_SANITIZE=address,undefined \
  -DRILL_BUILD_PYTHON=OFF -DRILL_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
echo "sanitize: build took $((SECONDS - start)) s"

# abort_on_error: a report fails the test even where a tool only checks the output.
# protect_shadow_gap=0: the CUDA driver maps memory where ASan's shadow gap would be (on a GPU
# machine; harmless without one). The suppressions name third-party libraries only.
supp=$PWD/scripts/sanitizers
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:protect_shadow_gap=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1
export LSAN_OPTIONS=suppressions=$supp/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$BUILD_DIR"
tests_start=$SECONDS
# GPU test binaries are not built; gtest_discover_tests leaves an unlabelled *_NOT_BUILT test each.
ctest --output-on-failure --timeout 900 -j "${JOBS:-$(nproc)}" -LE gpu -E "_NOT_BUILT$" "$@"
echo "sanitize: host tests took $((SECONDS - tests_start)) s (build and tests $((SECONDS - start)) s)"
