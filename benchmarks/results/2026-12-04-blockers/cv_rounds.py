"""Where SoftmaxRegressionCV's time goes on case (a)'s data (issue 12).

    PYTHONPATH=benchmarks python benchmarks/results/2026-12-04-blockers/cv_rounds.py

The benchmark's softmax case (200 000 × 200, 10 classes, 10 Cs, 5 stratified
folds): one fit, timing every round of the folds fitted together by the number
of folds in it, the held-out scoring and the refit (wrappers around the
private functions, for measurement only). Then one round of the five folds
evaluated alone, outside a fit, for comparison.
"""

import collections
import functools
import time

import numpy as np
from bench_data import dense_multiclass
from sklearn.model_selection import StratifiedKFold

import skl_softmax._cv as cv
import skl_softmax._loss as loss
from skl_softmax import SoftmaxRegression, SoftmaxRegressionCV
from skl_softmax._base import Conditioning, column_statistics
from skl_softmax._fold_problems import _rows_by_folds

rounds = []
seconds = collections.Counter()
evaluate = loss.MultinomialLoss.evaluate


def timed_evaluate(self, W, b, problems=None):
    start = time.perf_counter()
    try:
        return evaluate(self, W, b, problems)
    finally:
        rounds.append(
            (0 if problems is None else len(problems), time.perf_counter() - start)
        )


def timed(owner, name):
    function = getattr(owner, name)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[name] += time.perf_counter() - start

    setattr(owner, name, wrapper)


loss.MultinomialLoss.evaluate = timed_evaluate
timed(cv, "_held_out_score")
timed(cv.SoftmaxRegressionCV, "_refit")
X, y = dense_multiclass(200_000, 200, 10, seed=0)
folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
start = time.perf_counter()
model = SoftmaxRegressionCV(Cs=np.logspace(-4, 4, 10), cv=folds).fit(X, y)
print(f"fit {time.perf_counter() - start:.2f} s, fold iterations {model.n_iter_.sum()}")
by_size = collections.defaultdict(list)
for size, duration in rounds:
    by_size[size].append(duration)
for size in sorted(by_size):
    times = by_size[size]
    label = "refit" if size == 0 else f"{size} folds"
    print(
        f"  rounds of {label:8s}: {len(times):3d}, "
        f"median {np.median(times) * 1e3:6.1f} ms, {np.sum(times):6.2f} s in all"
    )
for name, total in seconds.items():
    print(f"  {name}: {total:.2f} s")

# The same objective as the fit's (fold_paths' steps), its five folds
# evaluated outside a fit: no L-BFGS-B step, no SciPy pool woken before them.
loss.MultinomialLoss.evaluate = evaluate
estimator = SoftmaxRegression(C=1.0)
estimator.classes_ = np.arange(10)
n_samples, n_features = X.shape
weights = estimator._weights(y, None, None, n_samples)
fold_weights = np.zeros((n_samples, len(folds)))
for f, (train, _) in enumerate(folds):
    fold_weights[train, f] = weights[train]
order, groups = _rows_by_folds(fold_weights, n_features, 10)
conditioning = Conditioning.from_statistics(
    *column_statistics(X, weights), weights.sum(), True, estimator._loss_C
)
objective = estimator._objective(
    X[order], y[order], None, fold_weights[order], conditioning
).in_row_groups(groups)
W = np.random.default_rng(0).standard_normal((50, n_features)) * 0.01
times = []
for _ in range(9):
    start = time.perf_counter()
    objective.evaluate(W, np.zeros(50), np.arange(5))
    times.append(time.perf_counter() - start)
print(f"  five folds outside a fit: median {np.median(times) * 1e3:6.1f} ms")
