"""Binary fits against ``LogisticRegression``, alternated: ours / scikit-learn.

Usage::

    python benchmarks/bench_binary_fit.py [--runs N] [--shape N D ...]

``SoftmaxRegression(C=0.5)`` and ``LogisticRegression(C=1)`` solve the same
problem (the two-class softmax with ``C`` is binary logistic regression with
``2C``, see case (d) of ``run.py``). Each shape: one warm-up round, then
``--runs`` counted rounds, ours and scikit-learn's alternated; prints the
medians and their ratio, and the load average at the end. To compare two
versions of the package, run it with ``PYTHONPATH`` at each checkout in turn.
"""

import argparse
import os
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

import skl_softmax
from skl_softmax import SoftmaxRegression

SHAPES = [(500_000, 100), (1_000_000, 20), (1_000_000, 50)]


def _data(n_samples, n_features, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    w = rng.standard_normal(n_features) * 2 / np.sqrt(n_features)
    y = (rng.random(n_samples) < 1 / (1 + np.exp(-(X @ w)))).astype(int)
    return X, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shape", type=int, nargs=2, action="append")
    args = parser.parse_args()
    print(skl_softmax.__file__)
    for n_samples, n_features in args.shape or SHAPES:
        X, y = _data(n_samples, n_features)
        times = {"ours": [], "sklearn": []}
        for run in range(args.runs + 1):
            for name, estimator in (
                ("ours", SoftmaxRegression(C=0.5)),
                ("sklearn", LogisticRegression(C=1.0)),
            ):
                start = time.perf_counter()
                estimator.fit(X, y)
                if run:
                    times[name].append(time.perf_counter() - start)
        ours, theirs = (float(np.median(spent)) for spent in times.values())
        print(
            f"{n_samples}x{n_features} ours {ours:.3f}s lr {theirs:.3f}s "
            f"ratio {ours / theirs:.2f}",
            flush=True,
        )
    print("load", os.getloadavg())


if __name__ == "__main__":
    main()
