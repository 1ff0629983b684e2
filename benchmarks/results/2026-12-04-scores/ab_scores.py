"""SoftmaxRegressionCV on case (a)'s data with the held-out scores of a fold's
models computed together (now) and one model at a time (before), alternated.

    PYTHONPATH=benchmarks python benchmarks/results/2026-12-04-scores/ab_scores.py

"Before" puts back, for measurement only, the per-model scoring loop of
_cv._fit_paths_together and the previous log-sum-exp of skl_softmax._special
(``np.where`` with zeros and a float copy of the mask). Both sides time the
whole fit and the scoring inside it.
"""

import os
import time

import numpy as np
from bench_data import dense_multiclass
from sklearn.model_selection import StratifiedKFold

import skl_softmax._cv as cv
import skl_softmax._special as special
from skl_softmax import SoftmaxRegressionCV

new_scores, new_lse = cv._path_scores, special._log_sum_exp_shifted


def old_scores(cv_estimator, models, X_test, y_test, targets_test, score_params):
    return [
        cv._held_out_score(cv_estimator, m, X_test, y_test, targets_test, score_params)
        for m in models
    ]


def old_lse(shifted, axis, xp):
    at_max = shifted == 0
    with np.errstate(under="ignore"):
        rest = xp.sum(
            xp.where(at_max, xp.zeros_like(shifted), xp.exp(shifted)),
            axis=axis,
            keepdims=True,
        )
    ties = xp.sum(xp.astype(at_max, shifted.dtype), axis=axis, keepdims=True)
    return xp.log1p(rest + (ties - 1))


X, y = dense_multiclass(200_000, 200, 10, seed=0)
folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
print("load average at start", os.getloadavg())
times = {"before": [], "now": []}
scoring = {"before": [], "now": []}
for run in range(4):
    for side in ("before", "now") if run % 2 == 0 else ("now", "before"):
        scores, lse = (
            (old_scores, old_lse) if side == "before" else (new_scores, new_lse)
        )
        spent = [0.0]

        def timed(*args, scores=scores, spent=spent):
            start = time.perf_counter()
            try:
                return scores(*args)
            finally:
                spent[0] += time.perf_counter() - start

        cv._path_scores, special._log_sum_exp_shifted = timed, lse
        time.sleep(0.2)
        start = time.perf_counter()
        model = SoftmaxRegressionCV(Cs=np.logspace(-4, 4, 10), cv=folds).fit(X, y)
        times[side].append(time.perf_counter() - start)
        scoring[side].append(spent[0])
        print(
            f"run {run} {side:6s}: fit {times[side][-1]:.2f} s, "
            f"scores {spent[0]:.2f} s, C_ {model.C_:.4g}"
        )
for side in ("before", "now"):
    print(
        f"{side:6s}: median fit {np.median(times[side]):.2f} s, "
        f"median scores {np.median(scoring[side]):.2f} s"
    )
print(
    "now / before (medians):",
    round(np.median(times["now"]) / np.median(times["before"]), 3),
)
print("load average at end", os.getloadavg())
