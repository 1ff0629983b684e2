"""What SciPy's L-BFGS-B thread pool costs a fit, ours and scikit-learn's.

Usage::

    python benchmarks/bench_lbfgsb_pool.py [--runs N] [--quick] [--torch]

SciPy ≥ 1.15 runs L-BFGS-B in C and calls LAPACK's ``dtrtrs`` at every
iteration (in ``formk``, several right-hand sides at once). The OpenBLAS in
SciPy's wheels runs ``dtrtrs`` on its thread pool whatever the size (no size
threshold: ``dtrtrs_UTN_parallel`` → ``gemm_thread_n`` → ``exec_blas`` with two
jobs, seen with gdb on a 10-parameter problem), and the worker it wakes then
spins for about 0.1 s, beside the next evaluation of the objective. A fit may
not stop it (no OpenBLAS limit is safe to set from inside a fit, see
``skl_softmax/_threads.py``); a user may, for the fits of a program.

For each case this times ``SoftmaxRegression`` and ``LogisticRegression`` with
default parameters, each as is and inside a limit of SciPy's own OpenBLAS to
one thread (threadpoolctl, only the library under ``scipy.libs``; NumPy's pool
and the fit's threads are untouched), the four runs alternated, and reports the
medians, the ratios and the load average before and after. ``--torch`` adds
case (a) on PyTorch CPU tensors with ``array_api_dispatch=True``.
Timing is measured here, never asserted in the tests.
"""

import os

# SciPy reads this once, at import: scikit-learn's array-API path needs it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from threadpoolctl import ThreadpoolController  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_data import dense_multiclass  # noqa: E402

from skl_softmax import SoftmaxRegression  # noqa: E402


def scipy_blas():
    """SciPy's own OpenBLAS (the wheel's ``scipy.libs``), or an empty selection."""
    controller = ThreadpoolController()
    return controller.select(
        filepath=[
            lib.filepath
            for lib in controller.lib_controllers
            if "scipy.libs" in lib.filepath
        ]
    )


def cases(quick, with_torch):
    scale = 10 if quick else 1
    yield (
        "a: 200 000 × 200, K = 10",
        dense_multiclass(200_000 // scale, 200, 10, seed=1),
    )
    yield (
        "d: 1 000 000 × 20, binary",
        dense_multiclass(1_000_000 // scale, 20, 2, seed=1),
    )
    if with_torch:
        import torch

        X, y = dense_multiclass(200_000 // scale, 200, 10, seed=1)
        yield "a on PyTorch CPU tensors", (torch.asarray(X), torch.asarray(y))


def timed(make, X, y, limit, dispatch):
    context = limit.limit(limits=1) if limit is not None else contextlib.nullcontext()
    with context, sklearn.config_context(array_api_dispatch=dispatch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            make().fit(X, y)
            return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="data 10× smaller")
    parser.add_argument("--torch", action="store_true", help="also PyTorch CPU")
    args = parser.parse_args()
    limit = scipy_blas()
    print(
        f"SciPy's OpenBLAS: {limit.info() or 'not found (no limit applied)'}\n"
        f"load average at start {os.getloadavg()[0]:.2f}; {args.runs} runs, "
        "alternated, after one warm-up each"
    )
    estimators = {"ours": SoftmaxRegression, "sklearn": LogisticRegression}
    for name, (X, y) in cases(args.quick, args.torch):
        dispatch = not isinstance(X, np.ndarray)
        runs = {(who, limited): [] for who in estimators for limited in (False, True)}
        for round_ in range(args.runs + 1):
            for (who, limited), times in runs.items():
                seconds = timed(
                    estimators[who], X, y, limit if limited else None, dispatch
                )
                if round_:
                    times.append(seconds)
        med = {key: statistics.median(times) for key, times in runs.items()}
        print(f"\n{name}")
        for who in estimators:
            as_is, one = med[who, False], med[who, True]
            print(
                f"  {who:8s} as is {as_is:7.3f} s   SciPy's pool on one thread "
                f"{one:7.3f} s   ({one / as_is:.2f}×)"
            )
        as_is = med["ours", False] / med["sklearn", False]
        one = med["ours", True] / med["sklearn", True]
        print(
            f"  ours / sklearn: as is {as_is:.2f}×, SciPy's pool on one thread "
            f"{one:.2f}×"
        )
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
