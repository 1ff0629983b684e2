"""Fits on Dask arrays on a real two-process LocalCluster, against the NumPy fit.

The cluster is started once per test session, in the one pytest-xdist worker
that runs this module's tests; its worker processes are spawned with this
process's ``sys.path`` and import the ``skl_softmax`` under test, which
``test_workers_import_this_package`` checks.
"""

import contextlib
import os
import pickle
import re
import signal
import subprocess
import sys
import threading
import warnings

import dask
import dask.array as da
import dask.dataframe as dd
import distributed
import numpy as np
import pandas as pd
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse, special
from sklearn.base import clone
from sklearn.metrics import log_loss, make_scorer
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

import skl_softmax
from skl_softmax import (
    OneVsRestLogistic,
    OneVsRestLogisticCV,
    SoftmaxRegression,
    SoftmaxRegressionCV,
)
from skl_softmax import _dask as skl_dask
from skl_softmax import _dask_cv as skl_dask_cv
from skl_softmax import _fold_problems as skl_fold_problems
from skl_softmax._compat import HAS_CALLBACKS

from _callbacks import TaskRecorder
from _separable import one_class_apart

# Every test here is marked "dask"; CI's run on the oldest supported versions
# runs only those also marked "floors" (see .ci/run).
pytestmark = pytest.mark.dask

# All of this module's tests run in one pytest-xdist worker (see
# _ONE_WORKER_MODULES in conftest.py): one session cluster, not one per
# worker, each with its processes taking CPU from the tests beside them.

# What a cluster does between tasks, made rarer: its workers' statistical
# profiler (every 10 ms), the system and memory monitors and the event loops'
# tick checks cost an idle cluster 0.12 CPU-seconds a second, 0.014 so
# (measured 2026-12-02, 2 CPUs): CPU taken from the tests beside it for the
# rest of the session. None of them computes or moves data; the nannies hand
# the settings to their workers.
_QUIET_CLUSTER = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.tick.interval": "500ms",
}


def _two_process_cluster():
    with dask.config.set(_QUIET_CLUSTER):
        return distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            memory_limit="1GiB",
        )


@pytest.fixture(scope="session")
def client():
    cluster = _two_process_cluster()
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


@pytest.fixture
def client_to_kill(client):
    """A two-process cluster of the test's own, one of whose workers it kills.

    The nanny restarts a killed worker, but not always in time: in one run on a
    quiet machine (2026-12-02) the restarted worker had not arrived after
    240 s, and the session's cluster would have stayed at one worker for the
    tests after it. This cluster is closed instead; the session's stays whole.
    Depends on ``client`` so that the session's client is made first and is
    the current one again once this one closes.
    """
    cluster = _two_process_cluster()
    with distributed.Client(cluster) as own_client:
        yield own_client
    # A nanny still restarting its worker may outlast the close's timeout.
    with contextlib.suppress(TimeoutError):
        cluster.close(timeout=60)
    assert distributed.get_client() is client


def _classification(n=600, d=6, n_classes=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((n_classes, d))
    logits = X @ W.T + rng.gumbel(size=(n, n_classes))
    return X.astype(dtype), np.argmax(logits, axis=1)


def _final_objectives(model):
    curves = model.loss_curve_
    if isinstance(curves, list):
        # Constant labels are not solved: their curves are empty.
        return np.array([curve[-1] for curve in curves if len(curve)])
    return curves[-1]


def _assert_same_fit(dask_model, numpy_model, X):
    assert isinstance(dask_model.coef_, np.ndarray)
    assert dask_model.coef_.dtype == numpy_model.coef_.dtype
    assert_array_equal(dask_model.classes_, numpy_model.classes_)
    assert_allclose(
        _final_objectives(dask_model), _final_objectives(numpy_model), rtol=1e-10
    )
    # Float32 models store float32 coefficients: one rounding of them moves the
    # probabilities by ~1e-7, whatever the accuracy of the solution.
    atol = 1e-8 if dask_model.coef_.dtype == np.float64 else 4 * 2.0**-23
    assert_allclose(
        dask_model.predict_proba(X), numpy_model.predict_proba(X), rtol=0, atol=atol
    )


@pytest.mark.floors
def test_workers_import_this_package(client):
    files = client.run(lambda: __import__("skl_softmax").__file__)
    assert set(files.values()) == {skl_softmax.__file__}


def test_importing_the_package_does_not_import_dask():
    code = (
        "import sys, numpy as np, skl_softmax;"
        "skl_softmax.SoftmaxRegression().fit(np.eye(4), [0, 1, 0, 1]);"
        "assert not any(m.split('.')[0] in ('dask', 'distributed') "
        "for m in sys.modules), 'dask imported'"
    )
    root = os.path.dirname(os.path.dirname(skl_softmax.__file__))
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


def _uneven_chunks(y):
    # A one-row chunk, and a chunk holding only class 0 (the others missing).
    order = np.argsort(y != 0, kind="stable")
    n_zero = int(np.sum(y == 0))
    return order, (1, n_zero - 1, 137, len(y) - n_zero - 137)


CASES = {
    "binary": dict(n_classes=2),
    "multiclass": dict(),
    "soft targets": dict(soft=True),
    "weights": dict(sample_weight=True, class_weight="balanced"),
    "dict class weights": dict(n_classes=2, class_weight={0: 3.0, 1: 0.5}),
    "float32": dict(dtype=np.float32),
    "uneven chunks": dict(uneven=True),
    "badly scaled": dict(scaled=True),
    "label smoothing": dict(label_smoothing=0.1),
}


def _case_data(options, n=600, chunks=150, n_classes=3, seed=0):
    """The data of a test case: ``X``, targets, weights, and their Dask twins."""
    X, y = _classification(
        n=n,
        n_classes=options.get("n_classes", n_classes),
        seed=seed,
        dtype=options.get("dtype", np.float64),
    )
    if options.get("uneven"):
        order, chunks = _uneven_chunks(y)
        X, y = X[order], y[order]
    if options.get("scaled"):
        X = X * np.array([1e4, 1e-3, 1, 1, 5e2, 1]) + np.array([0, 0, 1e3, 0, 0, 0])
    target = np.array(["a", "b", "c"])[y] if options.get("strings") else y
    if options.get("soft"):
        rng = np.random.default_rng(1)
        target = rng.dirichlet(np.ones(3), size=len(y)) * 0.5 + np.eye(3)[y] * 0.5
    if options.get("multilabel"):
        rng = np.random.default_rng(4)
        target = (X[:, :3] + rng.standard_normal((len(y), 3)) > 0).astype(int)
        target[:, 2] = 1  # a constant label, predicted as that constant
    sample_weight = None
    if options.get("sample_weight"):
        sample_weight = np.random.default_rng(2).uniform(0, 3, len(y))
    X_dask = da.from_array(X, chunks=(chunks, -1))
    row_chunks = X_dask.chunks[0]
    target_dask = da.from_array(target, chunks=(row_chunks,) + target.shape[1:])
    weight_dask = (
        None
        if sample_weight is None
        else da.from_array(sample_weight, chunks=(row_chunks,))
    )
    return (X, target, sample_weight), (X_dask, target_dask, weight_dask)


@pytest.mark.floors
@pytest.mark.parametrize("case", list(CASES))
def test_softmax_dask_fit_matches_numpy_fit(client, case):
    options = CASES[case]
    data, dask_data = _case_data(options)
    params = dict(
        tol=1e-8,
        max_iter=1000,
        C=0.5,
        class_weight=options.get("class_weight"),
        label_smoothing=options.get("label_smoothing", 0.0),
    )
    numpy_model = SoftmaxRegression(**params).fit(*data)
    dask_model = SoftmaxRegression(**params).fit(*dask_data)
    X = data[0]
    _assert_same_fit(dask_model, numpy_model, X)


def test_partial_sums_beyond_the_fan_in_are_added_on_the_workers(client, monkeypatch):
    # A cluster with more threads than _FAN_IN: here one group per chunk (six)
    # and a fan-in of two, so that tasks add them (6 -> 3 -> 2) before the
    # client adds the last two.
    submitted = []
    submit = client.submit

    def counting_submit(function, *args, **kwargs):
        submitted.append(function)
        return submit(function, *args, **kwargs)

    by_thread = skl_dask._groups_by_thread

    def group_per_chunk(client, chunks):
        groups = by_thread(client, chunks)
        return [(worker, [chunk]) for worker, group in groups for chunk in group]

    monkeypatch.setattr(skl_dask, "_FAN_IN", 2)
    monkeypatch.setattr(skl_dask, "_groups_by_thread", group_per_chunk)
    monkeypatch.setattr(client, "submit", counting_submit)
    X, y = _classification(n=600)
    numpy_model = SoftmaxRegression(tol=1e-8).fit(X, y)
    dask_model = SoftmaxRegression(tol=1e-8).fit(
        da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100)
    )
    _assert_same_fit(dask_model, numpy_model, X)
    n_evaluations = len(dask_model.loss_curve_)
    assert submitted.count(skl_dask._chunk_sums) >= 6 * n_evaluations
    assert submitted.count(skl_dask._add_sums) >= 3 * n_evaluations


@pytest.mark.floors
@pytest.mark.parametrize("multilabel", [False, True])
def test_one_vs_rest_dask_fit_matches_numpy_fit(client, multilabel):
    X, y = _classification(n_classes=4, seed=3)
    if multilabel:
        rng = np.random.default_rng(4)
        y = (X[:, :3] + rng.standard_normal((len(y), 3)) > 0).astype(int)
        y[:, 2] = 1  # a constant label, predicted as that constant
    params = dict(tol=1e-8, max_iter=1000, class_weight="balanced")
    if multilabel:
        with pytest.warns(UserWarning, match="constant"):
            numpy_model = OneVsRestLogistic(**params).fit(X, y)
        with pytest.warns(UserWarning, match="constant"):
            dask_model = OneVsRestLogistic(**params).fit(
                da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=(100, -1))
            )
    else:
        numpy_model = OneVsRestLogistic(**params).fit(X, y)
        dask_model = OneVsRestLogistic(**params).fit(
            da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100)
        )
    _assert_same_fit(dask_model, numpy_model, X)
    assert_array_equal(dask_model.predict(X), numpy_model.predict(X))


def test_labels_in_flight_on_the_cluster_are_bounded(client, monkeypatch):
    # Each label in flight keeps a solver thread on the client: with more
    # labels than the bound, they take turns, and every label's iterates are
    # those of a separate fit (the in-memory fit's).
    monkeypatch.setattr(skl_dask, "_MAX_LABELS_IN_FLIGHT", 4)
    rng = np.random.default_rng(5)
    X = rng.standard_normal((400, 5))
    Y = X @ rng.standard_normal((5, 12)) + rng.logistic(size=(400, 12)) > 0
    Y = Y.astype(int)
    params = dict(tol=1e-8, max_iter=1000)
    numpy_model = OneVsRestLogistic(**params).fit(X, Y)
    solver_threads = []
    done = threading.Event()

    def sample():
        while not done.wait(0.002):
            solver_threads.append(
                sum(
                    thread.name.startswith("skl_softmax-lbfgs")
                    for thread in threading.enumerate()
                )
            )

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        dask_model = OneVsRestLogistic(**params).fit(
            da.from_array(X, chunks=(100, -1)), da.from_array(Y, chunks=(100, -1))
        )
    finally:
        done.set()
        sampler.join()
    assert max(solver_threads) == 4
    _assert_same_fit(dask_model, numpy_model, X)
    assert_array_equal(dask_model.n_iter_, numpy_model.n_iter_)


@pytest.mark.floors
def test_predictions_are_lazy_and_chunkwise(client):
    X, y = _classification()
    model = SoftmaxRegression().fit(X, y)
    X_dask = da.from_array(X, chunks=(100, -1))
    for method in (
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
    ):
        lazy = getattr(model, method)(X_dask)
        assert isinstance(lazy, da.Array)
        assert lazy.chunks[0] == X_dask.chunks[0]
        assert_allclose(lazy.compute(), getattr(model, method)(X), rtol=1e-12)
    assert model.score(X_dask, da.from_array(y, chunks=100)) == model.score(X, y)


def test_special_functions_on_lazy_scores_keep_float64(client):
    # The functions sent float64 Dask arrays to float32 (a float16 test that
    # compared with None, which NumPy reads as float64), and cross_entropy
    # called take_along_axis, which Dask's namespace lacks.
    X, y = _classification()
    model = SoftmaxRegression().fit(X, y)
    scores = model.decision_function(da.from_array(X, chunks=(100, -1)))
    dense = model.decision_function(X)
    for function in (
        skl_softmax.softmax,
        skl_softmax.log_softmax,
        skl_softmax.logsumexp,
        skl_softmax.sigmoid,
        skl_softmax.log_sigmoid,
        skl_softmax.softmax_jacobian,
    ):
        lazy = function(scores)
        assert isinstance(lazy, da.Array)
        assert lazy.dtype == np.float64, function.__name__
        assert_allclose(lazy.compute(), function(dense), rtol=1e-13, atol=0)
    assert_allclose(
        skl_softmax.softmax(scores).compute(), model.predict_proba(X), rtol=1e-13
    )
    labels = np.searchsorted(model.classes_, y)
    expected = log_loss(y, model.predict_proba(X))
    for targets in (labels, da.from_array(labels, chunks=100), np.eye(3)[labels]):
        got = skl_softmax.cross_entropy(targets, scores)
        assert got == pytest.approx(expected, rel=1e-12)


def test_divergence_of_rows_of_unknown_number(client):
    # Rows selected by a lazy mask have a length Dask does not know yet; its
    # broadcast_arrays refused them ("cannot broadcast shape (nan, 3) to shape
    # (nan, 3)") against a NumPy vector.
    X, _ = _classification(d=3)
    probabilities = skl_softmax.softmax(X)
    lazy = da.from_array(probabilities, chunks=(100, -1))
    selected = lazy[lazy[:, 0] > 0.2]
    assert np.isnan(selected.shape[0])
    reference = np.array([0.2, 0.3, 0.5])
    kept = probabilities[probabilities[:, 0] > 0.2]
    assert 0 < len(kept) < len(X)
    expected = np.sum(special.rel_entr(kept, reference), axis=-1)
    assert_allclose(
        skl_softmax.kl_divergence(selected, reference).compute(), expected, rtol=1e-14
    )
    # NumPy p: q follows it, as labels and weights follow the logits.
    assert_allclose(
        skl_softmax.kl_divergence(reference, selected),
        np.sum(special.rel_entr(reference, kept), axis=-1),
        rtol=1e-14,
    )


def test_a_sparse_multilabel_y_beside_dask_X(client):
    # A model fitted on a sparse Y predicted chunks of CSR matrices under a
    # meta of ndarray (their sum failed, and so did score); a sparse Y beside
    # a Dask X was "y must be a Dask or NumPy array. Got ndarray instead."
    X, labels = _classification(n=300)
    Y = np.column_stack([labels == 0, labels != 1, labels == 2]).astype(np.int64)
    Y_sparse = sparse.csr_matrix(Y)
    model = OneVsRestLogistic().fit(X, Y_sparse)
    X_dask = da.from_array(X, chunks=(100, -1))
    predicted = model.predict(X_dask)
    assert isinstance(predicted, da.Array)
    chunks = [predicted.blocks[i].compute() for i in range(predicted.numblocks[0])]
    assert all(isinstance(chunk, np.ndarray) for chunk in chunks)
    assert_array_equal(predicted.compute(), model.predict(X).toarray())
    assert predicted.sum().compute() == model.predict(X).sum()
    expected = model.score(X, Y)
    for targets in (Y_sparse, da.from_array(Y, chunks=(100, -1))):
        assert model.score(X_dask, targets) == pytest.approx(expected, rel=1e-12)
    on_dask = OneVsRestLogistic().fit(X_dask, Y_sparse)
    _assert_same_fit(on_dask, OneVsRestLogistic().fit(X, Y), X)


@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestLogistic])
def test_chunks_emptied_by_a_filter_predict_nothing(client, Estimator):
    # A filter that empties a chunk: the estimator refused the chunk's 0 rows
    # ("Found array with 0 sample(s)") in every prediction and in score.
    X, y = _classification(n=300)
    X[100:200, 0] = -50.0
    model = Estimator().fit(X, y)
    X_dask, y_dask = da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100)
    keep, rows = X_dask[:, 0] > -40, X[:, 0] > -40
    for method in ("predict", "predict_proba", "decision_function"):
        assert_allclose(
            getattr(model, method)(X_dask[keep]).compute(),
            getattr(model, method)(X[rows]),
            rtol=1e-12,
        )
    assert model.score(X_dask[keep], y_dask[keep]) == model.score(X[rows], y[rows])


@pytest.mark.parametrize(
    "Estimator",
    [SoftmaxRegression, OneVsRestLogistic, SoftmaxRegressionCV, OneVsRestLogisticCV],
)
def test_score_on_rows_of_unknown_count(client, Estimator):
    # A dataframe (or a filtered array) has chunks of unknown length: score
    # tried to rechunk y to them ("Chunks must be unchanging along dimensions
    # with missing values"), for every estimator.
    X, y = _classification(n=300)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    params = {"Cs": 2, "cv": 3} if Estimator.__name__.endswith("CV") else {}
    model = Estimator(**params).fit(frame, y)
    X_frame = dd.from_pandas(frame, npartitions=3)
    y_series = dd.from_pandas(pd.Series(y), npartitions=3)
    assert model.score(X_frame, y_series) == pytest.approx(
        model.score(frame, y), rel=1e-12
    )
    X_dask, y_dask = da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100)
    in_memory = Estimator(**params).fit(X, y)
    assert in_memory.score(X_dask[y_dask >= 0], y_dask[y_dask >= 0]) == pytest.approx(
        in_memory.score(X, y), rel=1e-12
    )


def test_in_memory_inputs_beside_dask_ones(client):
    # NumPy X with Dask weights was refused with "X must be a Dask or NumPy
    # array. Got ndarray"; NumPy y or weights of another length than Dask X
    # failed inside Dask ("Chunks do not add up to shape").
    X, y = _classification(n=300)
    weights = np.linspace(0.5, 2.0, len(y))
    numpy_model = SoftmaxRegression(tol=1e-8).fit(X, y, weights)
    mixed = SoftmaxRegression(tol=1e-8).fit(X, y, da.from_array(weights, chunks=100))
    _assert_same_fit(mixed, numpy_model, X)
    X_dask, y_dask = da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100)
    for args, kwargs in [
        ((X_dask, y[:-1]), {}),
        ((X_dask, pd.Series(y[:-1])), {}),
        ((X[:-1], y_dask), {}),
    ]:
        with pytest.raises(ValueError) as numpy_error:
            SoftmaxRegression().fit(
                X[: len(args[0])], np.asarray(args[1])[: len(args[1])]
            )
        with pytest.raises(ValueError, match=re.escape(str(numpy_error.value))):
            SoftmaxRegression().fit(*args, **kwargs)
    with pytest.raises(ValueError) as numpy_error:
        SoftmaxRegression().fit(X, y, np.ones(len(y) - 1))
    with pytest.raises(ValueError, match=re.escape(str(numpy_error.value))):
        SoftmaxRegression().fit(X_dask, y_dask, np.ones(len(y) - 1))


def _unaligned(array):
    """A copy of ``array`` one byte into its buffer: NumPy marks it not aligned."""
    buffer = np.empty(array.nbytes + 1, dtype=np.uint8)
    copy = np.frombuffer(buffer.data, array.dtype, array.size, offset=1)
    copy = copy.reshape(array.shape)
    copy[...] = array
    return copy


def test_unaligned_chunks_are_multiplied_as_aligned_copies(client, monkeypatch):
    # da.from_array of an array in memory can give the workers chunks that
    # start at any byte, which NumPy multiplies without BLAS.
    X, y = _classification()
    unaligned = _unaligned(X)
    assert not unaligned.flags.aligned
    copy = skl_dask._aligned(unaligned)
    assert copy.flags.aligned
    assert_array_equal(copy, X)
    assert skl_dask._aligned(X) is X
    assert not unaligned.flags.aligned  # the input is left as it was

    X_dask = da.from_array(X, chunks=(150, -1)).map_blocks(_unaligned)
    assert not X_dask.blocks[0].compute().flags.aligned
    attached = []
    attach = skl_dask._ChunkedSums._attach

    def keep(self, chunks, client):
        attached.extend(chunks)
        attach(self, chunks, client)

    monkeypatch.setattr(skl_dask._ChunkedSums, "_attach", keep)
    y_dask = da.from_array(y, chunks=150)
    model = SoftmaxRegression(tol=1e-8, max_iter=1000).fit(X_dask, y_dask)
    aligned = client.gather(
        [client.submit(lambda chunk: chunk.X.flags.aligned, c) for c in attached]
    )
    assert len(aligned) == 4 and all(aligned)
    _assert_same_fit(model, SoftmaxRegression(tol=1e-8, max_iter=1000).fit(X, y), X)
    assert_allclose(
        model.predict_proba(X_dask).compute(), model.predict_proba(X), rtol=1e-12
    )


def test_dask_dataframes_keep_feature_names(client):
    X, y = _classification()
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    target = pd.Series(y, name="y")
    numpy_model = SoftmaxRegression(tol=1e-8).fit(frame, target)
    dask_model = SoftmaxRegression(tol=1e-8).fit(
        dd.from_pandas(frame, npartitions=4), dd.from_pandas(target, npartitions=4)
    )
    assert_array_equal(dask_model.feature_names_in_, numpy_model.feature_names_in_)
    lazy = dask_model.predict_proba(dd.from_pandas(frame, npartitions=3))
    assert isinstance(lazy, da.Array)
    assert_allclose(lazy.compute(), numpy_model.predict_proba(frame), atol=1e-8)
    _assert_same_fit(dask_model, numpy_model, frame)


@pytest.mark.parametrize("dtype", [object, "string"])
def test_dask_dataframe_text_columns_are_named(client, dtype):
    # The dataframe's meta holds placeholders ("foo"): the message names the
    # column and its dtype instead of a value the user never wrote.
    frame = pd.DataFrame({"size": np.arange(8.0), "colour": ["red", "blue"] * 4})
    frame["colour"] = frame["colour"].astype(dtype)
    with pytest.raises(
        ValueError, match=r"columns of object or string dtype: 'colour'"
    ):
        SoftmaxRegression().fit(
            dd.from_pandas(frame, npartitions=2), da.from_array(np.arange(8) % 2, 4)
        )


def test_fitted_model_is_picklable_and_in_memory(client):
    X, y = _classification()
    model = SoftmaxRegression().fit(da.from_array(X, chunks=(200, -1)), y)
    copy = pickle.loads(pickle.dumps(model))
    for name in ("coef_", "intercept_", "classes_", "n_iter_"):
        assert type(getattr(copy, name)) is np.ndarray
    assert_array_equal(copy.predict(X), model.predict(X))


def _result_sizes(value):
    """Bytes of the arrays and scalars in a gathered result, recursively."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, dict):
        return sum(_result_sizes(item) for item in value.values())
    if isinstance(value, list | tuple):
        return sum(_result_sizes(item) for item in value)
    return 8


def _gathered_sizes(client, monkeypatch):
    """The bytes of every result ``client.gather`` returns from now on (a list)."""
    gathered = []
    gather = client.gather

    def counting_gather(futures, *args, **kwargs):
        result = gather(futures, *args, **kwargs)
        gathered.append(_result_sizes(result))
        return result

    monkeypatch.setattr(client, "gather", counting_gather)
    return gathered


@pytest.mark.parametrize(
    "Estimator, n_problems",
    [(SoftmaxRegression, 1), (SoftmaxRegressionCV, 4), (OneVsRestLogisticCV, 4)],
)
def test_no_data_reach_the_client(client, monkeypatch, Estimator, n_problems):
    X, y = _classification(n=20_000, d=20)
    X_dask = da.from_array(X, chunks=(2_000, -1))
    y_dask = da.from_array(y, chunks=2_000)
    gathered = _gathered_sizes(client, monkeypatch)
    params = {"Cs": [0.1, 1.0], "cv": 4} if n_problems > 1 else {}
    model = Estimator(tol=1e-6, **params).fit(X_dask, y_dask)
    n_params = model.coef_.size + model.intercept_.size
    # Every evaluation and every summary came back through gather...
    assert len(gathered) > np.max(model.n_iter_)
    # ... and none was larger than the gradients with their losses of the
    # problems solved together: one fit, or the CV's four folds, each with a
    # loss per output of the softmax's fold or per label of one-vs-rest's, as
    # many times as there are partial sums for the client to add (one per
    # worker thread, at most _FAN_IN). The data are 3.2 MB, the targets 160 kB.
    n_losses = model.coef_.shape[0] if Estimator is OneVsRestLogisticCV else 1
    n_parts = min(skl_dask._FAN_IN, sum(client.nthreads().values()))
    assert max(gathered) <= n_parts * 8 * n_problems * (n_params + n_losses)


# A client in a process of its own, as a user's program is: the session's
# scheduler runs in the test process and its allocations are not the client's.
# One process fits every estimator (a process and its first fits cost 5-10 s).
_CLIENT_PROGRAM = """
import sys, tracemalloc
import dask.array as da, distributed
import skl_softmax

address, names = sys.argv[1], sys.argv[2:]
with distributed.Client(address):
    for i, name in enumerate(names):
        params = {"Cs": [0.1, 10.0], "cv": 3} if name.endswith("CV") else {}
        # First fits are not counted: they hold one-time allocations (lazy
        # imports, each estimator's own; 3.8 MB of objects that distributed's
        # message decoding keeps after a process's second fit, the same for
        # 100 000 or 800 000 rows).
        for n in (12_500,) * (2 if i == 0 else 1) + (25_000, 100_000):
            # Generated on the workers: 2 MB, 4 MB, then 16 MB.
            X = da.random.default_rng(0).standard_normal((n, 20), chunks=(12_500, 20))
            y = X.map_blocks(
                lambda block: (block[:, 0] + block[:, 1] > 0).astype(int),
                drop_axis=1,
                dtype=int,
            )
            tracemalloc.start()
            model = getattr(skl_softmax, name)(tol=1e-3, **params).fit(X, y)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            accuracy = float((model.predict(X) == y).mean().compute())
            print(name, X.nbytes, peak, accuracy)
"""


def test_fit_on_data_larger_than_the_client_may_hold(client):
    """Data generated on the workers; the client's allocations do not grow with them.

    The CV estimators split the folds, fit the paths, score the held-out rows
    and refit there too.
    """
    names = ["SoftmaxRegression", "SoftmaxRegressionCV", "OneVsRestLogisticCV"]
    out = subprocess.run(
        [sys.executable, "-c", _CLIENT_PROGRAM, client.scheduler.address, *names],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    fits = {}
    for line in out.stdout.split("\n"):
        if line:
            name, *numbers = line.split()
            fits.setdefault(name, []).append(tuple(map(float, numbers)))
    assert list(fits) == names
    for name in names:
        *_, (small, small_peak, small_accuracy), (large, large_peak, large_accuracy) = (
            fits[name]
        )
        assert (small, large) == (4_000_000, 16_000_000)
        # Measured: 0.82 and 0.84 MB for a fit, 0.96 and 1.09 MB for
        # SoftmaxRegressionCV, 0.97 and 1.12 MB for OneVsRestLogisticCV (at four
        # times these rows 0.83 to 1.17 MB, and 1.75 and 1.87 MB when
        # OneVsRestLogisticCV fitted its folds one after another; the graphs
        # grow with the number of chunks, 2 then 8, not with the rows).
        assert max(small_peak, large_peak) < 3_000_000, name
        # Four times the data, 12 MB more: the client allocates under 0.5 MB more.
        assert large_peak - small_peak < 500_000, name
        assert min(small_accuracy, large_accuracy) > 0.95, name


def _no_solver(*args, **kwargs):
    raise AssertionError("L-BFGS started before the input was checked")


BAD_INPUTS = {
    "NaN in X": lambda X, y: (
        np.where(np.arange(X.size).reshape(X.shape) == 7, np.nan, X),
        y,
    ),
    "inf in X": lambda X, y: (
        np.where(np.arange(X.size).reshape(X.shape) == 9, np.inf, X),
        y,
    ),
    "one class": lambda X, y: (X, np.zeros_like(y)),
    "continuous y": lambda X, y: (X, y + 0.5),
    "NaN in y": lambda X, y: (X, np.where(np.arange(len(y)) == 3, np.nan, y)),
    "short y": lambda X, y: (X, y[:-1]),
}


@pytest.mark.floors
@pytest.mark.parametrize("case", list(BAD_INPUTS))
@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestLogistic])
def test_bad_input_same_error_before_the_solver(client, monkeypatch, case, Estimator):
    monkeypatch.setattr("skl_softmax._base.minimize_lbfgs", _no_solver)
    monkeypatch.setattr("skl_softmax._one_vs_rest.minimize_lbfgs_batched", _no_solver)
    X, y = BAD_INPUTS[case](*_classification(n=300))
    with pytest.raises(ValueError) as numpy_error:
        Estimator().fit(X, y)
    X_dask = da.from_array(X, chunks=(100, -1))
    y_dask = da.from_array(y, chunks=100 if len(y) == len(X) else 99)
    with pytest.raises(
        type(numpy_error.value), match=re.escape(str(numpy_error.value))
    ):
        Estimator().fit(X_dask, y_dask)


@pytest.mark.parametrize(
    "sample_weight", [-1.0, np.nan, 0.0], ids=["negative", "NaN", "all zero"]
)
def test_bad_sample_weight_same_error(client, monkeypatch, sample_weight):
    monkeypatch.setattr("skl_softmax._base.minimize_lbfgs", _no_solver)
    X, y = _classification(n=300)
    weights = np.ones(len(y))
    weights[5] = sample_weight
    if sample_weight == 0.0:
        weights[:] = 0.0
    with pytest.raises(ValueError) as numpy_error:
        SoftmaxRegression().fit(X, y, weights)
    with pytest.raises(ValueError, match=re.escape(str(numpy_error.value))):
        SoftmaxRegression().fit(
            da.from_array(X, chunks=(100, -1)), y, da.from_array(weights, chunks=100)
        )


def test_mismatched_chunks_are_rejected(client):
    X, y = _classification(n=300)
    with pytest.raises(ValueError, match="y must have the row chunks of X"):
        SoftmaxRegression().fit(
            da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=150)
        )


def _fit_while_a_worker_dies(client, monkeypatch, fit):
    """``fit()``'s result, one worker killed at the cluster's third evaluation.

    Fails if the fit hangs or raises (a clear error would be allowed by the
    issue, but the scheduler reschedules the lost chunks, so none is expected).
    """
    sums = skl_dask._ChunkedSums.sums
    calls = []

    def sums_killing_a_worker(self, W, b, outputs=None):
        calls.append(None)
        if len(calls) == 3:
            pids = client.run(os.getpid)
            os.kill(pids[sorted(pids)[0]], signal.SIGKILL)
        return sums(self, W, b, outputs)

    monkeypatch.setattr(skl_dask._ChunkedSums, "sums", sums_killing_a_worker)
    outcome = {}

    def run():
        try:
            outcome["model"] = fit()
        except Exception as error:
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=300)
    assert not thread.is_alive(), "the fit hung after a worker died"
    assert "model" in outcome, repr(outcome.get("error"))
    assert len(calls) > 3
    return outcome["model"]


def test_a_killed_worker_does_not_change_the_fit(client_to_kill, monkeypatch):
    X, y = _classification(n=1_000, seed=5)
    numpy_model = SoftmaxRegression(tol=1e-8).fit(X, y)
    model = _fit_while_a_worker_dies(
        client_to_kill,
        monkeypatch,
        lambda: SoftmaxRegression(tol=1e-8).fit(
            da.from_array(X, chunks=(125, -1)), da.from_array(y, chunks=125)
        ),
    )
    _assert_same_fit(model, numpy_model, X)


def test_grid_search_under_the_dask_joblib_backend(client):
    import joblib
    from sklearn.model_selection import GridSearchCV

    X, y = _classification(n=300)
    grid = {"C": [0.01, 1.0], "fit_intercept": [True, False]}
    local = GridSearchCV(SoftmaxRegression(), grid, cv=3).fit(X, y)
    with joblib.parallel_backend("dask"):
        spread = GridSearchCV(SoftmaxRegression(), grid, cv=3, n_jobs=-1).fit(X, y)
    assert spread.best_params_ == local.best_params_
    assert_allclose(
        spread.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )


def test_threaded_scheduler_without_client(client):
    import dask

    X, y = _classification()
    numpy_model = SoftmaxRegression(tol=1e-8).fit(X, y)
    with dask.config.set(scheduler="threads"):
        dask_model = SoftmaxRegression(tol=1e-8).fit(
            da.from_array(X, chunks=(200, -1)), da.from_array(y, chunks=200)
        )
    _assert_same_fit(dask_model, numpy_model, X)


@pytest.mark.parametrize(
    "Estimator, n_classes",
    [
        (SoftmaxRegression, 3),
        (SoftmaxRegression, 2),
        (OneVsRestLogistic, 3),
        (OneVsRestLogistic, 2),
    ],
)
def test_separated_data_warn_as_in_memory(client, Estimator, n_classes):
    from sklearn.exceptions import ConvergenceWarning

    X = np.repeat(np.eye(3)[:n_classes] * 4.0, 20, axis=0)
    y = np.repeat(np.arange(n_classes), 20)
    with pytest.warns(ConvergenceWarning, match="perfectly separated") as numpy_warning:
        Estimator(C=np.inf, max_iter=15).fit(X, y)
    X_dask = da.from_array(X, chunks=(7, -1))
    y_dask = da.from_array(y, chunks=7)
    with pytest.warns(ConvergenceWarning) as dask_warning:
        Estimator(C=np.inf, max_iter=15).fit(X_dask, y_dask)
    assert {str(w.message) for w in dask_warning} == {
        str(w.message) for w in numpy_warning
    }
    # Both point at the line that called fit, not into the package.
    assert {w.filename for w in [*numpy_warning, *dask_warning]} == {__file__}


def test_one_class_separated_warns_as_in_memory(client):
    # C=inf with only class 0 apart from the others: the in-memory fit warns
    # (no minimum); the chunks' bounds find the same class.
    from sklearn.exceptions import ConvergenceWarning

    X, y = one_class_apart()
    match = "class 0 is perfectly separated from the other classes"
    with pytest.warns(ConvergenceWarning, match=match) as numpy_warning:
        SoftmaxRegression(C=np.inf).fit(X, y)
    with pytest.warns(ConvergenceWarning, match=match) as dask_warning:
        SoftmaxRegression(C=np.inf).fit(
            da.from_array(X, chunks=(50, -1)), da.from_array(y, chunks=50)
        )
    assert {str(w.message) for w in dask_warning} == {
        str(w.message) for w in numpy_warning
    }


def test_separated_multilabel_data_warn_as_in_memory(client):
    from sklearn.exceptions import ConvergenceWarning

    X = np.repeat(np.eye(3) * 4.0, 20, axis=0)
    # Label 0 is separated by the first feature; label 1 is not separable.
    Y = np.column_stack([X[:, 0] > 0, np.tile([0, 1], 30)]).astype(int)
    with pytest.warns(ConvergenceWarning, match="perfectly separated") as numpy_warning:
        OneVsRestLogistic(C=np.inf, max_iter=15).fit(X, Y)
    with pytest.warns(ConvergenceWarning) as dask_warning:
        OneVsRestLogistic(C=np.inf, max_iter=15).fit(
            da.from_array(X, chunks=(7, -1)), da.from_array(Y, chunks=(7, -1))
        )
    separated = {str(w.message) for w in numpy_warning if "separated" in str(w.message)}
    assert separated
    assert separated <= {str(w.message) for w in dask_warning}


@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestLogistic])
def test_tiny_penalty_scale_gives_the_in_memory_zero_coefficients(client, Estimator):
    # bounded_C on the Dask path too: C = 1e-320 is valid, the penalty's
    # curvature 1 / (C S) is not finite, and the in-memory fit returns zeros.
    X, y = _classification(n=300, seed=11)
    numpy_model = Estimator(C=1e-320).fit(X, y)
    dask_model = Estimator(C=1e-320).fit(
        da.from_array(X, chunks=(70, -1)), da.from_array(y, chunks=70)
    )
    assert_array_equal(numpy_model.coef_, 0.0)
    assert_array_equal(dask_model.coef_, 0.0)
    assert_allclose(
        dask_model.intercept_, numpy_model.intercept_, rtol=1e-8, atol=1e-10
    )


def test_multilabel_dataframe_targets_and_weight_series(client):
    X, y = _classification(n=400, seed=6)
    rng = np.random.default_rng(7)
    Y = pd.DataFrame(
        (X[:, :3] + rng.standard_normal((400, 3)) > 0).astype(int), columns=list("abc")
    )
    weights = pd.Series(rng.uniform(0.5, 2.0, 400))
    params = dict(tol=1e-8, class_weight={0: 2.0, 2: 0.5})
    numpy_model = OneVsRestLogistic(**params).fit(X, Y, weights)
    dask_model = OneVsRestLogistic(**params).fit(
        da.from_array(X, chunks=(100, -1)),
        dd.from_pandas(Y, npartitions=4),
        dd.from_pandas(weights, npartitions=4),
    )
    _assert_same_fit(dask_model, numpy_model, X)


# -- SoftmaxRegressionCV on Dask data ---------------------------------------------

# Each case is a fit of its own on the cluster (~20 ms a round trip here, one
# per evaluation): options that do not interact share a case.
CV_CASES = {
    "multiclass, uneven chunks": dict(uneven=True),
    "binary": dict(n_classes=2),
    "soft targets": dict(soft=True),
    "weights, shuffled folds": dict(
        sample_weight=True,
        class_weight="balanced",
        cv=StratifiedKFold(4, shuffle=True, random_state=0),
    ),
    "string labels": dict(strings=True, class_weight={"b": 2.0, "c": 0.5}),
    # Not with class weights: on these columns (scales 1e-3 to 1e4) the fits
    # at tol=1e-8 stop on L-BFGS-B's relative reduction of the objective
    # (ftol, as LogisticRegression's), the refit with max |gradient| 1.3e-4
    # with the weights, 1.1e-5 without; with the weights the refits differed
    # by up to 4.9e-8 in the probabilities between chunk placements (one CI
    # run of 2026-12-02; 2e-10 to 1.8e-9 in four local runs).
    "badly scaled": dict(scaled=True),
    "float32": dict(dtype=np.float32),
    "accuracy, no refit": dict(scoring="accuracy", sample_weight=True, refit=False),
}


@pytest.mark.parametrize(
    "case",
    [
        # One case on the oldest versions too (see .ci/run).
        pytest.param(case, marks=pytest.mark.floors) if i == 0 else case
        for i, case in enumerate(CV_CASES)
    ],
)
def test_softmax_cv_dask_fit_matches_numpy_fit(client, case, monkeypatch):
    # On Dask the folds are always fitted together: so is the reference here
    # (in memory, small data fits them apart, each with the conditioning of
    # its own rows: another path to the optimum, within tol of this one).
    monkeypatch.setattr(skl_fold_problems, "_MIN_MULTIPLY_ADDS", 0)
    options = CV_CASES[case]
    data, dask_data = _case_data(options, n=900, chunks=200)
    params = dict(
        Cs=[1e-2, 0.3, 10.0],
        cv=options.get("cv", 3),
        tol=1e-8,
        max_iter=1000,
        class_weight=options.get("class_weight"),
        scoring=options.get("scoring"),
        refit=options.get("refit", True),
    )
    numpy_model = SoftmaxRegressionCV(**params).fit(*data)
    dask_model = SoftmaxRegressionCV(**params).fit(*dask_data)
    X = data[0]
    float64 = X.dtype == np.float64
    assert dask_model.C_ == numpy_model.C_
    assert_array_equal(dask_model.Cs_, numpy_model.Cs_)
    assert dask_model.scores_.shape == numpy_model.scores_.shape
    # Many fold fits end on L-BFGS-B's relative reduction of the objective
    # (ftol = 64 eps, as LogisticRegression's), not on tol: the objective is
    # then settled to ~1e-14 on both sides, the point a step earlier or later
    # depending on the order of the sums. Measured between chunkings: up to
    # 1.3e-7 in the probabilities of a weighted fold at C=0.3 (one iteration
    # apart, both ended on the reduction), 7.2e-8 on badly scaled data, with
    # tol=1e-10 the same. The paths are compared within 1e-6 (float32: 4 ulp);
    # the refit below meets the bar of a fit, 1e-8.
    assert_allclose(
        dask_model.scores_, numpy_model.scores_, rtol=1e-6 if float64 else 1e-5
    )
    assert dask_model.coefs_paths_.shape == numpy_model.coefs_paths_.shape
    atol = 1e-6 if float64 else 4 * 2.0**-23
    assert_allclose(
        _path_probabilities(dask_model, X),
        _path_probabilities(numpy_model, X),
        rtol=0,
        atol=atol,
    )
    assert dask_model.n_iter_.shape == numpy_model.n_iter_.shape
    if params["refit"]:
        _assert_same_fit(dask_model, numpy_model, X)
    else:
        # The mean of the fold paths at their best C: as close as the paths.
        assert_allclose(
            dask_model.predict_proba(X), numpy_model.predict_proba(X), atol=1e-6
        )


def _path_probabilities(model, X):
    """The probabilities on ``X`` of every fold's model at every C."""
    X = X.astype(np.float64)
    paths = model.coefs_paths_
    logits = np.einsum("nd,fckd->fcnk", X, paths[..., :-1]) + paths[..., None, :, -1]
    if logits.shape[-1] == 1:
        logits = np.concatenate([np.zeros_like(logits), logits], axis=-1)
    return skl_softmax.softmax(logits, axis=-1)


def test_softmax_cv_routes_groups_and_weights_on_dask(client):
    X, y = _classification(n=600)
    weights = np.random.default_rng(1).uniform(0.2, 3.0, size=len(y))
    groups = np.arange(len(y)) % 6
    chunks = (150, -1)
    with sklearn.config_context(enable_metadata_routing=True):
        for requested in (True, False):
            scoring = make_scorer(
                log_loss, greater_is_better=False, response_method="predict_proba"
            ).set_score_request(sample_weight=requested)
            params = dict(Cs=[0.1, 1.0], cv=GroupKFold(3), scoring=scoring, tol=1e-8)
            numpy_model = SoftmaxRegressionCV(**params).fit(
                X, y, sample_weight=weights, groups=groups
            )
            dask_model = SoftmaxRegressionCV(**params).fit(
                da.from_array(X, chunks=chunks),
                da.from_array(y, chunks=chunks[0]),
                sample_weight=da.from_array(weights, chunks=chunks[0]),
                groups=da.from_array(groups, chunks=chunks[0]),
            )
            # As close as the paths (see the test above).
            assert_allclose(dask_model.scores_, numpy_model.scores_, rtol=1e-6)
            _assert_same_fit(dask_model, numpy_model, X)


def test_softmax_cv_bad_input_on_dask_same_error(client):
    X, y = _classification(n=300)
    X_bad = X.copy()
    X_bad[7, 2] = np.nan
    with pytest.raises(ValueError) as numpy_error:
        SoftmaxRegressionCV(Cs=2).fit(X_bad, y)
    with pytest.raises(ValueError) as dask_error:
        SoftmaxRegressionCV(Cs=2).fit(
            da.from_array(X_bad, chunks=(100, -1)), da.from_array(y, chunks=100)
        )
    assert str(dask_error.value) == str(numpy_error.value)
    # A fold whose training rows weigh nothing is named, as in memory.
    weights = np.where(np.arange(len(y)) < 200, 0.0, 1.0)
    folds = [
        (np.arange(200), np.arange(200, 300)),
        (np.arange(100, 300), np.arange(100)),
    ]
    with pytest.raises(ValueError, match="positive total weight .* Got 0 in fold 1"):
        SoftmaxRegressionCV(Cs=2, cv=folds).fit(
            da.from_array(X, chunks=(100, -1)),
            da.from_array(y, chunks=100),
            da.from_array(weights, chunks=100),
        )


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_cv_boolean_masks_hold_out_the_same_rows_as_indices(client, Estimator):
    X, y = _classification(n=300)
    folds = list(StratifiedKFold(3).split(X, y))
    masks = []
    for train, test in folds:
        train_mask, test_mask = np.zeros((2, len(y)), dtype=bool)
        train_mask[train] = test_mask[test] = True
        masks.append((train_mask, test_mask))
    params = dict(Cs=[0.1, 1.0], tol=1e-8)
    numpy_model = Estimator(cv=folds, **params).fit(X, y)
    dask_model = Estimator(cv=masks, **params).fit(
        da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100)
    )
    assert_allclose(dask_model.scores_, numpy_model.scores_, rtol=1e-6)
    _assert_same_fit(dask_model, numpy_model, X)


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_cv_rows_listed_twice_in_a_fold_weigh_twice_on_dask(client, Estimator):
    # Bootstrap splits list training rows twice: the fold on Dask data weighs
    # them as the NumPy fit does (a fit on X[train], as LogisticRegressionCV),
    # which tests/test_cv.py checks against LogisticRegressionCV.
    X, y = _classification(n=300)
    rng = np.random.default_rng(3)
    folds = []
    for _ in range(2):
        train = rng.integers(0, len(y), len(y))
        folds.append((train, np.setdiff1d(np.arange(len(y)), train)))
    params = dict(Cs=[0.1, 1.0], tol=1e-8)
    numpy_model = Estimator(cv=folds, n_jobs=1, **params).fit(X, y)
    dask_model = Estimator(cv=folds, **params).fit(
        da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100)
    )
    assert_allclose(dask_model.scores_, numpy_model.scores_, rtol=1e-6)
    _assert_same_fit(dask_model, numpy_model, X)


# -- OneVsRestLogisticCV on Dask data ---------------------------------------------

OVR_CV_CASES = {
    "multiclass, uneven chunks": dict(uneven=True),
    "binary": dict(n_classes=2, class_weight={0: 2.0, 1: 0.5}),
    "multilabel": dict(multilabel=True),
    "weights": dict(sample_weight=True, class_weight="balanced"),
    "float32": dict(dtype=np.float32),
    "accuracy, multilabel, no refit": dict(
        scoring="accuracy", sample_weight=True, refit=False, multilabel=True
    ),
}


@pytest.mark.parametrize("case", list(OVR_CV_CASES))
def test_one_vs_rest_cv_dask_fit_matches_numpy_fit(client, case):
    options = OVR_CV_CASES[case]
    data, dask_data = _case_data(options, n=900, chunks=200, n_classes=4, seed=3)
    params = dict(
        Cs=[1e-2, 0.3, 10.0],
        cv=3,
        tol=1e-8,
        max_iter=1000,
        class_weight=options.get("class_weight"),
        scoring=options.get("scoring"),
        refit=options.get("refit", True),
    )
    fits, constant = {}, {}
    for name, fit_data in (("numpy", data), ("dask", dask_data)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fits[name] = OneVsRestLogisticCV(**params).fit(*fit_data)
        constant[name] = [
            str(w.message) for w in caught if "constant" in str(w.message)
        ]
    numpy_model, dask_model = fits["numpy"], fits["dask"]
    # The multi-label cases' constant label: one warning for the whole CV fit
    # (folds x Cs + 1 fits warn it), the same on both sides.
    assert constant["dask"] == constant["numpy"]
    assert len(constant["numpy"]) == int(bool(options.get("multilabel")))
    X = data[0]
    float64 = X.dtype == np.float64
    assert_array_equal(dask_model.C_, numpy_model.C_)
    assert dask_model.scores_.shape == numpy_model.scores_.shape
    assert_allclose(
        dask_model.scores_, numpy_model.scores_, rtol=1e-7 if float64 else 1e-5
    )
    paths = [model.coefs_paths_ for model in (dask_model, numpy_model)]
    assert paths[0].shape == paths[1].shape
    # Every label's model at every fold and C: the same probabilities.
    X64 = X.astype(np.float64)
    probabilities = [
        skl_softmax.sigmoid(np.einsum("nd,lfcd->lfcn", X64, p[..., :-1]) + p[..., -1:])
        for p in paths
    ]
    assert_allclose(
        probabilities[0],
        probabilities[1],
        rtol=0,
        atol=1e-8 if float64 else 4 * 2.0**-23,
    )
    assert_array_equal(dask_model.n_iter_.shape, numpy_model.n_iter_.shape)
    if params["refit"]:
        _assert_same_fit(dask_model, numpy_model, X)
    else:
        assert_allclose(
            dask_model.predict_proba(X), numpy_model.predict_proba(X), atol=1e-8
        )
    assert_array_equal(dask_model.predict(X), numpy_model.predict(X))


def test_one_vs_rest_cv_folds_weigh_their_rows_as_fits_on_them(client, monkeypatch):
    # The folds are fitted together on Dask, but each weighs its training rows
    # as a fit on them alone: label 1 has positives only in fold 0's held-out
    # rows (constant in fold 0's training rows, varying elsewhere), and
    # "balanced" weights come from each fold's own counts. Eight columns a
    # chunk: folds 0 and 1 (4 labels each) are solved together, then fold 2.
    monkeypatch.setattr(skl_dask_cv, "_MAX_FOLD_OUTPUTS", 8)
    X, y = _classification(n=360, d=5, seed=8)
    rng = np.random.default_rng(9)
    Y = (X[:, :4] + rng.standard_normal((360, 4)) > 0).astype(int)
    folds = list(KFold(3).split(X))
    Y[:, 1] = 0
    Y[folds[0][1][::3], 1] = 1
    sample_weight = rng.uniform(0.5, 2.0, 360)
    params = dict(
        Cs=[0.05, 1.0], cv=folds, tol=1e-8, max_iter=1000, class_weight="balanced"
    )
    with warnings.catch_warnings(record=True) as numpy_warnings:
        warnings.simplefilter("always")
        numpy_model = OneVsRestLogisticCV(**params).fit(X, Y, sample_weight)
    with warnings.catch_warnings(record=True) as dask_warnings:
        warnings.simplefilter("always")
        dask_model = OneVsRestLogisticCV(**params).fit(
            da.from_array(X, chunks=(100, -1)),
            da.from_array(Y, chunks=(100, -1)),
            da.from_array(sample_weight, chunks=100),
        )
    # Fold 0 warns that label 1 is constant there, as its fits in memory do.
    constant = {
        str(w.message) for w in numpy_warnings if "Labels constant" in str(w.message)
    }
    assert constant and constant == {
        str(w.message) for w in dask_warnings if "Labels constant" in str(w.message)
    }
    assert_array_equal(dask_model.n_iter_[1, 0], 0)  # not solved: constant
    assert np.all(dask_model.n_iter_[1, 1:] > 0)
    assert_allclose(dask_model.scores_, numpy_model.scores_, rtol=1e-7)
    probabilities = [
        skl_softmax.sigmoid(np.einsum("nd,lfcd->lfcn", X, p[..., :-1]) + p[..., -1:])
        for p in (dask_model.coefs_paths_, numpy_model.coefs_paths_)
    ]
    assert_allclose(probabilities[0], probabilities[1], rtol=0, atol=1e-8)
    assert_array_equal(dask_model.C_, numpy_model.C_)
    _assert_same_fit(dask_model, numpy_model, X)


def test_one_vs_rest_cv_separated_folds_warn_as_in_memory(client):
    # C=inf on data whose labels 0 and 2 are separable: each fold's fit warns
    # about them (and about label 1 where a fold's rows separate it too), on
    # Dask as in memory: the same messages, as many.
    X, _ = _classification(n=240, d=4, seed=5)
    noise = np.random.default_rng(6).standard_normal(240)
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + noise > 0, X[:, 2] > 0.3]).astype(int)
    params = dict(Cs=[1.0, np.inf], cv=3, max_iter=50)

    def separated(fit):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit()
        separated = [w for w in caught if "separated" in str(w.message)]
        assert {w.filename for w in separated} == {__file__}
        return sorted(str(w.message) for w in separated)

    in_memory = separated(lambda: OneVsRestLogisticCV(**params).fit(X, Y))
    on_dask = separated(
        lambda: OneVsRestLogisticCV(**params).fit(
            da.from_array(X, chunks=(80, -1)), da.from_array(Y, chunks=(80, -1))
        )
    )
    assert "OneVsRestLogistic: labels 0, 2 are perfectly separated" in in_memory[-1]
    assert on_dask == in_memory


def test_one_vs_rest_cv_verbose_names_each_problem_by_label_and_fold(client, capsys):
    # verbose > 1 prints the iterations of the folds' problems, which are
    # solved together: each line says which label of which fold it is.
    X, y = _classification(n=300)
    OneVsRestLogisticCV(Cs=[1.0], cv=3, verbose=2).fit(
        da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100)
    )
    named = re.findall(
        r"^label (\d) of fold (\d) +iteration", capsys.readouterr().out, re.M
    )
    assert {(int(k), int(f)) for k, f in named} == {
        (k, f) for k in range(3) for f in (1, 2, 3)
    }


@pytest.mark.parametrize("class_weight", [None, "balanced", {1: 2.0}])
def test_one_vs_rest_cv_binary_fold_with_one_class_as_in_memory(client, class_weight):
    # Two classes, and a fold whose training rows hold one of them: its label
    # is constant there, with the warning, as in memory.
    X, y = _classification(n=120, n_classes=2, seed=3)
    y = np.sort(y)
    folds = [(np.flatnonzero(y == 0), np.flatnonzero(y == 1))] + list(
        KFold(2, shuffle=True, random_state=0).split(X)
    )
    estimator = OneVsRestLogisticCV(
        Cs=[0.1, 1.0], cv=folds, class_weight=class_weight, tol=1e-10
    )
    with pytest.warns(UserWarning, match=r"1 \(absent from every sample\)"):
        expected = clone(estimator).fit(X, y)
    with pytest.warns(UserWarning, match=r"1 \(absent from every sample\)"):
        ours = clone(estimator).fit(
            da.from_array(X, chunks=(40, -1)), da.from_array(y, 40)
        )
    assert_array_equal(ours.coefs_paths_[0, 0, :, :-1], 0.0)
    assert_allclose(ours.coefs_paths_, expected.coefs_paths_, rtol=0, atol=1e-6)
    assert_allclose(ours.scores_, expected.scores_, rtol=0, atol=1e-8)
    assert_array_equal(ours.C_, expected.C_)


@pytest.mark.skipif(not HAS_CALLBACKS, reason="callbacks need scikit-learn >= 1.9")
@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_cv_callbacks_and_verbose_on_dask(client, Estimator, capsys):
    X, y = _classification(n=300)
    callback = TaskRecorder()
    Estimator(Cs=[0.1, 1.0], cv=3, verbose=1).set_callbacks(callback).fit(
        da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100)
    )
    assert callback.ends.count("path-fit") == 3 * 2
    assert callback.ends.count("refit-at-best-C") == 1
    assert callback.ends[-1] == "fit"
    assert capsys.readouterr().out.count("fold ") == 3


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_a_killed_worker_does_not_change_the_cv_fit(
    client_to_kill, monkeypatch, Estimator
):
    # The folds fitted together, as on Dask (see the test against NumPy above).
    monkeypatch.setattr(skl_fold_problems, "_MIN_MULTIPLY_ADDS", 0)
    X, y = _classification(n=600, seed=5)
    params = dict(Cs=[0.1, 10.0], cv=3, tol=1e-8)
    numpy_model = Estimator(**params).fit(X, y)
    model = _fit_while_a_worker_dies(
        client_to_kill,
        monkeypatch,
        lambda: Estimator(**params).fit(
            da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100)
        ),
    )
    assert_array_equal(model.C_, numpy_model.C_)
    assert_allclose(model.scores_, numpy_model.scores_, rtol=1e-6)
    _assert_same_fit(model, numpy_model, X)


@pytest.mark.parametrize(
    "Estimator, kind",
    [
        (SoftmaxRegressionCV, "multiclass"),
        (SoftmaxRegressionCV, "binary"),
        (OneVsRestLogisticCV, "multiclass"),
        (OneVsRestLogisticCV, "multilabel"),
    ],
)
def test_cv_default_score_on_dask_is_computed_on_the_cluster(
    client, monkeypatch, Estimator, kind
):
    X, y = _classification(n=4_000, n_classes=2 if kind == "binary" else 3)
    if kind == "multilabel":
        y = (X[:, :3] > 0).astype(int)
    weights = np.random.default_rng(3).uniform(0.1, 2.0, len(X))
    model = Estimator(Cs=3, cv=3).fit(X, y)
    X_dask = da.from_array(X, chunks=(500, -1))
    y_dask = da.from_array(y, chunks=(500,) + y.shape[1:])
    gathered = _gathered_sizes(client, monkeypatch)
    for sample_weight in (None, weights):
        expected = model.score(X, y, sample_weight=sample_weight)
        dask_weight = None if sample_weight is None else da.from_array(weights, 500)
        score = model.score(X_dask, y_dask, sample_weight=dask_weight)
        assert score == pytest.approx(expected, rel=1e-12)
    # Only the sums of the chunks came back (4 000 rows of scores: 96 kB).
    assert gathered and max(gathered) <= 8 * 3 * 8


def test_cv_named_scorer_on_soft_targets_same_error(client, monkeypatch):
    # Refused before any fold is fitted, with the in-memory message (not the
    # metric's "mix of continuous-multioutput and binary targets").
    monkeypatch.setattr("skl_softmax._fold_problems.minimize_lbfgs_batched", _no_solver)
    X, _ = _classification(n=60)
    Y = np.random.default_rng(1).dirichlet(np.ones(3), size=60)
    estimator = SoftmaxRegressionCV(Cs=2, cv=3, scoring="accuracy")
    with pytest.raises(ValueError) as numpy_error:
        estimator.fit(X, Y)
    assert "neg_cross_entropy" in str(numpy_error.value)
    with pytest.raises(ValueError, match=re.escape(str(numpy_error.value))):
        estimator.fit(da.from_array(X, chunks=(20, -1)), da.from_array(Y, chunks=20))


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_the_splitters_warnings_reach_the_client(client, Estimator):
    # The splitter runs on a worker: its warnings (a class with fewer members
    # than folds) stayed in the worker's log, where the fit in memory gives them.
    X, y = _classification(n=300, n_classes=2)
    y = y.copy()
    y[:2] = 2
    estimator = Estimator(Cs=[1.0], cv=5)
    with pytest.warns(UserWarning, match="least populated class") as in_memory:
        clone(estimator).fit(X, y)
    with pytest.warns(UserWarning, match="least populated class") as on_dask:
        clone(estimator).fit(da.from_array(X, chunks=(100, -1)), da.from_array(y, 100))
    split = [w for w in on_dask if "least populated" in str(w.message)]
    expected = [w for w in in_memory if "least populated" in str(w.message)]
    assert [str(w.message) for w in split] == [str(w.message) for w in expected]
    assert {w.filename for w in split} == {__file__}


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_n_jobs_under_joblibs_dask_backend(client, Estimator):
    # The folds' tasks held the guard's locks, which cannot be pickled: under
    # joblib's Dask backend (as the user guide suggests for searches) the fit
    # logged pickling errors and hung.
    import joblib

    X, y = _classification(n=300)
    threads = Estimator(Cs=[0.1, 1.0], cv=3, n_jobs=2).fit(X, y)
    with joblib.parallel_backend("dask"):
        on_cluster = Estimator(Cs=[0.1, 1.0], cv=3, n_jobs=2).fit(X, y)
    assert_array_equal(on_cluster.scores_, threads.scores_)
    assert_array_equal(on_cluster.coef_, threads.coef_)


# -- score, and containers beside Dask data, as in memory --------------------------


def _fitted_for_scoring(Estimator):
    X, y = _classification(n=200, seed=7)
    params = dict(Cs=[0.1, 1.0], cv=3) if Estimator.__name__.endswith("CV") else {}
    return Estimator(**params).fit(X, y), X, y


SCORED = [
    SoftmaxRegression,
    OneVsRestLogistic,
    SoftmaxRegressionCV,
    OneVsRestLogisticCV,
]


@pytest.mark.parametrize("Estimator", SCORED)
def test_score_on_dask_equals_the_in_memory_score(client, Estimator):
    # In-memory X beside a Dask y or weights raised AttributeError ('chunks');
    # a column of labels gave 0.0 (an (n, n) comparison).
    model, X, y = _fitted_for_scoring(Estimator)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    X_dask = da.from_array(X, chunks=(50, -1))
    y_dask = da.from_array(y, chunks=50)
    w_dask = da.from_array(weights, chunks=50)
    for sample_weight, w in ((None, None), (weights, w_dask)):
        expected = model.score(X, y, sample_weight=sample_weight)
        for scored in (
            (X_dask, y_dask, w),
            (X, y_dask, w),
            (X, y, w_dask if w is not None else None),
            (X_dask, y[:, None], sample_weight),
            (X_dask, dd.from_array(y, chunksize=50), sample_weight),
        ):
            if all(not skl_dask.is_dask(part) for part in scored):
                continue
            assert model.score(*scored) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_a_cv_scorer_on_dask_rows_of_unknown_count(client, Estimator):
    # A named scorer on filtered Dask arrays raised Dask's "Cannot call len()
    # on object with unknown chunk size" inside scikit-learn's metric.
    X, y = _classification(n=200, seed=7)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    model = Estimator(Cs=[0.1, 1.0], cv=3, scoring="accuracy").fit(X, y)
    X_dask = da.from_array(X, chunks=(50, -1))
    y_dask = da.from_array(y, chunks=50)
    w_dask = da.from_array(weights, chunks=50)
    keep = y_dask >= 0  # every row, in chunks of unknown length
    assert np.isnan(X_dask[keep].shape[0])
    assert model.score(X_dask[keep], y_dask[keep]) == model.score(X, y)
    assert model.score(
        X_dask[keep], y_dask[keep], sample_weight=w_dask[keep]
    ) == pytest.approx(model.score(X, y, sample_weight=weights), rel=1e-12)


@pytest.mark.parametrize(
    "rows", ["within the tolerance", "float16"], ids=["off by 5e-7", "float16"]
)
@pytest.mark.parametrize("class_weight", [None, "balanced"])
def test_soft_rows_are_renormalised_on_dask_as_in_memory(client, rows, class_weight):
    # The in-memory fit renormalises the rows it accepts; the chunks were
    # taken as they came: rows 5e-7 over 1 gave intercepts of 7.6e10 (the
    # objective falls along "add t to every intercept"), in memory 0.07.
    X, y = _classification(n=600)
    P = np.random.default_rng(3).dirichlet(np.ones(3), size=len(y))
    P = P * (1 + 5e-7) if rows == "within the tolerance" else P.astype(np.float16)
    params = dict(tol=1e-10, max_iter=1000, class_weight=class_weight)
    numpy_model = SoftmaxRegression(**params).fit(X, P)
    dask_model = SoftmaxRegression(**params).fit(
        da.from_array(X, chunks=(150, -1)), da.from_array(P, chunks=(150, -1))
    )
    _assert_same_fit(dask_model, numpy_model, X)
    assert_allclose(dask_model.intercept_, numpy_model.intercept_, atol=1e-8)


@pytest.mark.floors
def test_score_of_soft_targets_on_dask(client):
    # Raised "operands could not be broadcast together with shapes (200,) (200, 3)".
    X, y = _classification(n=200, seed=7)
    P = np.random.default_rng(1).dirichlet(np.ones(3), size=len(y))
    model = SoftmaxRegression().fit(X, P)
    expected = model.score(X, P)
    X_dask = da.from_array(X, chunks=(50, -1))
    for targets in (P, da.from_array(P, chunks=(50, -1))):
        assert model.score(X_dask, targets) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("Estimator", SCORED)
def test_score_on_dask_refuses_what_the_in_memory_score_refuses(client, Estimator):
    # Dask's "Chunks do not add up to shape", or a score: negative weights
    # (0.485), all-zero weights (nan), NaN labels.
    model, X, y = _fitted_for_scoring(Estimator)
    X_dask = da.from_array(X, chunks=(50, -1))
    y_nan = y.astype(float)
    y_nan[170] = np.nan
    cases = [
        ((X_dask, y[:-1]), {}),
        ((X_dask, y), {"sample_weight": -np.ones(len(y))}),
        ((X_dask, y), {"sample_weight": np.zeros(len(y))}),
        ((X_dask, da.from_array(y_nan, chunks=50)), {}),
    ]
    for arguments, keywords in cases:
        in_memory = [np.asarray(a) for a in arguments]
        with pytest.raises(ValueError) as expected:
            model.score(*in_memory, **keywords)
        with pytest.raises(ValueError, match=re.escape(str(expected.value))):
            model.score(*arguments, **keywords)


@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestLogistic])
def test_pandas_X_beside_a_dask_y(client, Estimator):
    # Raised "'DataFrame' object has no attribute 'dtype'".
    X, y = _classification(n=300)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    in_memory = Estimator(tol=1e-8).fit(frame, y)
    on_dask = Estimator(tol=1e-8).fit(frame, da.from_array(y, chunks=100))
    assert_array_equal(on_dask.feature_names_in_, frame.columns)
    _assert_same_fit(on_dask, in_memory, frame)


@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestLogistic])
def test_nullable_pandas_dtypes_in_dask_dataframes(client, Estimator):
    # Int64 labels were "Unknown label type: unknown", Float64 weights a
    # casting TypeError, NA in X "float() argument must be ... not 'NAType'".
    X, y = _classification(n=300)
    frame = pd.DataFrame(X, columns=list("abcdef")).astype({"a": "Float64"})
    frame["g"] = pd.array(np.arange(300) % 4, dtype="Int64")
    labels = pd.Series(pd.array(y, dtype="Int64"))
    weights = pd.Series(pd.array(np.linspace(0.5, 2, 300), dtype="Float64"))
    in_memory = Estimator(tol=1e-8).fit(frame, labels, sample_weight=weights)
    on_dask = Estimator(tol=1e-8).fit(
        dd.from_pandas(frame, npartitions=3),
        dd.from_pandas(labels, npartitions=3),
        sample_weight=dd.from_pandas(weights, npartitions=3),
    )
    _assert_same_fit(on_dask, in_memory, frame)
    frame.loc[250, "a"] = pd.NA
    with pytest.raises(ValueError, match="Input X contains NaN"):
        Estimator().fit(frame, y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        Estimator().fit(dd.from_pandas(frame, npartitions=3), y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        in_memory.predict(dd.from_pandas(frame, npartitions=3)).compute()


@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestLogistic])
def test_a_dask_fit_after_an_array_api_fit_has_numpy_attributes(client, Estimator):
    # The Array API fit's namespace stayed: coef_ a device array, and predict
    # then refused NumPy input ("fitted on array_api_strict arrays").
    xp = pytest.importorskip("array_api_strict")
    X, y = _classification(n=300)
    model = Estimator()
    with sklearn.config_context(array_api_dispatch=True):
        model.fit(xp.asarray(X), xp.asarray(y))
    assert not isinstance(model.coef_, np.ndarray)
    model.fit(da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100))
    assert isinstance(model.coef_, np.ndarray)
    assert isinstance(model.intercept_, np.ndarray)
    assert_array_equal(model.predict(X), Estimator().fit(X, y).predict(X))


# The special functions on Dask arrays, computed in this process by the
# synchronous scheduler (whether or not the session's client exists), so that
# a RuntimeWarning raised while computing a chunk reaches the test.
_IN_PROCESS = {"scheduler": "synchronous"}


def _mean_loss_cases():
    Z = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0], [2.0, 2.0, 0.0], [0.5, 0.0, 1.0]])
    labels = np.array([0, 2, 0, 1])
    return Z, labels, np.eye(3)[labels], np.array([1.0, 2.0, 3.0, 4.0])


def test_mean_losses_on_row_chunks_with_weights():
    # Logits in two row chunks beside weights in one: "operands could not be
    # broadcast together with shapes (4,) (2,)" (the weights were masked by
    # their own chunks, the losses by the logits').
    Z, labels, one_hot, w = _mean_loss_cases()
    Zd = da.from_array(Z, chunks=(2, 3))
    with dask.config.set(_IN_PROCESS):
        for weights in (w, da.from_array(w, chunks=3), da.from_array(w, chunks=4)):
            for targets in (labels, one_hot):
                assert skl_softmax.cross_entropy(
                    targets, Zd, sample_weight=weights
                ) == pytest.approx(
                    skl_softmax.cross_entropy(targets, Z, sample_weight=w), rel=1e-14
                )
            assert skl_softmax.binary_cross_entropy(
                one_hot, Zd, sample_weight=weights
            ) == pytest.approx(
                skl_softmax.binary_cross_entropy(one_hot, Z, sample_weight=w),
                rel=1e-14,
            )


def test_mean_losses_on_rows_of_unknown_count():
    # Rows selected by a lazy mask: "y_true must have shape (nan,) ... Got
    # shape (nan,) instead." (NaN lengths compared unequal).
    Z, labels, one_hot, w = _mean_loss_cases()
    keep = np.array([True, False, True, True])
    kd = da.from_array(keep, chunks=2)
    Zd = da.from_array(Z, chunks=2)[kd]
    assert np.isnan(Zd.shape[0])

    def masked(a):
        return da.from_array(a, chunks=2)[kd]

    with dask.config.set(_IN_PROCESS):
        for targets in (labels, one_hot):
            expected = skl_softmax.cross_entropy(targets[keep], Z[keep])
            got = skl_softmax.cross_entropy(masked(targets), Zd)
            assert got == pytest.approx(expected, rel=1e-14)
            expected = skl_softmax.cross_entropy(
                targets[keep], Z[keep], sample_weight=w[keep]
            )
            got = skl_softmax.cross_entropy(
                masked(targets), Zd, sample_weight=masked(w)
            )
            assert got == pytest.approx(expected, rel=1e-14)
        for weights in (None, w):
            assert skl_softmax.binary_cross_entropy(
                masked(one_hot),
                Zd,
                sample_weight=None if weights is None else masked(weights),
            ) == pytest.approx(
                skl_softmax.binary_cross_entropy(
                    one_hot[keep],
                    Z[keep],
                    sample_weight=None if weights is None else weights[keep],
                ),
                rel=1e-14,
            )
        # Shapes that are known still have to agree, and a known number of
        # rows cannot be lined up with an unknown one.
        with pytest.raises(ValueError, match=r"^y_true must have shape \(nan,\)"):
            skl_softmax.cross_entropy(masked(labels)[:, None], Zd[:, :2])
        with pytest.raises(ValueError, match=r"^y_true must have shape \(nan,\) "):
            skl_softmax.cross_entropy(labels[keep], Zd)
        with pytest.raises(
            ValueError, match=r"^sample_weight must have shape \(nan,\)"
        ):
            skl_softmax.cross_entropy(masked(labels), Zd, sample_weight=w[keep])


def test_unweighted_mean_losses_on_dask_do_not_overflow():
    # Two losses of 1.7e308: their sum overflowed in xp.mean, to inf with
    # NumPy's RuntimeWarning; the NumPy path gives the representable mean.
    big = 1.7e308
    with dask.config.set(_IN_PROCESS), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert skl_softmax.binary_cross_entropy(
            da.from_array(np.ones(2), chunks=1), da.from_array(np.full(2, -big))
        ) == pytest.approx(big, rel=1e-15)
        assert skl_softmax.cross_entropy(
            np.zeros(2, dtype=int), da.from_array(np.array([[0.0, big]] * 2))
        ) == pytest.approx(big, rel=1e-15)


def test_float16_dask_input_is_computed_in_float32():
    # Dask's namespace has no float16 attribute: the test for it read False,
    # and float16 chunks were computed (and returned) in float16.
    x = np.array([0.0, -0.01, 8.0, 8.001], np.float16)
    p = np.array([0.25, 0.75], np.float16)
    with dask.config.set(_IN_PROCESS):
        for function, argument in [
            (skl_softmax.softmax, x),
            (skl_softmax.log_softmax, x),
            (skl_softmax.logsumexp, x),
            (skl_softmax.sigmoid, x),
            (skl_softmax.log_sigmoid, x),
            (skl_softmax.softmax_jacobian, x),
            (skl_softmax.entropy, p),
        ]:
            lazy = function(da.from_array(argument, chunks=2))
            assert lazy.dtype == np.float32, function.__name__
            expected = function(argument)
            assert expected.dtype == np.float32
            assert_allclose(lazy.compute(), expected, rtol=1e-6, err_msg=function)


_BIG = np.finfo(np.float64).max
_QUIET_CASES = [
    ("softmax", [[np.inf, 0.0, 1.0]]),
    ("log_softmax", [[np.inf, 0.0, 1.0]]),
    ("logsumexp", [[np.inf, 0.0, 1.0]]),
    ("softmax", [[-np.inf, -np.inf]]),
    ("log_softmax", [[-np.inf, -np.inf]]),
    ("logsumexp", [[-np.inf, -np.inf]]),
    ("softmax", [[1e308, -1e308]]),
    ("log_softmax", [[1e308, -1e308]]),
    ("logsumexp", [[1e308, -1e308]]),
    ("logsumexp", np.zeros((2, 0))),
    ("softmax_jacobian", [np.inf, 0.0]),
    ("entropy", [_BIG, _BIG]),
    ("entropy", [2e305, 2e305]),
]


@pytest.mark.floors
@pytest.mark.parametrize(("name", "x"), _QUIET_CASES)
def test_special_functions_on_dask_warn_no_more_than_numpy(name, x):
    # np.errstate wrapped only the building of the graph: the arithmetic ran
    # later, in compute(), and warned where NumPy does not.
    function = getattr(skl_softmax, name)
    x = np.asarray(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expected = function(x)
        with dask.config.set(_IN_PROCESS):
            got = function(da.from_array(x, chunks=1)).compute()
    assert_allclose(got, expected, rtol=1e-15, atol=0)


def test_losses_and_divergence_on_dask_warn_no_more_than_numpy():
    cases = [
        lambda c: skl_softmax.kl_divergence(
            c(np.array([1.0, 0.0])), c(np.array([5e-324, 1.0]))
        ),
        lambda c: skl_softmax.kl_divergence(
            c(np.array([_BIG, _BIG])), c(np.array([1e308, 1e308]))
        ),
        lambda c: skl_softmax.cross_entropy(np.array([1]), c(np.array([[np.inf, 0]]))),
        lambda c: skl_softmax.cross_entropy(
            c(np.array([[1.0, 0.0]])), c(np.array([[0.0, -np.inf]]))
        ),
        lambda c: skl_softmax.binary_cross_entropy(
            c(np.array([1.0, 0.0])), c(np.array([np.inf, -np.inf]))
        ),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for case in cases:
            expected = case(np.asarray)
            with dask.config.set(_IN_PROCESS):
                got = case(lambda a: da.from_array(a, chunks=1))
                got = got.compute() if isinstance(got, da.Array) else got
            assert_allclose(got, expected, rtol=1e-15, atol=0)
