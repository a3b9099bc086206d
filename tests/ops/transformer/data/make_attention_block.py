"""Writes attention_block.onnx: one BERT-style self-attention block as PyTorch's TorchScript
exporter writes eager attention (opset 17), small enough for tests: x [batch, 16, 32], additive
mask [batch, 1, 1, 16], 2 heads of 16, then the output projection.

Run with /usr/bin/python3 (onnx, numpy); the weights are seeded, so the file is reproducible.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

S, HEADS, D = 16, 2, 16
HIDDEN = HEADS * D
rng = np.random.default_rng(1234)


def weight(name, shape, scale):
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)


inits = [
    numpy_helper.from_array(np.array([0, S, HEADS, D], np.int64), "heads_shape"),
    numpy_helper.from_array(np.array([0, S, HIDDEN], np.int64), "hidden_shape"),
    numpy_helper.from_array(np.array(1.0 / np.sqrt(D), np.float32), "scale"),
    weight("wo", (HIDDEN, HIDDEN), 0.2),
    weight("bo", (HIDDEN,), 0.1),
]
nodes = []
for p in ("q", "k", "v"):
    inits += [weight("w" + p, (HIDDEN, HIDDEN), 0.2), weight("b" + p, (HIDDEN,), 0.1)]
    nodes += [
        helper.make_node("MatMul", ["x", "w" + p], [p + "_mm"]),
        helper.make_node("Add", ["b" + p, p + "_mm"], [p + "_lin"]),
        helper.make_node("Reshape", [p + "_lin", "heads_shape"], [p + "_r"]),
        helper.make_node("Transpose", [p + "_r"], [p + "_t"],
                         perm=[0, 2, 3, 1] if p == "k" else [0, 2, 1, 3]),
    ]
nodes += [
    helper.make_node("MatMul", ["q_t", "k_t"], ["scores"]),
    helper.make_node("Mul", ["scores", "scale"], ["scaled"]),
    helper.make_node("Add", ["scaled", "mask"], ["masked"]),
    helper.make_node("Softmax", ["masked"], ["probs"], axis=-1),
    helper.make_node("MatMul", ["probs", "v_t"], ["ctx"]),
    helper.make_node("Transpose", ["ctx"], ["ctx_t"], perm=[0, 2, 1, 3]),
    helper.make_node("Reshape", ["ctx_t", "hidden_shape"], ["ctx_r"]),
    helper.make_node("MatMul", ["ctx_r", "wo"], ["out_mm"]),
    helper.make_node("Add", ["bo", "out_mm"], ["y"]),
]
graph = helper.make_graph(
    nodes, "attention_block",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", S, HIDDEN]),
     helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", 1, 1, S])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", S, HIDDEN])],
    inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                          producer_name="rill tests")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, __file__.replace("make_attention_block.py", "attention_block.onnx"))
