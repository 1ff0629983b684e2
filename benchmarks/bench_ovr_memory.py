"""Peak memory of one-vs-rest fits above the data, against ``OneVsRestClassifier``.

Usage::

    python benchmarks/bench_ovr_memory.py [--case NAME ...] [--out DIR]

The reliability issue's bar: a ``OneVsRestLogistic()`` fit holds at most 2× the
memory above the data that ``OneVsRestClassifier(LogisticRegression())`` holds,
on its cases (5 000 × 100 000 CSR with 100 000 non-zeros and 100 or 300 labels;
100 000 samples × 1 000 labels) and on the benchmark's one-vs-rest cases (e)
and (f). Each fit runs once under ``tracemalloc`` (NumPy and SciPy allocations
are traced): the peak of traced allocations during the fit, less what was
traced before it, as ``run.py`` measures memory. Both fits take the same
arrays, made before either starts. The fits' times are printed too (one run
each, under ``tracemalloc``: a rough figure, not a timing benchmark). Writes
``results.json`` and ``env.json`` into ``--out`` when given.
"""

import argparse
import json
import os
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_data import dense_multiclass, dense_multilabel  # noqa: E402
from bench_report import environment  # noqa: E402

from skl_softmax import OneVsRestLogistic  # noqa: E402


def _sparse_multilabel(n_labels):
    """5 000 × 100 000 CSR, 100 000 non-zeros; labels of frequency 2–20 %."""
    rng = np.random.default_rng(7)
    X = sparse.random(
        5_000, 100_000, density=100_000 / 5e8, format="csr", random_state=rng
    )
    frequencies = rng.uniform(0.02, 0.2, n_labels)
    Y = (rng.random((5_000, n_labels)) < frequencies).astype(np.int64)
    return X, Y


CASES = {
    "e": (
        "(a) data: 200 000 × 200, 10 classes",
        lambda: dense_multiclass(200_000, 200, 10, seed=4),
    ),
    "f": (
        "100 000 × 200, 20 labels",
        lambda: dense_multilabel(100_000, 200, 20, seed=5),
    ),
    "sparse-100": ("5 000 × 100 000 CSR, 100 labels", lambda: _sparse_multilabel(100)),
    "sparse-300": ("5 000 × 100 000 CSR, 300 labels", lambda: _sparse_multilabel(300)),
    "labels-1000": (
        "100 000 × 20, 1 000 labels",
        lambda: dense_multilabel(100_000, 20, 1_000, seed=8),
    ),
}


def _peak(make, X, y):
    """Peak traced bytes above the start, and seconds, of one fit."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            make().fit(X, y)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return peak, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", nargs="+", default=list(CASES), choices=CASES)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    env = environment(cases=args.case)
    print("load at start", os.getloadavg(), flush=True)
    results = {}
    for name in args.case:
        title, load = CASES[name]
        X, y = load()
        ours, ours_s = _peak(OneVsRestLogistic, X, y)
        theirs, theirs_s = _peak(
            lambda: OneVsRestClassifier(LogisticRegression()), X, y
        )
        results[name] = dict(
            title=title,
            ours_bytes=ours,
            sklearn_bytes=theirs,
            ratio=ours / theirs,
            ours_s=ours_s,
            sklearn_s=theirs_s,
        )
        print(
            f"{name} ({title}): OneVsRestLogistic {ours / 1e6:.1f} MB, "
            f"OneVsRestClassifier {theirs / 1e6:.1f} MB above the data, ratio "
            f"{ours / theirs:.2f} (goal ≤ 2); fits {ours_s:.1f} s and {theirs_s:.1f} s",
            flush=True,
        )
        del X, y
    env["machine"]["load_average_end"] = os.getloadavg()
    print("load at end", env["machine"]["load_average_end"])
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(results, indent=2))
        (args.out / "env.json").write_text(json.dumps(env, indent=2, default=str))


if __name__ == "__main__":
    main()
