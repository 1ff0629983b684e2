"""Small one-vs-rest fits of one label against ``OneVsRestClassifier``, alternated.

Usage::

    python benchmarks/bench_one_label.py [--runs N]

A binary ``OneVsRestLogistic`` fit solves one problem: since 2026-12-02 it runs
on the caller's thread instead of a solver thread of the batched L-BFGS-B (two
hand-offs per evaluation). Each dataset (standardised): one warm-up round, then
``--runs`` rounds of ``OneVsRestLogistic()``, ``SoftmaxRegression(C=0.5)`` (the
same problem, solved without the batched solver) and
``OneVsRestClassifier(LogisticRegression())``, alternated; prints the medians,
the ratios and the load average at the start and the end. To compare two
versions of the package, run it with ``PYTHONPATH`` at each checkout in turn.
"""

import argparse
import os
import time

import numpy as np
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler

import skl_softmax
from skl_softmax import OneVsRestLogistic, SoftmaxRegression


def _datasets():
    X, y = load_breast_cancer(return_X_y=True)
    yield "breast_cancer", StandardScaler().fit_transform(X), y
    X, y = make_classification(5_000, 20, random_state=0)
    yield "5000x20", StandardScaler().fit_transform(X), y


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
