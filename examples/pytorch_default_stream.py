#!/usr/bin/env python3
"""The default-stream experiment, from PyTorch: a torchvision ResNet-50 through
rill.torch.compile, timed on torch's default stream and inside
`with torch.cuda.stream(torch.cuda.Stream())` (the workaround Torch-TensorRT users are told to
apply), side by side with plain PyTorch, with the host syncs and default-stream operations
per call counted by rill's CUPTI sync counter.

    PYTHONPATH=build/python python3 examples/pytorch_default_stream.py [--fp16] [--batch 1]

Needs a GPU, PyTorch and torchvision (random weights: nothing is downloaded). Prints a Markdown
table (docs/PERFORMANCE.md has one from an H200):
  ms/call   wall time of a loop of calls (synchronized once at the end) / calls
  GPU ms    median CUDA-event time of one call on the caller's stream
  syncs     host-blocking CUDA calls per call (rill.SyncCounter)
  dflt ops  operations issued to a default stream per call
"""
import argparse
import statistics
import time

import torch
import torchvision

import rill
import rill.torch


def timed(run, x, stream, iterations):
    """(wall ms per call, median GPU ms per call, syncs per call, default-stream ops per call)."""
    with torch.cuda.stream(stream):
        for _ in range(20):  # warm-up: plans, CUDA graphs, cuDNN autotuning
            run(x)
        torch.cuda.synchronize()
        try:
            counter = rill.SyncCounter()
        except rill.CuptiError:
            counter = None  # another CUPTI tool owns the process
        start = time.perf_counter()
        for _ in range(iterations):
            run(x)
        torch.cuda.synchronize()
        wall_ms = (time.perf_counter() - start) * 1e3 / iterations
        syncs = default_ops = float("nan")
        if counter is not None:
            syncs = counter.host_syncs() / iterations
            default_ops = counter.default_stream_ops() / iterations
            del counter
        gpu = []
        for _ in range(min(iterations, 100)):
            begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            begin.record()
            run(x)
            end.record()
            gpu.append((begin, end))
        torch.cuda.synchronize()
        gpu_ms = statistics.median(b.elapsed_time(e) for b, e in gpu)
    return wall_ms, gpu_ms, syncs, default_ops


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--fp16", action="store_true", help="rill and PyTorch both in float16")
    parser.add_argument("--cache-dir", default=None, help="rill engine cache (default ~/.cache/rill)")
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    model = torchvision.models.resnet50(weights=None).cuda().eval()
    x = torch.randn(args.batch, 3, 224, 224, device="cuda")
    compiled = rill.torch.compile(model, x, fp16=args.fp16, cache_dir=args.cache_dir)
    reference = model.half() if args.fp16 else model
    reference_input = x.half() if args.fp16 else x

    with torch.inference_mode():
        error = (torch.linalg.norm(compiled(x).float() - reference(reference_input).float()) /
                 torch.linalg.norm(reference(reference_input).float())).item()
        runs = {
            "PyTorch eager": lambda _: reference(reference_input),
            "rill": compiled,
        }
        side = torch.cuda.Stream()
        rows = []
        for name, run in runs.items():
            for where, stream in (("default", torch.cuda.default_stream()), ("side", side)):
                rows.append((name, where) + timed(run, x, stream, args.iterations))

    precision = "fp16" if args.fp16 else "fp32"
    print(f"# ResNet-50, batch {args.batch}, {precision}, {torch.cuda.get_device_name()}, "
          f"torch {torch.__version__}, rill {rill.__version__}; rill vs PyTorch relative L2 "
          f"error {error:.2g}")
    print("| runtime | stream | ms/call | GPU ms | host syncs/call | default-stream ops/call |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, where, wall, gpu, syncs, default_ops in rows:
        print(f"| {name} | {where} | {wall:.3f} | {gpu:.3f} | {syncs:.2f} | {default_ops:.1f} |")
    stats = compiled.session.stats()
    print(f"# rill session: {stats['runs']} runs, {stats['redirected_runs']} redirected from the "
          f"default stream, {stats['graph_replays']} CUDA graph replays")


if __name__ == "__main__":
    main()
