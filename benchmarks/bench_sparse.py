"""Where one evaluation on sparse CSR data spends its time, and which layout is faster.

Usage::

    python benchmarks/bench_sparse.py [--scale S] [--runs N] [--data c|text]

On the shape of case (c) / ``text`` (n=100 000 × scale, d=50 000, ~50 non-zeros a
row, K=20) this times, alternated, medians of ``--runs``:

- the pieces of our pass: the logits ``X Wᵀ`` (SciPy, an (n, K) result), their
  transpose into our (K, n) layout, the pointwise softmax part, and the
  gradient product as we write it, ``(Xᵀ Zᵀ)ᵀ`` with ``Zᵀ`` F-ordered (SciPy then
  copies it to C order first);
- the alternative gradient product ``Xᵀ G`` with ``G`` an (n, K) C-ordered
  array (no copy), and with ``Xᵀ`` held as a CSR matrix of its own;
- the pointwise part on the (K, n) view of an (n, K) array (F order);
- one call of our objective and our pass alone (one chunk of rows per thread,
  logits kept in SciPy's (n, K) order, pointwise on their (K, n) view,
  gradient ``Xᵀ G`` with no copy), the previous pass (one block on one thread,
  logits copied to (K, n), residuals copied back by SciPy), and our layout in
  one block with ``Xᵀ`` as a CSR copy held once;
- one call of scikit-learn's fused ``loss_gradient``;

then, per iteration of a fit capped at ``--iterations`` (``tol=0``), ours and
``LogisticRegression``'s lbfgs: the milliseconds per iteration, split into the
evaluations (our data pass; scikit-learn's ``loss_gradient``: how many, and the
median of one), SciPy's L-BFGS-B steps on the K·d parameters (``setulb``, which
a NumPy BLAS pool left spinning by the pass slows) and the rest.

Timings on a shared machine are noisy: the load average is printed.
"""

import argparse
import os
import time

import numpy as np
from bench_data import sparse_multiclass, sparse_text


def median_times(functions, runs):
    times = {name: [] for name in functions}
    for run in range(runs + 1):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            if run:
                times[name].append(time.perf_counter() - start)
    return {name: float(np.median(values)) for name, values in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", choices=("c", "text"), default="c")
    parser.add_argument("--iterations", type=int, default=15)
    args = parser.parse_args()
    from sklearn._loss.loss import HalfMultinomialLoss
    from sklearn.linear_model._linear_loss import LinearModelLoss

    from skl_softmax._loss import MultinomialLoss

    n, d, k = max(1_000, int(100_000 * args.scale)), 50_000, 20
    make = sparse_multiclass if args.data == "c" else sparse_text
    X, y = make(n, d, k, 50, seed=2)
    rng = np.random.default_rng(0)
    W = rng.normal(0.0, 0.01, (k, d))
    b = np.zeros(k)
    Z_nk = np.asarray(X @ W.T)
    Z = np.ascontiguousarray(Z_nk.T)
    XT_csr = X.T.tocsr()
    loss = MultinomialLoss(X, y, np.ones(n), 1.0, k, True)
    params = rng.normal(0.0, 0.01, loss.n_params)
    sklearn_loss = LinearModelLoss(HalfMultinomialLoss(n_classes=k), True)
    coef = rng.normal(0.0, 0.01, k * (d + 1))
    y64, sw = y.astype(np.float64), np.ones(n)

    def pointwise():
        Z2 = Z.copy()
        loss._pointwise(Z2, slice(0, n), None)

    def pointwise_view():
        Z2 = Z_nk.copy()
        loss._pointwise(Z2.T, slice(0, n), None)

    def transposed_pass():
        # The layout before 2026-11-30: the logits copied to (K, n) C order,
        # the residuals then copied back by SciPy for the gradient product.
        Z_own = np.ascontiguousarray((X @ W.T).T)
        Z_own += b[:, None]
        value, R = loss._pointwise(Z_own, slice(0, n), None)
        return value, (X.T @ R.T).T, R.sum(axis=1)

    def csr_transpose_pass():
        # Our layout in one block, Xᵀ held as a CSR copy (gathers, not scatters).
        Z_own = np.asarray(X @ W.T).T
        Z_own += b[:, None]
        value, R = loss._pointwise(Z_own, slice(0, n), None)
        return value, (XT_csr @ R.T).T, R.sum(axis=1)

    def current_pass():
        return loss._pass(W, b, loss._pointwise)

    functions = {
        "logits X Wᵀ (n, K)": lambda: X @ W.T,
        "transpose to (K, n)": lambda: np.ascontiguousarray(Z_nk.T),
        "pointwise (with a copy of Z)": pointwise,
        "pointwise on the (K, n) view of (n, K)": pointwise_view,
        "copy of Z alone": lambda: Z.copy(),
        "gradient (Xᵀ Zᵀ)ᵀ, Zᵀ F-order": lambda: (X.T @ Z.T).T,
        "gradient Xᵀ G, G (n, K) C-order": lambda: X.T @ Z_nk,
        "gradient Xᵀ (CSR) G": lambda: XT_csr @ Z_nk,
        "ours: one objective call": lambda: loss(params),
        "ours: the pass alone": current_pass,
        "previous pass, (K, n) copies": transposed_pass,
        "one block with Xᵀ as a CSR copy": csr_transpose_pass,
        "sklearn loss_gradient": lambda: sklearn_loss.loss_gradient(
            coef, X, y64, sw, l2_reg_strength=1.0 / n
        ),
    }
    print(
        f"{args.data}: n={n:,}, d={d:,}, K={k}, nnz={X.nnz:,}; load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    for name, seconds in median_times(functions, args.runs).items():
        print(f"{name:36s} {1e3 * seconds:9.2f} ms")
    per_iteration(X, y, args.iterations, max(1, args.runs // 2))
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


def per_iteration(X, y, iterations, repeats):
    import warnings
    from unittest import mock

    from scipy.optimize import _lbfgsb
    from sklearn.linear_model import LogisticRegression
    from sklearn.linear_model._linear_loss import LinearModelLoss

    from skl_softmax import SoftmaxRegression, _loss

    spent, steps = [], []

    def timed(record, original):
        def call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                record.append(time.perf_counter() - start)

        return call

    patches = (
        mock.patch.object(
            _loss._LinearObjective, "_pass", timed(spent, _loss._LinearObjective._pass)
        ),
        mock.patch.object(
            LinearModelLoss,
            "loss_gradient",
            timed(spent, LinearModelLoss.loss_gradient),
        ),
        mock.patch.object(_lbfgsb, "setulb", timed(steps, _lbfgsb.setulb)),
    )
    rows = {"ours": [], "sklearn lbfgs": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(repeats):  # alternated
            for name, model in (
                ("ours", SoftmaxRegression(tol=0.0, max_iter=iterations)),
                ("sklearn lbfgs", LogisticRegression(tol=0.0, max_iter=iterations)),
            ):
                spent.clear()
                steps.clear()
                for patch in patches:
                    patch.start()
                try:
                    start = time.perf_counter()
                    model.fit(X, y)
                    seconds = time.perf_counter() - start
                finally:
                    for patch in patches:
                        patch.stop()
                n_iter = int(np.max(model.n_iter_))
                rows[name].append(
                    (
                        seconds / n_iter,
                        len(spent) / n_iter,
                        float(np.median(spent)),
                        sum(steps) / n_iter,
                        (seconds - sum(spent) - sum(steps)) / n_iter,
                    )
                )
    for name, values in rows.items():
        it, evals, one, step, rest = 1e3 * np.median(np.array(values), axis=0)
        print(
            f"{name:14s} {it:6.1f} ms per iteration: {evals / 1e3:.2f} evaluations "
            f"of {one:.1f} ms, L-BFGS-B steps {step:.1f} ms, the rest {rest:.1f} ms "
            f"(medians of {repeats} fits, alternated)",
            flush=True,
        )


if __name__ == "__main__":
    main()
