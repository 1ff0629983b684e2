"""Fits leave the BLAS thread pools alone, in any thread (issue 10 §1).

Each test fails with pool limits set from inside a fit: threadpoolctl then
obeys only the thread that set them first, every other thread sees the
limits, and overlapping fits in threads can leave the pools pinned. Timing is
measured in ``benchmarks/bench_threads.py``, never asserted here.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from joblib import Parallel, delayed
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from threadpoolctl import OpenBLASController, threadpool_info, threadpool_limits

from skl_softmax import OneVsRestLogistic, SoftmaxRegression

ESTIMATORS = [SoftmaxRegression, OneVsRestLogistic]


def _pools():
    return sorted((pool["filepath"], pool["num_threads"]) for pool in threadpool_info())


def _blas_threads():
    return [
        pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"
    ]


def _problems(n_fits, n_samples=2_000, n_features=30, n_classes=6):
    rng = np.random.default_rng(0)
    problems = []
    for _ in range(n_fits):
        X = rng.standard_normal((n_samples, n_features))
        W = rng.standard_normal((n_classes, n_features))
        y = np.argmax(X @ W.T + rng.gumbel(size=(n_samples, n_classes)), axis=1)
        problems.append((X, y))
    return problems


@pytest.fixture
def no_controlling_thread():
    """Start and end with no thread owning threadpoolctl's OpenBLAS limits.

    A ``threadpool_limits`` in the main thread by another test leaves the main
    thread in control for the rest of the process; these tests start clean.
    """
    OpenBLASController.clear_controlling_thread(force=True)
    yield
    OpenBLASController.clear_controlling_thread(force=True)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_pools_seen_by_another_thread_never_change_during_fits(Estimator):
    # Large enough (4 000 × 100 × 10 multiply-adds per product) that the
    # products would run threaded, small enough to fit quickly.
    problems = _problems(4, n_samples=4_000, n_features=100, n_classes=10)
    before = _pools()
    seen = []
    done = threading.Event()

    def watch():
        while not done.is_set():
            seen.append(_pools())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda Xy: Estimator().fit(*Xy), problems))
    finally:
        done.set()
        watcher.join()
    assert seen
    assert all(pools == before for pools in seen)
    assert _pools() == before


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_user_limits_in_another_thread_work_after_a_fit(
    Estimator, no_controlling_thread
):
    X, y = _problems(1, n_samples=4_000, n_features=100, n_classes=10)[0]
    Estimator().fit(X, y)
    seen = []

    def user_code():
        with threadpool_limits(limits=1, user_api="blas"):
            seen.append(_blas_threads())

    thread = threading.Thread(target=user_code)
    thread.start()
    thread.join()
    assert seen == [[1] * len(seen[0])]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_fits_honour_user_limits_and_leave_them_set(Estimator, no_controlling_thread):
    X, y = _problems(1, n_samples=4_000, n_features=100, n_classes=10)[0]
    seen = []

    def user_code():
        with threadpool_limits(limits=1, user_api="blas"):
            Estimator().fit(X, y)
            seen.append(_blas_threads())

    thread = threading.Thread(target=user_code)
    thread.start()
    thread.join()
    assert seen == [[1] * len(seen[0])]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("sparse_input", [False, True])
def test_concurrent_fits_equal_serial_fits(Estimator, sparse_input):
    problems = _problems(8)
    if sparse_input:
        problems = [(sparse.csr_matrix(X), y) for X, y in problems]
    serial = [Estimator().fit(X, y) for X, y in problems]
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = list(pool.map(lambda Xy: Estimator().fit(*Xy), problems))
    for one, other in zip(serial, threaded, strict=True):
        assert_array_equal(one.n_iter_, other.n_iter_)
        assert_allclose(one.coef_, other.coef_, rtol=1e-12, atol=1e-14)
        assert_allclose(one.intercept_, other.intercept_, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_joblib_threading_fits_equal_serial_fits(Estimator):
    problems = _problems(4)
    before = _pools()
    serial = [Estimator().fit(X, y) for X, y in problems]
    threaded = Parallel(n_jobs=2, backend="threading")(
        delayed(Estimator().fit)(X, y) for X, y in problems
    )
    for one, other in zip(serial, threaded, strict=True):
        assert_allclose(one.coef_, other.coef_, rtol=1e-12, atol=1e-14)
    assert _pools() == before
