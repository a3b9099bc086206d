"""rill: a CUDA inference runtime that never makes you pay for the default stream.

    import rill
    engine = rill.build("model.onnx", fp16=True, shapes={"input": ((1, 3, 224, 224),
                                                                  (8, 3, 224, 224),
                                                                  (32, 3, 224, 224))})
    engine.save("model.rill")
    session = rill.Session(rill.Engine.load("model.rill"))
    outputs = session.run({"input": x})   # dict in, dict out; a list in, a list out

NumPy arrays run on the CPU reference executor (no GPU needed). Device arrays (DLPack,
__cuda_array_interface__) run on the GPU without copies, ordered on the stream you pass; torch
tensors follow PyTorch's stream semantics (see rill.torch). docs/PYTHON.md has the whole story.
"""
from . import errors
from ._engine import Engine, TensorInfo, build
from ._rill import DeviceArray, SyncCounter, __version__, device_count
from ._session import Session
from .errors import (CublasError, CudaError, CudnnError, CuptiError, Error, InputTypeError,
                     InternalError, InvalidArgumentError, InvalidModelError, IoError,
                     NoDeviceError, PlanFileError, UnsupportedError)

__all__ = [
    "build", "Engine", "TensorInfo", "Session", "DeviceArray", "SyncCounter", "device_count",
    "Error", "CudaError", "CublasError", "CudnnError", "CuptiError", "NoDeviceError",
    "InvalidArgumentError", "InputTypeError", "InvalidModelError", "UnsupportedError",
    "PlanFileError", "IoError", "InternalError", "errors", "__version__",
]
