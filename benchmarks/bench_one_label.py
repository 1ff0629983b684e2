"""Small one-vs-rest fits of one label against ``OneVsRestClassifier``, alternated.

Usage::

    python benchmarks/bench_one_label.py [--runs N]

A binary ``OneVsRestLogistic`` fit solves one problem: since 2026-12-02 it runs
on the caller's thread instead of a solver thread of the batched L-BFGS-B (two
hand-offs per evaluation). Each dataset (standardised, except the sparse
one): one warm-up round, then ``--runs`` rounds of ``OneVsRestLogistic()``,
``SoftmaxRegression(C=0.5)`` (the same problem, solved without the batched
solver) and ``OneVsRestClassifier(LogisticRegression())``, alternated, each
after ``run.py``'s settling pause; prints the medians, the ratios and the load
average at the start and the end. To compare two versions of the package, run
it with ``PYTHONPATH`` at each checkout in turn.
"""

import argparse
import os
import sys
import time

import numpy as np
from scipy import sparse
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler

import skl_softmax
from skl_softmax import OneVsRestLogistic, SoftmaxRegression

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import SETTLE_SECONDS  # noqa: E402


def _datasets():
    X, y = load_breast_cancer(return_X_y=True)
    yield "breast_cancer", StandardScaler().fit_transform(X), y
    X, y = make_classification(5_000, 20, random_state=0)
    yield "5000x20", StandardScaler().fit_transform(X), y
    # Sparse and wide, as users leave it (no scaling): the fits centre the
    # columns, and one row of parameters is moved between coordinates at
    # every evaluation (b - w mu, 20 000 features).
    rng = np.random.default_rng(0)
    X = sparse.random(2_000, 20_000, density=2e-3, format="csr", random_state=rng)
    w = rng.standard_normal(20_000)
    y = (X @ w + 0.3 * rng.logistic(size=2_000) > 0).astype(int)
    yield "sparse 2000x20000", X, y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    print(skl_softmax.__file__)
    print("load at start", os.getloadavg())
    competitors = {
        "ovr": lambda: OneVsRestLogistic(),
        "softmax": lambda: SoftmaxRegression(C=0.5),
        "sklearn": lambda: OneVsRestClassifier(LogisticRegression()),
    }
    for name, X, y in _datasets():
        times = {competitor: [] for competitor in competitors}
        for run in range(args.runs + 1):
            for competitor, make in competitors.items():
                # A fit pays for the BLAS pool the previous one left spinning:
                # each starts from the same idle state (run.py's pause).
                time.sleep(SETTLE_SECONDS["full"])
                start = time.perf_counter()
                make().fit(X, y)
                if run:
                    times[competitor].append(time.perf_counter() - start)
        ovr, softmax, theirs = (1000 * float(np.median(t)) for t in times.values())
        print(
            f"{name}: OneVsRestLogistic {ovr:.2f} ms, SoftmaxRegression {softmax:.2f} "
            f"ms, OneVsRestClassifier {theirs:.2f} ms; ovr / softmax "
            f"{ovr / softmax:.2f}, ovr / sklearn {ovr / theirs:.2f}",
            flush=True,
        )
    print("load at end", os.getloadavg())


if __name__ == "__main__":
    main()
