#!/usr/bin/env python3
"""FP16/BF16 rill engines against PyTorch on the same card (issue 8).

    compare_torch.py --models-dir DIR --rill PATH [--limits FILE] [--json FILE]
                     [--models resnet50,bert] [--batches 1,32] [--max-autotune]
                     [--iters N] [--warmup N] [--budget-s S] [--work-dir DIR]

DIR is what scripts/export_torch_models.py wrote (model.onnx, input_b<N>.npy and
PyTorch's float32 output_b<N>.npy per model, manifest.json). For each model and
batch size, in one run on one GPU:

  rill     `rill build --opt NAME:SHAPE [--fp16|--bf16]` (build wall time, the
           precision summary), `rill run --output-dir` on the reference input
           (relative L2 against PyTorch's float32 output: PASS under 1e-2 for
           fp16, 2e-2 for bf16, 1e-4 for fp32), `rill bench --json` (median of
           per-inference CUDA-event GPU time, CUDA graphs on, 4 buffer sets).
           rill has no Python bindings yet, so it runs as a subprocess.
  PyTorch  in this process, the same weights as the exported model:
           fp16 eager, fp16 eager replayed from a torch.cuda.CUDAGraph, fp16
           torch.compile(mode="reduce-overhead"), fp32 (TF32 off)
           reduce-overhead, and with --max-autotune fp16
           "max-autotune-no-cudagraphs" (compiles for minutes). Median of
           per-iteration CUDA events after warm-up, 4 input sets in rotation.

The target of issue 8: rill fp16 at most 0.7x the time of torch.compile fp16
reduce-overhead. Each rill row also gets its fraction of the card's limits
(bench/card_limits.py): FLOPs of Conv/MatMul/Gemm (bench/model_cost.py) over
time against the measured matmul rate of its precision, and the fewest bytes
(weights + inputs + outputs, once) over time against the copy bandwidth.

Work runs most important first (fp16/bf16 rill and the fp16 PyTorch columns
for every model and batch, then fp32, then max-autotune) and is skipped, not
started, when its expected time no longer fits --budget-s. A failing rill build
or run is recorded in its row and the script goes on.
"""

import argparse
import datetime
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import time
import traceback

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_cost  # noqa: E402  (bench/model_cost.py: onnx and numpy only)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ("resnet50", "bert")
BATCHES = (1, 32)
PRECISIONS = ("fp16", "bf16", "fp32")
TOLERANCE = {"fp16": 1e-2, "bf16": 2e-2, "fp32": 1e-4}
TARGET_RATIO = 0.7  # rill fp16 time over torch.compile fp16 reduce-overhead time
INPUT_SETS = 4
INPUT_SEED_BASE = 5000
# PyTorch columns: (key, precision, how). Order is the table's.
TORCH_VARIANTS = (
    ("fp16_eager", "fp16", "eager"),
    ("fp16_graph", "fp16", "cuda-graph"),
    ("fp16_reduce_overhead", "fp16", "reduce-overhead"),
    ("fp16_max_autotune", "fp16", "max-autotune-no-cudagraphs"),
    ("fp32_reduce_overhead", "fp32", "reduce-overhead"),
)
COLUMN_TITLES = {
    "fp16_eager": "torch fp16 eager",
    "fp16_graph": "torch fp16 eager + CUDA graph",
    "fp16_reduce_overhead": "torch.compile fp16 reduce-overhead",
    "fp16_max_autotune": "torch.compile fp16 max-autotune (no graphs)",
    "fp32_reduce_overhead": "torch.compile fp32 reduce-overhead",
}
# Expected seconds per job before one of the same kind has run (then: the longest measured).
GUESS_S = {"rill": 25, "eager": 10, "cuda-graph": 10, "reduce-overhead": 60,
           "max-autotune-no-cudagraphs": 200}
RILL_TIMEOUT_S = 150


class Clock:
    """Seconds since the start, and whether a job of some expected length still fits."""

    def __init__(self, budget_s):
        self.start = time.perf_counter()
        self.budget_s = budget_s

    def elapsed(self):
        return time.perf_counter() - self.start

    def left(self):
        return self.budget_s - self.elapsed()

    def log(self, message):
        print("[%6.1fs] %s" % (self.elapsed(), message), flush=True)


# ----------------------------------------------------------------------------- the plan


def plan_jobs(models, batches, max_autotune):
    """(kind, model, batch, what) in priority order; kind is "rill" or "torch"."""
    jobs = []
    for model in models:
        for batch in batches:
            jobs += [("rill", model, batch, "fp16"), ("rill", model, batch, "bf16"),
                     ("torch", model, batch, "fp16_eager"), ("torch", model, batch, "fp16_graph"),
                     ("torch", model, batch, "fp16_reduce_overhead")]
    for model in models:
        for batch in batches:
            jobs += [("rill", model, batch, "fp32"),
                     ("torch", model, batch, "fp32_reduce_overhead")]
    if max_autotune:
        jobs += [("torch", m, b, "fp16_max_autotune") for m in models for b in batches]
    return jobs


def job_kind(job):
    """The key of GUESS_S a job's expected time is looked up under."""
    kind, _, _, what = job
    return "rill" if kind == "rill" else dict((k, how) for k, _, how in TORCH_VARIANTS)[what]


# ----------------------------------------------------------------------------- numbers


def relative_l2(actual, expected):
    """||actual - expected|| / ||expected|| in float64; inf on NaN/inf or shape mismatch."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape or not np.all(np.isfinite(a)):
        return float("inf")
    norm = np.linalg.norm(e)
    diff = np.linalg.norm(a - e)
    return float(diff / norm if norm > 0 else diff)


def limits_fraction(cost, precision, median_ms, limits):
    """Achieved rates of one inference against the card's measured ceilings."""
    seconds = median_ms * 1e-3
    flops = cost["flops"]
    moved = cost["bytes"][precision]["total"]
    peak_tflops = limits["%s_tflops" % precision]
    copy_gb_s = limits["copy_gb_s"]
    floor_ms = max(flops / (peak_tflops * 1e12), moved / (copy_gb_s * 1e9)) * 1e3
    return {
        "flops": flops,
        "bytes": moved,
        "tflops": flops / seconds / 1e12,
        "fraction_of_matmul_peak": flops / seconds / 1e12 / peak_tflops,
        "gb_s": moved / seconds / 1e9,
        "fraction_of_copy_bandwidth": moved / seconds / 1e9 / copy_gb_s,
        "floor_ms": floor_ms,
        "time_over_floor": median_ms / floor_ms,
    }


def parse_build_output(text):
    """What `rill build` prints about precision, e.g. 'precision: fp16: 120 layers in float16,
    3 left in float32, 4 casts'."""
    out = {}
    m = re.search(r"precision: \w+: (\d+) layers in \w+, (\d+) left in float32, (\d+) casts", text)
    if m:
        out.update(half_layers=int(m.group(1)), float_layers=int(m.group(2)),
                   casts=int(m.group(3)))
    m = re.search(r"layers: (\d+) imported, (\d+) after optimization, (\d+) fused", text)
    if m:
        out.update(layers=int(m.group(2)), fused=int(m.group(3)))
    return out


def error_line(text, limit=300):
    """The most telling line of a failed command's output: the last one naming an error."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if "rror" in line or "nsupported" in line or "failed" in line:
            return line[:limit]
    return (lines[-1] if lines else "no output")[:limit]


def output_file_name(tensor):
    """rill run --output-dir's file name for an output (src/cli/run_command.cpp)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", tensor) + ".npy"


# ----------------------------------------------------------------------------- rill


def run_command(cmd, timeout_s=RILL_TIMEOUT_S):
    """(exit code, stdout+stderr, seconds) of a command; exit code None on timeout."""
    start = time.perf_counter()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=timeout_s)
        return p.returncode, p.stdout, time.perf_counter() - start
    except subprocess.TimeoutExpired as e:
        text = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return None, text + "\ntimed out after %d s" % timeout_s, time.perf_counter() - start


def rill_row(args, spec, batch, precision, work_dir):
    """Builds, checks and times one rill engine; errors end the row, never the script."""
    row = {"precision": precision, "tolerance": TOLERANCE[precision]}
    tag = "%s_b%d_%s" % (spec["name"], batch, precision)
    plan = os.path.join(work_dir, tag + ".rill")
    shape = "x".join(str(d) for d in spec["input_shape"](batch))
    flag = {"fp16": ["--fp16"], "bf16": ["--bf16"], "fp32": []}[precision]

    rc, text, seconds = run_command([args.rill, "build", spec["onnx"], "-o", plan,
                                     "--opt", "%s:%s" % (spec["input_name"], shape)] + flag)
    row["build_s"] = seconds
    row["build_log"] = text[-2000:]
    row.update(parse_build_output(text))
    if rc != 0:
        row["error"] = "build: " + error_line(text)
        return row

    out_dir = os.path.join(work_dir, tag + "_out")
    rc, text, _ = run_command([args.rill, "run", plan, "--input",
                               "%s=%s" % (spec["input_name"], spec["input_file"](batch)),
                               "--output-dir", out_dir])
    if rc != 0:
        row["error"] = "run: " + error_line(text)
    else:
        actual = np.load(os.path.join(out_dir, output_file_name(spec["output_name"])))
        row["rel_l2"] = relative_l2(actual, np.load(spec["output_file"](batch)))
        row["accuracy"] = "PASS" if row["rel_l2"] <= TOLERANCE[precision] else "FAIL"

    bench_json = os.path.join(work_dir, tag + "_bench.json")
    rc, text, _ = run_command([args.rill, "bench", plan, "--batch", str(batch),
                               "--iterations", str(args.rill_iters), "--warmup",
                               str(args.warmup), "--json", bench_json])
    if rc != 0:
        row["error"] = (row.get("error", "") + " bench: " + error_line(text)).strip()
        return row
    with open(bench_json) as f:
        bench = json.load(f)
    row.update(median_ms=bench["gpu_compute_ms"]["median"],
               p90_ms=bench["gpu_compute_ms"]["p90"],
               per_inference_ms=bench["per_inference_ms"],
               enqueue_median_ms=bench["enqueue_ms"]["median"],
               iterations=bench["inferences"], warnings=bench.get("warnings", []))
    return row


# ----------------------------------------------------------------------------- PyTorch


def configure_torch(torch):
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    torch.backends.cudnn.benchmark = True  # the strong eager baseline


def torch_model(torch, models, name, precision):
    """The exporter's model (same seed, so the same weights as model.onnx) on CUDA, in float32
    or float16; built once per process and precision, kept in `models`."""
    if (name, precision) not in models:
        sys.path.insert(0, os.path.join(REPO, "scripts"))
        import export_torch_models as exporter
        torch.manual_seed(exporter.MODEL_SEED)
        model, make_input, _, _ = exporter.MODELS[name]()
        model = model.eval().cuda()
        models[(name, precision)] = (model.half() if precision == "fp16" else model, make_input)
    return models[(name, precision)]


def torch_inputs(torch, make_input, spec, batch, precision):
    """The reference input first, then fresh random ones; floats in the model's precision."""
    first = torch.from_numpy(np.load(spec["input_file"](batch)))
    inputs = [first]
    for k in range(1, INPUT_SETS):
        gen = torch.Generator().manual_seed(INPUT_SEED_BASE + 100 * batch + k)
        inputs.append(make_input(batch, gen))
    dtype = torch.float16 if precision == "fp16" else torch.float32
    return [x.to(dtype).cuda() if x.is_floating_point() else x.cuda() for x in inputs]


def cuda_graph_fn(torch, model, example):
    """Eager model captured once into a torch.cuda.CUDAGraph; a call copies its input into the
    static input and replays."""
    static_in = example.clone()
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):  # cuDNN picks its algorithms before capture
            model(static_in)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        static_out = model(static_in)

    def fn(x):
        static_in.copy_(x)
        graph.replay()
        return static_out
    return fn


def make_torch_fn(torch, model, how, example):
    if how == "eager":
        return model
    if how == "cuda-graph":
        return cuda_graph_fn(torch, model, example)
    compiled = torch.compile(model, mode=how, dynamic=False)
    if how != "reduce-overhead":
        return compiled

    def fn(x):
        torch.compiler.cudagraph_mark_step_begin()  # outputs of earlier calls are not kept
        return compiled(x)
    return fn


def time_fn(torch, fn, inputs, iters, warmup):
    """First call (compiles), warm-up, then per-call CUDA events over rotating inputs."""
    start = time.perf_counter()
    fn(inputs[0])
    torch.cuda.synchronize()
    first_call_s = time.perf_counter() - start
    for i in range(warmup):
        fn(inputs[i % len(inputs)])
    torch.cuda.synchronize()
    stream = torch.cuda.current_stream()
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]
    wall = time.perf_counter()
    for i in range(iters):
        starts[i].record(stream)
        fn(inputs[i % len(inputs)])
        ends[i].record(stream)
    torch.cuda.synchronize()
    wall = time.perf_counter() - wall
    times = sorted(s.elapsed_time(e) for s, e in zip(starts, ends))
    return {"first_call_s": first_call_s, "iterations": iters,
            "median_ms": statistics.median(times), "p90_ms": times[int(0.9 * (iters - 1))],
            "min_ms": times[0], "per_inference_ms": wall * 1e3 / iters}


def torch_row(torch, args, spec, batch, variant, models):
    """Times one PyTorch variant and checks its output on the reference input."""
    _, precision, how = next(v for v in TORCH_VARIANTS if v[0] == variant)
    row = {"precision": precision, "mode": how}
    model, make_input = torch_model(torch, models, spec["name"], precision)
    inputs = torch_inputs(torch, make_input, spec, batch, precision)
    torch._dynamo.reset()  # a fresh compile per (model, batch, mode)
    with torch.inference_mode():
        fn = make_torch_fn(torch, model, how, inputs[0])
        row.update(time_fn(torch, fn, inputs, args.iters, args.warmup))
        out = fn(inputs[0]).float().cpu().numpy()
    row["rel_l2"] = relative_l2(out, np.load(spec["output_file"](batch)))
    if how != "eager" and how != "cuda-graph":
        row["compile_s"] = row["first_call_s"]
    del fn
    torch._dynamo.reset()
    gc.collect()
    torch.cuda.empty_cache()
    return row


# ----------------------------------------------------------------------------- inputs


def model_specs(models_dir, names):
    """What the exporter's manifest says about each model, with file-name helpers."""
    with open(os.path.join(models_dir, "manifest.json")) as f:
        manifest = {m["name"]: m for m in json.load(f)["models"]}
    specs = {}
    for name in names:
        if name not in manifest:
            raise SystemExit("compare_torch: %s is not in %s/manifest.json" % (name, models_dir))
        m = manifest[name]
        files = {e["batch"]: e for e in m["files"]}
        inner = files[min(files)]["input"]["shape"][1:]

        def path(kind, batch, files=files):
            if batch not in files:
                raise FileNotFoundError("no batch-%d %s from the exporter (it writes %s)"
                                        % (batch, kind, sorted(files)))
            return os.path.join(models_dir, files[batch][kind]["path"])

        specs[name] = {
            "name": name,
            "onnx": os.path.join(models_dir, m["onnx"]),
            "input_name": m["input_name"],
            "output_name": m["output_name"],
            "input_shape": lambda b, inner=inner: [b] + list(inner),
            "input_file": lambda b, path=path: path("input", b),
            "output_file": lambda b, path=path: path("output", b),
        }
    return specs


def model_costs(specs, batches):
    """{(model, batch): cost} from the ONNX graphs; an error string where counting fails."""
    costs = {}
    for name, spec in specs.items():
        graph = model_cost.load_graph(spec["onnx"])
        for batch in batches:
            try:
                costs[(name, batch)] = model_cost.model_cost(
                    graph, {spec["input_name"]: spec["input_shape"](batch)})
            except model_cost.ShapeError as e:
                costs[(name, batch)] = {"error": str(e)}
    return costs


def card_limits(torch, path):
    """The card's ceilings from `path` (bench/card_limits.py --json) or measured now."""
    if path and os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    import card_limits as limits_module
    limits = limits_module.measure(torch)
    if path:
        with open(path, "w") as f:
            json.dump(limits, f, indent=2)
    return limits


# ----------------------------------------------------------------------------- report


def fmt_ms(entry):
    if entry is None:
        return "-"
    if "skipped" in entry:
        return "skipped"
    if "median_ms" not in entry:
        return "failed"
    return "%.3f" % entry["median_ms"]


def ratio_to_compile(results):
    """rill fp16 time over torch.compile fp16 reduce-overhead time, or None."""
    rill = results["rill"].get("fp16", {})
    torch_ro = results["torch"].get("fp16_reduce_overhead", {})
    if "median_ms" in rill and "median_ms" in torch_ro:
        return rill["median_ms"] / torch_ro["median_ms"]
    return None


def times_table(configs, max_autotune):
    variants = [v for v in TORCH_VARIANTS if max_autotune or v[0] != "fp16_max_autotune"]
    header = (["model", "batch"] + [COLUMN_TITLES[key] for key, _, _ in variants] +
              ["rill %s" % p for p in PRECISIONS] +
              ["rill fp16 / compile fp16", "target (<= %.1fx)" % TARGET_RATIO,
               "rill accuracy (%s)" % " / ".join(PRECISIONS)])
    lines = ["| " + " | ".join(header) + " |",
             "| --- | ---: |" + " ---: |" * (len(header) - 3) + " --- |"]
    for c in configs:
        ratio = ratio_to_compile(c)
        cells = [c["model"], str(c["batch"])]
        cells += [fmt_ms(c["torch"].get(key)) for key, _, _ in variants]
        cells += [fmt_ms(c["rill"].get(p)) for p in PRECISIONS]
        cells += ["-" if ratio is None else "%.2fx" % ratio,
                  "-" if ratio is None else ("yes" if ratio <= TARGET_RATIO else "no"),
                  " / ".join(c["rill"].get(p, {}).get("accuracy", "-") for p in PRECISIONS)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def rill_table(configs):
    header = ["model", "batch", "rill", "build (s)", "half / fp32 layers", "median (ms)",
              "rel L2 vs torch fp32", "accuracy", "GFLOP", "TFLOP/s", "of matmul peak",
              "MB moved", "GB/s", "of copy bw", "floor (ms)", "time / floor"]
    lines = ["| " + " | ".join(header) + " |",
             "| --- | ---: | --- |" + " ---: |" * 4 + " --- |" + " ---: |" * 8]
    for c in configs:
        for p in PRECISIONS:
            r = c["rill"].get(p)
            if r is None:
                continue
            cells = [c["model"], str(c["batch"]), p]
            if "skipped" in r:
                lines.append("| " + " | ".join(cells + ["skipped (%s)" % r["skipped"]]) + " |")
                continue
            cells.append("%.1f" % r["build_s"] if "build_s" in r else "-")
            cells.append("%d / %d" % (r["half_layers"], r["float_layers"])
                         if "half_layers" in r else "-")
            cells.append(fmt_ms(r))
            cells.append("%.2e" % r["rel_l2"] if "rel_l2" in r else "-")
            cells.append("%s (tol %.0e)" % (r["accuracy"], r["tolerance"])
                         if "accuracy" in r else "-")
            f = r.get("limits")
            if f:
                cells += ["%.1f" % (f["flops"] / 1e9), "%.1f" % f["tflops"],
                          "%.0f%%" % (100 * f["fraction_of_matmul_peak"]),
                          "%.1f" % (f["bytes"] / 1e6), "%.0f" % f["gb_s"],
                          "%.0f%%" % (100 * f["fraction_of_copy_bandwidth"]),
                          "%.3f" % f["floor_ms"], "%.1fx" % f["time_over_floor"]]
            else:
                cells += ["-"] * 8
            if "error" in r:
                cells[-1] += " error: " + r["error"].replace("|", "/")[:160]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def compile_table(configs):
    lines = ["| model | batch | torch variant | first call incl. compile (s) | "
             "rel L2 vs torch fp32 |", "| --- | ---: | --- | ---: | ---: |"]
    for c in configs:
        for key, _, _ in TORCH_VARIANTS:
            r = c["torch"].get(key)
            if r is None:
                continue
            if "median_ms" not in r:
                detail = r.get("skipped") or r.get("error", "failed")
                lines.append("| %s | %d | %s | %s | |" % (c["model"], c["batch"], key,
                                                         detail.replace("|", "/")[:160]))
                continue
            lines.append("| %s | %d | %s | %.1f | %.2e |" % (
                c["model"], c["batch"], key, r["first_call_s"], r["rel_l2"]))
    return "\n".join(lines)


def report(configs, limits, header, max_autotune):
    parts = ["## " + header, "",
             "Median GPU time per inference (ms), CUDA events; rill with CUDA graphs.", "",
             times_table(configs, max_autotune), "",
             "### rill engines: accuracy and fraction of the card's limits", "",
             "Ceilings: %.0f GB/s copy, %.0f / %.0f / %.1f TFLOP/s fp16 / bf16 / fp32 matmul." % (
                 limits["copy_gb_s"], limits["fp16_tflops"], limits["bf16_tflops"],
                 limits["fp32_tflops"]) if limits else "Ceilings: not measured.", "",
             rill_table(configs), "",
             "### PyTorch: first call (compile) and accuracy", "",
             compile_table(configs)]
    return "\n".join(parts)


# ----------------------------------------------------------------------------- main


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models-dir", required=True, help="scripts/export_torch_models.py --out DIR")
    p.add_argument("--rill", required=True, help="the rill CLI")
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--batches", default=",".join(str(b) for b in BATCHES))
    p.add_argument("--limits", help="bench/card_limits.py JSON (measured and written if absent)")
    p.add_argument("--json", default="compare_torch.json", help="write everything here")
    p.add_argument("--work-dir", default="build-compare", help="plans and outputs")
    p.add_argument("--max-autotune", action="store_true",
                   help="also torch.compile max-autotune-no-cudagraphs (minutes of compiling)")
    p.add_argument("--iters", type=int, default=100, help="timed PyTorch iterations")
    p.add_argument("--rill-iters", type=int, default=100, help="timed rill iterations")
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--budget-s", type=float, default=280.0,
                   help="start no job that would end after this many seconds")
    p.add_argument("--cache-dir", default="build-torch-cache", help="TorchInductor cache")
    args = p.parse_args(argv)
    args.models = [m for m in args.models.split(",") if m]
    args.batches = [int(b) for b in args.batches.split(",") if b]
    for m in args.models:
        if m not in MODELS:
            p.error("unknown model %r; choose from %s" % (m, ", ".join(MODELS)))
    return args


def run_jobs(torch, args, specs, configs, clock):
    """Runs the plan in order, skipping what no longer fits the budget."""
    took_s = {}  # job kind -> seconds each finished job of that kind took
    torch_models = {}
    for job in plan_jobs(args.models, args.batches, args.max_autotune):
        kind, name, batch, what = job
        table = configs[(name, batch)][kind]
        need = max(took_s.get(job_kind(job), [GUESS_S[job_kind(job)]]))
        if need > clock.left():
            table[what] = {"skipped": "needs ~%.0f s, %.0f s left" % (need, max(clock.left(), 0))}
            clock.log("skip %s %s b%d %s: %s" % (kind, name, batch, what, table[what]["skipped"]))
            continue
        clock.log("%s %s batch %d %s" % (kind, name, batch, what))
        start = time.perf_counter()
        try:
            if kind == "rill":
                table[what] = rill_row(args, specs[name], batch, what, args.work_dir)
            else:
                table[what] = torch_row(torch, args, specs[name], batch, what, torch_models)
        except Exception as e:  # one failure must not lose the rest
            traceback.print_exc()
            table[what] = {"error": "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:300]
                                                if str(e) else "")}
        took = time.perf_counter() - start
        took_s.setdefault(job_kind(job), []).append(took)
        entry = table[what]
        clock.log("  %.1f s: %s" % (took, entry.get("error") or "median %s ms%s" % (
            fmt_ms(entry), ", rel L2 %.2e" % entry["rel_l2"] if "rel_l2" in entry else "")))


def attach_limits(configs, costs, limits):
    for key, c in configs.items():
        cost = costs.get(key, {})
        c["cost"] = cost
        for precision, r in c["rill"].items():
            if limits and "median_ms" in r and "flops" in cost:
                r["limits"] = limits_fraction(cost, precision, r["median_ms"], limits)
        ratio = ratio_to_compile(c)
        c["rill_fp16_over_compile_fp16"] = ratio
        c["target_met"] = None if ratio is None else ratio <= TARGET_RATIO


def main(argv=None):
    args = parse_args(argv)
    clock = Clock(args.budget_s)
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", os.path.abspath(args.cache_dir))
    os.makedirs(args.work_dir, exist_ok=True)
    specs = model_specs(args.models_dir, args.models)
    clock.log("counting FLOPs and bytes from the ONNX graphs")
    costs = model_costs(specs, args.batches)
    for (name, batch), cost in costs.items():
        clock.log("  %s b%d: %s" % (name, batch, cost.get("error") or "%.2f GFLOP, %.1f MB fp16"
                                    % (cost["flops"] / 1e9, cost["bytes"]["fp16"]["total"] / 1e6)))
    clock.log("importing torch")
    import torch
    if not torch.cuda.is_available():
        print("compare_torch: no CUDA device", file=sys.stderr)
        return 1
    configure_torch(torch)
    try:
        limits = card_limits(torch, args.limits)
        clock.log("card: %.0f GB/s copy, %.0f TFLOP/s fp16 matmul" % (
            limits["copy_gb_s"], limits["fp16_tflops"]))
    except Exception as e:  # the comparison is still worth having without the ceilings
        limits = None
        clock.log("card limits not measured: %s: %s" % (type(e).__name__, e))

    configs = {(m, b): {"model": m, "batch": b, "rill": {}, "torch": {}}
               for m in args.models for b in args.batches}
    run_jobs(torch, args, specs, configs, clock)
    attach_limits(configs, costs, limits)

    device = torch.cuda.get_device_name()
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    header = "rill vs PyTorch %s on %s, %s" % (torch.__version__, device, date)
    ordered = [configs[(m, b)] for m in args.models for b in args.batches]
    print("\n" + report(ordered, limits, header, args.max_autotune), flush=True)
    result = {"device": device, "date": date, "torch": torch.__version__,
              "target_ratio": TARGET_RATIO, "tolerance": TOLERANCE, "limits": limits,
              "iterations": {"torch": args.iters, "rill": args.rill_iters,
                             "warmup": args.warmup, "input_sets": INPUT_SETS},
              "total_s": clock.elapsed(), "configs": ordered}
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2, default=str)
        f.write("\n")
    clock.log("wrote %s" % args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
