"""Odd-but-valid input and scikit-learn's contracts (issue 10 §3 and §5).

Each test failed before the fix it names: a crash on valid input, a model one
step in while claiming ``n_iter_ = 0``, warnings users' filters missed, float
indicators from ``predict``, ``np.int64(0)`` in messages.
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from skl_softmax import OneVsRestLogistic, SoftmaxRegression
from skl_softmax._compat import HAS_CALLBACKS
from skl_softmax._label_problems import _MAX_IN_FLIGHT

from _callbacks import TaskRecorder

ESTIMATORS = [SoftmaxRegression, OneVsRestLogistic]


def _iris():
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


# -- §3 crashes on valid input -------------------------------------------------------


def test_object_labels_are_named_in_warnings_and_verbose_lines(capsys):
    X, _ = _iris()
    y = pd.Series(["a", "b", "c"] * 50)
    with pytest.warns(ConvergenceWarning, match="label 'a' reached max_iter=1"):
        OneVsRestLogistic(max_iter=1, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "label 'b'   iteration    1" in out


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "C, weight", [(1e-320, 1.0), (1.0, 1e-315)], ids=["C=1e-320", "weights=1e-315"]
)
def test_tiny_penalty_scale_gives_zero_coefficients_as_logistic_regression(
    Estimator, C, weight
):
    X, y = _iris()
    sample_weight = np.full(len(y), weight)
    ours = Estimator(C=C).fit(X, y, sample_weight=sample_weight)
    with warnings.catch_warnings():
        # LogisticRegression's own penalty multiplies inf by 0 here, and its
        # L-BFGS-B stops at once (ABNORMAL) with zero coefficients.
        warnings.simplefilter("ignore")
        theirs = LogisticRegression(C=C).fit(X, y, sample_weight=sample_weight)
    assert_array_equal(theirs.coef_, 0.0)
    assert_array_equal(ours.coef_, 0.0)
    assert np.all(np.isfinite(ours.intercept_))
    assert np.all(np.isfinite(ours.predict_proba(X)))


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_float32_data_near_the_float32_limit_fits(Estimator):
    X, y = _iris()
    X32 = (X * 1e37).astype(np.float32)
    with warnings.catch_warnings():
        # scikit-learn's finiteness check sums float32 X, which overflows.
        warnings.filterwarnings(
            "ignore", "invalid value encountered in reduce", RuntimeWarning
        )
        ours = Estimator().fit(X32, y)
        proba = ours.predict_proba(X32)
    X64 = X32.astype(np.float64)  # the same data in float64 fits
    reference = Estimator().fit(X64, y)
    assert np.all(np.isfinite(ours.coef_))
    assert_allclose(proba, reference.predict_proba(X64), atol=1e-3)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_subnormal_data_without_penalty_fits(Estimator):
    X, y = _iris()
    X = X[y > 0] * 1e-310
    y = y[y > 0]
    ours = Estimator(C=np.inf, max_iter=1000).fit(X, y)
    assert np.all(np.isfinite(ours.coef_))
    assert np.all(np.isfinite(ours.predict_proba(X)))


class _StopAfter(TaskRecorder):
    """A callback that raises StopIteration after ``n`` iterations."""

    def __init__(self, n):
        self.n = n
        self.ends = 0

    def on_fit_task_end(self, estimator, context, **kwargs):
        if context.task_name == "lbfgs-iter":
            self.ends += 1
            if self.ends == self.n:  # once: the left-over subtask ends too
                raise StopIteration


@pytest.mark.skipif(not HAS_CALLBACKS, reason="callbacks need scikit-learn >= 1.9")
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_callback_raising_stop_iteration_stops_the_fit_truthfully(Estimator):
    X, y = _iris()
    with pytest.warns(ConvergenceWarning) as theirs_record:
        theirs = LogisticRegression(tol=1e-10).set_callbacks(_StopAfter(3)).fit(X, y)
    assert "StopIteration" in str(theirs_record[0].message)
    with pytest.warns(ConvergenceWarning) as record:
        ours = Estimator(tol=1e-10).set_callbacks(_StopAfter(3)).fit(X, y)
    message = str(record[0].message)
    assert "a callback raised StopIteration" in message
    assert "lbfgs failed to converge" in message
    assert "line search" not in message
    full = Estimator(tol=1e-10).fit(X, y)
    assert ours.n_iter_.max() < full.n_iter_.max()
    if Estimator is SoftmaxRegression:
        assert ours.n_iter_[0] == theirs.n_iter_[0] == 3


@pytest.mark.skipif(not HAS_CALLBACKS, reason="callbacks need scikit-learn >= 1.9")
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "one at a time"])
def test_stop_iteration_stops_labels_beyond_those_in_flight(request, batched):
    # 90 labels, at most 32 in flight (or one at a time, as on data this small
    # without batched_labels): the callbacks saw no iteration before
    # every label had started, so a stop at the third came when most labels
    # had converged (192 of 200 in the review). Now the labels in flight stop
    # at their next iteration and those not started stay at zero.
    if batched:
        request.getfixturevalue("batched_labels")
    X, Y = make_multilabel_classification(
        n_samples=200, n_features=6, n_classes=90, n_labels=20, random_state=0
    )
    with pytest.warns(ConvergenceWarning, match="a callback raised StopIteration"):
        stopped = OneVsRestLogistic(tol=1e-8).set_callbacks(_StopAfter(3)).fit(X, Y)
    # The third iteration, a step more for labels that were ahead (their line
    # searches took fewer rounds), and the one under way when it stopped.
    assert stopped.n_iter_.max() <= 5
    in_flight = _MAX_IN_FLIGHT if batched else 1
    assert np.sum(stopped.n_iter_ == 0) >= 90 - 2 * in_flight
    assert_array_equal(stopped.coef_[stopped.n_iter_ == 0], 0.0)
    assert OneVsRestLogistic(tol=1e-8).fit(X, Y).n_iter_.min() > 5


# -- §5 contracts -----------------------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_max_iter_zero_returns_the_starting_point(Estimator):
    X, y = _iris()
    with pytest.warns(ConvergenceWarning, match="max_iter=0"):
        model = Estimator(max_iter=0).fit(X, y)
    assert_array_equal(model.coef_, 0.0)
    assert_array_equal(model.intercept_, 0.0)
    assert_array_equal(model.n_iter_, 0)
    warm = Estimator(warm_start=True).fit(X, y)
    coef = warm.coef_.copy()
    warm.set_params(max_iter=0)
    warm.fit(X, y)  # converged already: no warning
    assert_allclose(warm.coef_, coef, rtol=1e-12)
    assert_array_equal(warm.n_iter_, 0)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_convergence_warning_contains_scikit_learns_phrase(Estimator):
    X, y = _iris()
    with warnings.catch_warnings():
        # Users' filters written for LogisticRegression silence ours too.
        warnings.filterwarnings("ignore", message=".*lbfgs failed to converge")
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning):
            LogisticRegression(max_iter=2).fit(X, y)  # not this one: sklearn's
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="lbfgs failed to converge", category=ConvergenceWarning
        )
        warnings.simplefilter("error")
        warnings.filterwarnings(
            "ignore", message=".*lbfgs failed to converge", category=ConvergenceWarning
        )
        Estimator(max_iter=2).fit(X, y)


def test_one_vs_rest_warning_counts_the_labels_and_names_a_few():
    X, Y = make_multilabel_classification(
        n_samples=300, n_features=20, n_classes=57, random_state=0
    )
    Y = Y[:, Y.sum(axis=0) > 0]  # labels constant in training warn otherwise
    n_labels = Y.shape[1]
    with pytest.warns(ConvergenceWarning) as record:
        OneVsRestLogistic(max_iter=2).fit(X * 10, Y)
    message = str(record[0].message)
    found = re.search(rf"converge for (\d+) of {n_labels} labels", message)
    n_failed = int(found.group(1))
    assert n_failed > 10
    assert len(re.findall(r"label \d+ reached", message)) == 3
    assert f"and {n_failed - 3} more" in message
    assert len(message) < 1_000


@pytest.mark.parametrize("dtype", [np.float64, np.float32, bool, np.int8])
def test_multilabel_predict_returns_integer_indicators(dtype):
    X, Y = make_multilabel_classification(n_samples=100, n_classes=4, random_state=0)
    Y = Y.astype(dtype)
    ours = OneVsRestLogistic().fit(X, Y).predict(X)
    theirs = OneVsRestClassifier(LogisticRegression(max_iter=1000)).fit(X, Y)
    assert ours.dtype.kind == theirs.predict(X).dtype.kind == "i"


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_messages_print_labels_as_users_wrote_them(Estimator):
    X = np.zeros((4, 2))
    with pytest.raises(ValueError) as error:
        Estimator().fit(X, np.zeros(4, dtype=np.int64))
    assert "np.int64" not in str(error.value)
    assert str(error.value).endswith("only one class: 0.")


def _user_warnings(fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    return sorted(str(w.message) for w in caught if w.category is UserWarning)


# Integer labels skip scikit-learn's target check, which can only accept them,
# except for its warning about many classes: the labels on either side of it.
@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("dtype", [np.int64, np.uint8, np.float64, str])
@pytest.mark.parametrize("n_classes", [15, 16])
def test_labels_are_checked_as_logistic_regression_checks_them(
    Estimator, dtype, n_classes
):
    X = np.random.default_rng(0).normal(size=(30, 3))
    y = (np.arange(30) % n_classes).astype(dtype)
    ours = _user_warnings(lambda: Estimator(max_iter=5).fit(X, y))
    theirs = _user_warnings(lambda: LogisticRegression(max_iter=5).fit(X, y))
    assert ours == theirs
    assert bool(theirs) == (n_classes == 16)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("y", [np.arange(30) / 30, np.array([True, False] * 15)])
def test_label_errors_and_classes_are_logistic_regressions(Estimator, y):
    X = np.random.default_rng(0).normal(size=(30, 3))
    try:
        theirs = LogisticRegression(max_iter=5).fit(X, y).classes_
    except ValueError as error:
        with pytest.raises(ValueError, match=re.escape(str(error))):
            Estimator(max_iter=5).fit(X, y)
        return
    assert_array_equal(Estimator(max_iter=5).fit(X, y).classes_, theirs)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_verbose_names_labels_and_ends_with_a_summary(Estimator, capsys):
    X, _ = _iris()
    y = pd.Series(["a", "b", "c"] * 50)
    model = Estimator(verbose=1).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    summary = lines[-1]
    assert summary.startswith(f"{Estimator.__name__}: ")
    for part in ("iterations", "objective", "max |gradient|"):
        assert part in summary
    assert re.search(r", \d+\.\d{3} s$", summary)
    iteration_lines = lines[:-1]
    assert len(iteration_lines) == model.n_iter_.sum()
    if Estimator is OneVsRestLogistic:
        for k, label in enumerate("abc"):
            named = [line for line in iteration_lines if f"label '{label}' " in line]
            assert len(named) == model.n_iter_[k]
