#!/usr/bin/env bash
# Runs on the GPU machine: every test (GPU tests must run, not skip), then the checks and
# benchmarks that need a GPU, and writes $OUT/summary.txt. Uses the build staged by
# scripts/stage-device.sh (carried as .device/).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/rill-gpu-check}
mkdir -p "$out"
stage=${RILL_STAGE:-.device}
summary="$out/summary.txt"
if [ ! -d "$stage/bin" ] && [ -f .device-pack/device.tgz ]; then
  tar -xzf .device-pack/device.tgz
fi
if [ ! -d "$stage/bin" ]; then
  echo "gpu-check: no staged build at $stage; run scripts/stage-device.sh here first" >&2
  exit 2
fi
export LD_LIBRARY_PATH="$PWD/$stage/lib:/usr/local/cuda/lib64:/usr/local/cuda/extras/CUPTI/lib64:${LD_LIBRARY_PATH:-}"
export RILL_EXPECT_GPU=1  # a GPU test that skips here fails
failures=0

{
  echo "rill gpu-check $(date -u +%Y-%m-%dT%H:%MZ) commit $(cat "$stage/COMMIT" 2>/dev/null || echo '?')"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | sed 's/^/gpu: /'
  "$stage/bin/rill" --version
} | tee "$summary"

# Logs go to $out/logs/ and, concatenated, to $out/steps.log (the device returns 8 files at most).
mkdir -p "$out/logs"
step() {  # step NAME COMMAND...: runs, logs to $out/logs/NAME.log, records PASS/FAIL
  local name=$1
  shift
  local start=$SECONDS
  local log="$out/logs/$name.log"
  if "$@" >"$log" 2>&1; then
    printf '%-28s PASS  (%ds)\n' "$name" $((SECONDS - start)) | tee -a "$summary"
  else
    printf '%-28s FAIL  (%ds, exit %d)\n' "$name" $((SECONDS - start)) "$?" | tee -a "$summary"
    failures=$((failures + 1))
    tail -n 30 "$log"
  fi
  grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$log" | sed 's/^/    /' | tee -a "$summary"
  { echo "===== $name"; cat "$log"; } >>"$out/steps.log"
}

# The trace test finds the probe and the injection library at their build paths.
mkdir -p build/bin build/tests/trace
ln -sf "$PWD/$stage/bin/librill_trace.so" build/bin/librill_trace.so
ln -sf "$PWD/$stage/bin/rill_trace_probe" build/tests/trace/rill_trace_probe

for test in "$stage"/bin/rill_*_tests; do
  step "$(basename "$test")" "$test" --gtest_brief=1
done

# compute-sanitizer on the session tests (not those that count syncs: CUPTI allows one
# subscriber, and the sanitizer is one), with a smaller thread hammer.
sanitizer=/usr/local/cuda/bin/compute-sanitizer
if [ -x "$sanitizer" ] && [ -x "$stage/bin/rill_session_gpu_tests" ]; then
  filter='SessionGpu.*:-*DefaultStream*:*SteadyState*:*DirectReplay*'
  for tool in memcheck racecheck; do
    step "sanitizer_$tool" timeout 240 env RILL_HAMMER_THREADS=2 RILL_HAMMER_RUNS=4 \
      "$sanitizer" --tool "$tool" --error-exitcode 1 --print-limit 30 \
      "$stage/bin/rill_session_gpu_tests" --gtest_filter="$filter" --gtest_brief=1
    grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$out/logs/sanitizer_$tool.log" | sed 's/^/    /' | tee -a "$summary"
    # The first reports, with kernel names, for the summary.
    grep -E -m 6 -A 3 '^========= (Invalid|Race|Uninitialized|Program hit)' "$out/logs/sanitizer_$tool.log" | sed 's/^/    /' | tee -a "$summary"
  done
fi

if [ -x "$stage/bin/rill_conformance" ]; then
  step conformance_gpu "$stage/bin/rill_conformance" --backend gpu --data "$stage/onnx-node-tests"
  grep -E '^conformance: ' "$out/logs/conformance_gpu.log" | tee -a "$summary"
  # The same node tests built as FP16 and BF16 engines (tolerances in conformance_main.cpp).
  for precision in fp16 bf16; do
    step "conformance_gpu_$precision" "$stage/bin/rill_conformance" --backend gpu \
      --precision "$precision" --data "$stage/onnx-node-tests"
    grep -E '^FAIL|^  ROUNDED|^conformance: ' "$out/logs/conformance_gpu_$precision.log" | head -n 25 |
      tee -a "$summary"
  done
fi

# The Python package under PyTorch (tests/python/test_python_gpu.py: default stream, side stream,
# torch.cuda.graph capture, zero host syncs, 8 threads, dropped outputs, DLPack and the CUDA
# array interface), with the module that stage-device.sh built for this python3, and the CPU
# tests too. RILL_EXPECT_GPU=1 turns a skip (no torch, no GPU) into a failure.
if [ -d "$stage/python/rill" ]; then
  python_path="$PWD/$stage/python"
  python3 -c 'import pytest' 2>/dev/null || python_path="$python_path:$PWD/$stage/python-deps"
  step python_tests env PYTHONPATH="$python_path" RILL_SOURCE_DIR="$PWD" PYTHONDONTWRITEBYTECODE=1 \
    python3 -m pytest -v -rs -p no:cacheprovider -W ignore::DeprecationWarning \
    tests/python/test_python_gpu.py tests/python/test_python_cpu.py
  grep -E '(PASSED|FAILED|ERROR|SKIPPED)' "$out/logs/python_tests.log" | grep -E 'FAILED|ERROR|SKIPPED' |
    head -n 20 | sed 's/^/    /' | tee -a "$summary"
  tail -n 1 "$out/logs/python_tests.log" | sed 's/^/    /' | tee -a "$summary"
else
  printf '%-28s FAIL  (no staged Python module: run scripts/stage-device.sh with a Python 3.12)\n' python_tests | tee -a "$summary"
  failures=$((failures + 1))
fi

# The seed's experiment from PyTorch (numbers, not pass/fail beyond running): ResNet-50 through
# rill.torch.compile on torch's default stream and on a side stream, beside plain PyTorch.
if [ "${RILL_SKIP_BENCH:-0}" != 1 ] && [ -d "$stage/python/rill" ] &&
  python3 -c 'import torch, torchvision' 2>/dev/null; then
  step pytorch_default_stream env PYTHONPATH="$PWD/$stage/python" PYTHONUNBUFFERED=1 timeout 300 \
    python3 examples/pytorch_default_stream.py --cache-dir /tmp/rill-engine-cache
  grep -E '^\||^#' "$out/logs/pytorch_default_stream.log" | tee -a "$summary"
fi

# Real models exported by this machine's PyTorch, run by rill and compared with PyTorch's float32
# output (TF32 off on both sides): relative L2 error must stay under 1e-4.
models=${RILL_MODELS_DIR:-/tmp/rill-models}
if [ "${RILL_SKIP_MODELS:-0}" != 1 ] && python3 -c 'import torch, torchvision, transformers' 2>/dev/null; then
  step export_models env PYTHONUNBUFFERED=1 python3 scripts/export_torch_models.py --out "$models"
  while read -r model input output; do
    for batch in 1 8; do
      step "${model}_b${batch}" "$stage/bin/rill" run "$models/$model/model.onnx" \
        --input "$input=$models/$model/input_b$batch.npy" \
        --expect "$output=$models/$model/output_b$batch.npy" --tolerance 1e-4
      grep -E 'relative L2' "$out/logs/${model}_b${batch}.log" | sed 's/^ */    /' | tee -a "$summary"
    done
  done <<'MODELS'
resnet50 input logits
bert input_ids last_hidden_state
MODELS
fi

# Build-time tuning on a real model (Note [Build-time tuning] in src/kernels/algorithm_selector.h):
# a cold build times every distinct convolution and GEMM, a second build with the timing cache
# times nothing.
if [ -f "$models/resnet50/model.onnx" ]; then
  rm -f /tmp/rill-tune.cache
  for pass in cold warm; do
    step "tune_resnet50_fp16_$pass" "$stage/bin/rill" build "$models/resnet50/model.onnx" \
      -o /tmp/rill-tune.rill --fp16 --timing-cache /tmp/rill-tune.cache
    grep -E '^  tuning:|warning' "$out/logs/tune_resnet50_fp16_$pass.log" | sed 's/^ */    /' | tee -a "$summary"
  done
  step tune_resnet50_cache_hit grep -q ' (0 timed, ' "$out/logs/tune_resnet50_fp16_warm.log"
fi

# rill trace on a PyTorch program with a hidden sync per .item().
if [ "${RILL_SKIP_MODELS:-0}" != 1 ] && python3 -c 'import torch' 2>/dev/null; then
  step trace_torch_item "$stage/bin/rill" trace --top 3 -- python3 scripts/trace_torch_item.py
  grep -E -m 8 'host sync|cudaStreamSynchronize|cuStreamSynchronize|item|trace_torch_item' \
    "$out/logs/trace_torch_item.log" | sed 's/^/    /' | tee -a "$summary"
fi

# Benchmarks (numbers, not pass/fail): the seed's comparison on the bundled model and the two
# real models, then PyTorch eager and torch.compile on the same card.
if [ "${RILL_SKIP_BENCH:-0}" != 1 ] && [ -x "$stage/bin/rill_session_bench" ]; then
  bench_models=models/tiny_cnn.onnx
  [ -f "$models/resnet50/model.onnx" ] && bench_models="$bench_models,$models/resnet50/model.onnx"
  [ -f "$models/bert/model.onnx" ] && bench_models="$bench_models,$models/bert/model.onnx"
  step session_bench "$stage/bin/rill_session_bench" --models "$bench_models" --batch 1 \
    --iterations "${RILL_BENCH_ITERATIONS:-300}" --json "$out/bench.json"
  grep -E '^\||^#' "$out/logs/session_bench.log" | tee -a "$summary"
  # Host time and CUDA runtime calls per graph-replayed Session::run (issue 8's 10 us target).
  step host_time "$stage/bin/rill_host_time" --models "$bench_models" --precision fp16 \
    --iterations "${RILL_HOST_TIME_ITERATIONS:-2000}" --json "$out/logs/host_time.json"
  grep -E '^\||^#' "$out/logs/host_time.log" | tee -a "$summary"
  # Where ResNet-50's FP16 batch-32 time goes, layer by layer (rill bench --profile).
  if [ -f "$models/resnet50/model.onnx" ]; then
    step profile_resnet50_fp16_b32 sh -c "'$stage/bin/rill' build '$models/resnet50/model.onnx' \
      -o /tmp/rill-profile.rill --fp16 --opt input:32x3x224x224 && '$stage/bin/rill' bench \
      /tmp/rill-profile.rill --iterations 300 --profile --profile-top 10"
    grep -E 'GPU compute|layer profile|^  [a-zA-Z.]+ +[0-9]+ +[0-9.]+ +[0-9.]+%|^ +[0-9]+ /' \
      "$out/logs/profile_resnet50_fp16_b32.log" | cut -c1-160 | sed 's/^/    /' | tee -a "$summary"
  fi
  # The same comparison through the CLI, as a user runs it.
  for model in models/tiny_cnn.onnx "$models/resnet50/model.onnx"; do
    [ -f "$model" ] || continue
    name=$(basename "$(dirname "$model")")_$(basename "$model" .onnx)
    step "rill_bench_compare_$name" "$stage/bin/rill" bench "$model" --compare --iterations 200 \
      --json "$out/logs/bench_$name.json"
    grep -E '^\|' "$out/logs/rill_bench_compare_$name.log" | tee -a "$summary"
  done
  if python3 -c 'import torch, torchvision, transformers' 2>/dev/null; then
    step torch_baseline env PYTHONUNBUFFERED=1 timeout 240 python3 scripts/torch_baseline.py --quick \
      --json "$out/torch_baseline.json"
    grep -E '^\|' "$out/logs/torch_baseline.log" | tee -a "$summary"
  fi
fi

# FP16/BF16 engines against PyTorch on this card (docs/PERFORMANCE.md): the card's ceilings,
# then rill fp16/bf16/fp32 and PyTorch fp16 eager, CUDA graph and torch.compile at batch 1 and
# 32, with accuracy against PyTorch's float32 output and fractions of the ceilings. Keeps to
# RILL_COMPARE_BUDGET_S (default 280 s), skipping the jobs that no longer fit; RILL_COMPARE_ARGS
# adds options (--max-autotune, --batches 1). Writes $out/compare_torch.json (the sixth file in
# $out, of the 8 that come back) and logs/card_limits.json.
if [ "${RILL_SKIP_COMPARE:-0}" != 1 ] && [ -f "$models/resnet50/input_b32.npy" ] &&
  python3 -c 'import torch, torchvision, transformers' 2>/dev/null; then
  step card_limits env PYTHONUNBUFFERED=1 timeout 120 python3 bench/card_limits.py \
    --json "$out/logs/card_limits.json"
  grep -E '^\|' "$out/logs/card_limits.log" | tee -a "$summary"
  budget=${RILL_COMPARE_BUDGET_S:-280}
  step compare_torch env PYTHONUNBUFFERED=1 timeout $((budget + 60)) python3 bench/compare_torch.py \
    --models-dir "$models" --rill "$stage/bin/rill" --limits "$out/logs/card_limits.json" \
    --budget-s "$budget" --work-dir /tmp/rill-compare --json "$out/compare_torch.json" \
    ${RILL_COMPARE_ARGS:-}
  grep -E '^\||^#' "$out/logs/compare_torch.log" | tee -a "$summary"
fi

echo "gpu-check: $failures failing step(s)" | tee -a "$summary"
# Only summary.txt and steps.log come back from the device.
tar -C "$out" -czf "$out/logs.tar.gz" logs && rm -rf "$out/logs"
exit $((failures > 0))
