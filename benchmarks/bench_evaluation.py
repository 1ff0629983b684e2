"""Where the time of one objective evaluation goes, for the shapes of every case.

Usage::

    python benchmarks/bench_evaluation.py [--scale S] [--runs N] [--threads T]
                                          [--load N] [--settle S] [--shape NAME ...]

For each shape of the benchmark cases, in float64 and float32, dense or sparse,
prints the median time of

- the two bare products one evaluation needs (``W Xᵀ`` and ``R X`` for dense data,
  in the layout our loss uses; ``X Wᵀ`` and ``Xᵀ R`` with SciPy for sparse data):
  the floor;
- one call of our objective and gradient (``MultinomialLoss`` / ``BinomialLoss``);
- one call of scikit-learn's fused ``LinearModelLoss.loss_gradient`` (what its
  lbfgs calls; float64 only, as its solvers run float64 data in float64),

alternated (floor, ours, scikit-learn, floor, …) after a warm-up, each call
``--settle`` seconds (default 0.2) after the one before, as ``run.py`` times
its fits, and the ratios ours / floor and ours / scikit-learn. Without the
pause every call shares the cores with the threads that the call before it
left spinning (OpenBLAS's idle workers busy-wait for about 0.1 s): the floor
and scikit-learn then start on a warm pool and ours beside it. On case (a)'s
shape that put ours at 1.64× its floor and 0.98× scikit-learn, against 1.18×
and 0.71× with the pause (7 runs each, 2026-12-04, AMD EPYC, 2 CPUs;
``benchmarks/results/2026-12-04-blockers/``). ``--threads 1`` runs
everything with every BLAS pool on one thread (threadpoolctl, process-wide: a
script of its own). ``--load N`` runs N CPU burners (those of ``run.py``) beside
the timings: the loaded column of issue 15. ``--scale`` multiplies the rows (0.1
is a quick look).
Timings on a shared machine are noisy: the load average is printed.

Scikit-learn's private loss classes are imported here only, for measurement.
"""

import argparse
import contextlib
import os
import time

import numpy as np
from bench_data import dense_binary, dense_multiclass, sparse_multiclass, sparse_text
from threadpoolctl import threadpool_limits

# name: (n, d, K, kind) with kind "dense", "binary", "sparse" or "text".
SHAPES = {
    "a": (200_000, 200, 10, "dense"),
    "few": (200_000, 20, 10, "dense"),
    "wide": (20_000, 2_000, 5, "dense"),
    "classes": (100_000, 100, 100, "dense"),
    "K1000": (20_000, 20, 1_000, "dense"),
    "d": (500_000, 100, 1, "binary"),
    "binary-d5": (1_000_000, 5, 1, "binary"),
    "binary-d20": (1_000_000, 20, 1, "binary"),
    "binary-d50": (1_000_000, 50, 1, "binary"),
    "c": (100_000, 50_000, 20, "sparse"),
    "text": (100_000, 50_000, 20, "text"),
}


def median_times(functions, runs, settle=0.0):
    """Medians of ``runs`` alternated calls of each function, after a warm-up,
    each call ``settle`` seconds after the one before."""
    times = [[] for _ in functions]
    for run in range(runs + 1):
        for function, spent in zip(functions, times, strict=True):
            time.sleep(settle)
            start = time.perf_counter()
            function()
            if run:
                spent.append(time.perf_counter() - start)
    return [float(np.median(spent)) for spent in times]


def problem(name, scale):
    n, d, k, kind = SHAPES[name]
    n = max(1_000, int(n * scale))
    if kind == "dense":
        X, y = dense_multiclass(n, d, k, seed=0)
    elif kind == "binary":
        X, y = dense_binary(n, d, seed=3)
    elif kind == "sparse":
        X, y = sparse_multiclass(n, d, k, 50, seed=2)
    else:
        X, y = sparse_text(n, d, k, 50, seed=9)
    return X, y, k


def floor(X, k):
    rng = np.random.default_rng(0)
    W = rng.standard_normal((k, X.shape[1])).astype(X.dtype)
    R = rng.standard_normal((k, X.shape[0])).astype(X.dtype)
    if hasattr(X, "tocsr"):
        R_t = np.ascontiguousarray(R.T)
        return lambda: (X @ W.T, X.T @ R_t)
    return lambda: (W @ X.T, R @ X)


def ours(X, y, k):
    from skl_softmax._loss import BinomialLoss, MultinomialLoss

    sw = np.ones(X.shape[0])
    if k == 1:
        loss = BinomialLoss(X, y[:, None].astype(np.float64), sw, 1.0, True)
    else:
        loss = MultinomialLoss(X, y, sw, 1.0, k, True)
    params = np.random.default_rng(0).normal(0.0, 0.01, loss.n_params)
    return lambda: loss(params)


def sklearn_fused(X, y, k):
    from sklearn._loss.loss import HalfBinomialLoss, HalfMultinomialLoss
    from sklearn.linear_model._linear_loss import LinearModelLoss

    if k == 1:
        model = LinearModelLoss(HalfBinomialLoss(), fit_intercept=True)
        coef = np.random.default_rng(0).normal(0.0, 0.01, X.shape[1] + 1)
    else:
        model = LinearModelLoss(HalfMultinomialLoss(n_classes=k), fit_intercept=True)
        coef = np.random.default_rng(0).normal(0.0, 0.01, k * (X.shape[1] + 1))
    y = y.astype(np.float64)
    sw = np.ones(X.shape[0])
    return lambda: model.loss_gradient(coef, X, y, sw, l2_reg_strength=1.0 / X.shape[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--load", type=int, default=0)
    parser.add_argument("--settle", type=float, default=0.2)
    parser.add_argument("--shape", nargs="+", default=list(SHAPES))
    args = parser.parse_args()
    limit = (
        threadpool_limits(args.threads) if args.threads else contextlib.nullcontext()
    )
    if args.load:
        from run import burners

        load = burners(args.load, 3_600)
    else:
        load = contextlib.nullcontext()
    print(
        f"load average {os.getloadavg()[0]:.1f}; threads "
        f"{args.threads or 'default'}; rows × {args.scale:g}; {args.load} burners; "
        f"{args.settle:g} s before each call"
    )
    print(
        "shape       dtype    floor (ms)  ours (ms)  sklearn (ms)  ours/floor  "
        "ours/sklearn"
    )
    with limit, load:
        for name in args.shape:
            X64, y, k = problem(name, args.scale)
            for dtype in (np.float64, np.float32):
                X = X64.astype(dtype)
                functions = [floor(X, k), ours(X, y, k)]
                if dtype == np.float64:
                    functions.append(sklearn_fused(X, y, k))
                base, mine, *rest = median_times(functions, args.runs, args.settle)
                theirs = rest[0] if rest else float("nan")
                print(
                    f"{name:11s} {np.dtype(dtype).name:8s} {1e3 * base:10.2f} "
                    f"{1e3 * mine:10.2f} {1e3 * theirs:13.2f} {mine / base:11.2f} "
                    f"{mine / theirs:13.2f}",
                    flush=True,
                )
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
