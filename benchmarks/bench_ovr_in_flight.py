"""One-vs-rest on sparse data: time and memory against the number of labels in flight.

Usage::

    python benchmarks/bench_ovr_in_flight.py [--runs N] [--in-flight K ...]

Three mid-sized CSR problems (each row's non-zeros uniform, labels of
frequency 5–30 %), ``OneVsRestLogistic()`` with at most ``K`` labels in flight
(``skl_softmax._label_problems._SPARSE_MAX_IN_FLIGHT`` set for the run; the
memory budget may choose fewer). Each setting is timed ``--runs`` times,
settings alternated, after one warm-up; prints the medians and the peak of
traced allocations of one fit (``tracemalloc``), and the load average.
"""

import argparse
import os
import statistics
import time
import tracemalloc
import warnings

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning

import skl_softmax
from skl_softmax import OneVsRestLogistic
from skl_softmax import _label_problems as label_problems

SHAPES = [  # samples, features, labels, non-zeros per row
    (1_000, 20_000, 50, 20),
    (5_000, 10_000, 40, 50),
    (20_000, 5_000, 30, 30),
]


def _fit(X, Y, cap):
    label_problems._SPARSE_MAX_IN_FLIGHT = cap
    start = time.perf_counter()
    OneVsRestLogistic().fit(X, Y)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--in-flight", type=int, nargs="+", default=[32, 8, 4])
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(skl_softmax.__file__)
    print("load at start", os.getloadavg(), flush=True)
    rng = np.random.default_rng(0)
    default = label_problems._SPARSE_MAX_IN_FLIGHT
    for n, d, n_labels, nnz in SHAPES:
        X = sparse.random(n, d, density=nnz / d, format="csr", random_state=rng)
        frequencies = rng.uniform(0.05, 0.3, n_labels)
        Y = (rng.random((n, n_labels)) < frequencies).astype(np.int64)
        times = {cap: [] for cap in args.in_flight}
        for run in range(args.runs + 1):
            for cap in args.in_flight:
                seconds = _fit(X, Y, cap)
                if run:
                    times[cap].append(seconds)
        cells = []
        for cap in args.in_flight:
            label_problems._SPARSE_MAX_IN_FLIGHT = cap
            k = label_problems.problems_in_flight(n_labels, n, d + 1)
            tracemalloc.start()
            try:
                OneVsRestLogistic().fit(X, Y)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            cells.append(
                f"{k} in flight: {statistics.median(times[cap]):.2f} s, "
                f"{peak / 1e6:.0f} MB"
            )
        label_problems._SPARSE_MAX_IN_FLIGHT = default
        print(f"{n} x {d} CSR, {n_labels} labels: " + " | ".join(cells), flush=True)
    print("load at end", os.getloadavg())


if __name__ == "__main__":
    main()
