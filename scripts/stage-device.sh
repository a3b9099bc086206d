#!/usr/bin/env bash
# Stages a build made here for the GPU machine: the device image has nvcc, CMake, cuDNN,
# protobuf and PyTorch but not Debian's libonnx, GoogleTest or CLI11, so rill is built here and
# its binaries travel with the libraries the device lacks. Writes .device/ (ignored by git):
#   .device/bin/     the rill CLI and every test and benchmark executable
#   .device/lib/     libonnx.so.1, libonnx_proto.so.1
#   .device/onnx-node-tests/  ONNX's backend node tests
#   .device/python/  the rill Python package, its module built for the device's python3 (3.12),
#                    and Debian's pure-Python pytest for a device image without one
# Then: device run with carry [".device-pack"] and command "bash scripts/gpu-check.sh".
set -euo pipefail
cd "$(dirname "$0")/.."
# The device's python3 is 3.12 (ours is 3.11): build rill._rill once more against a 3.12's headers
# (pyenv's here; RILL_DEVICE_PYTHON overrides). pybind11's headers serve every version.
device_python=${RILL_DEVICE_PYTHON:-}
if [ -z "$device_python" ]; then
  for candidate in "$HOME"/.pyenv/versions/3.12*/bin/python3 /root/.pyenv/versions/3.12*/bin/python3 \
    /opt/pyenv/versions/3.12*/bin/python3 /usr/bin/python3.12; do
    if [ -x "$candidate" ]; then device_python=$candidate; break; fi
  done
fi
if [ -n "$device_python" ]; then
  bash scripts/build.sh -DRILL_PYTHON_EXTRA_EXECUTABLES="$device_python"
else
  echo "stage-device: no Python 3.12 found; the device gets no Python module" >&2
  bash scripts/build.sh
fi
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
# The Python package for the device's python3, and pytest (pure Python, from Debian) for an image
# that lacks it; gpu-check.sh puts python-deps/ on PYTHONPATH only then.
python_version=
if [ -n "$device_python" ]; then
  python_version=$("$device_python" -c 'import sysconfig; print(sysconfig.get_python_version())')
fi
if [ -n "$python_version" ] && [ -d "build/python-$python_version/rill" ]; then
  mkdir -p "$stage/python" "$stage/python-deps"
  cp -r "build/python-$python_version/rill" "$stage/python/"
  strip --strip-debug "$stage"/python/rill/_rill*.so
  for pkg in _pytest pytest pluggy iniconfig packaging attr attrs py py.py; do
    cp -r "/usr/lib/python3/dist-packages/$pkg" "$stage/python-deps/"
  done
fi
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
