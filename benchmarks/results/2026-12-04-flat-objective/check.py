"""Where the fits stop on badly scaled data, and how often Dask and NumPy part.

The data of ``tests/test_dask.py``'s "badly scaled" case (600 x 6, 3 classes,
columns scaled by 1e4 ... 1e-3, one shifted by 1e3), ``C=0.5``, ``tol=1e-8``.
Prints: the NumPy fit's and LogisticRegression(lbfgs)'s iterations and
distance to the optimum that LogisticRegression(newton-cholesky, tol=1e-10)
reaches; then the largest probability difference between the NumPy fit and
each of ``--fits`` Dask fits on a two-process LocalCluster, every other one
with its chunks persisted on a worker drawn at random.

    python benchmarks/results/2026-12-04-flat-objective/check.py --fits 40
"""

import argparse
import collections

import numpy as np


def badly_scaled(n=600, d=6, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((n_classes, d))
    y = np.argmax(X @ W.T + rng.gumbel(size=(n, n_classes)), axis=1)
    X = X * np.array([1e4, 1e-3, 1, 1, 5e2, 1]) + np.array([0, 0, 1e3, 0, 0, 0])
    return X, y


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fits", type=int, default=40)
    args = parser.parse_args()

    import dask.array as da
    import distributed
    from sklearn.linear_model import LogisticRegression

    from skl_softmax import SoftmaxRegression

    X, y = badly_scaled()
    params = dict(C=0.5, tol=1e-8, max_iter=1000)
    ours = SoftmaxRegression(**params).fit(X, y)
    lbfgs = LogisticRegression(**params).fit(X, y)
    optimum = LogisticRegression(C=0.5, tol=1e-10, solver="newton-cholesky").fit(X, y)
    P, P_opt = ours.predict_proba(X), optimum.predict_proba(X)
    print(
        f"ours: {ours.n_iter_[0]} iterations; LogisticRegression(lbfgs): "
        f"{lbfgs.n_iter_[0]}"
    )
    print(
        f"max |P - P_optimum|: ours {np.abs(P - P_opt).max():.2e}, "
        f"lbfgs {np.abs(lbfgs.predict_proba(X) - P_opt).max():.2e}; "
        f"ours - lbfgs {np.abs(P - lbfgs.predict_proba(X)).max():.2e}"
    )

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        workers = list(client.scheduler_info()["workers"])
        rng = np.random.default_rng(0)
        seen = collections.Counter()
        worst = 0.0
        for i in range(args.fits):
            X_d = da.from_array(X, chunks=(150, -1))
            y_d = da.from_array(y, chunks=150)
            if i % 2:
                X_d, y_d = client.persist(
                    [X_d, y_d], workers=[workers[rng.integers(len(workers))]]
                )
            model = SoftmaxRegression(**params).fit(X_d, y_d)
            diff = np.abs(model.predict_proba(X) - P).max()
            worst = max(worst, diff)
            seen[(int(model.n_iter_[0]), bool(diff > 1e-8))] += 1
        print(
            f"{args.fits} Dask fits, (iterations, differs by more than 1e-8): "
            f"{dict(seen)}; largest difference {worst:.2e}"
        )


if __name__ == "__main__":
    main()
