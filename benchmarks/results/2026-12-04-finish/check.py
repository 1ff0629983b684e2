"""How the gradient-judged finish ends on badly scaled data, at each patience.

Case (g)'s kind of data (``benchmarks/bench_data.badly_scaled``: column
spreads 1 to 1e4, means up to 3 spreads) at 40 random sizes (300-3000 rows,
3-39 columns, 2-7 classes; odd seeds float32), fitted by both estimators at
tol 1e-6, 1e-8 and 1e-10. For every finish (one per softmax fit, one per
one-vs-rest label that L-BFGS-B left on the flat objective): whether it
reached tol, the evaluations it spent, and where the fit was left when it did
not (max |gradient| in model coordinates over tol).

    python benchmarks/results/2026-12-04-finish/check.py 3 6
"""

import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench_data import badly_scaled  # noqa: E402

import skl_softmax._solver as solver  # noqa: E402
from skl_softmax import OneVsRestLogistic, SoftmaxRegression  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)
finish = solver._finish_on_gradients
record = []


class _Counting:
    def __init__(self, cached):
        self.cached, self.calls = cached, 0

    def grad_at(self, x):
        return self.cached.grad_at(x)

    def __call__(self, x):
        self.calls += 1
        return self.cached(x)


def _counted(cached, x, fun, hess_inv, tol, measure, max_steps):
    counting = _Counting(cached)
    start = measure(cached.grad_at(x))
    iterates = finish(counting, x, fun, hess_inv, tol, measure, max_steps)
    record.append((bool(iterates), counting.calls, start / tol))
    return iterates


solver._finish_on_gradients = _counted

for patience in map(int, sys.argv[1:] or ["3", "6"]):
    solver._FINISH_PATIENCE = patience
    groups = {}
    rng = np.random.default_rng(0)
    for seed in range(12, 52):
        n, d, k = (
            int(rng.integers(*bounds)) for bounds in [(300, 3000), (3, 40), (2, 8)]
        )
        X, y = badly_scaled(n, d, k, seed=seed)
        if seed % 2:
            X = X.astype(np.float32)
        for tol in (1e-6, 1e-8, 1e-10):
            for Estimator in (SoftmaxRegression, OneVsRestLogistic):
                record.clear()
                Estimator(tol=tol, max_iter=1000).fit(X, y)
                key = (str(X.dtype), tol, Estimator.__name__)
                groups.setdefault(key, []).extend(record)
    print(f"patience {patience}")
    print(
        "| dtype | tol | estimator | finishes | reached tol | evaluations kept | "
        "evaluations discarded | not reached: max gradient / tol |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for key in sorted(groups):
        entries = groups[key]
        missed = [ratio for reached, _, ratio in entries if not reached]
        span = f"{min(missed):.0e} to {max(missed):.0e}" if missed else "—"
        print(
            f"| {key[0]} | {key[1]:.0e} | {key[2]} | {len(entries)} | "
            f"{sum(r for r, _, _ in entries)} | "
            f"{sum(c for r, c, _ in entries if r)} | "
            f"{sum(c for r, c, _ in entries if not r)} | {span} |"
        )
