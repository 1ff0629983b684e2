"""Prediction logits off NumPy's BLAS pool, against one product on it, alternated.

Usage::

    python benchmarks/bench_prediction_logits.py [--runs N]

Since 2026-12-03 the models' scores ``X Wᵀ`` on dense NumPy data are
multiplied in pieces that OpenBLAS runs on the calling thread, shared by the
fit's threads on large data (``skl_softmax._loss.prediction_logits``), as the
fits' passes are; before, one product ran on NumPy's pool, which then spins for
about 0.1 s beside whatever runs next. This script times, both ways (the
product of ``logits_by_output`` patched in for "pool"):

- ``SoftmaxRegressionCV(Cs=6, cv=5)`` and ``OneVsRestLogisticCV(Cs=6, cv=5)``
  fits, which score every fold's held-out rows at every C between fits;
- ``predict_proba`` of a fitted model on large data, alone (each call after a
  0.2 s pause, so that no pool spins from the call before).

Each measurement alternates the two ways after a warm-up and prints the medians,
their ratio (pieces / pool) and the load average: the machine is shared.
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skl_softmax import (  # noqa: E402
    OneVsRestLogisticCV,
    SoftmaxRegression,
    SoftmaxRegressionCV,
    _base,
    _loss,
)

WAYS = {"pieces": _loss.prediction_logits, "pool": _loss.logits_by_output}
# (n_samples, n_features, n_classes)
CV_SHAPES = [(3_000, 300, 3), (20_000, 100, 3), (40_000, 200, 10)]
PREDICT_SHAPES = [(200_000, 200, 10), (1_000_000, 20, 2), (100_000, 100, 100)]


def _data(n, d, k, rng):
    X = rng.standard_normal((n, d))
    W = 0.3 * rng.standard_normal((k, d))
    y = np.argmax(X @ W.T + rng.gumbel(size=(n, k)), axis=1)
    return X, y


def _alternate(call, runs):
    times = {way: [] for way in WAYS}
    for run in range(runs + 1):
        for way, logits in WAYS.items():
            _base.prediction_logits = logits
            time.sleep(0.2)
            start = time.perf_counter()
            call()
            if run:
                times[way].append(time.perf_counter() - start)
    _base.prediction_logits = WAYS["pieces"]
    return {way: float(np.median(t)) for way, t in times.items()}


def _report(label, medians):
    pieces, pool = medians["pieces"], medians["pool"]
    print(
        f"{label}: pieces {pieces:.3f} s, pool {pool:.3f} s, "
        f"pieces / pool {pieces / pool:.2f}",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print("load at start", os.getloadavg())
    rng = np.random.default_rng(0)
    for n, d, k in CV_SHAPES:
        X, y = _data(n, d, k, rng)
        for Estimator in (SoftmaxRegressionCV, OneVsRestLogisticCV):
            medians = _alternate(
                lambda E=Estimator, X=X, y=y: E(Cs=6, cv=5).fit(X, y), args.runs
            )
            _report(f"{Estimator.__name__} {n} x {d} x {k}", medians)
    for n, d, k in PREDICT_SHAPES:
        X, y = _data(n, d, k, rng)
        model = SoftmaxRegression(max_iter=5).fit(X, y)
        medians = _alternate(lambda m=model, X=X: m.predict_proba(X), 3 * args.runs)
        _report(f"predict_proba {n} x {d} x {k}", medians)
    print("load at end", os.getloadavg())


if __name__ == "__main__":
    main()
