"""Fits that end far from the optimum on columns of large values.

    python benchmarks/results/2026-12-04-numerics/far_from_the_optimum.py

Three cases found by an edge-case search on 2026-12-04 (README.md there), each
printed as the largest probability difference from the true optimum and
whether a ConvergenceWarning came. With an intercept a constant column adds
nothing but its penalty: the optimum is the fit without it. A column shifted
by a constant has the optimum of the exactly centred data (Sterbenz: the
subtraction of the mean is exact for these values).
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from skl_softmax import OneVsRestLogistic, SoftmaxRegression


def data(n, d, seed):
    rng = np.random.default_rng(seed)
    X0 = rng.standard_normal((n, d))
    y = np.argmax(X0 @ rng.standard_normal((3, d)).T + rng.gumbel(size=(n, 3)), 1)
    return X0, y


def fitted(estimator, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.fit(X, y)
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return estimator, "warned" if warned else "no warning"


def gap(P, Q):
    return f"{np.abs(P - Q).max():.1e}"


def reference(C, X, y, one_vs_rest=False):
    model = LogisticRegression(C=C, tol=1e-12, max_iter=100_000)
    return (OneVsRestClassifier(model) if one_vs_rest else model).fit(X, y)


print("1. float32 data with a constant column, C=1, default tol")
X0, y = data(400, 6, seed=1)
X0_32 = X0.astype(np.float32).astype(np.float64)
P_opt = reference(1.0, X0_32, y).predict_proba(X0_32)
for c in [1e4, 1e5, 1e6, 1e7, 1e9]:
    X = np.hstack([X0, np.full((400, 1), c)]).astype(np.float32)
    ours, said = fitted(SoftmaxRegression(C=1.0), X, y)
    ours64, _ = fitted(SoftmaxRegression(C=1.0), X.astype(np.float64), y)
    lr = LogisticRegression(C=1.0).fit(X, y)
    print(
        f"   c={c:g}: float32 {gap(ours.predict_proba(X), P_opt)} ({said}), "
        f"same data in float64 {gap(ours64.predict_proba(X.astype(float)), P_opt)}, "
        f"LogisticRegression float32 {gap(lr.predict_proba(X), P_opt)}"
    )

print("   the same with C=inf, tol=1e-10 (probabilities from float64 logits)")
P_opt = reference(np.inf, X0_32, y).predict_proba(X0_32)
for c in [1e5, 1e6, 1e7, 1e9]:
    X = np.hstack([X0, np.full((400, 1), c)]).astype(np.float32)
    ours, said = fitted(SoftmaxRegression(C=np.inf, tol=1e-10, max_iter=10_000), X, y)
    Z = X.astype(float) @ ours.coef_.astype(float).T + ours.intercept_.astype(float)
    P = np.exp(Z - Z.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    print(f"   c={c:g}: float32 {gap(P, P_opt)} ({said})")

print("2. float64 data with a constant column of large values, tol=1e-10")
X0, y = data(500, 5, seed=0)
for C in [1.0, np.inf]:
    P_opt = reference(C, X0, y).predict_proba(X0)
    P_ovr = reference(C, X0, y, one_vs_rest=True).predict_proba(X0)
    for c in [1e12, 1e14, 1e15, 1.7e18]:
        X = np.hstack([X0, np.full((500, 1), c)])
        ours, said = fitted(SoftmaxRegression(C=C, tol=1e-10, max_iter=10_000), X, y)
        ovr, said_ovr = fitted(OneVsRestLogistic(C=C, tol=1e-10, max_iter=10_000), X, y)
        lr = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(X, y)
        print(
            f"   C={C} c={c:g}: SoftmaxRegression {gap(ours.predict_proba(X), P_opt)} "
            f"({said}), OneVsRestLogistic {gap(ovr.predict_proba(X), P_ovr)} "
            f"({said_ovr}), LogisticRegression {gap(lr.predict_proba(X), P_opt)}"
        )

print("3. a column whose mean is far larger than its spread, C=inf")
for scale, shift in [(1.0, 1e8), (1e-3, 1e6), (1e-3, 1e8)]:
    X = X0.copy()
    X[:, 0] = X[:, 0] * scale + shift
    mean = X.mean(0)
    optimum = reference(np.inf, X - mean, y)
    P_opt = optimum.predict_proba(X - mean)
    # The best that coef_ and intercept_ can hold: the optimum moved to X.
    Z = X @ optimum.coef_.T + (optimum.intercept_ - optimum.coef_ @ mean)
    P_best = np.exp(Z - Z.max(1, keepdims=True))
    P_best /= P_best.sum(1, keepdims=True)
    for tol in [1e-4, 1e-10]:
        ours, said = fitted(SoftmaxRegression(C=np.inf, tol=tol, max_iter=10_000), X, y)
        print(
            f"   column 0 * {scale:g} + {shift:g}, tol={tol:g}: "
            f"{gap(ours.predict_proba(X), P_opt)} ({said}); "
            f"the parameters' form can hold {gap(P_best, P_opt)}"
        )
