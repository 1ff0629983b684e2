"""Fits leave the BLAS thread pools alone, in any thread (issue 10 §1).

Each test fails with pool limits set from inside a fit: threadpoolctl then
obeys only the thread that set them first, every other thread sees the
limits, and overlapping fits in threads can leave the pools pinned. Timing is
measured in ``benchmarks/bench_threads.py``, never asserted here.
"""

import os
import subprocess
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import numpy as np
import pytest
from joblib import Parallel, delayed
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
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


# -- large dense passes on the fit's own threads (skl_softmax._threads) ----------

from skl_softmax._loss import (  # noqa: E402
    _GEMV_FEATURES,
    BinomialLoss,
    MultinomialLoss,
    prediction_logits,
    prefers_row_major,
)
from skl_softmax._threads import (  # noqa: E402
    available_cpus,
    piece_rows,
    product_threads,
    run_chunks,
    vector_piece_rows,
)


def _large_problem(n_samples=20_000, n_features=150, n_classes=10, dtype=np.float64):
    # 30 000 000 multiply-adds per product, in several blocks: above the size
    # run on one thread.
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n_samples, n_features)).astype(dtype)
    y = rng.integers(n_classes, size=n_samples)
    W = rng.standard_normal((n_classes, n_features)) * 0.1
    b = rng.standard_normal(n_classes)
    return X, y, W, b


def test_run_chunks_results_and_errors_do_not_depend_on_threads():
    expected = [i * i for i in range(13)]
    for n_threads in (1, 2, 5, 40):
        assert run_chunks(lambda i: i * i, 13, n_threads) == expected
    before = threading.active_count()

    def fails_at_seven(i):
        if i == 7:
            raise ValueError("chunk 7")
        return i

    for n_threads in (1, 3):
        with pytest.raises(ValueError, match="chunk 7"):
            run_chunks(fails_at_seven, 13, n_threads)
    assert threading.active_count() == before


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("Loss", [MultinomialLoss, BinomialLoss])
def test_chunked_pass_is_the_serial_pass_whatever_the_threads(Loss, dtype, layout):
    X, y, W, b = _large_problem(dtype=dtype)
    if layout == "csr":
        X[np.random.default_rng(2).random(X.shape) < 0.5] = 0.0
        X = sparse.csr_matrix(X)
    if Loss is MultinomialLoss:
        objective = MultinomialLoss(X, y, np.ones(len(y)), 1.0, W.shape[0], True)
    else:
        Y = (y[:, None] == np.arange(W.shape[0])).astype(float)
        objective = BinomialLoss(X, Y, np.ones(len(y)), 1.0, True)
    assert objective.chunked
    sums = {}
    for n_threads in (1, 2, 3):
        objective.n_threads = n_threads
        sums[n_threads] = objective.sums(W, b)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    if layout == "dense":
        # The same chunks, summed in the same order: identical whatever the
        # threads.
        for n_threads in (2, 3):
            for got, want in zip(sums[n_threads], sums[1], strict=True):
                assert_array_equal(got, want)
    else:
        # One chunk per thread (their dense partial gradients cost a pass
        # each): the sums agree to rounding.
        for n_threads in (2, 3):
            for got, want in zip(sums[n_threads], sums[1], strict=True):
                assert_allclose(got, want, rtol=rtol, atol=rtol * np.max(np.abs(want)))
    # And the reference: the same pass over whole blocks on OpenBLAS's threads
    # (dense), or over the whole matrix in one block (sparse).
    objective.chunked = False
    for got, want in zip(sums[2], objective.sums(W, b), strict=True):
        assert_allclose(got, want, rtol=rtol, atol=rtol * np.max(np.abs(want)))


@pytest.mark.parametrize("n_features, whole", [(150, True), (400, False)])
@pytest.mark.parametrize("n_outputs", [1, 10])
def test_one_blas_thread_multiplies_whole_blocks_and_agrees(
    n_features, whole, n_outputs, monkeypatch
):
    # NumPy's BLAS limited to one thread has no pool to wake: up to 300
    # features the pass multiplies whole blocks, not pieces.
    X, y, W, b = _large_problem(n_features=n_features)
    Y = (y[:, None] == np.arange(W.shape[0])).astype(float)
    objective = BinomialLoss(X, Y, np.ones(len(y)), 1.0, True)
    W, b, outputs = W[:n_outputs], b[:n_outputs], list(range(n_outputs))
    assert objective.chunked
    in_pieces = objective.sums(W, b, outputs)
    pieces = []
    chunk_sums = objective._chunk_sums

    def counted(*args):
        pieces.append(args)
        return chunk_sums(*args)

    monkeypatch.setattr(objective, "_chunk_sums", counted)
    with threadpool_limits(1, user_api="blas"):
        assert product_threads() == 1
        one_thread = objective.sums(W, b, outputs)
    assert bool(pieces) is not whole
    for got, want in zip(one_thread, in_pieces, strict=True):
        assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.max(np.abs(want)))


@pytest.mark.parametrize("n_features", [150, 400])
def test_one_output_passes_run_on_the_fit_threads_and_agree(n_features):
    # A one-vs-rest round with one label left, or a binary fit, multiplies by a
    # vector: as GEMV pieces below OpenBLAS's single-thread size (150
    # features), or as a two-row product whose pieces stay long (400).
    assert (150 in _GEMV_FEATURES) and (400 not in _GEMV_FEATURES)
    assert vector_piece_rows(150) * 150 < 460_800
    assert piece_rows(400, 2) * 400 * 2 < 2**19
    assert piece_rows(400, 2) >= 500
    X, y, W, b = _large_problem(n_features=n_features)
    Y = (y[:, None] == np.arange(W.shape[0])).astype(float)
    objective = BinomialLoss(X, Y, np.ones(len(y)), 1.0, True)
    assert objective.chunked
    objective.n_threads = 2
    one = objective.sums(W[3:4], b[3:4], outputs=[3])
    every = objective.sums(W, b)
    for got, want in zip(one, every, strict=True):
        assert_allclose(np.ravel(got), np.ravel(want[3]), rtol=1e-12)
    # And against OpenBLAS's own pass over whole blocks (matrix-vector products).
    objective.chunked = False
    for got, want in zip(one, objective.sums(W[3:4], b[3:4], outputs=[3]), strict=True):
        assert_allclose(got, want, rtol=1e-12)


def _native_thread_ticks():
    """CPU ticks of every unnamed thread of this process that Python did not start.

    Those are the BLAS (and OpenMP) pools' workers, which keep the process's
    name. Named threads are other libraries' own: importing scikit-learn
    starts a ``jemalloc_bg_thd``, whose background purging is no pool's work.
    """
    python_threads = {thread.native_id for thread in threading.enumerate()}
    with open(f"/proc/self/task/{os.getpid()}/comm") as file:
        unnamed = file.read()
    ticks = {}
    for task in os.listdir("/proc/self/task"):
        if int(task) in python_threads:
            continue
        try:
            with open(f"/proc/self/task/{task}/comm") as file:
                if file.read() != unnamed:
                    continue
            with open(f"/proc/self/task/{task}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended
            continue
        ticks[task] = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


def _quiet_native_thread_ticks(timeout=10.0):
    """``_native_thread_ticks()`` once no such thread has run for 0.2 s.

    A pool woken before the measurement (by an earlier test, or the first
    pass) spins for a number of loop turns, not of seconds: on a loaded
    machine its spinning stretches over more wall time, and a fixed pause
    could end before it does.
    """
    ticks = _native_thread_ticks()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.2)
        ticks, previous = _native_thread_ticks(), ticks
        if ticks == previous:
            break
    return ticks


def _numpy_openblas_version():
    """The version of the OpenBLAS that NumPy uses, as a tuple, or None."""
    for pool in threadpool_info():
        if pool["internal_api"] == "openblas" and "numpy" in pool["filepath"]:
            return tuple(int(part) for part in pool["version"].split(".")[:3])
    return None


# Tests that count the CPU ticks of BLAS threads at OpenBLAS's sizes.
_counts_openblas_ticks = pytest.mark.skipif(
    not os.path.isdir("/proc/self/task")
    or (_numpy_openblas_version() or (0,)) < (0, 3, 27),
    reason="Linux /proc, and OpenBLAS's sizes (0.3.27 or later, as in NumPy's wheels)",
)


@_counts_openblas_ticks
@pytest.mark.parametrize(
    "n_samples, n_features, n_outputs, chunked",
    [(100_000, 150, 1, True), (40_000, 150, 10, True), (5_000, 100, 1, False)],
)
def test_passes_wake_no_blas_pool(n_samples, n_features, n_outputs, chunked):
    # Every product of a pass is below OpenBLAS's single-thread size: pieces
    # on the fit's threads (GEMV pieces for one output, GEMM pieces for more),
    # or the blocks of a small problem (5 000 × 100, one output: one block
    # woke NumPy's pool before its rows followed the GEMV size). The BLAS
    # pools' workers get no CPU time while passes run; a product at or above
    # that size wakes a worker, which then spins for about 0.1 s.
    X, y, W, b = _large_problem(n_samples=n_samples, n_features=n_features)
    Y = (y[:, None] == np.arange(W.shape[0])).astype(float)
    Y, W, b = Y[:, :n_outputs], W[:n_outputs], b[:n_outputs]
    objective = BinomialLoss(X, Y, np.ones(len(y)), 1.0, True)
    objective.n_threads = 2
    outputs = list(range(n_outputs))
    assert objective.chunked is chunked
    objective.sums(W, b, outputs)
    _assert_wakes_no_pool(lambda: objective.sums(W, b, outputs))


def _assert_wakes_no_pool(call):
    """``call()``, repeated for a second of CPU time, runs no other native thread.

    A tick is 10 ms. A call that wakes a pool does so every time (the same
    products): 47-49 ticks in each of three measurements when a 600 x 600
    product joins the passes above. On a loaded machine a pool thread can be
    charged a stray tick or three (seen twice in full suites on 2 CPUs: 3),
    which does not repeat: the least of up to three measurements is compared.
    """
    woken = []
    while len(woken) < 3 and (not woken or woken[-1] > 2):
        before = _quiet_native_thread_ticks()
        spent = time.process_time()
        while time.process_time() - spent < 1.0:
            call()
        after = _native_thread_ticks()
        woken.append(sum(after[task] - before.get(task, 0) for task in after))
    assert min(woken) <= 2, woken


@_counts_openblas_ticks
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_change_of_variables_wakes_no_blas_pool(n_outputs):
    # Solver to model coordinates at every evaluation: b = b' - W mu. NumPy
    # multiplies one row by a vector as a dot product, on its pool from 10 000
    # elements: a one-vs-rest label of 20 000 centred features woke it at every
    # evaluation (30 labels of 200 x 20 000 sparse data then took 3.6 s,
    # against 0.6 s), as did a binary fit.
    n_features = 20_000
    rng = np.random.default_rng(0)
    X = sparse.random(10, n_features, density=1e-2, format="csr", random_state=rng)
    Y = (rng.random((10, n_outputs)) < 0.5).astype(float)
    offset = rng.random(n_features)
    objective = BinomialLoss(X, Y, np.ones(10), 1.0, True, x_offset=offset)
    W = rng.standard_normal((n_outputs, n_features))
    b = rng.standard_normal(n_outputs)
    expected = b - W @ offset
    _, got = objective.to_model(W, b)
    assert_allclose(got, expected, rtol=1e-12)
    _, back = objective.to_solver(W, got)
    assert_allclose(back, b, rtol=1e-12, atol=1e-12)

    def both_ways():
        objective.to_solver(W, objective.to_model(W, b)[1])

    _assert_wakes_no_pool(both_ways)


@pytest.mark.parametrize(
    "n_samples, n_features, n_outputs, dtype",
    [
        (20_000, 100, 3, np.float64),  # GEMM pieces on the calling thread
        (20_000, 100, 1, np.float64),  # matrix-vector pieces
        (3_000, 400, 1, np.float64),  # one output, two-row GEMM pieces
        (60_000, 150, 10, np.float64),  # large: pieces on the fit's threads
        (20_000, 600, 2, np.float32),  # row-major pieces
        (300, 12_000, 4, np.float64),  # pieces too thin: OpenBLAS's product
        (50, 20, 3, np.float64),  # one piece
    ],
)
def test_prediction_logits_are_the_product(n_samples, n_features, n_outputs, dtype):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_samples, n_features)).astype(dtype)
    W = rng.standard_normal((n_outputs, n_features)).astype(dtype)
    row_major = prefers_row_major(dtype, n_outputs, n_features)
    got = prediction_logits(X, W, row_major)
    assert got.shape == (n_outputs, n_samples)
    assert got.dtype == dtype
    assert got.flags.c_contiguous
    expected = W.astype(np.float64) @ X.astype(np.float64).T
    rtol = 1e-12 if dtype == np.float64 else 1e-4
    assert_allclose(got, expected, rtol=rtol, atol=rtol * np.abs(expected).max())


@_counts_openblas_ticks
@pytest.mark.parametrize("n_classes", [2, 3])
def test_predictions_wake_no_blas_pool(n_classes):
    # 20 000 x 100 x 3: 6 000 000 multiply-adds, one product on NumPy's pool
    # before, which then spun beside the next fit of a cross-validation (the
    # held-out scores at every C); SoftmaxRegressionCV took 1.4x its time.
    X, y, _, _ = _large_problem(n_samples=20_000, n_features=100, n_classes=n_classes)
    model = SoftmaxRegression(max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    expected = (X @ model.coef_.T + model.intercept_).squeeze()
    # Rounding as in test_prediction_logits_are_the_product: relative to the
    # values' scale (a value near zero is a sum of terms of that scale; on
    # rtol alone a change of the last bit of the coefficients failed it).
    assert_allclose(
        model.decision_function(X),
        expected,
        rtol=1e-12,
        atol=1e-12 * np.abs(expected).max(),
    )
    _assert_wakes_no_pool(lambda: model.predict_proba(X))


@_counts_openblas_ticks
@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestLogistic])
def test_separation_check_wakes_no_blas_pool(Estimator):
    # A C=inf fit ends by checking whether its model separates the data, one
    # product of X: X @ coef_.T (softmax), X @ coef_[k] per label (one-vs-rest,
    # a GEMV that OpenBLAS threads from 460 800 elements), on NumPy's pool
    # before. max_iter=0: the fit's passes and that check, no L-BFGS-B step.
    X, y, _, _ = _large_problem(n_samples=20_000, n_features=100, n_classes=3)
    model = Estimator(C=np.inf, max_iter=0)

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)

    _assert_wakes_no_pool(fit)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_binary_fit_on_threads_matches_logistic_regression(dtype):
    # A binary SoftmaxRegression of a large problem: one output, chunked.
    X, y, _, _ = _large_problem(n_samples=60_000, n_classes=2, dtype=dtype)
    assert BinomialLoss(X, y[:, None] * 1.0, np.ones(len(y)), 1.0, True).chunked
    ours = SoftmaxRegression(C=0.5, tol=1e-8).fit(X, y)
    theirs = LogisticRegression(C=1.0, tol=1e-8).fit(X.astype(np.float64), y)
    rtol = 1e-4 if dtype == np.float32 else 1e-6
    assert_allclose(ours.coef_, theirs.coef_, rtol=rtol, atol=rtol)
    assert_allclose(
        ours.predict_proba(X), theirs.predict_proba(X.astype(np.float64)), atol=rtol
    )


def _helper_threads_during(function):
    """The most ``skl_softmax-pass`` threads alive at once while ``function`` runs.

    Counted as each starts and as its work returns (``Thread.start`` wrapped),
    not sampled: a helper lives for one pass, which on a busy machine can be
    shorter than a sampling thread's wait for the GIL (a sampler saw none in
    one CI run).
    """
    lock = threading.Lock()
    count = {"alive": 0, "most": 0}
    original_start = threading.Thread.start

    def start(thread):
        if not thread.name.startswith("skl_softmax-pass"):
            return original_start(thread)
        run = thread.run

        def counted_run():
            try:
                run()
            finally:
                with lock:
                    count["alive"] -= 1

        thread.run = counted_run
        with lock:
            count["alive"] += 1
            count["most"] = max(count["most"], count["alive"])
        try:
            return original_start(thread)
        except BaseException:
            with lock:
                count["alive"] -= 1
            raise

    with mock.patch.object(threading.Thread, "start", start):
        function()
    return count["most"]


@pytest.mark.parametrize("sparse_input", [False, True])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_large_fits_use_at_most_the_threads_allowed(
    Estimator, sparse_input, no_controlling_thread
):
    X, y, _, _ = _large_problem()
    if sparse_input:
        X = sparse.csr_matrix(X)

    def fit():
        Estimator(max_iter=3).fit(X, y)

    # At most one helper per available CPU beyond the caller's own thread.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        most = _helper_threads_during(fit)
        assert most <= product_threads() - 1
        # And where helpers are allowed, the pass does use them.
        assert most >= min(1, product_threads() - 1)
        # The user's BLAS limit, set in this thread, is obeyed: no helper at all.
        with threadpool_limits(1, user_api="blas"):
            assert product_threads() == 1
            assert _helper_threads_during(fit) == 0


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux affinity")
def test_available_cpus_follow_the_affinity():
    code = (
        "import os; os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]}); "
        "from skl_softmax._threads import available_cpus, product_threads; "
        "print(available_cpus(), product_threads())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["1", "1"]
    assert 1 <= available_cpus() <= (os.cpu_count() or 1)
