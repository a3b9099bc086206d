#!/usr/bin/python3
"""Writes the small ONNX models that rill's error-path tests load (tests/data/).

Run with Debian's python3 (python3-onnx): /usr/bin/python3 scripts/make_test_models.py
Deterministic: the same bytes every run.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")


def save(model, name, check=True):
    if check:
        onnx.checker.check_model(model, full_check=True)
    path = os.path.join(OUT, name)
    onnx.save(model, path)
    print(f"{path}: {os.path.getsize(path)} bytes")


def model(nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, "test", inputs, outputs, list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                          producer_name="rill-tests")
    m.ir_version = 8
    return m


def main():
    os.makedirs(OUT, exist_ok=True)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])
    # A valid model with an op rill does not implement (Hardmax).
    save(model([helper.make_node("Relu", ["x"], ["h"], name="first_relu"),
                helper.make_node("Hardmax", ["h"], ["y"], name="the_hardmax")], [x], [y]),
         "unsupported_op.onnx")
    # A node reads a weight that no initializer provides (written without the checker, which
    # would reject it too).
    save(model([helper.make_node("Add", ["x", "bias"], ["y"], name="add_bias")], [x], [y]),
         "missing_initializer.onnx", check=False)
    # Not a model at all.
    with open(os.path.join(OUT, "garbage.onnx"), "wb") as f:
        f.write(bytes((i * 37 + 11) % 256 for i in range(512)))
    # A two-op model with a dynamic batch and an int64 shape computation, for engine tests.
    w = np.arange(16, dtype=np.float32).reshape(4, 4) / 10.0
    save(model([helper.make_node("MatMul", ["x", "w"], ["h"], name="matmul"),
                helper.make_node("Shape", ["h"], ["s"], name="shape"),
                helper.make_node("Reshape", ["h", "s"], ["r"], name="reshape"),
                helper.make_node("Relu", ["r"], ["y"], name="relu")], [x], [y],
               [helper.make_tensor("w", TensorProto.FLOAT, [4, 4], w.flatten())]),
         "matmul_relu.onnx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
