"""Exceptions: one Python class per rill::ErrorKind, all subclasses of rill.Error.

A rill::Error raised in C++ reaches Python as the subclass of its kind, with the same message
and context (op, node, shapes, CUDA error name, ...), innermost first. Input errors are also
ValueError/TypeError subclasses, so code that catches those keeps working.
"""
from __future__ import annotations


class Error(Exception):
    """Any failure rill reports.

    Attributes:
        kind: the C++ ErrorKind's name ("invalid-argument", "cuda", ...).
        message: the message without kind and context.
        context: list of (key, value) pairs, innermost first.
    """

    kind = "internal"

    def __init__(self, text: str, *, message: str | None = None, context=None):
        super().__init__(text)
        self.message = text if message is None else message
        self.context = list(context or [])

    def context_value(self, key: str) -> str | None:
        """The first context entry named `key`, or None."""
        for k, v in self.context:
            if k == key:
                return v
        return None


class CudaError(Error):
    kind = "cuda"


class CublasError(Error):
    kind = "cublas"


class CudnnError(Error):
    kind = "cudnn"


class CuptiError(Error):
    kind = "cupti"


class NoDeviceError(Error):
    kind = "no-device"


class InvalidArgumentError(Error, ValueError):
    kind = "invalid-argument"


class InvalidModelError(Error, ValueError):
    kind = "invalid-model"


class UnsupportedError(Error):
    kind = "unsupported"


class PlanFileError(Error):
    kind = "plan-file"


class IoError(Error, OSError):
    kind = "io"


class InternalError(Error):
    kind = "internal"


class InputTypeError(InvalidArgumentError, TypeError):
    """An input that is not an array rill can read (a list, a string, None, ...)."""


_BY_KIND = {cls.kind: cls for cls in (
    CudaError, CublasError, CudnnError, CuptiError, NoDeviceError, InvalidArgumentError,
    InvalidModelError, UnsupportedError, PlanFileError, IoError, InternalError)}


def class_for_kind(kind: str) -> type[Error]:
    """The exception class of a C++ ErrorKind name."""
    return _BY_KIND.get(kind, InternalError)


def format_error(message: str, kind: str, context) -> str:
    """The text a C++ rill::Error prints: "[kind] message (key=value, ...)"."""
    text = f"[{kind}] {message}"
    if context:
        text += " (" + ", ".join(f"{k}={v}" for k, v in context) + ")"
    return text


def make_error(cls: type[Error], message: str, **context) -> Error:
    """An error raised by the Python layer, formatted like the C++ ones."""
    pairs = [(k, str(v)) for k, v in context.items()]
    return cls(format_error(message, cls.kind, pairs), message=message, context=pairs)
