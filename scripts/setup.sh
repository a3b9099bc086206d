#!/usr/bin/env bash
# Installs what rill needs from Debian's packages (idempotent; skips what is present).
# The machine image already ships g++ 12, CMake 3.25 and the CUDA 13 toolkit with cuBLAS,
# cuDNN 9 and CUPTI at /usr/local/cuda.
set -euo pipefail

packages=(
  ninja-build
  libonnx-dev libonnx-testdata python3-onnx python3-numpy
  libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev
  pybind11-dev python3-dev python3-pytest libdlpack-dev
  clang-14 libclang-rt-14-dev  # libFuzzer and the sanitizers' runtimes (scripts/fuzz.sh)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

if [ ! -x /usr/local/cuda/bin/nvcc ]; then
  echo "setup: the CUDA 13 toolkit is expected at /usr/local/cuda" >&2
  exit 1
fi
