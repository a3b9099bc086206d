"""rill's Python package on a GPU with PyTorch (scripts/gpu-check.sh runs this on the device).

Without a GPU or without torch every test skips with the reason; with RILL_EXPECT_GPU=1 that is
a failure instead. Expected values come from the CPU reference executor (NumPy inputs), which
shares no code with the GPU path.

Each ordering check makes the input with a slow torch kernel just before the call (a missing
join reads the poisoned or previous input) and consumes the output with a torch op just after
(a missing join back reads stale outputs); every round has a different input.
"""
import os
import threading

import numpy as np
import pytest

try:
    # torch first, as users import it: rill's module then shares torch's CUDA libraries (cuDNN,
    # cuBLASLt) where the sonames match, instead of loading second copies.
    import torch
except ImportError:
    torch = None

import rill


def _unavailable():
    if torch is None:
        return "PyTorch is not installed"
    if not torch.cuda.is_available():
        return "PyTorch sees no CUDA device"
    if rill.device_count() == 0:
        return "rill sees no CUDA device"
    return None


REASON = _unavailable()
if REASON is not None:
    if os.environ.get("RILL_EXPECT_GPU") == "1":
        raise RuntimeError(f"RILL_EXPECT_GPU=1 but the GPU tests cannot run: {REASON}")
    pytest.skip(f"GPU tests skipped: {REASON}", allow_module_level=True)

SPIN_CYCLES = 40_000_000  # about 20 ms: long enough that an unordered read sees the old data
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def inputs():
    gen = torch.Generator().manual_seed(11)
    return [torch.randn(4, 3, 32, 32, generator=gen).cuda() for _ in range(6)]


@pytest.fixture(scope="module")
def expected(engine, inputs):
    """Logits from the CPU reference, per input."""
    cpu = rill.Session(engine)
    return [torch.from_numpy(cpu.run([x.cpu().numpy()])[0]).cuda() for x in inputs]


def assert_close(actual, expected_logits, what=""):
    assert actual.shape == expected_logits.shape, what
    error = (torch.linalg.norm((actual - expected_logits).double()) /
             torch.linalg.norm(expected_logits.double())).item()
    assert error < TOLERANCE, f"{what}: relative L2 error {error:.3g}"


def slow_producer(source):
    """A poisoned buffer that a slow kernel chain fills with `source`, on the current stream."""
    x = torch.full_like(source, float("nan"))
    torch.cuda._sleep(SPIN_CYCLES)
    x.copy_(source)
    return x


def ordered_rounds(session, inputs, expected, label):
    for r, source in enumerate(inputs):
        x = slow_producer(source)
        out = session.run({"input": x})
        consumed = out["logits"] * 1.0  # the consumer, right after the call
        del out, x  # outputs dropped and input freed right after the call
        assert_close(consumed, expected[r], f"{label} round {r}")


def test_default_stream_is_redirected_and_ordered(engine, inputs, expected):
    session = rill.Session(engine)
    assert torch.cuda.current_stream() == torch.cuda.default_stream()
    session.run({"input": inputs[0]})  # warm-up: plan, capture
    ordered_rounds(session, inputs, expected, "default stream")
    stats = session.stats()
    assert stats["redirected_runs"] == stats["runs"] == len(inputs) + 1
    assert stats["graph_replays"] >= len(inputs)


def test_side_stream_runs_there_and_is_ordered(engine, inputs, expected):
    session = rill.Session(engine)
    side = torch.cuda.Stream()
    with torch.cuda.stream(side):
        session.run({"input": inputs[0]})
        ordered_rounds(session, inputs, expected, "side stream")
    torch.cuda.current_stream().wait_stream(side)
    assert session.stats()["redirected_runs"] == 0


def test_graphs_off_and_dedicated_policy(engine, inputs, expected):
    for options in ({"cuda_graphs": False}, {"stream_policy": "dedicated"}):
        session = rill.Session(engine, **options)
        ordered_rounds(session, inputs[:3], expected, str(options))


def test_inside_torch_cuda_graph_capture(engine, inputs, expected):
    session = rill.Session(engine)
    static_in = inputs[0].clone()
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # warm-up, as torch.cuda.graph asks
        for _ in range(2):
            session.run({"input": static_in})
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        static_out = session.run({"input": static_in})["logits"]
        static_consumed = static_out * 2.0
    assert session.stats()["caller_captures"] == 1
    for r, source in enumerate(inputs):
        static_in.fill_(float("nan"))
        torch.cuda._sleep(SPIN_CYCLES)
        static_in.copy_(source)
        graph.replay()
        consumed = static_consumed / 2.0
        assert_close(consumed, expected[r], f"graph replay {r}")
    # The session keeps serving ordinary calls while the graph holds its pinned context.
    assert_close(session.run([inputs[1]])[0], expected[1], "after capture")
    del graph


def test_capture_of_an_unseen_shape_is_a_clear_error(engine):
    session = rill.Session(engine)
    session.run({"input": torch.randn(4, 3, 32, 32, device="cuda")})  # batch 4 only
    torch.cuda.synchronize()
    x = torch.randn(3, 3, 32, 32, device="cuda")
    graph = torch.cuda.CUDAGraph()
    with pytest.raises(rill.InvalidArgumentError, match="before capturing"):
        with torch.cuda.graph(graph):
            session.run({"input": x})


def test_inference_mode_and_non_contiguous_inputs(engine, inputs, expected):
    session = rill.Session(engine)
    with torch.inference_mode():
        assert_close(session.run({"input": inputs[2]})["logits"], expected[2], "inference_mode")
    wide = torch.zeros(4, 3, 32, 64, device="cuda")
    wide[..., ::2] = inputs[3]
    view = wide[..., ::2]
    assert not view.is_contiguous()
    assert_close(session.run([view])[0], expected[3], "non-contiguous")


def test_zero_host_syncs_per_call(engine, inputs):
    for on_side_stream in (False, True):
        session = rill.Session(engine)
        stream = torch.cuda.Stream() if on_side_stream else torch.cuda.current_stream()
        with torch.cuda.stream(stream):
            x = inputs[0].clone()
            session.run({"input": x})  # warm-up
            torch.cuda.synchronize()
            torch.cuda.set_sync_debug_mode("error")
            try:
                counter = rill.SyncCounter()
                for _ in range(20):
                    out = session.run({"input": x})
                syncs, default_ops = counter.host_syncs(), counter.default_stream_ops()
                summary = counter.summary()
                del counter
            finally:
                torch.cuda.set_sync_debug_mode(0)
            del out
        torch.cuda.synchronize()
        where = "side stream" if on_side_stream else "default stream"
        assert syncs == 0, f"{where}: {summary}"
        assert default_ops == 0, f"{where}: {summary}"


def test_eight_threads_on_one_session(engine, inputs, expected):
    session = rill.Session(engine)
    session.run({"input": inputs[0]})
    torch.cuda.synchronize()
    failures = []

    def work(t):
        try:
            side = torch.cuda.Stream() if t % 2 else torch.cuda.default_stream()
            with torch.cuda.stream(side):
                for r in range(10):
                    i = (t + r) % len(inputs)
                    y = session.run({"input": inputs[i].clone()})["logits"] * 1.0
                    side.synchronize()
                    error = (torch.linalg.norm(y - expected[i]) / torch.linalg.norm(expected[i])).item()
                    if not error < TOLERANCE:
                        failures.append((t, r, error))
        except Exception as e:  # noqa: BLE001 - reported below
            failures.append((t, repr(e)))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not failures, failures[:5]
    assert session.stats()["runs"] == 81


def test_dropped_outputs_and_freed_inputs_do_not_corrupt_later_results(engine, inputs, expected):
    session = rill.Session(engine)
    for stream in (torch.cuda.current_stream(), torch.cuda.Stream()):
        with torch.cuda.stream(stream):
            kept = []
            for call in range(40):
                i = call % len(inputs)
                x = inputs[i].clone()
                out = session.run([x])
                del x  # the input's memory goes back to torch's allocator at once
                if call % 2:
                    kept.append((i, out[0]))
                del out  # the other outputs are dropped at once
                # Reuse the freed blocks right away with garbage.
                junk = [torch.full((4, 3, 32, 32), float("nan"), device="cuda"),
                        torch.full((4, 10), float("nan"), device="cuda")]
                del junk
            stream.synchronize()
            for i, logits in kept:
                assert_close(logits, expected[i], "kept output")


def test_dlpack_and_cuda_array_interface_inputs(engine, inputs, expected):
    class OnlyDlpack:
        def __init__(self, t):
            self.t = t

        def __dlpack__(self, stream=None):
            return self.t.__dlpack__(stream=stream)

        def __dlpack_device__(self):
            return self.t.__dlpack_device__()

    class OnlyInterface:
        def __init__(self, t):
            self.__cuda_array_interface__ = t.__cuda_array_interface__

    session = rill.Session(engine)
    side = torch.cuda.Stream()
    for wrap in (OnlyDlpack, OnlyInterface):
        out = session.run({"input": wrap(inputs[4])}, stream=side)
        logits = out["logits"]
        assert isinstance(logits, rill.DeviceArray) and logits.shape == (4, 10)
        as_torch = torch.from_dlpack(logits)  # consumer on the current stream: joined by rill
        assert_close(as_torch, expected[4], wrap.__name__)
        np.testing.assert_allclose(logits.numpy(), as_torch.cpu().numpy())
        # Caller-provided outputs, filled in place.
        filled = torch.empty(4, 10, device="cuda")
        probs = torch.empty(4, 10, device="cuda")
        session.run([wrap(inputs[4])], outputs=[OnlyDlpack(filled), OnlyDlpack(probs)],
                    stream=torch.cuda.current_stream())
        assert_close(filled, expected[4], wrap.__name__ + " outputs=")
    with pytest.raises(rill.InvalidArgumentError, match="wrong dtype"):
        session.run({"input": OnlyDlpack(inputs[0].double())}, stream=side)
    with pytest.raises(rill.InvalidArgumentError, match="not C-contiguous"):
        session.run({"input": OnlyDlpack(inputs[0].transpose(2, 3))}, stream=side)


def test_bad_torch_inputs_are_clear_errors(engine, inputs, expected):
    session = rill.Session(engine)
    bad = [
        ({"input": inputs[0].double()}, "wrong dtype"),
        ({"input": inputs[0][:, :2]}, "outside the engine's shape range"),
        ({"input": inputs[0].cpu()}, "CUDA tensors"),
        ({"input": inputs[0], "other": inputs[0]}, "unknown input name"),
        ({}, "missing input"),
    ]
    for call, message in bad:
        with pytest.raises(rill.InvalidArgumentError, match=message):
            session.run(call)
        assert_close(session.run([inputs[0]])[0], expected[0], message)


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two GPUs")
def test_another_device_index(engine, inputs, expected):
    session = rill.Session(engine)
    assert_close(session.run([inputs[0]])[0], expected[0], "cuda:0")
    with torch.cuda.device(1):
        y = session.run([inputs[0].to("cuda:1")])[0]
        assert y.device == torch.device("cuda:1")
        assert_close(y.to("cuda:0"), expected[0], "cuda:1")


# ---- rill.torch.compile -----------------------------------------------------------------------

def require(module_name):
    try:
        return __import__(module_name)
    except ImportError:
        if os.environ.get("RILL_EXPECT_GPU") == "1":
            raise
        pytest.skip(f"{module_name} is not installed")


@pytest.fixture
def exact_float32():
    """PyTorch's reference in true float32 (no TF32), as rill's float32 engines compute."""
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


def relative_error(actual, expected_values):
    return (torch.linalg.norm((actual - expected_values).double()) /
            torch.linalg.norm(expected_values.double())).item()


def test_compile_resnet18_matches_pytorch_and_caches(tmp_path, exact_float32):
    import rill.torch as rill_torch
    torchvision = require("torchvision")
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).cuda().eval()
    x = torch.randn(4, 3, 224, 224, device="cuda")
    compiled = rill_torch.compile(model, x[:2], dynamic_batch=(1, 2, 4), cache_dir=tmp_path)
    assert isinstance(compiled, torch.nn.Module)
    with torch.no_grad():
        for batch in (1, 2, 4):
            expected_out = model(x[:batch])
            error = relative_error(compiled(x[:batch]), expected_out)
            assert error < 1e-4, f"batch {batch}: relative L2 error {error:.3g}"
    cached = list(tmp_path.iterdir())
    assert len(cached) == 1 and cached[0].suffix == ".rill"
    mtime = cached[0].stat().st_mtime_ns
    again = rill_torch.compile(model, x[:2], dynamic_batch=(1, 2, 4), cache_dir=tmp_path)
    assert again.engine_path == compiled.engine_path and cached[0].stat().st_mtime_ns == mtime
    half = rill_torch.compile(model, x[:2], fp16=True, cache_dir=tmp_path)
    assert half.engine.precision == "fp16" and len(list(tmp_path.iterdir())) == 2
    with torch.no_grad():
        assert relative_error(half(x[:2]), model(x[:2])) < 2e-2


class TinyTransformer(torch.nn.Module):
    """Two pre-norm encoder blocks written out (attention, LayerNorm, GELU MLP)."""

    def __init__(self, width=64, heads=4, layers=2):
        super().__init__()
        self.heads = heads
        self.blocks = torch.nn.ModuleList()
        for _ in range(layers):
            self.blocks.append(torch.nn.ModuleDict({
                "norm1": torch.nn.LayerNorm(width), "qkv": torch.nn.Linear(width, 3 * width),
                "proj": torch.nn.Linear(width, width), "norm2": torch.nn.LayerNorm(width),
                "up": torch.nn.Linear(width, 4 * width), "down": torch.nn.Linear(4 * width, width)}))

    def forward(self, x):
        b, t, c = x.shape
        for block in self.blocks:
            q, k, v = block["qkv"](block["norm1"](x)).chunk(3, dim=-1)
            q, k, v = (z.reshape(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
            attention = torch.softmax(q @ k.transpose(-2, -1) / (c // self.heads) ** 0.5, dim=-1)
            x = x + block["proj"]((attention @ v).transpose(1, 2).reshape(b, t, c))
            x = x + block["down"](torch.nn.functional.gelu(block["up"](block["norm2"](x))))
        return x


def test_compile_small_transformer_matches_pytorch(tmp_path, exact_float32):
    import rill.torch as rill_torch
    torch.manual_seed(1)
    model = TinyTransformer().cuda().eval()
    x = torch.randn(2, 16, 64, device="cuda")
    compiled = rill_torch.compile(model, x, cache_dir=tmp_path)
    with torch.no_grad():
        error = relative_error(compiled(x), model(x))
    assert error < 1e-4, f"relative L2 error {error:.3g}"


def test_compile_of_an_unsupported_op_is_a_clear_error(tmp_path):
    import rill.torch as rill_torch

    class Determinant(torch.nn.Module):
        def forward(self, x):
            return torch.det(x)

    with pytest.raises(rill.UnsupportedError) as raised:
        rill_torch.compile(Determinant(), torch.randn(2, 3, 3, device="cuda"), cache_dir=tmp_path)
    assert "Det" in str(raised.value) or "export" in str(raised.value)
