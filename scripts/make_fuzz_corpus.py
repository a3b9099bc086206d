#!/usr/bin/python3
"""Writes the fuzz targets' seed corpora (fuzz/corpus/<target>/): small valid inputs, and
truncated and bit-flipped variants of them.

Run with Debian's python3 (python3-onnx, python3-numpy) after building rill (the plan seeds come
from `rill build`): /usr/bin/python3 scripts/make_fuzz_corpus.py [path/to/rill]
Deterministic: the same bytes every run (fixed seeds), so a re-run shows no diff.
"""
import io
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def write(target, name, data):
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def variants(target, name, data, rng, flips=4, cuts=3):
    """The valid bytes, `cuts` truncations and `flips` copies with a few bits flipped."""
    write(target, name, data)
    for i in range(cuts):
        write(target, f"{name}.cut{i}", data[: rng.randrange(1, len(data))])
    for i in range(flips):
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(flipped))
            flipped[pos] ^= 1 << rng.randrange(8)
        write(target, f"{name}.flip{i}", bytes(flipped))


def model(nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, "fuzz", inputs, outputs, list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                          producer_name="rill-fuzz")
    m.ir_version = 8
    onnx.checker.check_model(m, full_check=True)
    return m.SerializeToString()


def tensor(name, array):
    return numpy_helper.from_array(array, name)


def onnx_seeds(rng):
    f = TensorProto.FLOAT
    vi = helper.make_tensor_value_info
    w = np.random.default_rng(0)
    seeds = {}
    with open(os.path.join(ROOT, "models", "tiny_cnn.onnx"), "rb") as fh:
        seeds["tiny_cnn.onnx"] = fh.read()
    # MatMul + Add + Relu: MatMul-bias and activation fusion.
    seeds["matmul_bias_relu.onnx"] = model(
        [helper.make_node("MatMul", ["x", "w"], ["m"]), helper.make_node("Add", ["m", "b"], ["a"]),
         helper.make_node("Relu", ["a"], ["y"])],
        [vi("x", f, ["batch", 4])], [vi("y", f, ["batch", 3])],
        [tensor("w", w.standard_normal((4, 3), dtype=np.float32)),
         tensor("b", w.standard_normal(3, dtype=np.float32))])
    # Conv + BatchNormalization + Relu + GlobalAveragePool: BN folding, conv epilogues.
    seeds["conv_bn.onnx"] = model(
        [helper.make_node("Conv", ["x", "k"], ["c"], pads=[1, 1, 1, 1]),
         helper.make_node("BatchNormalization", ["c", "s", "o", "mu", "var"], ["n"]),
         helper.make_node("Relu", ["n"], ["r"]), helper.make_node("GlobalAveragePool", ["r"], ["y"])],
        [vi("x", f, ["batch", 2, 5, 5])], [vi("y", f, ["batch", 3, 1, 1])],
        [tensor("k", w.standard_normal((3, 2, 3, 3), dtype=np.float32)),
         tensor("s", np.ones(3, np.float32)), tensor("o", np.zeros(3, np.float32)),
         tensor("mu", np.zeros(3, np.float32)), tensor("var", np.ones(3, np.float32))])
    # Shape -> Gather -> Concat -> Reshape: shape folding and constant inputs.
    seeds["shape_reshape.onnx"] = model(
        [helper.make_node("Shape", ["x"], ["s"]),
         helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
         helper.make_node("Concat", ["n", "minus1"], ["shape"], axis=0),
         helper.make_node("Reshape", ["x", "shape"], ["y"])],
        [vi("x", f, ["batch", 2, 3])], [vi("y", f, ["batch", 6])],
        [tensor("zero", np.array([0], np.int64)), tensor("minus1", np.array([-1], np.int64))])
    # Add + LayerNormalization + Softmax + Transpose + Slice: fusion and movement ops.
    seeds["layernorm_softmax.onnx"] = model(
        [helper.make_node("Add", ["x", "r"], ["a"]),
         helper.make_node("LayerNormalization", ["a", "g", "bt"], ["l"], axis=-1),
         helper.make_node("Softmax", ["l"], ["s"], axis=-1),
         helper.make_node("Transpose", ["s"], ["t"], perm=[0, 2, 1]),
         helper.make_node("Slice", ["t", "st", "en", "ax"], ["y"])],
        [vi("x", f, ["batch", 3, 8]), vi("r", f, ["batch", 3, 8])], [vi("y", f, ["batch", 4, 3])],
        [tensor("g", np.ones(8, np.float32)), tensor("bt", np.zeros(8, np.float32)),
         tensor("st", np.array([0], np.int64)), tensor("en", np.array([4], np.int64)),
         tensor("ax", np.array([1], np.int64))])
    # Constant folding: a computed initializer feeding a Mul and a Gemm with transB.
    seeds["fold_gemm.onnx"] = model(
        [helper.make_node("Constant", [], ["c"], value=tensor("cv", np.full((3,), 2, np.float32))),
         helper.make_node("Mul", ["c", "c"], ["cc"]),
         helper.make_node("Gemm", ["x", "gw", "cc"], ["g"], transB=1),
         helper.make_node("Sigmoid", ["g"], ["y"])],
        [vi("x", f, [2, 5])], [vi("y", f, [2, 3])],
        [tensor("gw", w.standard_normal((3, 5), dtype=np.float32))])
    for name, data in seeds.items():
        variants("onnx_import", name, data, rng, flips=6 if name == "tiny_cnn.onnx" else 3)
    return seeds


def plan_seeds(rng, rill, onnx_bytes):
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("matmul_bias_relu", "conv_bn", "layernorm_softmax"):
            src = os.path.join(tmp, name + ".onnx")
            with open(src, "wb") as fh:
                fh.write(onnx_bytes[name + ".onnx"])
            out = os.path.join(tmp, name + ".rill")
            subprocess.run([rill, "build", src, "-o", out, "--no-tuning"], check=True,
                           stdout=subprocess.DEVNULL)
            with open(out, "rb") as fh:
                variants("plan_loader", name + ".rill", fh.read(), rng)
        out = os.path.join(tmp, "tiny_cnn_fp16.rill")
        subprocess.run([rill, "build", os.path.join(ROOT, "models", "tiny_cnn.onnx"), "-o", out,
                        "--fp16", "--no-tuning"], check=True, stdout=subprocess.DEVNULL)
        with open(out, "rb") as fh:
            variants("plan_loader", "tiny_cnn_fp16.rill", fh.read(), rng, flips=2, cuts=2)


def npy_bytes(array, version=None, fortran=False):
    buf = io.BytesIO()
    if version is None and not fortran:
        np.save(buf, array)
    else:
        a = np.asfortranarray(array) if fortran else array
        header = np.lib.format.header_data_from_array_1_0(a)
        np.lib.format._write_array_header(buf, header, version or (1, 0))
        buf.write(a.tobytes(order="F" if fortran else "C"))
    return buf.getvalue()


def npy_seeds(rng):
    g = np.random.default_rng(1)
    arrays = {
        "f32_2x3.npy": g.standard_normal((2, 3), dtype=np.float32),
        "f64_4.npy": g.standard_normal(4),
        "f16_scalar.npy": np.array(1.5, np.float16),
        "i64_1x2x2.npy": np.arange(4, dtype=np.int64).reshape(1, 2, 2),
        "i32_empty.npy": np.zeros((0, 3), np.int32),
        "i8_5.npy": np.arange(5, dtype=np.int8),
        "u8_2x2.npy": np.arange(4, dtype=np.uint8).reshape(2, 2),
        "bool_3.npy": np.array([True, False, True]),
    }
    for name, array in arrays.items():
        variants("npy_reader", name, npy_bytes(array), rng, flips=2, cuts=2)
    write("npy_reader", "f32_v2.npy", npy_bytes(arrays["f32_2x3.npy"], version=(2, 0)))
    write("npy_reader", "f32_fortran.npy", npy_bytes(arrays["f32_2x3.npy"], fortran=True))
    write("npy_reader", "u16_unsupported.npy", npy_bytes(np.arange(3, dtype=np.uint16)))


def shape_seeds():
    texts = ["input:1x3x224x224", "x:1", "batch:0x4", "a:b:2x2", "input:8x3x224x224",
             "1x3x224x224", "name=file.npy", ":1x2", "x:", "x:1xx2", "x:999999999999x1",
             "x:1x2x3x4x5x6x7x8", "in put:2x2", "x:-1x2"]
    for i, text in enumerate(texts):
        write("shape_string", f"seed{i:02d}.txt", text.encode())


def main():
    rill = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "bin", "rill")
    rng = random.Random(12)
    onnx_bytes = onnx_seeds(rng)
    plan_seeds(rng, rill, onnx_bytes)
    npy_seeds(rng)
    shape_seeds()


if __name__ == "__main__":
    main()
