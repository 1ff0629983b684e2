"""Fits in threads cost about what they cost one after another.

Usage::

    python benchmarks/bench_threads.py [--runs N] [--fits N]

Eight fits of ``SoftmaxRegression`` (and of ``OneVsRestLogistic``) on 2 000 × 30
data with 6 classes, run one after another and on a 2-thread
``ThreadPoolExecutor``, alternated (serial, threaded, serial, …) after one
warm-up each. Prints the medians, their ratio and the load average before and
after, since timings on a busy machine mean little. Also checks that the fits
left every BLAS pool as it found it. Timing is measured here, never asserted in
the tests.
"""

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skl_softmax import OneVsRestLogistic, SoftmaxRegression  # noqa: E402


def problems(n_fits, seed=0):
    rng = np.random.default_rng(seed)
    data = []
    for _ in range(n_fits):
        X = rng.standard_normal((2_000, 30))
        W = rng.standard_normal((6, 30))
        y = np.argmax(X @ W.T + rng.gumbel(size=(2_000, 6)), axis=1)
        data.append((X, y))
    return data


def serial(Estimator, data):
    return [Estimator().fit(X, y) for X, y in data]


def threaded(Estimator, data):
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda Xy: Estimator().fit(*Xy), data))


def timed(function, *args):
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--fits", type=int, default=8)
    args = parser.parse_args()
    data = problems(args.fits)
    pools_before = [(p["filepath"], p["num_threads"]) for p in threadpool_info()]
    load_before = os.getloadavg()
    print(f"{args.fits} fits of 2000 × 30, 6 classes; {os.cpu_count()} CPUs")
    for Estimator in (SoftmaxRegression, OneVsRestLogistic):
        times = {"serial": [], "threaded": []}
        for run in range(args.runs + 1):
            for name, function in (("serial", serial), ("threaded", threaded)):
                seconds = timed(function, Estimator, data)
                if run:  # the first round warms up
                    times[name].append(seconds)
        serial_s = statistics.median(times["serial"])
        threaded_s = statistics.median(times["threaded"])
        print(
            f"{Estimator.__name__:>18}: serial {serial_s:.4f} s, 2 threads "
            f"{threaded_s:.4f} s (medians of {args.runs}); threaded / serial "
            f"{threaded_s / serial_s:.2f}"
        )
    pools_after = [(p["filepath"], p["num_threads"]) for p in threadpool_info()]
    print(f"load average before {load_before}, after {os.getloadavg()}")
    print(f"thread pools unchanged: {pools_before == pools_after}")


if __name__ == "__main__":
    main()
