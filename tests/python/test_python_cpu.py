"""rill's Python package without a GPU: build, save, load, inspect, NumPy runs on the CPU
reference, and clear errors for every bad input (after which the session still works)."""
import threading

import numpy as np
import pytest

import rill
from conftest import MODEL, REFERENCE, TEST_DATA


def reference_batch():
    x = np.load(REFERENCE / "input.npy")
    return x, np.load(REFERENCE / "logits.npy"), np.load(REFERENCE / "probs.npy")


def assert_close(actual, expected, tolerance=1e-4):
    assert actual.shape == expected.shape
    error = np.linalg.norm(actual.astype(np.float64) - expected) / np.linalg.norm(expected)
    assert error < tolerance, f"relative L2 error {error:.3g}"


def test_build_inspect(engine):
    assert [i.name for i in engine.inputs] == ["input"]
    info = engine.inputs[0]
    assert info.dtype == "float32"
    assert info.shape == (-1, 3, 32, 32)
    assert info.range == ((1, 3, 32, 32), (1, 3, 32, 32), (64, 3, 32, 32))
    assert [(o.name, o.dtype, o.shape, o.range) for o in engine.outputs] == [
        ("logits", "float32", (-1, 10), None), ("probs", "float32", (-1, 10), None)]
    assert engine.precision == "fp32"
    summary = engine.summary()
    assert summary["nodes_imported"] == 19 and summary["nodes_optimized"] <= 19
    assert "Conv" in summary["op_counts"] or "rill.ConvNhwc" in str(summary["op_counts"])
    text = engine.describe()
    assert "input: float32[?,3,32,32]" in text and "logits" in text
    assert "rill.Engine(fp32; inputs input: float32[?,3,32,32]" in repr(engine)
    assert engine.output_shapes([(5, 3, 32, 32)]) == [(5, 10), (5, 10)]


def test_build_options_and_progress(tmp_path):
    stages = []
    engine = rill.build(str(MODEL), shapes={"input": ((2, 3, 32, 32), (4, 3, 32, 32), (8, 3, 32, 32))},
                        progress=lambda stage, fraction: stages.append((stage, fraction)))
    assert engine.inputs[0].range == ((2, 3, 32, 32), (4, 3, 32, 32), (8, 3, 32, 32))
    assert stages[-1] == ("done", 1.0)
    fractions = [f for _, f in stages]
    assert fractions == sorted(fractions) and len(stages) >= 3
    static = rill.build(MODEL.read_bytes(), shapes={"input": (3, 3, 32, 32)}, progress=False)
    assert static.inputs[0].range == ((3, 3, 32, 32),) * 3
    with pytest.raises(rill.InvalidArgumentError, match="outside the engine's shape range"):
        rill.Session(static).run({"input": np.zeros((2, 3, 32, 32), np.float32)})
    assert rill.build(MODEL, fp16=True, progress=False).precision == "fp16"
    assert rill.build(MODEL, bf16=True, progress=False).precision == "bf16"


def test_build_errors_map_to_kinds(tmp_path):
    with pytest.raises(rill.InvalidArgumentError, match="exclude each other"):
        rill.build(MODEL, fp16=True, bf16=True)
    with pytest.raises(rill.InvalidArgumentError, match="ONNX path"):
        rill.build(12345)
    with pytest.raises(rill.IoError) as missing:
        rill.build(tmp_path / "absent.onnx", progress=False)
    assert str(missing.value).startswith("[io] ")
    with pytest.raises(rill.InvalidModelError):
        rill.build(TEST_DATA / "garbage.onnx", progress=False)
    with pytest.raises(rill.UnsupportedError) as unsupported:
        rill.build(TEST_DATA / "unsupported_op.onnx", progress=False)
    # The C++ error's context arrives intact: the node's op type is named.
    assert unsupported.value.context and unsupported.value.context_value("op") is not None
    assert unsupported.value.kind == "unsupported"
    with pytest.raises(rill.InvalidArgumentError, match="shape range"):
        rill.build(MODEL, shapes={"input": ((1, 3, 32, 32), (2, 3, 32, 32))}, progress=False)


def test_save_load_round_trip(engine, tmp_path):
    path = tmp_path / "tiny.rill"
    engine.save(path)
    loaded = rill.Engine.load(path)
    assert loaded.inputs == engine.inputs and loaded.outputs == engine.outputs
    x, logits, _ = reference_batch()
    assert_close(rill.Session(loaded).run([x])[0], logits)
    (tmp_path / "bad.rill").write_bytes(path.read_bytes()[:100])
    with pytest.raises(rill.PlanFileError):
        rill.Engine.load(tmp_path / "bad.rill")
    with pytest.raises(rill.Error):
        rill.Engine.load(tmp_path / "absent.rill")


def test_numpy_run_matches_the_independent_reference(engine):
    session = rill.Session(engine)
    x, logits, probs = reference_batch()
    named = session.run({"input": x})
    assert list(named) == ["logits", "probs"]
    assert_close(named["logits"], logits)
    assert_close(named["probs"], probs)
    listed = session.run([x])
    assert isinstance(listed, list) and len(listed) == 2
    np.testing.assert_array_equal(listed[0], named["logits"])
    single = session.run(x)
    np.testing.assert_array_equal(single[1], named["probs"])
    # A non-contiguous view is read as its values.
    wide = np.zeros((2, 3, 32, 64), np.float32)
    wide[..., ::2] = x
    np.testing.assert_array_equal(session.run([wide[..., ::2]])[0], named["logits"])
    assert session.stats()["cpu_runs"] == 4
    assert session.stats()["runs"] == 0


def test_threads_share_one_session(engine):
    session = rill.Session(engine)
    rng = np.random.default_rng(5)
    inputs = [rng.standard_normal((1 + i % 3, 3, 32, 32), dtype=np.float32) for i in range(8)]
    expected = [session.run([x])[0] for x in inputs]
    seen = [None] * len(inputs)

    def work(i):
        for _ in range(3):
            seen[i] = session.run({"input": inputs[i]})["logits"]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(inputs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(seen, expected):
        np.testing.assert_array_equal(got, want)


BAD_INPUTS = [
    ("wrong dtype", lambda x: {"input": x.astype(np.float64)}, rill.InvalidArgumentError, "wrong dtype"),
    ("unsupported dtype", lambda x: {"input": x.astype(np.int16)}, rill.InvalidArgumentError, "dtype rill does not support"),
    ("wrong rank", lambda x: {"input": x[0]}, rill.InvalidArgumentError, "wrong rank"),
    ("wrong dim", lambda x: {"input": x[:, :2]}, rill.InvalidArgumentError, "outside the engine's shape range"),
    ("batch too large", lambda x: {"input": np.zeros((65, 3, 32, 32), np.float32)}, rill.InvalidArgumentError, "outside"),
    ("missing input", lambda x: {}, rill.InvalidArgumentError, "missing input"),
    ("unknown input", lambda x: {"input": x, "imput": x}, rill.InvalidArgumentError, "unknown input name"),
    ("too many inputs", lambda x: [x, x], rill.InvalidArgumentError, "expected 1 inputs, got 2"),
    ("nested list", lambda x: {"input": x.tolist()}, rill.InputTypeError, "not an array"),
    ("string", lambda x: {"input": "x.npy"}, rill.InputTypeError, "not an array"),
    ("None", lambda x: {"input": None}, rill.InputTypeError, "not an array"),
    ("not a container", lambda x: 3.5, rill.InputTypeError, "dict"),
    ("object array", lambda x: {"input": np.array([[None]])}, rill.InvalidArgumentError, "dtype"),
]


@pytest.mark.parametrize("case,make,error,message", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_inputs_are_clear_errors_and_the_session_stays_usable(engine, case, make, error, message):
    session = rill.Session(engine)
    x, logits, _ = reference_batch()
    with pytest.raises(error, match=message) as raised:
        session.run(make(x))
    assert isinstance(raised.value, rill.Error)
    assert str(raised.value).startswith("[invalid-argument] ")
    if case not in ("not a container", "too many inputs"):
        assert "input" in str(raised.value)  # the offending input is named
    assert_close(session.run({"input": x})["logits"], logits)


def test_error_types_are_also_python_builtins(engine):
    session = rill.Session(engine)
    with pytest.raises(ValueError):
        session.run({"input": np.zeros((1, 3, 32, 32), np.float64)})
    with pytest.raises(TypeError):
        session.run({"input": [1.0, 2.0]})
    with pytest.raises(rill.InputTypeError):
        rill.Session("tiny.rill")
    with pytest.raises(rill.InvalidArgumentError, match="stream_policy"):
        rill.Session(engine, stream_policy="sometimes")
    with pytest.raises(rill.InvalidArgumentError, match="max_contexts"):
        rill.Session(engine, max_contexts=0)


@pytest.mark.skipif(rill.device_count() > 0, reason="checks the error on a machine without a GPU")
def test_device_arrays_without_a_gpu_are_a_clear_error(engine):
    class FakeDeviceArray:
        __cuda_array_interface__ = {"shape": (1, 3, 32, 32), "typestr": "<f4", "data": (4096, False),
                                    "version": 3, "strides": None, "stream": None}

    session = rill.Session(engine)
    with pytest.raises(rill.Error) as raised:
        session.run({"input": FakeDeviceArray()})
    assert raised.value.kind in ("no-device", "cuda")
    x, logits, _ = reference_batch()
    assert_close(session.run({"input": x})["logits"], logits)
