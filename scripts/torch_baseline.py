#!/usr/bin/env python3
"""PyTorch baseline for docs/PERFORMANCE.md: ResNet-50 and BERT-base in eager mode and
under torch.compile, timed the way rill's bench times itself.

    torch_baseline.py [--quick] [--json FILE] [--models resnet50,bert]
                      [--batches 1,8] [--modes eager,reduce-overhead,...]
                      [--iters N] [--warmup N] [--budget-s S]

Runs on the GPU machine (PyTorch 2.11, torchvision, transformers). Models have
random weights (torch.manual_seed(0)), so nothing is downloaded:
  resnet50  torchvision.models.resnet50(weights=None).eval(), input [B,3,224,224]
  bert      transformers.BertModel(BertConfig(attn_implementation="eager"))
            returning last_hidden_state, input_ids [B,128]
Modes:
  eager                          plain PyTorch (cudnn.benchmark on)
  reduce-overhead                torch.compile(mode="reduce-overhead"): CUDA graphs
  max-autotune-no-cudagraphs     torch.compile(mode="max-autotune-no-cudagraphs")
TF32 is off everywhere (matmul and cuDNN), as in rill's default build, so the
numbers compare float32 with float32.

Method (.library/device/METHOD.md): warm-up first (its first call, which
compiles, is reported as compile time), then >= 100 timed iterations, each
bracketed by CUDA events on the current stream, over 4 input buffers in
rotation; the median event time is the per-inference GPU-side time. The wall
time of the whole timed loop (synchronized at the end) over the iteration
count is the throughput-derived time per inference.

The full matrix compiles up to 8 graphs; max-autotune alone can take minutes.
The script keeps to --budget-s (default 225 s, compile time included): it
starts a configuration only if its expected compile time (a guess, then the
measured first call of the same model and mode) fits what is left, and lists
the others as skipped. Most important first: eager, then reduce-overhead, then
max-autotune; batch 1 before batch 8. Raise --budget-s for the full matrix.
Inductor's cache goes to build-torch-cache/ (gitignored), so a second run on a
still-warm machine compiles much faster. --quick: batch 1, eager and
reduce-overhead, 100 iterations, 10 warm-up.
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import time

START = time.perf_counter()

MODES = ("eager", "reduce-overhead", "max-autotune-no-cudagraphs")
MODELS = ("resnet50", "bert")
BERT_SEQ_LEN = 128
INPUT_BUFFERS = 4
# Rough cold-compile seconds per (model, mode) on an H100 host, to decide whether
# a compile still fits the budget; replaced by the measured first call of the
# same model and mode once one batch size has run.
COMPILE_GUESS_S = {
    ("resnet50", "eager"): 5, ("bert", "eager"): 5,
    ("resnet50", "reduce-overhead"): 60, ("bert", "reduce-overhead"): 45,
    ("resnet50", "max-autotune-no-cudagraphs"): 150,
    ("bert", "max-autotune-no-cudagraphs"): 90,
}


def log(message):
    print("[%6.1fs] %s" % (time.perf_counter() - START, message), flush=True)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="batch 1, eager and reduce-overhead, 100 iterations")
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--batches", default=None, help="default 1,8 (1 with --quick)")
    p.add_argument("--modes", default=None,
                   help="default: all three (eager,reduce-overhead with --quick)")
    p.add_argument("--iters", type=int, default=None,
                   help="timed iterations (default 200; 100 with --quick)")
    p.add_argument("--warmup", type=int, default=None,
                   help="warm-up iterations (default 20; 10 with --quick)")
    p.add_argument("--budget-s", type=float, default=225.0,
                   help="start no new work after this many seconds (default 225)")
    p.add_argument("--json", default="torch_baseline.json", help="results file")
    p.add_argument("--cache-dir", default="build-torch-cache",
                   help="TorchInductor cache (default build-torch-cache/)")
    args = p.parse_args(argv)
    args.models = [m for m in args.models.split(",") if m]
    args.batches = [int(b) for b in
                    (args.batches or ("1" if args.quick else "1,8")).split(",") if b]
    args.modes = [m for m in (args.modes or (
        "eager,reduce-overhead" if args.quick else ",".join(MODES))).split(",") if m]
    args.iters = args.iters or (100 if args.quick else 200)
    args.warmup = args.warmup if args.warmup is not None else (10 if args.quick else 20)
    for m in args.models:
        if m not in MODELS:
            p.error("unknown model %r; choose from %s" % (m, ", ".join(MODELS)))
    for m in args.modes:
        if m not in MODES:
            p.error("unknown mode %r; choose from %s" % (m, ", ".join(MODES)))
    if args.iters < 100:
        log("warning: fewer than 100 timed iterations; medians are rough")
    return args


def configure_torch(torch):
    # True float32: no TF32 in matmuls or convolutions.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    # The strong eager baseline: let cuDNN pick its fastest convolution algorithms.
    torch.backends.cudnn.benchmark = True


class BertLastHiddenState:
    """Builds lazily so that importing transformers costs nothing when unused."""

    @staticmethod
    def build(torch):
        import transformers

        class Wrapper(torch.nn.Module):
            def __init__(self, bert):
                super().__init__()
                self.bert = bert

            def forward(self, input_ids):
                return self.bert(input_ids=input_ids).last_hidden_state

        config = transformers.BertConfig(attn_implementation="eager")
        return Wrapper(transformers.BertModel(config)), config.vocab_size


def build_model(torch, name, device):
    torch.manual_seed(0)
    if name == "resnet50":
        import torchvision
        model = torchvision.models.resnet50(weights=None)

        def make_input(batch, gen):
            return torch.randn((batch, 3, 224, 224), generator=gen).to(device)
    else:
        model, vocab = BertLastHiddenState.build(torch)

        def make_input(batch, gen):
            return torch.randint(0, vocab, (batch, BERT_SEQ_LEN), generator=gen,
                                 dtype=torch.int64).to(device)
    return model.eval().to(device), make_input


def time_callable(torch, fn, inputs, iters, warmup):
    """Compile/first call, warm-up, then per-iteration CUDA events and loop wall time."""
    stream = torch.cuda.current_stream()
    t0 = time.perf_counter()
    fn(inputs[0])
    torch.cuda.synchronize()
    first_call_s = time.perf_counter() - t0
    for i in range(warmup):
        fn(inputs[i % len(inputs)])
    torch.cuda.synchronize()

    starts = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(iters)]
    t0 = time.perf_counter()
    for i in range(iters):
        starts[i].record(stream)
        fn(inputs[i % len(inputs)])
        ends[i].record(stream)
    torch.cuda.synchronize()
    wall_s = time.perf_counter() - t0
    times = sorted(s.elapsed_time(e) for s, e in zip(starts, ends))

    def pct(p):
        k = p / 100 * (len(times) - 1)
        lo = int(k)
        hi = min(lo + 1, len(times) - 1)
        return times[lo] + (times[hi] - times[lo]) * (k - lo)

    return {
        "first_call_s": first_call_s,
        "iterations": iters,
        "median_ms": statistics.median(times),
        "mean_ms": statistics.fmean(times),
        "min_ms": times[0],
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": times[-1],
        "wall_per_inference_ms": wall_s * 1e3 / iters,
        "throughput_per_s": iters / wall_s,
    }


def make_fn(torch, model, mode):
    if mode == "eager":
        return model
    compiled = torch.compile(model, mode=mode, dynamic=False)
    if mode == "reduce-overhead":
        def fn(x):
            # Each call is a new step for CUDA-graph trees (outputs of the
            # previous call may be overwritten; we never keep them).
            torch.compiler.cudagraph_mark_step_begin()
            return compiled(x)
        return fn
    return compiled


def markdown(results, device, torch_version, date):
    lines = [
        "### PyTorch %s baseline, %s, %s" % (torch_version, device, date),
        "",
        "TF32 off; cudnn.benchmark on; CUDA-event time per inference (median) and "
        "wall time of the timed loop over its iterations (1/throughput).",
        "",
        "| model | batch | mode | median (ms) | p90 (ms) | 1/throughput (ms) | "
        "inferences/s | first call (s) |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        if "error" in r or "skipped" in r:
            lines.append("| %s | %d | %s | %s | | | | |" % (
                r["model"], r["batch"], r["mode"],
                "skipped (%s)" % r["skipped"] if "skipped" in r
                else "failed: %s" % r["error"].replace("|", "/")[:80]))
            continue
        lines.append("| %s | %d | %s | %.3f | %.3f | %.3f | %.1f | %.1f |" % (
            r["model"], r["batch"], r["mode"], r["median_ms"], r["p90_ms"],
            r["wall_per_inference_ms"], r["throughput_per_s"], r["first_call_s"]))
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    # Before importing torch: Inductor reads its cache location at import.
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", os.path.abspath(args.cache_dir))
    log("importing torch")
    import torch
    if not torch.cuda.is_available():
        print("torch_baseline: no CUDA device", file=sys.stderr)
        return 1
    configure_torch(torch)
    device = torch.device("cuda")
    device_name = torch.cuda.get_device_name(device)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    log("torch %s on %s; models %s, batches %s, modes %s, %d iterations" % (
        torch.__version__, device_name, args.models, args.batches, args.modes, args.iters))

    # Most important first: every model's eager numbers, then reduce-overhead,
    # then max-autotune; batch 1 before batch 8.
    plan = [(mode, batch, model) for mode in args.modes for batch in args.batches
            for model in args.models]
    results = []
    models = {}
    compile_s = dict(COMPILE_GUESS_S)
    for mode, batch, name in plan:
        entry = {"model": name, "batch": batch, "mode": mode}
        left = args.budget_s - (time.perf_counter() - START)
        need = compile_s[(name, mode)] + 10  # plus warm-up and timing
        if need > left:
            entry["skipped"] = "needs ~%.0f s, %.0f s of the budget left" % (need, max(left, 0))
            log("skip %s batch %d %s: %s" % (name, batch, mode, entry["skipped"]))
            results.append(entry)
            continue
        log("%s batch %d %s" % (name, batch, mode))
        try:
            if name not in models:
                models[name] = build_model(torch, name, device)
            model, make_input = models[name]
            gen = torch.Generator().manual_seed(1000 + batch)
            inputs = [make_input(batch, gen) for _ in range(INPUT_BUFFERS)]
            torch._dynamo.reset()  # a fresh compile per (model, batch, mode)
            with torch.inference_mode():
                fn = make_fn(torch, model, mode)
                entry.update(time_callable(torch, fn, inputs, args.iters, args.warmup))
            compile_s[(name, mode)] = entry["first_call_s"]
            log("  median %.3f ms, 1/throughput %.3f ms, first call %.1f s" % (
                entry["median_ms"], entry["wall_per_inference_ms"], entry["first_call_s"]))
        except Exception as e:  # keep going: one failed compile must not lose the rest
            entry["error"] = "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:300]
                                         if str(e) else "")
            log("  failed: %s" % entry["error"])
        results.append(entry)
        torch.cuda.empty_cache()

    table = markdown(results, device_name, torch.__version__, date)
    print("\n" + table, flush=True)
    out = {
        "device": device_name,
        "date": date,
        "torch": torch.__version__,
        "tf32": False,
        "cudnn_benchmark": True,
        "input_buffers": INPUT_BUFFERS,
        "iterations": args.iters,
        "warmup": args.warmup,
        "total_s": time.perf_counter() - START,
        "results": results,
    }
    with open(args.json, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    log("wrote %s" % args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
