"""rill with PyTorch's stream semantics.

    session = rill.Session(engine)
    y = session.run({"input": x})       # x a CUDA torch tensor: y is a dict of torch tensors

    model = rill.torch.compile(resnet, torch.randn(1, 3, 224, 224, device="cuda"), fp16=True,
                               dynamic_batch=(1, 8, 32))   # an nn.Module; engines cached on disk

Note [Torch streams]
~~~~~~~~~~~~~~~~~~~~
A run reads torch.cuda.current_stream() of the inputs' device and behaves like a torch op on it:
- on a side stream (`with torch.cuda.stream(s)`), rill runs on s itself;
- on torch's default stream, rill's Session runs on a pooled engine stream that waits for the
  default stream through an event and is joined back by another: no host sync, no work issued to
  the default stream, and the caller sees ordinary stream order;
- inside torch.cuda.graph capture, rill enqueues plainly into the caller's capture (no capture
  of its own; Note [Caller capture] in include/rill/session.h). Run the shapes once before
  capturing, as torch asks for any capture, and keep the Session alive as long as the graph.
Outputs are torch.empty tensors made by torch's caching allocator on the current stream, so they
follow torch's lifetime rules: drop them whenever you like. Inputs are read by work ordered on
the current stream (the engine stream is joined back to it before run() returns), which is what
torch's allocator assumes of every op on that stream: an input freed right after the call is
reused only by work ordered after rill's reads. As with any torch op, a tensor made on another
stream needs the caller's own record_stream/wait. Non-contiguous inputs are made contiguous on
the current stream and kept alive by that same ordering.
"""
from __future__ import annotations

import torch

from .errors import InvalidArgumentError, InputTypeError, UnsupportedError, make_error

_DTYPE_NAMES = {
    torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16",
    torch.float64: "float64", torch.int64: "int64", torch.int32: "int32", torch.int8: "int8",
    torch.uint8: "uint8", torch.bool: "bool",
}
_TORCH_DTYPES = {name: dtype for dtype, name in _DTYPE_NAMES.items()}


def dtype_name(dtype: torch.dtype) -> str:
    """rill's name of a torch dtype ("float32", ...)."""
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        raise make_error(UnsupportedError, "rill has no dtype for this torch dtype", dtype=dtype)
    return name


def torch_dtype(name: str) -> torch.dtype:
    """The torch dtype of a rill dtype name."""
    return _TORCH_DTYPES[name]


def run(session, arrays: list, outputs=None, stream=None) -> list:
    """Runs `session` on torch tensors in engine order (rill.Session.run calls this for torch
    inputs); returns torch tensors in engine order, or fills `outputs`. `stream` defaults to
    torch.cuda.current_stream() of the inputs' device (Note [Torch streams])."""
    engine = session.engine
    device = None
    raw_inputs = []
    contiguous = []  # copies made here, alive until the run is enqueued
    for info, tensor in zip(engine.inputs, arrays):
        if not isinstance(tensor, torch.Tensor):
            raise make_error(InputTypeError, "torch and other inputs cannot be mixed in one run",
                             input=info.name, type=type(tensor).__name__)
        if tensor.device.type != "cuda":
            raise make_error(InvalidArgumentError, "torch inputs must be CUDA tensors (pass "
                             "NumPy arrays to use the CPU reference)", input=info.name,
                             device=tensor.device)
        if device is None:
            device = tensor.device
        elif tensor.device != device:
            raise make_error(InvalidArgumentError, "all inputs must be on one device",
                             input=info.name, device=tensor.device, expected=device)
        name = _DTYPE_NAMES.get(tensor.dtype)
        if name != info.dtype:
            raise make_error(InvalidArgumentError, "input has the wrong dtype", input=info.name,
                             dtype=str(tensor.dtype).replace("torch.", ""),
                             expected_dtype=info.dtype)
        if not tensor.is_contiguous():
            tensor = tensor.contiguous()
            contiguous.append(tensor)
        raw_inputs.append((tensor.data_ptr(), name, tuple(tensor.shape)))
    index = device.index if device.index is not None else torch.cuda.current_device()
    current = torch.cuda.current_stream(index)
    if stream is None:
        stream = current
    elif not isinstance(stream, torch.cuda.Stream):
        stream = torch.cuda.ExternalStream(int(getattr(stream, "cuda_stream", stream)), device=device)
    handle = stream.cuda_stream
    native = session._native_for(index)
    if outputs is not None:
        outs, _ = session._arrange_outputs(outputs)
        raw_outputs = []
        for info, out in zip(engine.outputs, outs):
            if not isinstance(out, torch.Tensor) or not out.is_contiguous() or out.device != device:
                raise make_error(InvalidArgumentError, "outputs must be contiguous torch tensors "
                                 "on the inputs' device", output=info.name)
            raw_outputs.append((out.data_ptr(), dtype_name(out.dtype), tuple(out.shape)))
        native.run(raw_inputs, raw_outputs, handle)
        return None
    shapes = session._output_shapes_for(tuple(r[2] for r in raw_inputs))
    if stream == current:
        results = [torch.empty(shape, dtype=_TORCH_DTYPES[info.dtype], device=device)
                   for info, shape in zip(engine.outputs, shapes)]
    else:
        with torch.cuda.stream(stream):  # outputs belong to the stream that writes them
            results = [torch.empty(shape, dtype=_TORCH_DTYPES[info.dtype], device=device)
                       for info, shape in zip(engine.outputs, shapes)]
    native.run(raw_inputs, [(t.data_ptr(), info.dtype, tuple(t.shape))
                            for info, t in zip(engine.outputs, results)], handle)
    del contiguous
    return results


# ---- rill.torch.compile ------------------------------------------------------------------------

OPSET = 17


def _export(module, args, names, outputs, dynamic_axes, exporter: str) -> bytes:
    """The module as ONNX bytes, by torch.onnx.export: the TorchScript exporter first (it covers
    the most models at opset 17), then the dynamo exporter, unless `exporter` picks one."""
    import io
    attempts = {"auto": (False, True), "torchscript": (False,), "dynamo": (True,)}.get(exporter)
    if attempts is None:
        raise make_error(InvalidArgumentError, "exporter is \"auto\", \"torchscript\" or "
                         "\"dynamo\"", exporter=exporter)
    failures = []
    for dynamo in attempts:
        buffer = io.BytesIO()
        try:
            torch.onnx.export(module, args, buffer, opset_version=OPSET, dynamo=dynamo,
                              input_names=names, output_names=outputs,
                              dynamic_axes=dynamic_axes or None, do_constant_folding=True)
            return buffer.getvalue()
        except Exception as e:  # noqa: BLE001 - every exporter's failure is reported below
            failures.append(f"{'dynamo' if dynamo else 'torchscript'}: "
                            f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    raise make_error(UnsupportedError, "the module could not be exported to ONNX",
                     module=type(module).__name__, errors=" | ".join(failures))


def _cache_dir(cache_dir) -> str:
    import os
    if cache_dir is not None:
        return os.fspath(cache_dir)
    return os.environ.get("RILL_CACHE_DIR",
                          os.path.join(os.path.expanduser("~"), ".cache", "rill", "engines"))


class CompiledModule(torch.nn.Module):
    """An nn.Module whose forward runs a rill Session (what rill.torch.compile returns)."""

    def __init__(self, session, engine_path: str, single_output: bool):
        super().__init__()
        self.session = session
        self.engine_path = engine_path
        self._single = single_output

    @property
    def engine(self):
        return self.session.engine

    def forward(self, *args):
        outputs = self.session.run(list(args))
        return outputs[0] if self._single else tuple(outputs)


def compile(module, example_inputs, fp16: bool = False, bf16: bool = False,  # noqa: A001
            dynamic_batch=None, cache_dir=None, exporter: str = "auto", progress=False,
            **session_options) -> CompiledModule:
    """Exports `module` to ONNX, builds a rill engine (cached on disk) and returns an nn.Module
    whose forward calls a rill Session with torch's stream semantics.

    example_inputs: a tensor or a tuple of tensors, as forward takes them.
    dynamic_batch: (min, opt, max) of dim 0 of every input and output; None keeps the example's
        shapes static.
    cache_dir: where engines are kept, keyed by a hash of the exported model and the options
        (default $RILL_CACHE_DIR or ~/.cache/rill/engines); a second compile of the same model
        loads the engine instead of building it.
    session_options: passed to rill.Session (cuda_graphs, max_contexts, stream_policy, ...).
    """
    import hashlib
    import json
    import os

    from . import Session, build
    from ._engine import Engine
    from ._rill import __version__

    args = tuple(example_inputs) if isinstance(example_inputs, (tuple, list)) else (example_inputs,)
    if not args or not all(isinstance(a, torch.Tensor) for a in args):
        raise make_error(InputTypeError, "example_inputs is a tensor or a tuple of tensors")
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            sample = module(*args)
    finally:
        module.train(was_training)
    sample = sample if isinstance(sample, (tuple, list)) else (sample,)
    if not all(isinstance(s, torch.Tensor) for s in sample):
        raise make_error(UnsupportedError, "compile() takes modules that return a tensor or a "
                         "tuple of tensors", module=type(module).__name__)
    names = [f"input_{i}" for i in range(len(args))]
    outputs = [f"output_{i}" for i in range(len(sample))]
    shapes = {}
    dynamic_axes = {}
    if dynamic_batch is not None:
        lo, opt, hi = (int(b) for b in dynamic_batch)
        if not 1 <= lo <= opt <= hi:
            raise make_error(InvalidArgumentError, "dynamic_batch is (min, opt, max) with "
                             "1 <= min <= opt <= max", dynamic_batch=dynamic_batch)
        for name, a in zip(names, args):
            rest = tuple(a.shape[1:])
            shapes[name] = ((lo,) + rest, (opt,) + rest, (hi,) + rest)
            dynamic_axes[name] = {0: "batch"}
        for name in outputs:
            dynamic_axes[name] = {0: "batch"}

    module.eval()
    try:
        with torch.no_grad():
            onnx_bytes = _export(module, args, names, outputs, dynamic_axes, exporter)
    finally:
        module.train(was_training)
    options = {"fp16": fp16, "bf16": bf16, "shapes": {k: [list(s) for s in v] for k, v in shapes.items()},
               "rill": __version__}
    key = hashlib.sha256(onnx_bytes + json.dumps(options, sort_keys=True).encode()).hexdigest()[:32]
    directory = _cache_dir(cache_dir)
    path = os.path.join(directory, f"{type(module).__name__}-{key}.rill")
    if os.path.exists(path):
        engine = Engine.load(path)
    else:
        engine = build(onnx_bytes, fp16=fp16, bf16=bf16, shapes=shapes, progress=progress)
        os.makedirs(directory, exist_ok=True)
        partial = f"{path}.{os.getpid()}.partial"
        engine.save(partial)
        os.replace(partial, path)  # atomic: concurrent compiles never read a half-written file
    return CompiledModule(Session(engine, **session_options), path, len(sample) == 1)
