#!/usr/bin/env bash
# Stages a build made here for the GPU machine: the device image has nvcc, CMake, cuDNN,
# protobuf and PyTorch but not Debian's libonnx, GoogleTest or CLI11, so rill is built here and
# its binaries travel with the libraries the device lacks. Writes .device/ (ignored by git):
#   .device/bin/     the rill CLI and every test and benchmark executable
#   .device/lib/     libonnx.so.1, libonnx_proto.so.1
#   .device/onnx-node-tests/  ONNX's backend node tests
# Then: device run with carry [".device-pack"] and command "bash scripts/gpu-check.sh".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
stage=.device
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/lib"
cp build/bin/rill build/bin/librill_trace.so "$stage/bin/"
cp build/bin/rill_session_bench build/bin/rill_host_time "$stage/bin/"
# GPU tests, the trace probe and the conformance runner (host-only tests run in CI and here).
# The device run is capped at 64 MiB, so only what the GPU needs travels.
find build/tests -maxdepth 4 -type f -executable \
  \( -name 'rill_*gpu_tests' -o -name 'rill_cuda_tests' -o -name 'rill_trace_probe' \
     -o -name 'rill_conformance' \) -exec cp {} "$stage/bin/" \;
for lib in libonnx.so.1 libonnx_proto.so.1; do
  cp -L "/usr/lib/x86_64-linux-gnu/$lib" "$stage/lib/"
done
# ONNX's backend node tests (Debian's libonnx-testdata) that rill runs: those whose ops are all
# implemented (the CPU run lists them), for the GPU conformance run.
mkdir -p "$stage/onnx-node-tests"
build/tests/conformance/rill_conformance --backend cpu --verbose |
  sed -n 's/^\(PASS\|FAIL\) \([^:]*\).*/\2/p' |
  while read -r test; do cp -r "/usr/share/libonnx-testdata/data/node/$test" "$stage/onnx-node-tests/"; done
# The device gets no .git: record which commit this build is.
git rev-parse --short HEAD >"$stage/COMMIT" 2>/dev/null || echo unknown >"$stage/COMMIT"
strip --strip-debug "$stage"/bin/* 2>/dev/null || true
du -sh "$stage"
# The device run carries at most 64 MiB: the binaries travel compressed, as .device-pack
# (gpu-check.sh unpacks it when .device/ is absent).
mkdir -p .device-pack
tar -czf .device-pack/device.tgz "$stage"
du -sh .device-pack/device.tgz
ls "$stage/bin"
