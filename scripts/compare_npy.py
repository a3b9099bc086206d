#!/usr/bin/env python3
"""Compare two .npy arrays by relative L2 error.

    compare_npy.py actual.npy expected.npy [--max-rel-l2 1e-4]

Prints ||actual - expected|| / ||expected|| (computed in float64), the max
absolute difference and whether any NaN is present. Exits 0 when the arrays
match within the threshold and 1 on a failure: a shape mismatch, a NaN in
either array, or an error above the threshold (argparse exits 2 on bad
usage). Needs numpy only.
"""

import argparse
import sys

import numpy as np


def load(path):
    # allow_pickle=False: these are plain numeric tensors, so refuse to
    # execute anything from an object array.
    arr = np.load(path, allow_pickle=False)
    if arr.dtype.kind not in "biuf":
        raise ValueError("%s: unsupported dtype %s" % (path, arr.dtype))
    return arr


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Compare two .npy arrays by relative L2 error.")
    parser.add_argument("actual")
    parser.add_argument("expected")
    parser.add_argument("--max-rel-l2", type=float, default=1e-4,
                        help="failure threshold (default: %(default)g)")
    args = parser.parse_args(argv)

    try:
        actual = load(args.actual)
        expected = load(args.expected)
    except (OSError, ValueError) as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 1

    print("actual:   %s %s" % (actual.dtype, list(actual.shape)))
    print("expected: %s %s" % (expected.dtype, list(expected.shape)))
    if actual.shape != expected.shape:
        print("FAIL: shape mismatch")
        return 1

    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    nan_a = int(np.isnan(a).sum())
    nan_e = int(np.isnan(e).sum())
    print("nan: actual=%d expected=%d" % (nan_a, nan_e))
    if nan_a or nan_e:
        print("FAIL: NaN present")
        return 1

    # Infinities must coincide exactly; they are then left out of the norms,
    # which would otherwise turn into inf - inf = NaN.
    inf_mismatch = int(((np.isinf(a) | np.isinf(e)) & (a != e)).sum())
    if inf_mismatch:
        print("FAIL: %d elements with mismatched Inf" % inf_mismatch)
        return 1
    finite = np.isfinite(e)
    a, e = a[finite], e[finite]
    if a.size == 0:
        print("PASS: no finite elements to compare")
        return 0

    diff = a - e
    err_norm = np.linalg.norm(diff)
    ref_norm = np.linalg.norm(e)
    # An all-zero reference makes the relative error undefined: treat exact
    # agreement as 0 and anything else as infinitely wrong.
    if ref_norm > 0:
        rel_l2 = err_norm / ref_norm
    else:
        rel_l2 = 0.0 if err_norm == 0 else float("inf")
    abs_diff = np.abs(diff)
    worst = int(abs_diff.argmax())
    max_abs = float(abs_diff[worst])
    # Report the worst element by its index in the original array.
    worst_index = tuple(int(i) for i in np.unravel_index(
        int(np.flatnonzero(finite.ravel())[worst]), expected.shape))

    print("rel_l2:  %.6e (threshold %.3e)" % (rel_l2, args.max_rel_l2))
    print("max_abs: %.6e at index %s (actual %.9g, expected %.9g)" % (
        max_abs, worst_index, a[worst], e[worst]))
    if rel_l2 > args.max_rel_l2:
        print("FAIL: rel_l2 above threshold")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
