"""One-vs-rest on small data: labels batched in threads against one at a time.

Usage::

    python benchmarks/bench_ovr_batching.py [--runs N] [--load N]

``OneVsRestLogistic`` runs its labels one at a time in the calling thread when
a pass over ``X`` reads fewer than ``_label_problems._MIN_BATCHED_ENTRIES``
entries, and batched (their evaluations together, each label's L-BFGS-B in a
worker thread) from there. This script times the default fit both ways (the
threshold set to 0 or to infinity) on dense and CSR shapes around the
threshold, alternated after a warm-up, and prints the medians and the ratio
batched / one at a time with the load average: the machine is shared.
``--load N`` runs N CPU burners (those of ``run.py``) beside the timings.
"""

import argparse
import contextlib
import os
import time
import warnings

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning

from skl_softmax import OneVsRestLogistic, _label_problems

THRESHOLD = _label_problems._MIN_BATCHED_ENTRIES
# samples, features, labels, stored fraction (None: dense)
CASES = [
    (150, 4, 3, None),
    (2_000, 20, 4, None),
    (3_000, 20, 20, None),
    (5_000, 50, 5, None),
    (5_000, 50, 20, None),
    (10_000, 50, 5, None),
    (10_000, 100, 5, None),
    (30_000, 50, 5, None),
    (2_000, 1_000, 4, 0.01),
    (5_000, 10_000, 10, 0.002),
    (5_000, 10_000, 10, 0.005),
    (20_000, 5_000, 8, 0.01),
    (100_000, 20_000, 8, 0.001),
]


def _data(n, d, n_labels, density, rng):
    if density is None:
        X = rng.standard_normal((n, d))
        scale = 1.0
    else:
        X = sparse.random(n, d, density=density, format="csr", random_state=rng)
        scale = 3.0
    W = scale * rng.standard_normal((n_labels, d))
    Y = (X @ W.T + rng.logistic(size=(n, n_labels)) > 0).astype(int)
    return X, Y


def _timings(runs):
    print(f"load average {os.getloadavg()}", flush=True)
    rng = np.random.default_rng(0)
    for n, d, n_labels, density in CASES:
        X, Y = _data(n, d, n_labels, density, rng)
        entries = X.nnz if density is not None else n * (d + 1)
        # Enough fits per timing to last about 0.1 s on the smallest.
        repeats = int(np.clip(2e6 / (entries * n_labels), 1, 40))
        times = {"batched": [], "one at a time": []}
        for run in range(runs + 1):
            for mode, spent in times.items():
                threshold = 0 if mode == "batched" else np.inf
                _label_problems._MIN_BATCHED_ENTRIES = threshold
                started = time.perf_counter()
                for _ in range(repeats):
                    OneVsRestLogistic().fit(X, Y)
                if run:  # the first round warms up
                    spent.append((time.perf_counter() - started) / repeats)
        _label_problems._MIN_BATCHED_ENTRIES = THRESHOLD
        batched, alone = (np.median(t) for t in times.values())
        kind = "dense" if density is None else f"CSR, {X.nnz:,} stored"
        print(
            f"{n} x {d} {kind}, {n_labels} labels ({entries:,} entries a pass, "
            f"threshold {THRESHOLD:,}): batched {1e3 * batched:.1f} ms, one at a "
            f"time {1e3 * alone:.1f} ms, ratio {batched / alone:.2f} "
            f"({runs} rounds of {repeats})",
            flush=True,
        )
    print(f"load average {os.getloadavg()}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--load", type=int, default=0)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    load = contextlib.nullcontext()
    if args.load:
        from run import burners

        load = burners(args.load, 3_600)
    with load:
        _timings(args.runs)


if __name__ == "__main__":
    main()
