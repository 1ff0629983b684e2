"""Issue 11's float32 bound: the Dask fit against the NumPy fit of float32 data.

    python benchmarks/results/2026-12-04-blockers/float32_dask.py

Fits both estimators on the data of ``tests/test_dask.py``'s float32 case (600
× 6, 3 classes, chunks of 150 rows, ``tol=1e-8``, ``C=0.5``), five seeds, on a
two-process ``LocalCluster``, and prints the largest probability difference,
the relative difference of the final objectives, and how many float32
coefficients differ; float64 beside it.
"""

import numpy as np
from dask import array as da
from distributed import Client, LocalCluster

from skl_softmax import OneVsRestLogistic, SoftmaxRegression


def data(seed, dtype):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((600, 6))
    W = rng.standard_normal((3, 6))
    y = np.argmax(X @ W.T + rng.gumbel(size=(600, 3)), axis=1)
    X = X.astype(dtype)
    return (X, y), (da.from_array(X, chunks=(150, -1)), da.from_array(y, chunks=150))


def final_objective(model):
    curves = model.loss_curve_
    if isinstance(curves, list):
        return np.array([curve[-1] for curve in curves if len(curve)])
    return np.atleast_1d(curves[-1])


if __name__ == "__main__":
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster),
    ):
        for estimator in (SoftmaxRegression, OneVsRestLogistic):
            for seed in range(5):
                for dtype in (np.float32, np.float64):
                    in_memory, on_dask = data(seed, dtype)
                    params = dict(tol=1e-8, max_iter=1000, C=0.5)
                    a = estimator(**params).fit(*in_memory)
                    b = estimator(**params).fit(*on_dask)
                    X = in_memory[0]
                    proba = np.abs(
                        a.predict_proba(X).astype(np.float64) - b.predict_proba(X)
                    ).max()
                    fa, fb = final_objective(a), final_objective(b)
                    objective = np.max(np.abs(fa - fb) / np.abs(fa))
                    print(
                        f"{estimator.__name__:18s} seed {seed} "
                        f"{np.dtype(dtype).name}: max |Δproba| {proba:.2e}, "
                        f"objectives {objective:.1e} apart (relative), "
                        f"{np.sum(a.coef_ != b.coef_)}/{a.coef_.size} coefficients "
                        f"and {np.sum(a.intercept_ != b.intercept_)}/"
                        f"{a.intercept_.size} intercepts differ"
                    )
