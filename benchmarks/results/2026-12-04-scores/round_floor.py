"""The floor of one round of SoftmaxRegressionCV's folds on case (a)'s data.

    PYTHONPATH=benchmarks python benchmarks/results/2026-12-04-scores/round_floor.py

A round evaluates the five folds' objectives together: the rows are grouped by
the fold that holds them out (5 groups of 40 000 rows), and each group is
multiplied by the parameters of the four folds that train on it (40 outputs),
forward (``W Xᵀ``) and back (``R X``). Timed here, median of 9, alternated:

- *products in pieces*: only those products, cut into the pieces that the fit
  uses (rows × 200 × 40 below OpenBLAS's single-thread size, so no BLAS pool is
  woken), the runs of rows shared by two threads as the fit shares them;
- *exp*: only the round's 8 million float64 exponentials, on two threads;
- *whole blocks, one thread each*: the same products as blocks of 2 621 rows,
  each on one thread inside ``threadpool_limits(1)``, the process-wide limit
  that a fit may not set (``skl_softmax/_threads.py``): what the pieces cost;
- *round*: the fit's own evaluation of the five folds (``MultinomialLoss``
  grouped by rows, as ``_fold_problems.fold_paths`` builds it).
"""

import os
import time

import numpy as np
from bench_data import dense_multiclass
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from skl_softmax import SoftmaxRegression
from skl_softmax._base import Conditioning, column_statistics
from skl_softmax._fold_problems import _rows_by_folds
from skl_softmax._threads import piece_rows, run_chunks

X, y = dense_multiclass(200_000, 200, 10, seed=0)
folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
n_samples, n_features = X.shape
rng = np.random.default_rng(0)
print("load average at start", os.getloadavg())

estimator = SoftmaxRegression(C=1.0)
estimator.classes_ = np.arange(10)
weights = estimator._weights(y, None, None, n_samples)
fold_weights = np.zeros((n_samples, 5))
for f, (train, _) in enumerate(folds):
    fold_weights[train, f] = weights[train]
order, groups = _rows_by_folds(fold_weights, n_features, 10)
conditioning = Conditioning.from_statistics(
    *column_statistics(X, weights), weights.sum(), True, estimator._loss_C
)
X_folds = X[order]
objective = estimator._objective(
    X_folds, y[order], None, fold_weights[order], conditioning
).in_row_groups(groups)
W_all = rng.standard_normal((50, n_features)) * 0.01

# The runs of rows of the fit: each group cut into runs of 12 500 rows (16
# chunks at most per pass), each run's 4 folds' parameters (40 outputs).
runs = []
for rows, members in groups:
    W = np.ascontiguousarray(W_all.reshape(5, 10, -1)[members].reshape(-1, n_features))
    step = -(-n_samples // 16)
    for start in range(rows.start, rows.stop, step):
        runs.append((X_folds[start : min(start + step, rows.stop)], W))
pieces = piece_rows(n_features, 40)
block = 2621


def products(run, cut):
    X_run, W = run
    Z = np.empty((W.shape[0], X_run.shape[0]))
    grad = np.zeros(W.shape)
    for t in range(0, X_run.shape[0], cut):
        np.matmul(W, X_run[t : t + cut].T, out=Z[:, t : t + cut])
        grad += Z[:, t : t + cut] @ X_run[t : t + cut]
    return grad


def pieces_round():
    run_chunks(lambda i: products(runs[i], pieces), len(runs), 2)


def whole_round():
    with threadpool_limits(1):
        run_chunks(lambda i: products(runs[i], block), len(runs), 2)


logits = [rng.standard_normal((40, X_run.shape[0])) - 3.0 for X_run, _ in runs]
outputs = [np.empty_like(Z) for Z in logits]


def exp_round():
    run_chunks(lambda i: np.exp(logits[i], out=outputs[i]), len(runs), 2)


def fit_round():
    objective.evaluate(W_all, np.zeros(50), np.arange(5))


calls = {
    "products in pieces": pieces_round,
    "exp": exp_round,
    "whole blocks, one thread each": whole_round,
    "round": fit_round,
}
times = {name: [] for name in calls}
for _ in range(9):
    for name, call in calls.items():
        time.sleep(0.2)
        start = time.perf_counter()
        call()
        times[name].append(time.perf_counter() - start)
flops = 2 * 2 * n_samples * n_features * 40
for name in calls:
    median = np.median(times[name])
    extra = f", {flops / median / 1e9:.1f} GFLOP/s" if "products" in name else ""
    extra += f", {flops / median / 2e9:.1f} a thread" if "whole" in name else ""
    print(f"{name:32s} median {median * 1e3:6.1f} ms{extra}")
floor = np.median(times["products in pieces"]) + np.median(times["exp"])
print(
    f"products in pieces + exp: {floor * 1e3:.1f} ms a round, "
    f"84 rounds {84 * floor:.2f} s"
)
print("load average at end", os.getloadavg())
