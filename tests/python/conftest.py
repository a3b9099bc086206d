"""Shared fixtures of rill's Python tests (run by CTest with PYTHONPATH at build/python)."""
import os
import pathlib

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("RILL_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
MODEL = SOURCE_DIR / "models" / "tiny_cnn.onnx"
REFERENCE = SOURCE_DIR / "models" / "tiny_cnn_reference"
TEST_DATA = SOURCE_DIR / "tests" / "data"


@pytest.fixture(scope="session")
def engine():
    import rill
    return rill.build(MODEL, progress=False)
