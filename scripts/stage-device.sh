#!/usr/bin/env bash
# Stages a build made here for the GPU machine: the device image has nvcc, CMake, cuDNN,
# protobuf and PyTorch but not Debian's libonnx, GoogleTest or CLI11, so rill is built here and
# its binaries travel with the libraries the device lacks. Writes .device/ (ignored by git):
#   .device/bin/     the rill CLI and every test and benchmark executable
#   .device/lib/     libonnx.so.1, libonnx_proto.so.1
# Then: device run with carry [".device"] and command "bash scripts/gpu-check.sh".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
stage=.device
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/lib"
cp build/bin/rill "$stage/bin/"
find build/tests build/bench -maxdepth 3 -type f -executable \
  \( -name 'rill_*_tests' -o -name 'rill_*_bench' -o -name 'rill_conformance' \) \
  -exec cp {} "$stage/bin/" \; 2>/dev/null || true
for lib in libonnx.so.1 libonnx_proto.so.1; do
  cp -L "/usr/lib/x86_64-linux-gnu/$lib" "$stage/lib/"
done
strip --strip-debug "$stage"/bin/* 2>/dev/null || true
du -sh "$stage"
ls "$stage/bin"
