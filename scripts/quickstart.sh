#!/usr/bin/env bash
# Quick start: install dependencies, build, and run rill's main job on the bundled model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/bin/rill run models/tiny_cnn.onnx
