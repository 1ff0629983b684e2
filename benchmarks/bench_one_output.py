"""One output on large dense data: GEMV pieces or two-row GEMM pieces.

Usage::

    python benchmarks/bench_one_output.py [--runs N] [--shape N D ...]

A binary fit, or a one-vs-rest round with one label left, multiplies each block
of ``X`` by one coefficient vector, on the fit's own threads, never on a BLAS
pool. Two ways do that: matrix-vector products (GEMV) cut into pieces below the
size from which OpenBLAS threads a GEMV (460 800 elements, interface/gemv.c
since 0.3.27), or the vector stacked with a zero row as a two-row GEMM cut
into pieces below OpenBLAS's single-thread GEMM size. This script times one
evaluation of ``BinomialLoss`` both ways (switching
``skl_softmax._loss._GEMV_FEATURES``), alternated after a warm-up, in float64
and float32, and prints the median ratio GEMV / GEMM: ``skl_softmax._loss``
uses GEMV for the numbers of features where it is not above 1.
"""

import argparse
import time

import numpy as np

import skl_softmax._loss as loss_module
from skl_softmax._loss import BinomialLoss

SHAPES = [
    (1_000_000, 5),
    (1_000_000, 12),
    (1_000_000, 20),
    (1_000_000, 50),
    (500_000, 100),
    (200_000, 200),
    (200_000, 300),
    (100_000, 500),
    (100_000, 1_000),
]
EVERY = range(1, 10**9)
NEVER = range(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--shape", type=int, nargs=2, action="append")
    args = parser.parse_args()
    chosen = loss_module._GEMV_FEATURES
    print("n_samples n_features dtype      GEMV (ms)  GEMM (ms)  ratio  used")
    try:
        for n, d in args.shape or SHAPES:
            rng = np.random.default_rng(0)
            X64 = rng.standard_normal((n, d))
            y = (rng.random(n) < 0.5).astype(np.float64)[:, None]
            for dtype in (np.float64, np.float32):
                loss = BinomialLoss(X64.astype(dtype), y, np.ones(n), 1.0, True)
                params = rng.normal(0.0, 0.01, loss.n_params)
                times = {EVERY: [], NEVER: []}
                for run in range(args.runs + 1):
                    for way, spent in times.items():
                        loss_module._GEMV_FEATURES = way
                        start = time.perf_counter()
                        loss(params)
                        if run:
                            spent.append(time.perf_counter() - start)
                mine, theirs = (1e3 * float(np.median(t)) for t in times.values())
                print(
                    f"{n:9d} {d:10d} {np.dtype(dtype).name:8s} {mine:11.1f} "
                    f"{theirs:10.1f} {mine / theirs:6.2f}  "
                    f"{'GEMV' if d in chosen else 'GEMM'}",
                    flush=True,
                )
    finally:
        loss_module._GEMV_FEATURES = chosen


if __name__ == "__main__":
    main()
