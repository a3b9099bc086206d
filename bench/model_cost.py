"""The two numbers of a model (.library/device/METHOD.md): the multiply-adds of its
matrix ops and the fewest bytes an inference must move, counted from its ONNX graph.

    model_cost.py MODEL.onnx NAME:DIMS [--precision fp32|fp16|bf16]

Needs only onnx and numpy (no torch), so it runs on CI and on the host.

Note [Counting a model's cost]
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
FLOPs count Conv, MatMul and Gemm only: 2 per multiply-add, bias adds and
every elementwise op left out (they are bandwidth, not arithmetic, and a few
percent of the total). Shapes come from a small shape
propagation of our own, because ONNX's shape inference (onnx 1.12 here, with
data_prop) loses the shapes of exported BERT after its first Slice, whose ends
are computed from Shape(input_ids). The propagation tracks the values of small
integer tensors (shape arithmetic) with numpy, and the shapes of everything.

Bytes are the floor of one inference: every weight read once, every graph input
read once and every output written once. Floating-point weights count at the
engine's precision (2 bytes in fp16/bf16 engines); the engine's inputs and
outputs keep the model's dtypes. An embedding table read by Gather counts only
the rows the indices select, since no runtime reads the rest.
"""

import argparse
import json
import math
import sys

import numpy as np
import onnx
from onnx import numpy_helper

# Bytes per element of onnx.TensorProto data types (onnx.mapping differs between versions).
ELEMENT_BYTES = {1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4,
                 13: 8, 16: 2}
FLOAT_TYPES = {1, 10, 11, 16}  # float, float16, double, bfloat16
NUMPY_TYPES = {1: np.float32, 6: np.int32, 7: np.int64, 9: np.bool_, 10: np.float16,
               11: np.float64}
# Small integer tensors (shape arithmetic) keep their values; larger ones only their shapes.
MAX_TRACKED_ELEMENTS = 4096

UNARY = {"Relu", "Erf", "Sqrt", "Tanh", "Sigmoid", "Softmax", "LayerNormalization",
         "Neg", "Exp", "Log", "Abs", "Gelu", "BatchNormalization", "Dropout", "Not",
         "LogSoftmax", "HardSigmoid", "LeakyRelu", "Clip"}
BINARY = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": None,
          "Pow": np.power, "Equal": np.equal, "Less": np.less, "Greater": np.greater,
          "GreaterOrEqual": np.greater_equal, "LessOrEqual": np.less_equal,
          "And": np.logical_and, "Or": np.logical_or, "Max": np.maximum, "Min": np.minimum}


class ShapeError(Exception):
    """A node whose output shape the propagation cannot work out."""


def attributes(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def tensor_dims(value_info):
    dims = value_info.type.tensor_type.shape.dim
    return [d.dim_value if d.HasField("dim_value") else None for d in dims]


class Propagation:
    """Shapes of every value of a graph for concrete input shapes, and values of small ones."""

    def __init__(self, graph, input_shapes):
        self.shapes = {}
        self.values = {}
        self.dtypes = {}
        for init in graph.initializer:
            self.shapes[init.name] = tuple(init.dims)
            self.dtypes[init.name] = init.data_type
            if math.prod(init.dims) <= MAX_TRACKED_ELEMENTS:
                self.values[init.name] = numpy_helper.to_array(init)
        for inp in graph.input:
            if inp.name in self.shapes:
                continue
            shape = input_shapes.get(inp.name)
            if shape is None:
                shape = tensor_dims(inp)
                if None in shape:
                    raise ShapeError("input %s has symbolic dims %s; give its shape"
                                     % (inp.name, shape))
            self.shapes[inp.name] = tuple(int(d) for d in shape)
            self.dtypes[inp.name] = inp.type.tensor_type.elem_type
        for node in graph.node:
            try:
                self.visit(node)
            except ShapeError:
                raise
            except Exception as e:  # name the node: a bare numpy error says nothing
                raise ShapeError("%s %s: %s: %s" % (node.op_type, node.name,
                                                    type(e).__name__, e)) from e

    def shape(self, name):
        if name not in self.shapes:
            raise ShapeError("no shape for value %r" % name)
        return self.shapes[name]

    def value(self, name, node):
        if name not in self.values:
            raise ShapeError("%s %s needs the value of %r, which is not a small constant"
                             % (node.op_type, node.name, name))
        return self.values[name]

    def set(self, name, shape, value=None, dtype=None):
        self.shapes[name] = tuple(int(d) for d in shape)
        if dtype is not None:
            self.dtypes[name] = dtype
        if value is not None and value.size <= MAX_TRACKED_ELEMENTS:
            self.values[name] = np.asarray(value)

    def visit(self, node):
        op = node.op_type
        attrs = attributes(node)
        ins = [i for i in node.input]
        out = node.output[0]
        known = [i for i in ins if i and i in self.values]
        all_values = len(known) == len([i for i in ins if i])
        first = self.shape(ins[0]) if ins and ins[0] else ()
        first_dtype = self.dtypes.get(ins[0]) if ins else None

        if op == "Constant":
            value, dtype = constant_value(attrs)
            self.set(out, value.shape, value, dtype)
        elif op == "Identity":
            self.set(out, first, self.values.get(ins[0]), first_dtype)
        elif op == "Cast":
            value = self.values.get(ins[0])
            if value is not None and attrs["to"] in NUMPY_TYPES:
                value = value.astype(NUMPY_TYPES[attrs["to"]])
            self.set(out, first, value, attrs["to"])
        elif op in UNARY:
            self.set(out, first, None, first_dtype)
        elif op in BINARY or op == "Where":
            shapes = [self.shape(i) for i in ins]
            value = self.binary_value(op, [self.values[i] for i in ins]) if all_values else None
            dtype = 9 if op in ("Equal", "Less", "Greater", "GreaterOrEqual", "LessOrEqual",
                                "And", "Or") else self.dtypes.get(ins[-1])
            self.set(out, np.broadcast_shapes(*shapes), value, dtype)
        elif op == "Shape":
            dims = np.array(first, dtype=np.int64)[attrs.get("start", 0):attrs.get("end")]
            self.set(out, dims.shape, dims, 7)
        elif op == "Gather":
            axis = attrs.get("axis", 0) % len(first)
            indices = self.shape(ins[1])
            shape = first[:axis] + indices + first[axis + 1:]
            value = (np.take(self.values[ins[0]], self.values[ins[1]], axis=axis)
                     if all_values else None)
            self.set(out, shape, value, first_dtype)
        elif op in ("Unsqueeze", "Squeeze"):
            self.visit_squeeze(node, op, attrs, ins, first, first_dtype)
        elif op == "Concat":
            shapes = [self.shape(i) for i in ins]
            axis = attrs["axis"] % len(first)
            shape = list(first)
            shape[axis] = sum(s[axis] for s in shapes)
            value = (np.concatenate([self.values[i] for i in ins], axis=axis)
                     if all_values else None)
            self.set(out, shape, value, first_dtype)
        elif op == "Reshape":
            shape = self.reshape_target(first, self.value(ins[1], node), attrs)
            value = self.values[ins[0]].reshape(shape) if ins[0] in self.values else None
            self.set(out, shape, value, first_dtype)
        elif op == "Flatten":
            axis = attrs.get("axis", 1) % max(len(first), 1)
            self.set(out, (math.prod(first[:axis]), math.prod(first[axis:])), None, first_dtype)
        elif op == "Transpose":
            perm = attrs.get("perm", list(reversed(range(len(first)))))
            value = self.values[ins[0]].transpose(perm) if ins[0] in self.values else None
            self.set(out, [first[p] for p in perm], value, first_dtype)
        elif op == "MatMul":
            self.set(out, matmul_shape(first, self.shape(ins[1])), None, first_dtype)
        elif op == "Gemm":
            m = first[1] if attrs.get("transA", 0) else first[0]
            b = self.shape(ins[1])
            n = b[0] if attrs.get("transB", 0) else b[1]
            self.set(out, (m, n), None, first_dtype)
        elif op in ("Conv", "MaxPool", "AveragePool"):
            self.set(out, pool_shape(op, first, self.shape(ins[1]) if op == "Conv" else None,
                                     attrs), None, first_dtype)
        elif op in ("GlobalAveragePool", "GlobalMaxPool"):
            self.set(out, first[:2] + (1,) * (len(first) - 2), None, first_dtype)
        elif op == "Slice":
            self.visit_slice(node, ins, first, first_dtype)
        elif op == "Expand":
            target = self.value(ins[1], node)
            shape = np.broadcast_shapes(first, tuple(int(d) for d in target))
            value = (np.broadcast_to(self.values[ins[0]], shape)
                     if ins[0] in self.values else None)
            self.set(out, shape, value, first_dtype)
        elif op == "ConstantOfShape":
            shape = tuple(int(d) for d in self.value(ins[0], node))
            fill = numpy_helper.to_array(attrs["value"]) if "value" in attrs else np.zeros(1, np.float32)
            dtype = attrs["value"].data_type if "value" in attrs else 1
            self.set(out, shape, np.full(shape, fill.reshape(-1)[0]) if math.prod(shape) <= MAX_TRACKED_ELEMENTS else None, dtype)
        elif op == "Range":
            start, limit, delta = (self.value(i, node).reshape(()) for i in ins)
            value = np.arange(start, limit, delta)
            self.set(out, value.shape, value, first_dtype)
        elif op == "GatherElements":
            self.set(out, self.shape(ins[1]), None, first_dtype)
        else:
            raise ShapeError("op %s (node %s) is not known to the shape propagation"
                             % (op, node.name))

    @staticmethod
    def binary_value(op, values):
        if op == "Where":
            return np.where(*values)
        if op == "Div":
            a, b = values
            if np.issubdtype(a.dtype, np.integer):
                return (a // b).astype(a.dtype)
            return a / b
        return BINARY[op](*values)

    def visit_squeeze(self, node, op, attrs, ins, first, first_dtype):
        if len(ins) > 1 and ins[1]:
            axes = [int(a) for a in self.value(ins[1], node).reshape(-1)]
        else:
            axes = list(attrs.get("axes", []))
        shape = list(first)
        if op == "Unsqueeze":
            rank = len(shape) + len(axes)
            for axis in sorted(a % rank for a in axes):
                shape.insert(axis, 1)
        else:
            drop = {a % len(shape) for a in axes} if axes else {
                i for i, d in enumerate(shape) if d == 1}
            shape = [d for i, d in enumerate(shape) if i not in drop]
        value = self.values[ins[0]].reshape(shape) if ins[0] in self.values else None
        self.set(node.output[0], shape, value, first_dtype)

    def visit_slice(self, node, ins, first, first_dtype):
        starts = self.value(ins[1], node).reshape(-1)
        ends = self.value(ins[2], node).reshape(-1)
        axes = (self.value(ins[3], node).reshape(-1) if len(ins) > 3 and ins[3]
                else np.arange(len(starts)))
        steps = (self.value(ins[4], node).reshape(-1) if len(ins) > 4 and ins[4]
                 else np.ones(len(starts), np.int64))
        index = [slice(None)] * len(first)
        for start, end, axis, step in zip(starts, ends, axes, steps):
            index[int(axis) % len(first)] = slice(int(start), int(end), int(step))
        shape = [len(range(*s.indices(d))) for s, d in zip(index, first)]
        value = self.values[ins[0]][tuple(index)] if ins[0] in self.values else None
        self.set(node.output[0], shape, value, first_dtype)

    @staticmethod
    def reshape_target(shape, target, attrs):
        target = [int(d) for d in np.asarray(target).reshape(-1)]
        if not attrs.get("allowzero", 0):
            target = [shape[i] if d == 0 else d for i, d in enumerate(target)]
        if -1 in target:
            known = math.prod(d for d in target if d != -1)
            target[target.index(-1)] = math.prod(shape) // known
        if math.prod(target) != math.prod(shape):
            raise ShapeError("Reshape of %s to %s changes the element count" % (shape, target))
        return target


def constant_value(attrs):
    """A Constant node's value and onnx dtype, from whichever value attribute it has."""
    if "value" in attrs:
        return numpy_helper.to_array(attrs["value"]), attrs["value"].data_type
    for key, dtype, np_type in (("value_int", 7, np.int64), ("value_ints", 7, np.int64),
                                ("value_float", 1, np.float32), ("value_floats", 1, np.float32)):
        if key in attrs:
            return np.array(attrs[key], dtype=np_type), dtype
    raise ShapeError("Constant with none of value, value_int(s), value_float(s): %s"
                     % sorted(attrs))


def matmul_shape(a, b):
    a2 = (1,) + tuple(a) if len(a) == 1 else tuple(a)
    b2 = tuple(b) + (1,) if len(b) == 1 else tuple(b)
    if a2[-1] != b2[-2]:
        raise ShapeError("MatMul of %s and %s: inner dims differ" % (a, b))
    shape = np.broadcast_shapes(a2[:-2], b2[:-2]) + (a2[-2], b2[-1])
    if len(a) == 1:
        shape = shape[:-2] + shape[-1:]
    if len(b) == 1:
        shape = shape[:-1]
    return shape


def pool_shape(op, x, w, attrs):
    spatial = len(x) - 2
    kernel = list(w[2:]) if w is not None else attrs["kernel_shape"]
    strides = attrs.get("strides", [1] * spatial)
    dilations = attrs.get("dilations", [1] * spatial)
    pads = attrs.get("pads", [0] * 2 * spatial)
    auto_pad = attrs.get("auto_pad", b"NOTSET")
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else auto_pad
    ceil = attrs.get("ceil_mode", 0)
    dims = []
    for i in range(spatial):
        if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            dims.append(-(-x[2 + i] // strides[i]))
            continue
        pad = 0 if auto_pad == "VALID" else pads[i] + pads[i + spatial]
        span = x[2 + i] + pad - dilations[i] * (kernel[i] - 1) - 1
        dims.append((-(-span // strides[i]) if ceil else span // strides[i]) + 1)
    channels = w[0] if w is not None else x[1]
    return (x[0], channels) + tuple(dims)


def count_macs(graph, shapes):
    """Multiply-adds of Conv, MatMul and Gemm nodes, per op type."""
    macs = {}
    for node in graph.node:
        op = node.op_type
        if op == "Conv":
            out = shapes[node.output[0]]
            w = shapes[node.input[1]]  # [Cout, Cin/group, k...]
            n = math.prod(out) * math.prod(w[1:])
        elif op == "MatMul":
            a = shapes[node.input[0]]
            n = math.prod(shapes[node.output[0]]) * a[-1]
        elif op == "Gemm":
            a = shapes[node.input[0]]
            k = a[0] if attributes(node).get("transA", 0) else a[1]
            n = math.prod(shapes[node.output[0]]) * k
        else:
            continue
        macs[op] = macs.get(op, 0) + n
    return macs


def gathered_tables(graph):
    """Initializers read only by Gather as its data input (embedding tables): {name: indices}."""
    readers = {}
    for node in graph.node:
        for pos, name in enumerate(node.input):
            readers.setdefault(name, []).append((node, pos))
    tables = {}
    for init in graph.initializer:
        uses = readers.get(init.name, [])
        if uses and all(n.op_type == "Gather" and pos == 0 and
                        attributes(n).get("axis", 0) == 0 for n, pos in uses):
            tables[init.name] = [n.input[1] for n, _ in uses]
    return tables


def minimum_bytes(graph, shapes, dtypes, precision):
    """Weights read once (at the engine's precision), inputs read once, outputs written once."""
    half = precision in ("fp16", "bf16")

    def element_bytes(dtype):
        return 2 if half and dtype in FLOAT_TYPES else ELEMENT_BYTES.get(dtype, 4)

    tables = gathered_tables(graph)
    weights = 0
    for init in graph.initializer:
        size = math.prod(init.dims) * element_bytes(init.data_type)
        if init.name in tables and len(init.dims) >= 1 and init.dims[0] > 0:
            row = size // init.dims[0]
            rows = sum(math.prod(shapes[i]) for i in tables[init.name])
            size = min(size, rows * row)
        weights += size
    initializers = {i.name for i in graph.initializer}
    inputs = sum(math.prod(shapes[i.name]) * ELEMENT_BYTES.get(dtypes[i.name], 4)
                 for i in graph.input if i.name not in initializers)
    outputs = sum(math.prod(shapes[o.name]) * ELEMENT_BYTES.get(o.type.tensor_type.elem_type, 4)
                  for o in graph.output)
    return {"weights": weights, "inputs": inputs, "outputs": outputs,
            "total": weights + inputs + outputs}


def load_graph(path):
    return onnx.load(path).graph


def model_cost(graph, input_shapes, precisions=("fp32", "fp16", "bf16")):
    """FLOPs and minimum bytes of one inference at the given input shapes."""
    prop = Propagation(graph, input_shapes)
    macs = count_macs(graph, prop.shapes)
    total = sum(macs.values())
    return {
        "input_shapes": {k: list(v) for k, v in input_shapes.items()},
        "macs": total,
        "flops": 2 * total,
        "macs_by_op": macs,
        "bytes": {p: minimum_bytes(graph, prop.shapes, prop.dtypes, p) for p in precisions},
    }


def parse_shape(text):
    name, _, dims = text.rpartition(":")
    return name, [int(d) for d in dims.split("x")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="ONNX model")
    parser.add_argument("shapes", nargs="+", metavar="NAME:DIMS",
                        help="concrete input shapes, e.g. input:1x3x224x224")
    args = parser.parse_args(argv)
    cost = model_cost(load_graph(args.model), dict(parse_shape(s) for s in args.shapes))
    json.dump(cost, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
