"""No function and no estimator method writes to the caller's arrays.

Every input — ``X`` dense or CSR, float32 or float64, C- or F-ordered, a strided
view or read-only; ``y`` as labels, strings, soft targets or an indicator matrix
(dense and CSR); ``sample_weight`` — is compared with a copy taken before the
call: the same values (NaN-free inputs, so bitwise equality), dtype, shape and
flags (``writeable``, contiguity). Read-only inputs must also simply work.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from skl_softmax import (
    OneVsRestLogistic,
    OneVsRestLogisticCV,
    SoftmaxRegression,
    SoftmaxRegressionCV,
    binary_cross_entropy,
    cross_entropy,
    entropy,
    kl_divergence,
    log_sigmoid,
    log_softmax,
    logsumexp,
    sigmoid,
    softmax,
    softmax_jacobian,
)

ESTIMATORS = [SoftmaxRegression, OneVsRestLogistic]
PREDICT_METHODS = ["predict", "predict_proba", "predict_log_proba", "decision_function"]

N_SAMPLES, N_FEATURES = 60, 5


class Snapshot:
    """A deep copy of an array, sparse matrix or DataFrame, and its flags."""

    def __init__(self, value):
        self.value = value
        self.copy = self._state(value)

    @staticmethod
    def _state(value):
        if sparse.issparse(value):
            return (
                type(value),
                value.format,
                value.shape,
                value.dtype,
                value.data.copy(),
                value.indices.copy(),
                value.indptr.copy(),
                value.data.flags.writeable,
            )
        if isinstance(value, pd.DataFrame):
            return value.copy(deep=True)
        array = np.asarray(value)
        return (
            type(value),
            array.copy(order="K"),
            array.dtype,
            array.shape,
            array.strides,
            array.flags.writeable,
            array.flags.c_contiguous,
            array.flags.f_contiguous,
        )

    def assert_unchanged(self, name):
        now = self._state(self.value)
        if isinstance(self.copy, pd.DataFrame):
            pd.testing.assert_frame_equal(now, self.copy, check_exact=True)
            return
        assert len(now) == len(self.copy)
        for before, after in zip(self.copy, now, strict=True):
            if isinstance(before, np.ndarray):
                assert after.dtype == before.dtype, name
                assert np.array_equal(after, before), f"{name} was modified"
                assert after.tobytes() == before.tobytes(), f"{name} was modified"
            else:
                assert after == before, f"{name}: {before!r} became {after!r}"


def read_only(array):
    array = np.array(array)
    array.setflags(write=False)
    return array


def make_X(kind):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES)) * [1, 10, 0.1, 1e3, 1]
    X[:, 2] = np.where(rng.random(N_SAMPLES) < 0.5, 0.0, X[:, 2])  # some zeros
    if kind == "float64":
        return X
    if kind == "float32":
        return X.astype(np.float32)
    if kind == "fortran":
        return np.asfortranarray(X)
    if kind == "strided_view":
        wide = np.repeat(X, 2, axis=1)
        return wide[:, ::2]
    if kind == "read_only":
        return read_only(X)
    if kind == "csr_float64":
        return sparse.csr_matrix(X)
    if kind == "csr_float32":
        return sparse.csr_array(X.astype(np.float32))
    if kind == "read_only_csr":
        X = sparse.csr_matrix(X)
        for part in (X.data, X.indices, X.indptr):
            part.setflags(write=False)
        return X
    if kind in ("unsorted_csr", "read_only_unsorted_csr"):
        # Each row's entries in reverse column order: valid CSR that SciPy's
        # abs() and max() would sort in place.
        X = sparse.csr_matrix(X)
        for row in range(X.shape[0]):
            entries = slice(X.indptr[row], X.indptr[row + 1])
            X.indices[entries] = X.indices[entries][::-1].copy()
            X.data[entries] = X.data[entries][::-1].copy()
        X.has_sorted_indices = False
        if kind == "read_only_unsorted_csr":
            for part in (X.data, X.indices, X.indptr):
                part.setflags(write=False)
        return X
    if kind == "csr_with_duplicates":
        # Every entry stored twice, as two halves: the same matrix, twice the nnz.
        coo = sparse.coo_matrix(X)
        return sparse.csr_matrix(
            (
                np.concatenate([coo.data / 2, coo.data / 2]),
                (np.tile(coo.row, 2), np.tile(coo.col, 2)),
            ),
            shape=X.shape,
        )
    if kind == "dataframe":
        return pd.DataFrame(X, columns=[f"f{j}" for j in range(N_FEATURES)])
    raise AssertionError(kind)


X_KINDS = [
    "float64",
    "float32",
    "fortran",
    "strided_view",
    "read_only",
    "csr_float64",
    "csr_float32",
    "read_only_csr",
    "unsorted_csr",
    "read_only_unsorted_csr",
    "csr_with_duplicates",
    "dataframe",
]


def make_y(Estimator, kind):
    rng = np.random.default_rng(2)
    labels = np.arange(N_SAMPLES) % 3
    if kind == "labels":
        return labels
    if kind == "binary_strings":
        return read_only(np.array(["spam", "eggs"])[labels % 2])
    if kind == "float_labels_read_only":
        return read_only(labels.astype(np.float64))
    if Estimator is SoftmaxRegression:
        Y = rng.dirichlet(np.ones(3), size=N_SAMPLES)
        Y[::4] = np.eye(3)[labels[::4]]  # exact zeros, for the sparse form
    else:
        Y = (rng.random((N_SAMPLES, 4)) < 0.5).astype(np.float64)
        Y[:2] = [[1, 0, 1, 0], [0, 1, 0, 1]]  # every label varies
    if kind == "two_dimensional":
        return Y
    if kind == "two_dimensional_read_only":
        return read_only(Y)
    if kind == "two_dimensional_csr":
        return sparse.csr_matrix(Y)
    raise AssertionError(kind)


Y_KINDS = [
    "labels",
    "binary_strings",
    "float_labels_read_only",
    "two_dimensional",
    "two_dimensional_read_only",
    "two_dimensional_csr",
]


@pytest.mark.parametrize("y_kind", Y_KINDS)
@pytest.mark.parametrize("X_kind", X_KINDS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_fit_and_prediction_leave_their_inputs_unchanged(Estimator, X_kind, y_kind):
    X = make_X(X_kind)
    y = make_y(Estimator, y_kind)
    sample_weight = read_only(np.linspace(0.5, 2.0, N_SAMPLES))
    sample_weight_rw = np.linspace(2.0, 0.5, N_SAMPLES)
    inputs = {
        "X": Snapshot(X),
        "y": Snapshot(y),
        "sample_weight": Snapshot(sample_weight),
        "sample_weight (writeable)": Snapshot(sample_weight_rw),
    }
    estimator = Estimator(max_iter=500).fit(X, y, sample_weight=sample_weight_rw)
    estimator.fit(X, y, sample_weight=sample_weight)
    for method in PREDICT_METHODS:
        getattr(estimator, method)(X)
    # score compares labels with labels: soft targets have no accuracy.
    if np.ndim(y) == 1 or Estimator is OneVsRestLogistic:
        estimator.score(X, y, sample_weight=sample_weight)
    for name, snapshot in inputs.items():
        snapshot.assert_unchanged(name)


@pytest.mark.parametrize(
    "X_kind", ["read_only", "read_only_unsorted_csr", "csr_with_duplicates"]
)
@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_cv_estimators_leave_their_inputs_unchanged(Estimator, X_kind):
    X = make_X(X_kind)
    y = read_only(np.arange(N_SAMPLES) % 3)
    sample_weight = read_only(np.linspace(0.5, 2.0, N_SAMPLES))
    snapshots = {"X": Snapshot(X), "y": Snapshot(y), "sw": Snapshot(sample_weight)}
    estimator = Estimator(Cs=2, cv=2).fit(X, y, sample_weight=sample_weight)
    for method in PREDICT_METHODS:
        getattr(estimator, method)(X)
    for name, snapshot in snapshots.items():
        snapshot.assert_unchanged(name)


def test_non_canonical_sparse_X_fits_the_matrix_it_stands_for():
    # Unsorted indices and duplicate entries are the same matrix as the dense X.
    y = np.arange(N_SAMPLES) % 3
    dense = SoftmaxRegression(tol=1e-10).fit(make_X("float64"), y)
    for kind in ("read_only_unsorted_csr", "csr_with_duplicates"):
        fitted = SoftmaxRegression(tol=1e-10).fit(make_X(kind), y)
        np.testing.assert_allclose(fitted.coef_, dense.coef_, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_warm_start_leaves_inputs_unchanged(Estimator):
    X = make_X("float64")
    y = make_y(Estimator, "labels")
    snapshots = [Snapshot(X), Snapshot(y)]
    estimator = Estimator(warm_start=True, max_iter=500).fit(X, y)
    estimator.fit(X, y)
    for name, snapshot in zip(["X", "y"], snapshots, strict=True):
        snapshot.assert_unchanged(name)


# -- the math functions ---------------------------------------------------------------


def logits(dtype, writeable):
    rng = np.random.default_rng(3)
    z = (rng.normal(size=(6, 4)) * 30).astype(dtype)
    # Extremes that exercise the limit branches: a row with +inf, one with
    # -inf, one all -inf, and a spread beyond the largest float.
    z[1, 2] = np.inf
    z[2, 0] = -np.inf
    z[3] = -np.inf
    z[4, :2] = [np.finfo(dtype).max, -np.finfo(dtype).max]
    if not writeable:
        z.setflags(write=False)
    return z


def function_calls(dtype, writeable):
    """(name, function, arguments) for every public math function."""
    rng = np.random.default_rng(4)
    z = logits(dtype, writeable)
    finite = rng.normal(size=(6, 4)).astype(dtype)
    P = rng.dirichlet(np.ones(4), size=6).astype(dtype)
    Q = rng.dirichlet(np.ones(4), size=6).astype(dtype)
    P[0] = [0, 1, 0, 0]
    labels = np.array([0, 1, 2, 3, 0, 1])
    y01 = (rng.random((6, 4)) < 0.5).astype(dtype)
    weights = np.linspace(0.0, 2.0, 6)
    arrays = [finite, P, Q, labels, y01, weights]
    if not writeable:
        for array in arrays:
            array.setflags(write=False)
    return [
        ("softmax", softmax, (z,)),
        ("softmax axis=0", softmax, (z, 0)),
        ("log_softmax", log_softmax, (z,)),
        ("logsumexp", logsumexp, (z,)),
        ("sigmoid", sigmoid, (z,)),
        ("log_sigmoid", log_sigmoid, (z,)),
        ("softmax_jacobian", softmax_jacobian, (z,)),
        ("cross_entropy labels", cross_entropy, (labels, finite, weights)),
        ("cross_entropy probabilities", cross_entropy, (P, z, weights)),
        ("binary_cross_entropy", binary_cross_entropy, (y01, z, weights)),
        ("entropy", entropy, (P,)),
        ("kl_divergence", kl_divergence, (P, Q)),
    ]


@pytest.mark.parametrize("writeable", [True, False], ids=["writeable", "read_only"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_math_functions_leave_their_arguments_unchanged(dtype, writeable):
    for name, function, args in function_calls(dtype, writeable):
        snapshots = [Snapshot(arg) for arg in args if isinstance(arg, np.ndarray)]
        result = function(*args)
        for snapshot in snapshots:
            snapshot.assert_unchanged(f"an argument of {name}")
        # The result is a new array, never the caller's array or a view of it.
        for arg in args:
            if isinstance(arg, np.ndarray) and isinstance(result, np.ndarray):
                assert not np.shares_memory(result, arg), name


def test_results_do_not_alias_a_float_input_that_needs_no_conversion():
    # The functions keep float32/float64 input as it is, without a copy: writing
    # to the result must still not reach the caller's array.
    z = np.zeros((3, 4))
    for function in (softmax, log_softmax, sigmoid, log_sigmoid, softmax_jacobian):
        function(z)[...] = 7.0
        assert np.all(z == 0), function.__name__
