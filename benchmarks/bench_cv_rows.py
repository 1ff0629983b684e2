"""The folds fitted together with and without their held-out rows skipped.

Usage::

    python benchmarks/bench_cv_rows.py [--runs N] [--cases NAME ...] [--memory]
                                       [--load N]

``SoftmaxRegressionCV`` fits its folds together on large dense data, and from
``_fold_problems._MIN_GROUP_MULTIPLY_ADDS`` multiply-adds per group of rows it
copies the rows in the order of the folds that weigh them, so that each group
of rows is multiplied by its folds' parameters only. This script times the
default fit (10 Cs) both ways, the grouping switched off by raising that
threshold, alternated after a warm-up, on the shapes that chose the
threshold: k-fold splits (one group per fold) from 8·10⁶ to 3.2·10⁸
multiply-adds per group, and shuffle splits (a group per pattern of folds,
32 of them). It prints the medians and the ratio grouped / all rows, with the
load average: the machine is shared. ``--load N`` runs N CPU burners (those
of ``run.py``) beside the timings. ``--memory`` prints instead the peak of
traced allocations above the data during one fit of case (a)'s 5 folds, both
ways and for ``LogisticRegressionCV`` (the rows grouped cost a copy of ``X``;
``LogisticRegressionCV`` copies each fold's training rows).
"""

import argparse
import contextlib
import os
import time
import tracemalloc

import numpy as np
from bench_cv import _softmax_competitors
from bench_data import dense_multiclass
from sklearn.datasets import make_classification
from sklearn.model_selection import ShuffleSplit, StratifiedKFold

from skl_softmax import SoftmaxRegressionCV, _fold_problems

GROUPED = _fold_problems._MIN_GROUP_MULTIPLY_ADDS
KFOLD = StratifiedKFold(5, shuffle=True, random_state=0)
SHUFFLE = ShuffleSplit(5, test_size=0.2, random_state=0)
CASES = {
    "20000x50 K10 5-fold": (20_000, 50, 10, KFOLD),
    "50000x100 K10 5-fold": (50_000, 100, 10, KFOLD),
    "200000x50 K2 5-fold": (200_000, 50, 2, KFOLD),
    "100000x100 K10 shuffle": (100_000, 100, 10, SHUFFLE),
    "(a) 200000x200 K10 5-fold": (200_000, 200, 10, StratifiedKFold(5)),
    "(a) 200000x200 K10 shuffle": (200_000, 200, 10, SHUFFLE),
}


def _data(n, d, k):
    if d == 200:
        return dense_multiclass(n, d, k, seed=0)  # case (a)'s data
    return make_classification(
        n_samples=n,
        n_features=d,
        n_informative=10,
        n_classes=k,
        n_clusters_per_class=1,
        random_state=0,
    )


def _peak_memory():
    """Peak traced allocations of one fit of case (a)'s 5 folds, three ways."""
    n, d, k, split = CASES["(a) 200000x200 K10 5-fold"]
    X, y = _data(n, d, k)
    folds = list(split.split(X, y))
    Cs = np.logspace(-4, 4, 10)
    competitors, _ = _softmax_competitors(folds, Cs)
    fits = {
        "grouped": (GROUPED, competitors["SoftmaxRegressionCV"]),
        "all rows": (np.inf, competitors["SoftmaxRegressionCV"]),
        "LogisticRegressionCV": (GROUPED, competitors["LogisticRegressionCV"]),
    }
    for name, (threshold, make) in fits.items():
        _fold_problems._MIN_GROUP_MULTIPLY_ADDS = threshold
        tracemalloc.start()
        make().fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"{name}: peak {peak / 2**20:.0f} MiB above the data "
            f"(X: {X.nbytes / 2**20:.0f} MiB)",
            flush=True,
        )
    _fold_problems._MIN_GROUP_MULTIPLY_ADDS = GROUPED


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=None)
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--load", type=int, default=0)
    args = parser.parse_args(argv)
    if args.memory:
        _peak_memory()
        return
    load = contextlib.nullcontext()
    if args.load:
        from run import burners

        load = burners(args.load, 3_600)
    with load:
        _timings(args)


def _timings(args):
    print(f"load average {os.getloadavg()}, {args.load} burners", flush=True)
    for name in args.cases or CASES:
        n, d, k, split = CASES[name]
        X, y = _data(n, d, k)
        folds = list(split.split(X, y))
        times = {"grouped": [], "all rows": []}
        for run in range(args.runs + 1):
            for mode, spent in times.items():
                threshold = GROUPED if mode == "grouped" else np.inf
                _fold_problems._MIN_GROUP_MULTIPLY_ADDS = threshold
                started = time.perf_counter()
                model = SoftmaxRegressionCV(Cs=10, cv=folds).fit(X, y)
                if run:  # the first round warms up
                    spent.append(time.perf_counter() - started)
        _fold_problems._MIN_GROUP_MULTIPLY_ADDS = GROUPED
        grouped, whole = (np.median(t) for t in times.values())
        print(
            f"{name}: grouped {grouped:.3f} s, all rows {whole:.3f} s, "
            f"ratio {grouped / whole:.3f} (C_ {model.C_:.4g}, "
            f"{model.n_iter_.sum()} fold iterations, {args.runs} rounds)",
            flush=True,
        )
    print("load average", os.getloadavg(), flush=True)


if __name__ == "__main__":
    main()
