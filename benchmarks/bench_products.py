"""Which orientation of the logit product the bundled BLAS runs fastest.

Usage::

    python benchmarks/bench_products.py [--rows-entries N] [--runs N]

One pass of the objective computes, per block of rows, the logits and then the
gradient product ``R X_block``. The logits, needed as ``(n_outputs, rows)``, can
be computed as ``W X_blockᵀ`` directly, or as ``X_block Wᵀ`` and then transposed
into that layout. This script times both passes over a block-wise ``X`` for a
grid of shapes in float32 and float64, alternating the two versions, and prints
the median time ratio ``(X Wᵀ)ᵀ / W Xᵀ`` per shape: below 1 the row-major form
wins. ``skl_softmax._loss`` picks the row-major form where this is clearly
below 1 on the project's machines (float32, few outputs, not too few features).
"""

import argparse
import time

import numpy as np

# Bytes of one block of X, as in skl_softmax._loss.
BLOCK_BYTES = 2**22
SHAPES = [
    (20, 10),
    (30, 5),
    (50, 5),
    (100, 3),
    (200, 2),
    (200, 10),
    (200, 20),
    (200, 40),
    (200, 100),
    (784, 10),
    (2000, 10),
]


def one_pass(X, W, row_major):
    rows = max(1, BLOCK_BYTES // (X.shape[1] * X.itemsize))
    for start in range(0, X.shape[0], rows):
        X_block = X[start : start + rows]
        if row_major:
            Z = np.ascontiguousarray((X_block @ W.T).T)
        else:
            Z = W @ X_block.T
        Z @ X_block


def ratio(n_features, n_outputs, dtype, entries, runs, rng):
    X = rng.standard_normal((entries // n_features, n_features)).astype(dtype)
    W = (0.05 * rng.standard_normal((n_outputs, n_features))).astype(dtype)
    times = {False: [], True: []}
    for _ in range(runs + 1):
        for row_major in times:
            start = time.perf_counter()
            one_pass(X, W, row_major)
            times[row_major].append(time.perf_counter() - start)
    column = float(np.median(times[False][1:]))
    return column, float(np.median(times[True][1:])) / column


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-entries", type=int, default=40_000_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print("dtype    n_features n_outputs  W Xᵀ (ms)  ratio (X Wᵀ)ᵀ / W Xᵀ")
    for dtype in (np.float32, np.float64):
        for n_features, n_outputs in SHAPES:
            seconds, r = ratio(
                n_features, n_outputs, dtype, args.rows_entries, args.runs, rng
            )
            print(
                f"{np.dtype(dtype).name:8s} {n_features:10d} {n_outputs:9d} "
                f"{1e3 * seconds:10.1f}  {r:.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
