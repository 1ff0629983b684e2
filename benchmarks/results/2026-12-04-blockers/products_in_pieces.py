"""Case (a)'s two products on one thread, in pieces of rows and whole.

    python benchmarks/results/2026-12-04-blockers/products_in_pieces.py

A fit may not limit NumPy's OpenBLAS pool (``skl_softmax/_threads.py``), so it
cuts each product into pieces below OpenBLAS's single-thread size (2**19
multiply-adds: 262 rows of 200 features × 10 outputs) and runs them on its own
threads. This times ``X Wᵀ`` (and ``W Xᵀ``, the layout the loss uses) and
``Rᵀ X`` for 200 000 × 200 × 10 in pieces of several sizes, every pool limited
to one thread here (process-wide: this script only), then whole on NumPy's
two-thread pool: the floor of ``bench_evaluation.py``.
"""

import time

import numpy as np
from threadpoolctl import threadpool_limits

rng = np.random.default_rng(0)
n, d, K = 200_000, 200, 10
X = rng.standard_normal((n, d))
W = rng.standard_normal((K, d))
R = rng.standard_normal((n, K))


def median_ms(function, *args, runs=7):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return np.median(times) * 1e3


def forward(rows):
    Z = np.empty((n, K))
    for s in range(0, n, rows):
        np.matmul(X[s : s + rows], W.T, out=Z[s : s + rows])


def forward_transposed(rows):
    for s in range(0, n, rows):
        W @ X[s : s + rows].T


def gradient(rows):
    G = np.zeros((K, d))
    for s in range(0, n, rows):
        G += R[s : s + rows].T @ X[s : s + rows]


with threadpool_limits(1, user_api="blas"):
    for rows in (262, 1024, 4096, 16384, n):
        print(
            f"rows {rows:6d}: X Wᵀ {median_ms(forward, rows):6.1f} ms  "
            f"W Xᵀ {median_ms(forward_transposed, rows):6.1f} ms  "
            f"Rᵀ X {median_ms(gradient, rows):6.1f} ms (one thread)"
        )
print(
    f"whole, NumPy's pool: X Wᵀ {median_ms(forward, n):6.1f} ms  "
    f"W Xᵀ {median_ms(forward_transposed, n):6.1f} ms  "
    f"Rᵀ X {median_ms(gradient, n):6.1f} ms"
)
