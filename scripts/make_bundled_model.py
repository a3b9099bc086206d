#!/usr/bin/python3
"""Build the bundled test model ``models/tiny_cnn.onnx``.

The model is a small but real CIFAR-sized image classifier (random weights)
that exercises the operators rill must support for typical CNN exports:
Conv, BatchNormalization, Relu, MaxPool, Add (residual), GlobalAveragePool,
Flatten, Gemm, the PyTorch opset-17 GELU decomposition (Div/Erf/Add/Mul/Mul)
and Softmax.

Usage (Debian's python3 ships python3-onnx and numpy):

    /usr/bin/python3 scripts/make_bundled_model.py
    /usr/bin/python3 scripts/make_bundled_model.py \
        --reference models/tiny_cnn_reference

With ``--reference DIR`` the script additionally runs an independent float64
numpy forward pass over a fixed-seed batch-2 input and writes ``input.npy``,
``logits.npy`` and ``probs.npy`` (float32) into DIR.

The output is byte-for-byte deterministic: weights come from a fixed-seed
generator, nothing time- or host-dependent is stored in the model, and
protobuf serialisation of ONNX messages (which contain no maps) is stable.
"""

import argparse
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO_ROOT, "models", "tiny_cnn.onnx")

WEIGHT_SEED = 2026
INPUT_SEED = 7  # seed of the reference input batch, independent of weights
REFERENCE_BATCH = 2

OPSET = 17
IR_VERSION = 8
BN_EPSILON = 1e-5
NUM_CLASSES = 10


# --------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------

def make_weights():
    """Return an ordered dict name -> float32 array of all parameters.

    Weights use He (Kaiming-normal) scaling, std = sqrt(2 / fan_in), so that
    each Conv/Gemm followed by ReLU roughly preserves the activation variance
    and everything stays O(1) through the network.  The classifier head uses
    std = sqrt(1 / fan_in) so the logits are O(1) rather than large.
    Draw order is fixed, so changing it changes every weight: don't reorder.
    """
    rng = np.random.default_rng(WEIGHT_SEED)

    def he(shape, fan_in, gain=2.0):
        return (rng.standard_normal(shape) * math.sqrt(gain / fan_in)
                ).astype(np.float32)

    def small(shape, scale):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    w = {}
    w["conv1.weight"] = he((16, 3, 3, 3), 3 * 9)
    w["conv1.bias"] = small((16,), 0.05)
    # Non-trivial BN statistics so that a runtime which ignores or
    # mis-orders scale/bias/mean/var gets visibly wrong results.  conv1's
    # output has variance ~2 for unit-variance input, hence var in [1, 3].
    w["bn1.scale"] = rng.uniform(0.5, 1.5, (16,)).astype(np.float32)
    w["bn1.bias"] = small((16,), 0.2)
    w["bn1.mean"] = small((16,), 0.2)
    w["bn1.var"] = rng.uniform(1.0, 3.0, (16,)).astype(np.float32)
    w["conv2.weight"] = he((32, 16, 3, 3), 16 * 9)
    w["conv2.bias"] = small((32,), 0.05)
    w["conv3.weight"] = he((32, 32, 3, 3), 32 * 9)
    w["conv3.bias"] = small((32,), 0.05)
    # Gemm weights are stored [out, in] and used with transB=1, as PyTorch
    # exports nn.Linear.
    w["fc1.weight"] = he((64, 32), 32)
    w["fc1.bias"] = small((64,), 0.05)
    w["fc2.weight"] = he((NUM_CLASSES, 64), 64, gain=1.0)
    w["fc2.bias"] = small((NUM_CLASSES,), 0.05)
    return w


# PyTorch's opset-17 GELU export uses double constants that the exporter
# casts to float32 scalars; reproduce them as 0-d float32 initializers.
GELU_CONSTANTS = {
    "gelu.sqrt2": np.array(math.sqrt(2.0), dtype=np.float32),
    "gelu.one": np.array(1.0, dtype=np.float32),
    "gelu.half": np.array(0.5, dtype=np.float32),
}


# --------------------------------------------------------------------------
# Graph
# --------------------------------------------------------------------------

def build_model(weights):
    node = helper.make_node
    nodes = [
        # Stage 1: 3x32x32 -> 16x16x16
        node("Conv", ["input", "conv1.weight", "conv1.bias"], ["conv1_out"],
             name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
             strides=[1, 1], dilations=[1, 1], group=1),
        node("BatchNormalization",
             ["conv1_out", "bn1.scale", "bn1.bias", "bn1.mean", "bn1.var"],
             ["bn1_out"], name="bn1", epsilon=BN_EPSILON),
        node("Relu", ["bn1_out"], ["relu1_out"], name="relu1"),
        node("MaxPool", ["relu1_out"], ["pool1_out"], name="pool1",
             kernel_shape=[2, 2], strides=[2, 2]),
        # Stage 2: 16x16x16 -> 32x16x16, plus a residual block
        node("Conv", ["pool1_out", "conv2.weight", "conv2.bias"],
             ["conv2_out"], name="conv2", kernel_shape=[3, 3],
             pads=[1, 1, 1, 1], strides=[1, 1], dilations=[1, 1], group=1),
        node("Relu", ["conv2_out"], ["relu2_out"], name="relu2"),
        node("Conv", ["relu2_out", "conv3.weight", "conv3.bias"],
             ["conv3_out"], name="conv3", kernel_shape=[3, 3],
             pads=[1, 1, 1, 1], strides=[1, 1], dilations=[1, 1], group=1),
        node("Add", ["conv3_out", "relu2_out"], ["res_out"], name="residual"),
        node("Relu", ["res_out"], ["relu3_out"], name="relu3"),
        # Head
        node("GlobalAveragePool", ["relu3_out"], ["gap_out"], name="gap"),
        node("Flatten", ["gap_out"], ["flat_out"], name="flatten", axis=1),
        node("Gemm", ["flat_out", "fc1.weight", "fc1.bias"], ["fc1_out"],
             name="fc1", alpha=1.0, beta=1.0, transB=1),
        # GELU exactly as torch.onnx (opset 17) emits it:
        #   Mul(Mul(x, Add(Erf(Div(x, sqrt2)), 1)), 0.5)
        node("Div", ["fc1_out", "gelu.sqrt2"], ["gelu_div_out"],
             name="gelu_div"),
        node("Erf", ["gelu_div_out"], ["gelu_erf_out"], name="gelu_erf"),
        node("Add", ["gelu_erf_out", "gelu.one"], ["gelu_add_out"],
             name="gelu_add"),
        node("Mul", ["fc1_out", "gelu_add_out"], ["gelu_mul_out"],
             name="gelu_mul"),
        node("Mul", ["gelu_mul_out", "gelu.half"], ["gelu_out"],
             name="gelu_mul_half"),
        node("Gemm", ["gelu_out", "fc2.weight", "fc2.bias"], ["logits"],
             name="fc2", alpha=1.0, beta=1.0, transB=1),
        node("Softmax", ["logits"], ["probs"], name="softmax", axis=1),
    ]

    initializers = [numpy_helper.from_array(v, name=k)
                    for k, v in list(weights.items())
                    + list(GELU_CONSTANTS.items())]

    graph = helper.make_graph(
        nodes,
        "tiny_cnn",
        inputs=[helper.make_tensor_value_info(
            "input", TensorProto.FLOAT, ["batch", 3, 32, 32])],
        outputs=[
            helper.make_tensor_value_info(
                "logits", TensorProto.FLOAT, ["batch", NUM_CLASSES]),
            helper.make_tensor_value_info(
                "probs", TensorProto.FLOAT, ["batch", NUM_CLASSES]),
        ],
        initializer=initializers,
        doc_string="Tiny residual CNN with random weights (rill test model).",
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="rill/make_bundled_model.py",
        producer_version="1",
    )
    # make_model stamps the IR version of the installed onnx package; pin it
    # so the file does not depend on which onnx version generated it.
    model.ir_version = IR_VERSION
    return model


def check_and_infer(model):
    """Validate the model and return it with inferred intermediate shapes."""
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(
        model, check_type=True, strict_mode=True)
    onnx.checker.check_model(inferred, full_check=True)

    # Shape inference must agree with the declared output shapes.
    expected = {"logits": ["batch", NUM_CLASSES],
                "probs": ["batch", NUM_CLASSES]}
    for vi in inferred.graph.output:
        dims = [d.dim_param or d.dim_value
                for d in vi.type.tensor_type.shape.dim]
        if dims != expected[vi.name]:
            raise RuntimeError("unexpected shape for %s: %r" % (vi.name, dims))
    # Every intermediate should have a fully inferred shape (only the
    # symbolic batch dimension is left unresolved).
    for vi in inferred.graph.value_info:
        dims = vi.type.tensor_type.shape.dim
        if not dims or dims[0].dim_param != "batch" or any(
                not d.HasField("dim_value") for d in dims[1:]):
            raise RuntimeError("incomplete inferred shape for " + vi.name)
    return inferred


# --------------------------------------------------------------------------
# float64 numpy reference (independent of the ONNX graph wiring)
# --------------------------------------------------------------------------

def ref_conv2d(x, w, b, pad):
    """Stride-1, dilation-1, group-1 2-D convolution via im2col."""
    n, c, h, wd = x.shape
    k_out, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1
    # cols[n, c, i, j, y, x] = xp[n, c, y + i, x + j]
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i:i + oh, j:j + ow]
    out = np.einsum("ncijyx,kcij->nkyx", cols, w, optimize=True)
    return out + b.reshape(1, k_out, 1, 1)


def ref_batchnorm(x, scale, bias, mean, var, eps):
    shape = (1, -1, 1, 1)
    return ((x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
            * scale.reshape(shape) + bias.reshape(shape))


def ref_relu(x):
    return np.maximum(x, 0.0)


def ref_maxpool2x2(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def ref_gemm_transb(x, w, b):
    return x @ w.T + b


_erf = np.vectorize(math.erf, otypes=[np.float64])


def ref_gelu(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def ref_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def reference_forward(weights, x):
    """Hand-written float64 forward pass; returns (logits, probs)."""
    w = {k: v.astype(np.float64) for k, v in weights.items()}
    x = x.astype(np.float64)
    y = ref_conv2d(x, w["conv1.weight"], w["conv1.bias"], pad=1)
    y = ref_batchnorm(y, w["bn1.scale"], w["bn1.bias"], w["bn1.mean"],
                      w["bn1.var"], BN_EPSILON)
    y = ref_maxpool2x2(ref_relu(y))
    r = ref_relu(ref_conv2d(y, w["conv2.weight"], w["conv2.bias"], pad=1))
    y = ref_conv2d(r, w["conv3.weight"], w["conv3.bias"], pad=1)
    y = ref_relu(y + r)
    y = y.mean(axis=(2, 3))  # GlobalAveragePool + Flatten
    y = ref_gelu(ref_gemm_transb(y, w["fc1.weight"], w["fc1.bias"]))
    logits = ref_gemm_transb(y, w["fc2.weight"], w["fc2.bias"])
    return logits, ref_softmax(logits, axis=1)


def write_reference(weights, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(INPUT_SEED)
    x = rng.standard_normal((REFERENCE_BATCH, 3, 32, 32)).astype(np.float32)
    logits, probs = reference_forward(weights, x)
    # Explicit '<f4' keeps the files little-endian on any host; np.save
    # writes format 1.0 for headers this small.
    for name, arr in (("input", x), ("logits", logits), ("probs", probs)):
        path = os.path.join(out_dir, name + ".npy")
        np.save(path, np.ascontiguousarray(arr.astype("<f4")),
                allow_pickle=False)
        print("wrote %s  shape=%s" % (path, list(arr.shape)))
    print("reference logits[0]: %s" % np.array2string(
        logits[0], precision=4, max_line_width=200))
    print("reference argmax: %s" % logits.argmax(axis=1).tolist())


# --------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help="output .onnx path (default: %(default)s)")
    parser.add_argument("--reference", metavar="DIR",
                        help="also write float64-reference input/logits/"
                             "probs .npy files into DIR")
    args = parser.parse_args(argv)

    weights = make_weights()
    model = check_and_infer(build_model(weights))

    data = model.SerializeToString()
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    with open(args.out, "wb") as f:
        f.write(data)

    n_params = sum(v.size for v in weights.values())
    print("wrote %s: %d bytes, %d nodes, %d parameters, opset %d, ir %d" % (
        args.out, len(data), len(model.graph.node), n_params, OPSET,
        model.ir_version))
    print("nodes: " + ", ".join("%s(%s)" % (n.name, n.op_type)
                                for n in model.graph.node))
    if len(data) >= 300 * 1024:
        print("error: model exceeds the 300 KB budget", file=sys.stderr)
        return 1

    if args.reference:
        write_reference(weights, args.reference)
    return 0


if __name__ == "__main__":
    sys.exit(main())
