"""The softmax pointwise part with and without the shift by the column maxima.

Usage::

    python benchmarks/bench_shift.py [--runs N] [--shape NAME ...] [--fits]

With hard labels and logits bounded below exp's range, ``MultinomialLoss``
computes ``e^z`` without first subtracting each row's largest logit, and the
loss as ``log(Σ_k e^{z_k} / e^{z_y})`` (``skl_softmax._loss``,
``MultinomialLoss._needs_shift``). This script times one evaluation (and with
``--fits`` one default ``SoftmaxRegression`` fit) both ways, the shift forced
on by replacing ``_needs_shift``, alternated after a warm-up, for the
multiclass shapes of ``bench_evaluation.py``, and prints the medians and the
ratio without / with the shift. The load average is printed: the machine is
shared.
"""

import argparse
import os
import time

import numpy as np
from bench_data import dense_multiclass
from bench_evaluation import SHAPES

from skl_softmax import SoftmaxRegression
from skl_softmax._loss import MultinomialLoss

NEEDS_SHIFT = MultinomialLoss._needs_shift


def _always(self, W, b):
    return True


def _alternated(functions, runs):
    times = [[] for _ in functions]
    for run in range(runs + 1):
        for (shift, function), spent in zip(functions, times, strict=True):
            MultinomialLoss._needs_shift = shift
            start = time.perf_counter()
            function()
            if run:
                spent.append(time.perf_counter() - start)
    MultinomialLoss._needs_shift = NEEDS_SHIFT
    return [float(np.median(spent)) for spent in times]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--shape", nargs="+", default=["a", "few", "classes", "K1000"])
    parser.add_argument("--fits", action="store_true")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("shape    what        dtype    no shift (ms)  shift (ms)  ratio")
    for name in args.shape:
        n, d, k, _ = SHAPES[name]
        X64, y = dense_multiclass(n, d, k, seed=0)
        for dtype in (np.float64, np.float32):
            X = X64.astype(dtype)
            loss = MultinomialLoss(X, y, np.ones(n), 1.0, k, True)
            params = np.random.default_rng(0).normal(0.0, 0.01, loss.n_params)
            evaluate = lambda loss=loss, params=params: loss(params)  # noqa: E731
            rows = [("evaluation", evaluate, args.runs)]
            if args.fits:
                fit = lambda X=X, y=y: SoftmaxRegression().fit(X, y)  # noqa: E731
                rows.append(("fit", fit, max(2, args.runs // 3)))
            for what, function, runs in rows:
                free, shifted = _alternated(
                    [(NEEDS_SHIFT, function), (_always, function)], runs
                )
                print(
                    f"{name:8s} {what:11s} {np.dtype(dtype).name:8s} "
                    f"{1e3 * free:13.1f} {1e3 * shifted:11.1f} {free / shifted:6.2f}",
                    flush=True,
                )
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
