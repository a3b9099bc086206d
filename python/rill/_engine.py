"""rill.build, rill.Engine and rill.TensorInfo."""
from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence, Union

from . import _rill
from .errors import InvalidArgumentError, make_error

Shape = tuple


@dataclass(frozen=True)
class TensorInfo:
    """An engine input or output. Dynamic dims are -1 in `shape`; inputs accept any shape
    between `min` and `max` (dim by dim) and are planned first for `opt`."""

    name: str
    dtype: str  # "float32", "float16", "bfloat16", "int64", ...
    shape: Shape
    min: Shape | None = None
    opt: Shape | None = None
    max: Shape | None = None

    @property
    def range(self) -> tuple[Shape, Shape, Shape] | None:
        """(min, opt, max) for inputs; None for outputs."""
        return None if self.min is None else (self.min, self.opt, self.max)

    @classmethod
    def _from_native(cls, row, is_input: bool) -> "TensorInfo":
        name, dtype, shape, lo, opt, hi = row
        if not is_input:
            return cls(name, dtype, tuple(shape))
        return cls(name, dtype, tuple(shape), tuple(lo), tuple(opt), tuple(hi))


class Engine:
    """An immutable, shareable engine: build it with rill.build or load a .rill plan file."""

    def __init__(self, native: "_rill.NativeEngine"):
        if not isinstance(native, _rill.NativeEngine):
            raise make_error(InvalidArgumentError,
                             "make engines with rill.build() or rill.Engine.load()")
        self._native = native
        self.inputs: list[TensorInfo] = [TensorInfo._from_native(r, True) for r in native.inputs]
        self.outputs: list[TensorInfo] = [TensorInfo._from_native(r, False) for r in native.outputs]
        self.input_names = [i.name for i in self.inputs]
        self.output_names = [o.name for o in self.outputs]

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> "Engine":
        """Loads a .rill plan file (PlanFileError for a corrupt or foreign file)."""
        return cls(_rill.NativeEngine.load(os.fspath(path)))

    def save(self, path: Union[str, os.PathLike]) -> None:
        """Writes the engine as a .rill plan file."""
        self._native.save(os.fspath(path))

    @property
    def precision(self) -> str:
        """"fp32", "fp16" or "bf16"."""
        return self._native.summary()["precision"]

    def summary(self) -> dict:
        """Build facts: node counts before and after optimization, fused nodes, weight bytes,
        op counts, half/float nodes of reduced-precision engines."""
        return self._native.summary()

    def describe(self, gpu_plan: bool = False) -> str:
        """What `rill inspect` prints; with gpu_plan, the kernels and memory plan (needs a GPU)."""
        return self._native.describe(gpu_plan)

    def output_shapes(self, input_shapes: Sequence[Sequence[int]]) -> list[Shape]:
        """Output shapes (engine order) for input shapes (engine order), inferred on the host."""
        return [tuple(s) for s in self._native.output_shapes([list(s) for s in input_shapes])]

    def _copy_native(self) -> "_rill.NativeEngine":
        # An engine binds its weights to the first device it runs on; another device needs its
        # own copy, made through the plan file.
        with tempfile.TemporaryDirectory(prefix="rill-") as tmp:
            path = os.path.join(tmp, "engine.rill")
            self._native.save(path)
            return _rill.NativeEngine.load(path)

    def __repr__(self) -> str:
        def fmt(info: TensorInfo) -> str:
            dims = ",".join("?" if d < 0 else str(d) for d in info.shape)
            return f"{info.name}: {info.dtype}[{dims}]"
        return (f"rill.Engine({self.precision}; inputs {', '.join(map(fmt, self.inputs))}; "
                f"outputs {', '.join(map(fmt, self.outputs))})")


def _shape(value, what: str) -> list[int]:
    try:
        dims = [int(d) for d in value]
    except (TypeError, ValueError):
        raise make_error(InvalidArgumentError, "a shape is a sequence of ints", shape=what) from None
    return dims


def _shape_ranges(shapes: Mapping | None) -> dict:
    """{name: (min, opt, max)}, {name: {"min":..., "opt":..., "max":...}} or {name: shape}
    (static) -> {name: (min, opt, max)} as lists."""
    ranges = {}
    for name, spec in (shapes or {}).items():
        if isinstance(spec, Mapping):
            try:
                spec = (spec["min"], spec["opt"], spec["max"])
            except KeyError:
                raise make_error(InvalidArgumentError, "a shape range needs min, opt and max",
                                 input=name) from None
        spec = list(spec)
        if spec and all(isinstance(d, int) for d in spec):
            spec = [spec, spec, spec]
        if len(spec) != 3:
            raise make_error(InvalidArgumentError,
                             "a shape range is (min, opt, max) or one static shape", input=name)
        ranges[str(name)] = tuple(_shape(s, f"{name}[{i}]") for i, s in enumerate(spec))
    return ranges


def _progress_printer(stage: str, fraction: float) -> None:
    print(f"rill: build {fraction * 100:3.0f}% {stage}", file=sys.stderr, flush=True)


def build(onnx, fp16: bool = False, bf16: bool = False, shapes: Mapping | None = None,
          progress: Union[bool, Callable[[str, float], None]] = True, allow_tf32: bool = False,
          optimize: bool = True, nvtx_layers: bool = False) -> Engine:
    """Builds an ONNX model into an engine (needs no GPU).

    onnx: a path, the model's bytes, or an onnx.ModelProto.
    fp16 / bf16: a reduced-precision engine (weights converted at build time; inputs and outputs
        keep the model's dtypes).
    shapes: shape ranges of dynamic inputs, {name: (min, opt, max)} or {name: static_shape}.
    progress: True prints build stages to stderr; a callable gets (stage, fraction).
    The GIL is released while rill builds.
    """
    if fp16 and bf16:
        raise make_error(InvalidArgumentError, "fp16 and bf16 exclude each other")
    precision = "fp16" if fp16 else "bf16" if bf16 else "fp32"
    callback = _progress_printer if progress is True else (progress or None)
    if callback is not None and not callable(callback):
        raise make_error(InvalidArgumentError, "progress is True, False or a callable")
    ranges = _shape_ranges(shapes)
    if hasattr(onnx, "SerializeToString"):
        onnx = onnx.SerializeToString()
    if isinstance(onnx, (bytes, bytearray, memoryview)):
        with tempfile.TemporaryDirectory(prefix="rill-") as tmp:
            path = os.path.join(tmp, "model.onnx")
            with open(path, "wb") as f:
                f.write(onnx)
            return Engine(_rill.NativeEngine.build(path, precision, allow_tf32, ranges, optimize,
                                                   nvtx_layers, callback))
    if not isinstance(onnx, (str, os.PathLike)):
        raise make_error(InvalidArgumentError,
                         "build() takes an ONNX path, the model's bytes or an onnx.ModelProto",
                         type=type(onnx).__name__)
    return Engine(_rill.NativeEngine.build(os.fspath(onnx), precision, allow_tf32, ranges,
                                           optimize, nvtx_layers, callback))
