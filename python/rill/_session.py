"""rill.Session: runs an engine on NumPy arrays (CPU reference), device arrays (DLPack,
__cuda_array_interface__) or torch tensors (rill.torch's stream semantics)."""
from __future__ import annotations

import sys
import threading
from typing import Mapping

import numpy as np

from . import _rill
from ._engine import Engine
from .errors import InputTypeError, InvalidArgumentError, make_error

_STREAM_POLICIES = ("caller", "dedicated")
_GRAPH_REBINDINGS = ("staging", "update")


def _is_torch_tensor(value) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _is_device_array(value) -> bool:
    return hasattr(value, "__dlpack__") or hasattr(value, "__cuda_array_interface__")


def _stream_handle(stream) -> int:
    """None (the legacy default stream, which rill redirects), an int handle, or a stream object
    (torch's .cuda_stream, CuPy's .ptr)."""
    if stream is None:
        return 0
    for attribute in ("cuda_stream", "ptr", "handle"):
        value = getattr(stream, attribute, None)
        if isinstance(value, int):
            return value
    if isinstance(stream, int) and stream >= 0:
        return stream
    raise make_error(InvalidArgumentError, "stream is None, a cudaStream_t as an int, or a stream "
                     "object (torch.cuda.Stream, cupy.cuda.Stream)", type=type(stream).__name__)


class Session:
    """Runs one engine for many callers (thread-safe; the GIL is released while rill runs).

    cuda_graphs: capture each input-shape signature once and replay it.
    max_contexts: execution contexts the pool grows to (concurrent runs on the GPU).
    stream_policy: "caller" runs on the caller's stream unless it is a default stream (then a
        pooled engine stream joined by events, with no host sync); "dedicated" always redirects.
    The GPU side is made on the first device run, so a Session works on machines without a GPU
    for NumPy inputs.
    """

    def __init__(self, engine: Engine, cuda_graphs: bool = True, max_contexts: int = 8,
                 stream_policy: str = "caller", initial_contexts: int = 1,
                 graph_rebinding: str = "staging", graphs_per_context: int = 8):
        if not isinstance(engine, Engine):
            raise make_error(InputTypeError, "Session needs a rill.Engine",
                             type=type(engine).__name__)
        if stream_policy not in _STREAM_POLICIES:
            raise make_error(InvalidArgumentError, "stream_policy is \"caller\" or \"dedicated\"",
                             stream_policy=stream_policy)
        if graph_rebinding not in _GRAPH_REBINDINGS:
            raise make_error(InvalidArgumentError, "graph_rebinding is \"staging\" or \"update\"",
                             graph_rebinding=graph_rebinding)
        if int(max_contexts) < 1:
            raise make_error(InvalidArgumentError, "max_contexts must be at least 1",
                             max_contexts=max_contexts)
        self.engine = engine
        self._options = dict(cuda_graphs=bool(cuda_graphs), initial_contexts=int(initial_contexts),
                             max_contexts=int(max_contexts), stream_policy=stream_policy,
                             graph_rebinding=graph_rebinding,
                             graphs_per_context=int(graphs_per_context))
        self._lock = threading.Lock()
        self._natives: dict[int, _rill.NativeSession] = {}
        self._output_shapes: dict[tuple, list[tuple]] = {}
        self._cpu_runs = 0

    # ---- inputs -------------------------------------------------------------------------------

    def _arrange(self, inputs) -> tuple[list, bool]:
        """Inputs in engine order, and whether the caller passed a dict."""
        names = self.engine.input_names
        if isinstance(inputs, Mapping):
            unknown = [k for k in inputs if k not in names]
            if unknown:
                raise make_error(InvalidArgumentError, "unknown input name",
                                 input=", ".join(map(str, unknown)), expected=", ".join(names))
            missing = [n for n in names if n not in inputs]
            if missing:
                raise make_error(InvalidArgumentError, "missing input",
                                 input=", ".join(missing), expected=", ".join(names))
            return [inputs[n] for n in names], True
        if isinstance(inputs, (list, tuple)):
            if len(inputs) != len(names):
                raise make_error(InvalidArgumentError,
                                 f"expected {len(names)} inputs, got {len(inputs)}",
                                 expected=", ".join(names))
            return list(inputs), False
        if len(names) == 1 and (isinstance(inputs, np.ndarray) or _is_torch_tensor(inputs)
                                or _is_device_array(inputs)):
            return [inputs], False
        raise make_error(InputTypeError, "inputs are a dict {name: array} or a list in engine order",
                         type=type(inputs).__name__)

    def _output_shapes_for(self, shapes: tuple) -> list[tuple]:
        """Host shape inference, cached per input-shape signature."""
        known = self._output_shapes.get(shapes)
        if known is None:
            known = self.engine.output_shapes(shapes)
            self._output_shapes[shapes] = known
        return known

    # ---- running ------------------------------------------------------------------------------

    def run(self, inputs, outputs=None, stream=None):
        """Runs one inference.

        inputs: {name: array} (returns {name: output}) or a list in engine order (returns a
            list). NumPy arrays run on the CPU reference executor and return NumPy arrays. torch
            tensors run on torch.cuda.current_stream() and return torch tensors (rill.torch).
            Other device arrays (DLPack, __cuda_array_interface__) run on `stream` and return
            rill.DeviceArray outputs, or fill `outputs` (device arrays, engine order) if given.
        stream: for device arrays other than torch's: None (the legacy default stream, which
            rill redirects to an engine stream without a host sync), an int cudaStream_t or a
            stream object.
        Returns as soon as the work is enqueued; outputs are ready in stream order.
        """
        arrays, as_dict = self._arrange(inputs)
        if any(_is_torch_tensor(a) for a in arrays):
            from . import torch as rill_torch
            result = rill_torch.run(self, arrays, outputs=outputs, stream=stream)
        elif all(isinstance(a, np.ndarray) for a in arrays):
            if outputs is not None or stream is not None:
                raise make_error(InvalidArgumentError,
                                 "NumPy inputs run on the CPU reference; outputs= and stream= "
                                 "are for device arrays")
            result = self._run_on_cpu(arrays)
        else:
            result = self._run_device(arrays, outputs, stream)
        if result is None:
            return None
        return dict(zip(self.engine.output_names, result)) if as_dict else result

    def _run_on_cpu(self, arrays: list) -> list:
        named = {name: np.ascontiguousarray(a) for name, a in zip(self.engine.input_names, arrays)}
        results = self.engine._native.run_on_cpu(named)
        with self._lock:
            self._cpu_runs += 1
        return [results[name] for name in self.engine.output_names]

    def _run_device(self, arrays: list, outputs, stream):
        for name, a in zip(self.engine.input_names, arrays):
            if isinstance(a, np.ndarray):
                raise make_error(InvalidArgumentError, "NumPy and device arrays cannot be mixed "
                                 "in one run", input=name)
            if not _is_device_array(a):
                raise make_error(InputTypeError, "input is not an array (NumPy, DLPack or "
                                 "__cuda_array_interface__)", input=name, type=type(a).__name__)
        if outputs is not None:
            outputs, _ = self._arrange_outputs(outputs)
        device = 0
        if hasattr(arrays[0], "__dlpack_device__"):
            device = int(arrays[0].__dlpack_device__()[1])
        return self._native_for(device).run(list(arrays), outputs, _stream_handle(stream))

    def _arrange_outputs(self, outputs) -> tuple[list, bool]:
        names = self.engine.output_names
        if isinstance(outputs, Mapping):
            if set(outputs) != set(names):
                raise make_error(InvalidArgumentError, "outputs must name every engine output",
                                 expected=", ".join(names))
            return [outputs[n] for n in names], True
        if isinstance(outputs, (list, tuple)) and len(outputs) == len(names):
            return list(outputs), False
        raise make_error(InvalidArgumentError, "outputs are a dict {name: array} or a list in "
                         "engine order", expected=", ".join(names))

    def _native_for(self, device: int) -> "_rill.NativeSession":
        """The C++ Session of one device, made on first use (a GPU is needed from here on)."""
        native = self._natives.get(device)
        if native is not None:
            return native
        with self._lock:
            native = self._natives.get(device)
            if native is None:
                engine = self.engine._native if not self._natives else self.engine._copy_native()
                native = _rill.NativeSession(engine, device=device, **self._options)
                self._natives[device] = native
        return native

    def stats(self) -> dict:
        """Counters: runs, redirected_runs (default-stream callers), graph_captures,
        graph_replays, caller_captures (runs inside the caller's CUDA graph capture), contexts,
        ..., summed over devices; cpu_runs counts NumPy runs on the CPU reference."""
        total: dict[str, int] = {}
        for native in list(self._natives.values()):
            for key, value in native.stats().items():
                total[key] = total.get(key, 0) + value
        for key in ("runs", "redirected_runs", "graph_captures", "graph_replays",
                    "caller_captures", "contexts"):
            total.setdefault(key, 0)
        total["cpu_runs"] = self._cpu_runs
        return total

    def __repr__(self) -> str:
        return f"rill.Session({self.engine!r}, {self._options})"
