"""rill with PyTorch's stream semantics.

    session = rill.Session(engine)
    y = session.run({"input": x})       # x a CUDA torch tensor: y is a dict of torch tensors

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
