"""Reliability of both estimators: random fits, numerical extremes, determinism.

* Hypothesis draws whole fitting problems — dense or CSR, float32 or float64,
  with or without intercept and sample weights, shapes down to one feature and
  fewer samples than features, values from tiny to huge — and every fit either
  succeeds with finite, normalised probabilities or raises a ValueError or
  TypeError that says why. A thread-based time limit turns a hang into a
  failure.
* Valid input at numerical extremes (features scaled by 1e±150, one feature a
  million times larger, duplicated and constant columns, separable data without
  penalty, tiny and huge ``C``, 1000 classes, single-sample classes, sample
  weights 1e-12 and 1e12 together) gives finite output, and where the
  mathematics says what the answer is, that answer.
* Badly scaled data is named in the ConvergenceWarning.
* Refitting is bitwise reproducible, predictions from several threads at once
  equal serial ones, pickling keeps predictions, ``clone`` forgets the fit.

The Hypothesis fit tests run a third of the profile's examples (the profile in
``conftest.py`` has 60, so 20 fits per test); raise both with, for example,
``SKL_SOFTMAX_HYPOTHESIS_EXAMPLES=600 pytest tests/test_reliability.py``.
"""

import pickle
import re
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.utils.validation import check_is_fitted

from skl_softmax import OneVsRestLogistic, SoftmaxRegression

ESTIMATORS = [SoftmaxRegression, OneVsRestLogistic]
PREDICT_METHODS = ["predict", "predict_proba", "predict_log_proba", "decision_function"]

# Fits are the expensive examples: a third of the profile's count.
FIT_EXAMPLES = max(10, settings.default.max_examples // 3)
# A fit of at most 40 × 30 with max_iter <= 50 takes milliseconds; a minute
# means a hang (on a loaded machine, too).
TIME_LIMIT = 60.0


def within_time_limit(function, *args, seconds=TIME_LIMIT, **kwargs):
    """Run ``function`` in a thread; fail the test if it has not returned in time.

    Exceptions and warnings raised by ``function`` reach the caller as usual (a
    hung thread cannot be killed, but the test reports it instead of hanging).
    """
    outcome = {}

    def target():
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                outcome["value"] = function(*args, **kwargs)
            outcome["warnings"] = caught
        except BaseException as error:  # handed to the calling thread
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"{function.__qualname__} did not return within {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"], outcome["warnings"]


def assert_valid_predictions(estimator, X, *, multilabel=False):
    """Finite probabilities in [0, 1] summing to 1, labels among ``classes_``."""
    n_samples = X.shape[0]
    n_classes = len(estimator.classes_)
    proba = estimator.predict_proba(X)
    assert proba.shape == (n_samples, n_classes)
    assert np.all(np.isfinite(proba))
    assert np.all((proba >= 0) & (proba <= 1))
    if not multilabel:
        atol = 4 * n_classes * np.finfo(proba.dtype).eps
        assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=atol)
    log_proba = estimator.predict_log_proba(X)
    assert not np.isnan(log_proba).any() and np.all(log_proba <= 0)
    assert not np.isnan(estimator.decision_function(X)).any()
    y_pred = estimator.predict(X)
    if multilabel:
        assert y_pred.shape == (n_samples, n_classes)
        assert np.all(
            np.isin(
                np.asarray(y_pred.todense() if sparse.issparse(y_pred) else y_pred),
                [0, 1],
            )
        )
    else:
        assert y_pred.shape == (n_samples,)
        assert np.all(np.isin(y_pred, estimator.classes_))
    assert np.all(np.isfinite(estimator.coef_))
    assert np.all(np.isfinite(estimator.intercept_))


def fit_expecting_success(estimator, X, y, sample_weight=None, *, allowed=()):
    """Fit, allowing only the warnings in ``allowed``; return the warnings.

    ``allowed`` holds ``(category, regex)`` pairs: a warning passes if it is of
    one of the categories and its message matches that category's regex.
    """
    _, caught = within_time_limit(estimator.fit, X, y, sample_weight=sample_weight)
    unexpected = [
        w
        for w in caught
        if not any(
            issubclass(w.category, category) and re.search(pattern, str(w.message))
            for category, pattern in allowed
        )
    ]
    assert not unexpected, [str(w.message) for w in unexpected]
    return caught


# -- Hypothesis-driven fits -----------------------------------------------------------


@st.composite
def fitting_problems(draw, Estimator):
    """X (dense or CSR, float32/64), y, sample_weight and constructor parameters."""
    n_samples = draw(st.integers(1, 40))
    n_features = draw(st.sampled_from([1, 2, 3, 7, 30]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # Column scales from tiny to huge (within the dtype), some columns constant
    # or shifted far from zero, and a fraction of exact zeros for sparsity.
    largest = 30 if dtype == np.float32 else 150
    log_scales = draw(
        st.lists(
            st.sampled_from([0, 0, 0, -3, 3, -largest, largest]),
            min_size=n_features,
            max_size=n_features,
        )
    )
    X = rng.normal(size=(n_samples, n_features)) * 10.0 ** np.array(log_scales)
    if draw(st.booleans()):
        X[:, 0] = draw(st.sampled_from([0.0, 1.0, 1e4]))  # a constant column
    if draw(st.booleans()):
        X += draw(st.sampled_from([1e3, -1e5]))  # far from centred
    X[rng.random(X.shape) < draw(st.sampled_from([0.0, 0.5, 0.9]))] = 0.0
    X = X.astype(dtype)
    if draw(st.booleans()):
        X = sparse.csr_matrix(X)

    n_classes = draw(st.integers(2, 5))
    target = draw(st.sampled_from(["labels", "strings", "two_dimensional"]))
    labels = rng.integers(0, n_classes, n_samples)
    if target == "labels":
        y = labels
    elif target == "strings":
        y = np.array(["ant", "bee", "cat", "dog", "eel"])[labels]
    elif Estimator is SoftmaxRegression:  # soft targets
        y = rng.dirichlet(np.full(n_classes, 0.5), size=n_samples)
    else:  # a multi-label indicator matrix
        y = (rng.random((n_samples, n_classes)) < 0.5).astype(np.int64)

    sample_weight = None
    if draw(st.booleans()):
        sample_weight = rng.choice(
            draw(st.sampled_from([[1.0, 2.0], [0.0, 1.0], [1e-12, 1e12], [0.0]])),
            size=n_samples,
        )
    params = {
        "C": draw(st.sampled_from([1e-4, 1.0, 1e4, np.inf])),
        "fit_intercept": draw(st.booleans()),
        "max_iter": draw(st.sampled_from([1, 10, 50])),
    }
    return X, y, sample_weight, params


def invalid_reason(y, sample_weight):
    """A regex of why fitting must fail with a ValueError, or None if it must not."""
    reasons = []
    if sample_weight is not None and not sample_weight.sum() > 0:
        reasons.append("sample_weight must have a positive sum")
    if y.ndim == 1 and len(np.unique(y)) < 2:
        reasons.append("only one class")
    return "|".join(reasons) or None


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@settings(max_examples=FIT_EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_fit_succeeds_with_valid_probabilities_or_raises_clearly(
    Estimator, data
):
    X, y, sample_weight, params = data.draw(fitting_problems(Estimator))
    estimator = Estimator(**params)
    reason = invalid_reason(y, sample_weight)
    if reason is not None:
        with pytest.raises(ValueError, match=reason):
            within_time_limit(estimator.fit, X, y, sample_weight=sample_weight)
        return
    # Not converging within max_iter (as small as 1 here) is an allowed outcome,
    # and so is the warning that a multi-label column is constant (documented:
    # that label is predicted as the constant).
    fit_expecting_success(
        estimator,
        X,
        y,
        sample_weight,
        allowed=[(ConvergenceWarning, ""), (UserWarning, "^Labels constant in")],
    )
    multilabel = Estimator is OneVsRestLogistic and y.ndim == 2
    assert_valid_predictions(estimator, X, multilabel=multilabel)
    assert estimator.coef_.dtype == X.dtype
    assert np.all(np.asarray(estimator.n_iter_) <= params["max_iter"])


def test_float32_line_search_past_float32_range_fits():
    # Found by the test above: one float32 row holding -7.4e29 and a soft
    # target. The line search tried coefficients of 1e22 and an intercept of
    # -8e51, past float32's range: that pass now runs in float64 instead of
    # giving a NaN objective.
    X = np.array(
        [
            [0.13, -0.13, 0.64, 0.1, -0.54, 0.36, 1.3, 0.95, -0.7, -1.27, -0.62, 0.04]
            + [-2.33, -0.22, -1.25, -0.73, -0.54, -0.32, 0.41, 1.04, -0.13, 1.37]
            + [-0.67, 0.35, 0.9, 0.09, -7.43499277e29, -0.92, -0.46, 0.22]
        ],
        dtype=np.float32,
    )
    y = np.array([[0.10245038, 0.89754962]])
    estimator = SoftmaxRegression(C=1.0, max_iter=10)
    fit_expecting_success(estimator, X, y, None, allowed=[(ConvergenceWarning, "")])
    assert_valid_predictions(estimator, X, multilabel=False)
    assert estimator.coef_.dtype == np.float32


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@settings(max_examples=FIT_EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_bad_input_raises_value_or_type_error(Estimator, data):
    # Whatever is broken about the input, the answer is a ValueError or a
    # TypeError (InvalidParameterError is both), never a crash deeper down.
    X, y, sample_weight, params = data.draw(fitting_problems(Estimator))
    X = X.toarray() if sparse.issparse(X) else X.copy()
    breakage = data.draw(
        st.sampled_from(
            [
                "nan_X",
                "inf_X",
                "nan_weight",
                "negative_weight",
                "short_weight",
                "short_y",
                "bad_C",
                "bad_max_iter",
                "bad_tol",
                "3d_X",
            ]
        )
    )
    if breakage == "nan_X":
        X.flat[0] = np.nan
    elif breakage == "inf_X":
        X.flat[-1] = -np.inf
    elif breakage == "nan_weight":
        sample_weight = np.ones(X.shape[0])
        sample_weight[0] = np.nan
    elif breakage == "negative_weight":
        sample_weight = np.ones(X.shape[0])
        sample_weight[-1] = -1e-12
    elif breakage == "short_weight":
        sample_weight = np.ones(X.shape[0] + 1)
    elif breakage == "short_y":
        y = np.concatenate([y, y[:1]])
    elif breakage == "bad_C":
        params["C"] = data.draw(st.sampled_from([0.0, -1.0, np.nan]))
    elif breakage == "bad_max_iter":
        params["max_iter"] = data.draw(st.sampled_from([-1, 2.5]))
    elif breakage == "bad_tol":
        params["tol"] = data.draw(st.sampled_from([-1.0, np.nan]))
    else:
        X = X[:, :, None]
    with pytest.raises((ValueError, TypeError)):
        within_time_limit(Estimator(**params).fit, X, y, sample_weight=sample_weight)


# -- numerical extremes of valid input ------------------------------------------------


def overlapping_classes(n_classes=3, n_samples=200, n_features=5, seed=0):
    """Data whose classes overlap, so that the unpenalised optimum is finite."""
    return make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=3,
        n_redundant=0,
        n_classes=n_classes,
        flip_y=0.2,
        class_sep=0.5,
        random_state=seed,
    )


TIGHT = {"tol": 1e-9, "max_iter": 2000}


@pytest.mark.parametrize("Estimator", ESTIMATORS)
# Beyond 1e154 the squares of the features overflow: the column statistics
# (a fit once returned zero coefficients there) divide each column by its
# largest magnitude first.
@pytest.mark.parametrize("scale", [1e150, 1e160, 1e300, 1e-150])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_scaling_all_features_changes_nothing_without_penalty(
    Estimator, scale, n_classes
):
    # Without a penalty the model is scale-equivariant: coef_ scales by 1/scale
    # and the probabilities are those of the unscaled fit.
    X, y = overlapping_classes(n_classes)
    reference = Estimator(C=np.inf, **TIGHT).fit(X, y)
    scaled = Estimator(C=np.inf, **TIGHT)
    fit_expecting_success(scaled, X * scale, y)
    assert_valid_predictions(scaled, X * scale)
    assert_allclose(
        scaled.predict_proba(X * scale), reference.predict_proba(X), atol=1e-6
    )
    assert_allclose(scaled.coef_ * scale, reference.coef_, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("scale", [1e150, 1e300, 1e-150])
def test_scaled_features_with_a_penalty_give_finite_output(Estimator, scale):
    # With C=1 the penalty dominates at 1e-150 (probabilities near the class
    # frequencies) and vanishes at 1e150: either way finite and normalised.
    X, y = overlapping_classes()
    estimator = Estimator()
    fit_expecting_success(estimator, X * scale, y)
    assert_valid_predictions(estimator, X * scale)


@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_features_near_1e300_fit_as_scikit_learn_fits_them_unscaled(kind):
    # Scaling X by s is scaling C by s²: at s = 1e300 the penalty vanishes, so
    # the fit is LogisticRegression's unpenalised fit of the unscaled data,
    # for the base estimators and for the CV ones (whose every C is then
    # unpenalised). They once raised FloatingPointError (CV) or returned zero
    # coefficients with overflow warnings.
    from sklearn.linear_model import LogisticRegression

    from skl_softmax import OneVsRestLogisticCV, SoftmaxRegressionCV

    X, y = overlapping_classes(3)
    unpenalised = dict(C=np.inf, tol=1e-10, max_iter=10_000)
    softmax = LogisticRegression(**unpenalised).fit(X, y).predict_proba(X)
    per_label = np.column_stack(
        [
            LogisticRegression(**unpenalised).fit(X, y == k).decision_function(X)
            for k in range(3)
        ]
    )
    scaled = X * 1e300
    if kind == "sparse":
        scaled = sparse.csr_matrix(scaled)
    tight = dict(tol=1e-10, max_iter=10_000)
    cases = [
        (SoftmaxRegression(**tight), "predict_proba", softmax),
        (SoftmaxRegressionCV(Cs=[0.01, 1.0], cv=3, **tight), "predict_proba", softmax),
        (OneVsRestLogistic(**tight), "decision_function", per_label),
        (
            OneVsRestLogisticCV(Cs=[0.01, 1.0], cv=3, **tight),
            "decision_function",
            per_label,
        ),
    ]
    for model, method, expected in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            model.fit(scaled, y)
        assert_allclose(
            getattr(model, method)(scaled),
            expected,
            rtol=1e-4,
            atol=1e-6,
            err_msg=type(model).__name__,
        )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_features_whose_sums_overflow_get_a_message_about_their_scale(Estimator):
    # 200 rows of features near 1e307: Rᵀ X overflows float64 whatever the
    # coefficients. The error says so and what to do (it said "objective is
    # not finite (nan)"), and is a ValueError like every bad-input error.
    X, y = overlapping_classes(3)
    with pytest.raises(
        ValueError, match="must be scaled first, e.g. with MaxAbsScaler"
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's overflow
            Estimator().fit(X * 1e307, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("C", [np.inf, 1.0])
def test_one_feature_a_million_times_larger(Estimator, C):
    # Scaling a column by a and its coefficient by 1/a is the same model; the
    # penalty then changes with a, so compare without penalty, and check
    # finiteness with it.
    X, y = overlapping_classes()
    X_big = X.copy()
    X_big[:, 1] *= 1e6
    estimator = Estimator(C=C, **TIGHT)
    fit_expecting_success(estimator, X_big, y)
    assert_valid_predictions(estimator, X_big)
    if np.isinf(C):
        reference = Estimator(C=C, **TIGHT).fit(X, y)
        assert_allclose(
            estimator.predict_proba(X_big), reference.predict_proba(X), atol=1e-6
        )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_duplicated_columns_share_their_weight(Estimator):
    # With an L2 penalty, w₁x + w₂x costs (w₁² + w₂²)/(2CS), smallest at
    # w₁ = w₂: the fit equals one column √2·x whose coefficient is √2·w₁.
    X, y = overlapping_classes()
    X_dup = np.c_[X, X[:, 0]]
    estimator = Estimator(**TIGHT)
    fit_expecting_success(estimator, X_dup, y)
    assert_valid_predictions(estimator, X_dup)
    assert_allclose(estimator.coef_[:, 0], estimator.coef_[:, -1], rtol=1e-5, atol=1e-7)
    X_root2 = X.copy()
    X_root2[:, 0] *= np.sqrt(2)
    reference = Estimator(**TIGHT).fit(X_root2, y)
    assert_allclose(
        estimator.predict_proba(X_dup), reference.predict_proba(X_root2), atol=1e-6
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("value", [0.0, 1.0, 1e6])
def test_constant_columns_get_no_weight(Estimator, value):
    # With an unpenalised intercept, a penalised constant column can only add
    # cost: its coefficient is 0 and the fit is the fit without it.
    X, y = overlapping_classes()
    X_const = np.c_[X[:, :2], np.full(len(X), value), X[:, 2:]]
    estimator = Estimator(**TIGHT)
    fit_expecting_success(estimator, X_const, y)
    assert_valid_predictions(estimator, X_const)
    # Along that coefficient the curvature is only the penalty's, 1/(C S) =
    # 1/200: a solver stopping at a gradient g leaves it at about g·C·S, and
    # L-BFGS-B's relative-reduction test stops near g ≈ 1e-7.
    assert_allclose(estimator.coef_[:, 2], 0.0, atol=1e-4)
    reference = Estimator(**TIGHT).fit(X, y)
    assert_allclose(
        estimator.predict_proba(X_const), reference.predict_proba(X), atol=1e-6
    )


def separable_data(n_classes):
    rng = np.random.default_rng(0)
    centres = 6.0 * np.array([[1, 0], [-1, 0], [0, 1], [0, -1]])[:n_classes]
    y = np.arange(60) % n_classes
    return centres[y] + rng.normal(scale=0.5, size=(60, 2)), y


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_separable_data_without_penalty_warns_and_stays_finite(Estimator, n_classes):
    # Perfectly separated classes and C=inf: the cross-entropy has no minimum
    # (it tends to 0 as the coefficients grow), so no fit can converge to an
    # optimum; the user must hear it, and still get finite output.
    X, y = separable_data(n_classes)
    estimator = Estimator(C=np.inf)
    _, caught = within_time_limit(estimator.fit, X, y)
    assert [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert_valid_predictions(estimator, X)
    assert_array_equal(estimator.predict(X), y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_tiny_C_predicts_the_class_frequencies(Estimator):
    # As C → 0 the penalty forces W → 0, leaving the intercepts: the softmax
    # (or each sigmoid) of the intercepts reproduces the class frequencies.
    X, y = overlapping_classes()
    y = np.where(np.arange(len(y)) < 120, 0, y)  # unequal frequencies
    estimator = Estimator(C=1e-10, tol=1e-10, max_iter=500)
    fit_expecting_success(estimator, X, y)
    assert_valid_predictions(estimator, X)
    assert np.max(np.abs(estimator.coef_)) < 1e-6
    frequencies = np.bincount(y) / len(y)
    assert_allclose(
        estimator.predict_proba(X), np.tile(frequencies, (len(y), 1)), atol=1e-6
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_huge_C_is_the_unpenalised_fit(Estimator):
    X, y = overlapping_classes()
    estimator = Estimator(C=1e10, **TIGHT)
    fit_expecting_success(estimator, X, y)
    reference = Estimator(C=np.inf, **TIGHT).fit(X, y)
    assert_allclose(estimator.predict_proba(X), reference.predict_proba(X), atol=1e-6)


def _scikit_learn_reference(Estimator, C):
    """LogisticRegression, or OneVsRestClassifier of it, with ``TIGHT``."""
    reference = LogisticRegression(C=C, **TIGHT)
    return (
        OneVsRestClassifier(reference) if Estimator is OneVsRestLogistic else reference
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("C", [1e306, 8.5e307, 1.7e308])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_C_near_the_largest_float_fits_without_overflow(Estimator, C, n_classes):
    # 2 C S overflows: the penalty must be ‖W‖² (0.5 / C) / S, not ‖W‖² / (2 C S).
    X, y = overlapping_classes(n_classes)
    estimator = Estimator(C=C, **TIGHT)
    fit_expecting_success(estimator, X, y)
    reference = _scikit_learn_reference(Estimator, C).fit(X, y)
    assert_allclose(estimator.predict_proba(X), reference.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_float32_C_is_the_same_C_as_a_float(Estimator, n_classes):
    # A grid of np.float32 Cs (GridSearchCV's best_params_) must not make the
    # penalty's arithmetic float32: the fit is the fit of float(C), warning-free.
    X, y = overlapping_classes(n_classes)
    C = np.float32(0.1)
    estimator = Estimator(C=C, **TIGHT)
    fit_expecting_success(estimator, X, y)
    as_float = Estimator(C=float(C), **TIGHT).fit(X, y)
    assert_array_equal(estimator.coef_, as_float.coef_)
    assert_array_equal(estimator.intercept_, as_float.intercept_)
    reference_C = 2 * C if Estimator is SoftmaxRegression and n_classes == 2 else C
    reference = _scikit_learn_reference(Estimator, reference_C).fit(X, y)
    assert_allclose(estimator.predict_proba(X), reference.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_thousand_classes(Estimator):
    # Two samples per class; a few iterations are enough to show that nothing
    # breaks with K = 1000 (not converging is allowed here).
    rng = np.random.default_rng(0)
    y = np.arange(2000) % 1000
    X = rng.normal(size=(2000, 3))
    estimator = Estimator(max_iter=2)
    fit_expecting_success(estimator, X, y, allowed=[(ConvergenceWarning, "")])
    assert estimator.coef_.shape == (1000, 3)
    assert_valid_predictions(estimator, X)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_classes_with_a_single_sample(Estimator):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 6))
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 3, 4, 5])  # classes 2-5: one sample
    estimator = Estimator(C=1e3, **TIGHT)
    fit_expecting_success(estimator, X, y)
    assert_valid_predictions(estimator, X)
    # Six features separate twelve points: each single sample gets its class.
    assert_array_equal(estimator.predict(X[8:]), y[8:])


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_extreme_sample_weights_together(Estimator):
    # Weights 1e12 and 1e-12 in one fit: the light samples change the
    # objective by about 1e-24 relative, so the fit is that of the heavy ones
    # alone, with their weight (which, as in LogisticRegression, weakens the
    # penalty ‖W‖²/(2CS) through S).
    X, y = overlapping_classes()
    heavy = np.arange(len(y)) % 3 != 0
    sample_weight = np.where(heavy, 1e12, 1e-12)
    estimator = Estimator(**TIGHT)
    fit_expecting_success(estimator, X, y, sample_weight)
    assert_valid_predictions(estimator, X)
    reference = Estimator(**TIGHT).fit(
        X[heavy], y[heavy], sample_weight=np.full(heavy.sum(), 1e12)
    )
    assert_allclose(estimator.predict_proba(X), reference.predict_proba(X), atol=1e-6)


# -- badly scaled data is named in the ConvergenceWarning -----------------------------


def badly_scaled(kind):
    X, y = overlapping_classes()
    X = X.copy()
    if kind == "one_column_large":
        X[:, 1] *= 1e6
    elif kind == "one_column_small":
        X[:, 1] *= 1e-6
    elif kind == "far_from_zero":
        X[:, 2] += 1e5
    return X, y


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "kind", ["one_column_large", "one_column_small", "far_from_zero"]
)
def test_badly_scaled_data_is_named_in_the_convergence_warning(Estimator, kind):
    X, y = badly_scaled(kind)
    with pytest.warns(ConvergenceWarning) as record:
        Estimator(max_iter=1).fit(X, y)
    message = " ".join(
        str(w.message) for w in record if w.category is ConvergenceWarning
    )
    assert "badly scaled" in message
    assert "StandardScaler" in message


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_well_scaled_data_is_not_called_badly_scaled(Estimator):
    X, y = overlapping_classes()
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    with pytest.warns(ConvergenceWarning) as record:
        Estimator(max_iter=1).fit(X, y)
    message = " ".join(str(w.message) for w in record)
    assert "max_iter=1" in message
    assert "badly scaled" not in message


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("as_sparse", [False, True])
def test_column_statistics_are_numpys_weighted_mean_and_spread(as_sparse, dtype):
    # The statistics behind the change of variables, against np.average, on
    # columns of spreads far from 1, a mean far from zero, a constant (whose
    # spread, rounding aside, is 0: the sparse pass once gave 1.5e-7 for 1.7),
    # half zeros and all zeros.
    from skl_softmax._base import column_statistics

    rng = np.random.default_rng(0)
    constants = [0.1, 0.3, 1.7, 3.0, 123.456, 1e6]
    X = rng.standard_normal((300, 5)) * [1.0, 1e-3, 1e3, 1.0, 1.0]
    X[:, 2] += 5e3
    X[rng.random(300) < 0.5, 3] = 0.0
    X[:, 4] = 0.0
    X = np.column_stack([X, np.tile(constants, (300, 1))]).astype(dtype)
    weights = rng.uniform(0.5, 2.0, 300)
    X64 = X.astype(np.float64)
    mean = np.average(X64, axis=0, weights=weights)
    spread = np.sqrt(np.average((X64 - mean) ** 2, axis=0, weights=weights))
    got_mean, got_spread = column_statistics(
        sparse.csr_matrix(X) if as_sparse else X, weights
    )
    assert_allclose(got_mean, mean, rtol=1e-12)
    # Within 1e-10 of each spread, or within rounding of the column's mean.
    error = np.abs(got_spread - spread)
    assert np.all(error <= 1e-10 * spread + 1e-14 * np.abs(mean)), (got_spread, spread)


def test_column_statistics_of_sparse_data_without_stored_entries():
    from skl_softmax._base import column_statistics

    for dtype in (np.float64, np.float32):
        X = sparse.csr_matrix((3, 7), dtype=dtype)
        mean, spread = column_statistics(X, np.array([1.0, 2.0, 3.0]))
        assert_array_equal(mean, np.zeros(7))
        assert_array_equal(spread, np.zeros(7))


def _with_constant_column(X, value):
    """``X`` standardised, its first column replaced by ``value``: 0.1, whose
    mean over these 200 rows rounds (its computed spread was 6.9e-17)."""
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    X[:, 0] = value
    return X


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_constant_column_is_named_by_its_mean_not_by_a_rounding_spread(Estimator):
    # The column counts as badly scaled (a non-zero constant duplicates the
    # intercept); the spreads the warning reports are those of the other
    # columns, which are 1, not the rounding of the constant's statistics.
    X, y = overlapping_classes()
    X = _with_constant_column(X, 0.1)
    with pytest.warns(ConvergenceWarning) as record:
        Estimator(max_iter=1).fit(X, y)
    message = " ".join(str(w.message) for w in record)
    assert "badly scaled" in message
    low, high = re.search(r"spreads from (\S+) to (\S+),", message).groups()
    assert float(low) == pytest.approx(X[:, 1:].std(axis=0).min(), rel=1e-3)
    assert float(high) == pytest.approx(X[:, 1:].std(axis=0).max(), rel=1e-3)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_an_unpenalised_fit_with_a_constant_column_reaches_the_optimum(Estimator):
    # A constant column adds nothing to the intercept: the optimum's
    # probabilities are those of LogisticRegression without the column. Its
    # rounding-level spread once scaled the column by 1e16 and the fit stopped
    # 0.04 to 0.08 away from them, without a warning.
    X, y = overlapping_classes()
    X = _with_constant_column(X, 0.1)
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000)
    if Estimator is OneVsRestLogistic:
        reference = OneVsRestClassifier(reference)
    reference.fit(X[:, 1:], y)
    estimator = Estimator(C=np.inf, tol=1e-10, max_iter=10_000).fit(X, y)
    assert_allclose(
        estimator.predict_proba(X), reference.predict_proba(X[:, 1:]), atol=1e-6
    )


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_float32_fit_that_stalls_above_its_tol_finishes_in_float64(Estimator):
    # A constant column of 1e6 in float32 data: float32 logits round at
    # 6e-8 · 1e6 · |w|, and the float32 phase stopped on L-BFGS-B's relative
    # reduction test with a gradient far above tol, counted as converged, 0.05
    # from the optimum's probabilities (those without the column). Such a
    # phase continues in float64 from where it stopped.
    rng = np.random.default_rng(1)
    X0 = rng.standard_normal((400, 6)).astype(np.float32)
    y = np.argmax(X0 @ rng.standard_normal((3, 6)).T + rng.gumbel(size=(400, 3)), 1)
    X = np.column_stack([X0, np.full(400, 1e6, dtype=np.float32)])
    reference = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000)
    if Estimator is OneVsRestLogistic:
        reference = OneVsRestClassifier(reference)
    reference.fit(X0.astype(np.float64), y)
    estimator = Estimator(C=1.0).fit(X, y)
    assert estimator.coef_.dtype == np.float32
    assert_allclose(
        estimator.predict_proba(X),
        reference.predict_proba(X0.astype(np.float64)),
        atol=1e-5,
    )


# -- determinism, threads, pickle, clone ----------------------------------------------


def datasets():
    X, y = overlapping_classes(n_samples=300, n_features=8)
    X32 = X.astype(np.float32)
    Y_multilabel = np.c_[y == 0, y != 1, (y + X[:, 0] > 1)].astype(int)
    return {
        "dense": (X, y),
        "float32": (X32, y),
        "csr": (sparse.csr_matrix(np.where(np.abs(X) < 0.5, 0.0, X)), y),
        "binary": (X, y % 2),
        "two_dimensional": (X, Y_multilabel),
    }


def targets_for(Estimator, name, X, y):
    if name == "two_dimensional" and Estimator is SoftmaxRegression:
        # Soft targets: each row a probability distribution.
        rows = y + 0.5
        return X, rows / rows.sum(axis=1, keepdims=True)
    return X, y


def bitwise_equal(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize(
    "data", ["dense", "float32", "csr", "binary", "two_dimensional"]
)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_refitting_gives_bitwise_identical_coefficients(Estimator, data):
    X, y = targets_for(Estimator, data, *datasets()[data])
    first = Estimator(max_iter=300).fit(X, y)
    again = Estimator(max_iter=300)
    for _ in range(4):  # more than once: timing-dependent paths would show
        again.fit(X, y)
        assert bitwise_equal(again.coef_, first.coef_)
        assert bitwise_equal(again.intercept_, first.intercept_)
        assert_array_equal(again.n_iter_, first.n_iter_)


@pytest.mark.parametrize("data", ["dense", "csr", "binary", "two_dimensional"])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_predictions_from_many_threads_equal_serial_ones(Estimator, data):
    X, y = targets_for(Estimator, data, *datasets()[data])
    estimator = Estimator(max_iter=300).fit(X, y)
    rows = [slice(0, 300), slice(0, 1), slice(17, 200), slice(299, 300)]
    jobs = [(method, part) for method in PREDICT_METHODS for part in rows] * 8
    serial = [getattr(estimator, method)(X[part]) for method, part in jobs]

    def run(job):
        method, part = job
        return getattr(estimator, method)(X[part])

    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(run, jobs))
    for (method, _), expected, actual in zip(jobs, serial, concurrent, strict=True):
        if sparse.issparse(expected):
            expected, actual = expected.toarray(), actual.toarray()
        assert bitwise_equal(actual, expected), method


@pytest.mark.parametrize("data", ["dense", "float32", "csr", "two_dimensional"])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_pickle_round_trip_predicts_identically(Estimator, data):
    X, y = targets_for(Estimator, data, *datasets()[data])
    estimator = Estimator(max_iter=300).fit(X, y)
    restored = pickle.loads(pickle.dumps(estimator))
    for method in PREDICT_METHODS:
        expected = getattr(estimator, method)(X)
        actual = getattr(restored, method)(X)
        if sparse.issparse(expected):
            expected, actual = expected.toarray(), actual.toarray()
        assert bitwise_equal(actual, expected), method
    assert restored.get_params() == estimator.get_params()


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_clone_of_a_fitted_model_is_unfitted(Estimator):
    X, y = datasets()["dense"]
    estimator = Estimator(C=0.5, max_iter=300, tol=1e-5).fit(X, y)
    cloned = clone(estimator)
    assert cloned.get_params() == estimator.get_params()
    with pytest.raises(NotFittedError):
        check_is_fitted(cloned)
    with pytest.raises(NotFittedError):
        cloned.predict(X)
    assert not any(
        name.endswith("_") and not name.startswith("_") for name in vars(cloned)
    )
    check_is_fitted(estimator)  # the original keeps its fit
