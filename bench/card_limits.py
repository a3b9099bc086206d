#!/usr/bin/env python3
"""The card's measured ceilings (.library/device/METHOD.md, "Two numbers first").

    card_limits.py [--json FILE] [--copy-gib G] [--n N]

Measures once, through PyTorch on the current CUDA device:
  copy_gb_s     device-to-device copy bandwidth: bytes read + bytes written over
                time, for a copy of --copy-gib GiB (default 2) of random bytes;
  fp16_tflops   dense float16 matmul (cuBLAS), N x N x N, N = --n (default 8192);
  bf16_tflops   the same in bfloat16;
  fp32_tflops   the same in float32 with TF32 off (true float32 FMA units).
Operands are random (never zeros: zeros can run faster than real data). Each
figure is the median of CUDA-event timings after a warm-up. Prints a table and
writes JSON. bench/compare_torch.py divides achieved rates by these.
"""

import argparse
import json
import statistics
import sys

COPY_GIB = 2.0
MATMUL_N = 8192
WARMUP = 3
REPEATS = 20


def median_ms(torch, fn, warmup, repeats):
    """Median CUDA-event time of fn() on the current stream, after warm-up."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    stream = torch.cuda.current_stream()
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(repeats)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(repeats)]
    for start, end in zip(starts, ends):
        start.record(stream)
        fn()
        end.record(stream)
    torch.cuda.synchronize()
    return statistics.median(s.elapsed_time(e) for s, e in zip(starts, ends))


def copy_bandwidth(torch, gib):
    """Device-to-device copy: (bytes read + bytes written) / time, in GB/s (1e9)."""
    n = int(gib * 2**30)
    src = torch.randint(0, 256, (n,), dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(src)
    ms = median_ms(torch, lambda: dst.copy_(src), WARMUP, REPEATS)
    if not torch.equal(dst[:4096], src[:4096]) or not torch.equal(dst[-4096:], src[-4096:]):
        raise RuntimeError("device copy produced wrong data")
    return {"bytes": 2 * n, "median_ms": ms, "gb_s": 2 * n / (ms * 1e-3) / 1e9}


def matmul_rate(torch, dtype, n):
    """Dense n^3 matmul through cuBLAS: 2 n^3 FLOPs over the median time, in TFLOP/s."""
    gen = torch.Generator(device="cuda").manual_seed(0)
    a = torch.randn((n, n), device="cuda", dtype=dtype, generator=gen)
    b = torch.randn((n, n), device="cuda", dtype=dtype, generator=gen)
    c = torch.empty((n, n), device="cuda", dtype=dtype)
    ms = median_ms(torch, lambda: torch.matmul(a, b, out=c), WARMUP, REPEATS)
    # A spot check that the product was computed: one row against a float64 reference.
    ref = a[:1].double() @ b.double()
    err = ((c[:1].double() - ref).norm() / ref.norm()).item()
    if not err < 2e-2:
        raise RuntimeError("%s matmul check failed: relative L2 %.3g" % (dtype, err))
    return {"n": n, "flops": 2 * n**3, "median_ms": ms, "tflops": 2 * n**3 / (ms * 1e-3) / 1e12,
            "row_check_rel_l2": err}


def measure(torch, copy_gib=COPY_GIB, n=MATMUL_N):
    """All ceilings, as a dict. Leaves TF32 off afterwards (restores nothing else)."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    copy = copy_bandwidth(torch, copy_gib)
    torch.cuda.empty_cache()  # each measurement frees its buffers when it returns
    rates = {}
    for name, dtype in (("fp16", torch.float16), ("bf16", torch.bfloat16),
                        ("fp32", torch.float32)):
        rates[name] = matmul_rate(torch, dtype, n)
        torch.cuda.empty_cache()
    return {
        "device": torch.cuda.get_device_name(),
        "torch": torch.__version__,
        "copy": copy,
        "matmul": rates,
        "copy_gb_s": copy["gb_s"],
        "fp16_tflops": rates["fp16"]["tflops"],
        "bf16_tflops": rates["bf16"]["tflops"],
        "fp32_tflops": rates["fp32"]["tflops"],
    }


def markdown(limits):
    return "\n".join([
        "| ceiling on %s | measured |" % limits["device"],
        "| --- | ---: |",
        "| device-to-device copy (read + write) | %.0f GB/s |" % limits["copy_gb_s"],
        "| fp16 matmul %d^3 (cuBLAS) | %.0f TFLOP/s |" % (limits["matmul"]["fp16"]["n"],
                                                        limits["fp16_tflops"]),
        "| bf16 matmul | %.0f TFLOP/s |" % limits["bf16_tflops"],
        "| fp32 matmul, TF32 off | %.1f TFLOP/s |" % limits["fp32_tflops"],
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--copy-gib", type=float, default=COPY_GIB,
                        help="size of the copied buffer in GiB (default %(default)s)")
    parser.add_argument("--n", type=int, default=MATMUL_N,
                        help="matmul size (default %(default)s)")
    args = parser.parse_args(argv)
    import torch
    if not torch.cuda.is_available():
        print("card_limits: no CUDA device", file=sys.stderr)
        return 1
    limits = measure(torch, args.copy_gib, args.n)
    print(markdown(limits), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(limits, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
