"""SoftmaxRegression against LogisticRegression, and in use inside scikit-learn.

The reference optimum is ``LogisticRegression(solver="newton-cg", tol=1e-12)``:
at ``tol=1e-10`` both lbfgs implementations (ours and scikit-learn's) may stop on
the relative-decrease test ``ftol = 64·eps`` with a largest gradient component
near 1e-8, so two lbfgs runs can differ by ~1e-6 in probability, while
newton-cg's solution is the optimum to ~1e-13.
"""

import functools
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse, special
from sklearn._loss.loss import HalfBinomialLoss, HalfMultinomialLoss
from sklearn.callback import ProgressBar
from sklearn.datasets import load_digits, load_iris, load_wine, make_classification
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.linear_model import LogisticRegression
from sklearn.linear_model._linear_loss import LinearModelLoss
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_class_weight
from threadpoolctl import threadpool_limits

from skl_softmax import SoftmaxRegression
from skl_softmax._loss import MultinomialLoss

from _separable import one_class_apart


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # The test machine is shared: BLAS and OpenMP threads spinning against each
    # other make these small fits up to a hundred times slower (measured for
    # LogisticRegression on digits: 10 s instead of 0.2 s); results are the same.
    with threadpool_limits(1):
        yield


# -- data -------------------------------------------------------------------------


@functools.cache
def _dataset(name):
    if name == "iris":
        return load_iris(return_X_y=True)
    if name == "synthetic":
        return make_classification(
            n_samples=300, n_features=8, n_informative=5, n_classes=4, random_state=0
        )
    # Raw wine and digits make LogisticRegression's own lbfgs fail to converge.
    X, y = (load_wine if name == "wine" else load_digits)(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _data(name):
    X, y = _dataset(name)
    return X.copy(), y.copy()


class _Reference(LogisticRegression):
    """LogisticRegression(solver="newton-cg", tol=1e-12), checked to be the optimum."""

    def fit(self, X, y, sample_weight=None):
        with warnings.catch_warnings():
            # At tol=1e-12 newton-cg can run out of measurable decrease: SciPy's
            # Wolfe line search warns, and where scikit-learn's fallback fails
            # too newton-cg stops ("Line Search failed"). It has then reached
            # the optimum to round-off, which is checked below instead.
            for message in (
                "The line search algorithm did not converge",
                "Rounding errors prevent the line search from converging",
                "Line Search failed",
            ):
                warnings.filterwarnings("ignore", message=message)
            super().fit(X, y, sample_weight=sample_weight)
        self._assert_optimal(X, y, sample_weight)
        return self

    def _assert_optimal(self, X, y, sample_weight):
        """scikit-learn's own gradient of its objective vanishes at the solution."""
        labels = np.searchsorted(self.classes_, y).astype(np.float64)
        weights = np.ones(len(y)) if sample_weight is None else sample_weight.copy()
        if self.class_weight is not None:
            class_weight = compute_class_weight(
                self.class_weight, classes=self.classes_, y=y, sample_weight=weights
            )
            weights *= class_weight[labels.astype(int)]
        binary = len(self.classes_) == 2
        base_loss = (
            HalfBinomialLoss()
            if binary
            else HalfMultinomialLoss(n_classes=len(self.classes_))
        )
        coef = self.coef_
        if self.fit_intercept:
            coef = np.column_stack([coef, self.intercept_])
        _, gradient = LinearModelLoss(base_loss, self.fit_intercept).loss_gradient(
            coef[0] if binary else coef,
            X,
            labels,
            weights,
            1.0 / (self.C * weights.sum()),
        )
        # Measured: at most 3.0e-11 over this module with SKL_SOFTMAX_SEEDS=all.
        assert np.max(np.abs(gradient)) <= 1e-9


def _reference(C, **params):
    return _Reference(C=C, solver="newton-cg", tol=1e-12, max_iter=10_000, **params)


def _tight_fit(X, y, **params):
    return SoftmaxRegression(tol=1e-10, max_iter=10_000, **params).fit(X, y)


def _objective(X, y, C, fit_intercept):
    """The unweighted objective as a function of a fitted model's coefficients.

    ``MultinomialLoss`` is checked against scikit-learn's ``LinearModelLoss`` in
    ``test_loss.py``; here it is the one yardstick for both estimators.
    """
    classes, labels = np.unique(y, return_inverse=True)
    loss = MultinomialLoss(
        np.asarray(X, dtype=np.float64),
        labels,
        np.ones(len(y)),
        C,
        len(classes),
        fit_intercept,
    )
    return lambda model: loss.objective(model.coef_, model.intercept_)


# -- K >= 3: the optimum of LogisticRegression --------------------------------------


@pytest.mark.parametrize("name", ["iris", "wine", "digits", "synthetic"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
def test_multiclass_probabilities_match_logistic_regression(name, fit_intercept, C):
    X, y = _data(name)
    ours = SoftmaxRegression(
        C=C, fit_intercept=fit_intercept, tol=1e-10, max_iter=10_000
    )
    ours.fit(X, y)
    reference = _reference(C, fit_intercept=fit_intercept).fit(X, y)
    assert_allclose(
        ours.predict_proba(X), reference.predict_proba(X), rtol=0, atol=1e-6
    )

    # Our objective is no worse than scikit-learn's lbfgs at the same tol, to
    # 1e-12 relative to max(1, |f|): the scale on which L-BFGS-B's stopping test
    # (decrease ≤ ftol·max(1, |f|), ftol = 64·eps) measures the objective, and
    # on which two lbfgs runs that both stop on it differ. Measured: up to
    # 1.8e-13 on standardised digits, no intercept, C=100 (f = 3.7e-3; both run
    # ~211 iterations; newton-cg's optimum is below both).
    lbfgs = LogisticRegression(C=C, fit_intercept=fit_intercept, tol=1e-10)
    lbfgs.set_params(max_iter=10_000).fit(X, y)
    objective = _objective(X, y, C, fit_intercept)
    f_lbfgs = objective(lbfgs)
    assert objective(ours) <= f_lbfgs + 1e-12 * max(1.0, abs(f_lbfgs))


@pytest.mark.parametrize("name, C", [("wine", 1.0), ("wine", 100.0), ("digits", 0.01)])
def test_objective_beats_logistic_regression_on_raw_badly_scaled_data(name, C):
    # Unscaled wine and digits: scikit-learn's lbfgs does not converge in its
    # iteration budget; with the same budget ours reaches a lower objective.
    X, y = (load_wine if name == "wine" else load_digits)(return_X_y=True)
    X = X.astype(np.float64)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        theirs = LogisticRegression(C=C, tol=1e-10, max_iter=100).fit(X, y)
    with warnings.catch_warnings():
        # Ours may also stop at max_iter (digits); the comparison is the point.
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = SoftmaxRegression(C=C, tol=1e-10, max_iter=100).fit(X, y)
    objective = _objective(X, y, C, True)
    assert objective(ours) <= objective(theirs)


@pytest.mark.parametrize("name", ["iris", "wine", "synthetic"])
@pytest.mark.parametrize("class_weight", [None, "balanced"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_weighted_fit_matches_logistic_regression(
    rng, name, class_weight, fit_intercept
):
    X, y = _data(name)
    sample_weight = rng.uniform(0.1, 3.0, size=len(y))
    params = dict(C=0.5, fit_intercept=fit_intercept, class_weight=class_weight)
    ours = SoftmaxRegression(tol=1e-10, max_iter=10_000, **params)
    ours.fit(X, y, sample_weight=sample_weight)
    reference = _reference(**params).fit(X, y, sample_weight=sample_weight)
    assert_allclose(
        ours.predict_proba(X), reference.predict_proba(X), rtol=0, atol=1e-6
    )


def test_unpenalised_fit_matches_logistic_regression():
    X, y = _data("iris")
    # Setosa is separable from the others: no minimum, and the fit says so
    # (LogisticRegression does not); the probabilities still agree.
    with pytest.warns(ConvergenceWarning, match="class 0 is perfectly separated"):
        ours = SoftmaxRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(X, y)
    reference = _reference(np.inf).fit(X, y)
    assert_allclose(
        ours.predict_proba(X), reference.predict_proba(X), rtol=0, atol=1e-6
    )


def test_sparse_and_float32_fits_agree_with_dense_float64():
    X, y = _data("wine")
    dense = SoftmaxRegression(tol=1e-10, max_iter=1000).fit(X, y)
    csr = SoftmaxRegression(tol=1e-10, max_iter=1000).fit(sparse.csr_matrix(X), y)
    assert_allclose(csr.predict_proba(X), dense.predict_proba(X), rtol=0, atol=1e-6)
    single = SoftmaxRegression(tol=1e-6, max_iter=1000).fit(X.astype(np.float32), y)
    assert single.coef_.dtype == np.float32
    assert single.predict_proba(X.astype(np.float32)).dtype == np.float32
    # float32 products: probabilities to a few float32 eps times the condition.
    assert_allclose(
        single.predict_proba(X.astype(np.float32)),
        dense.predict_proba(X),
        rtol=0,
        atol=1e-4,
    )


def test_float32_fit_with_many_features_agrees_with_float64():
    # Digits' 64 features take the row-major float32 logits (X Wᵀ)ᵀ, in the
    # fit and in the scores; wine above takes W Xᵀ.
    X, y = _data("digits")
    X32 = X.astype(np.float32)
    dense = SoftmaxRegression(tol=1e-10, max_iter=1000).fit(X, y)
    # tol=1e-6 stopped where probabilities differ by 1.0e-4 to 1.4e-4 depending
    # on the products' rounding (threads, blocks): the assertion was at the edge
    # of what that tol guarantees; 1e-7 leaves a 6× margin under the same atol.
    single = SoftmaxRegression(tol=1e-7, max_iter=1000).fit(X32, y)
    assert_allclose(
        single.predict_proba(X32), dense.predict_proba(X), rtol=0, atol=1e-4
    )
    coef, intercept = single.coef_.astype(np.float64), single.intercept_
    expected = X32.astype(np.float64) @ coef.T + intercept
    assert_allclose(single.decision_function(X32), expected, rtol=1e-5, atol=1e-5)


# -- binary: the two-class softmax is logistic regression with 2C -------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
def test_binary_fit_equals_logistic_regression_with_twice_c(fit_intercept, C):
    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    ours = SoftmaxRegression(
        C=C, fit_intercept=fit_intercept, tol=1e-10, max_iter=10_000
    )
    ours.fit(X, y)
    reference = _reference(2 * C, fit_intercept=fit_intercept).fit(X, y)
    assert ours.coef_.shape == (1, 6)
    assert ours.intercept_.shape == (1,)
    assert_allclose(ours.coef_, reference.coef_, rtol=0, atol=1e-6)
    assert_allclose(ours.intercept_, reference.intercept_, rtol=0, atol=1e-6)
    assert_allclose(
        ours.predict_proba(X), reference.predict_proba(X), rtol=0, atol=1e-6
    )


def test_binary_fit_is_the_symmetric_two_class_softmax():
    # Fitting K = 2 logits with the penalty on both, the optimum has w₀ = −w₁, so
    # w₁ − w₀ is our single row. Fit the two-logit softmax explicitly.
    X, y = make_classification(n_samples=150, n_features=4, random_state=1)
    C = 0.7
    ours = SoftmaxRegression(C=C, tol=1e-10, max_iter=10_000).fit(X, y)
    two_logits = MultinomialLoss(X, y, np.ones(150), C, 2, True)
    from scipy.optimize import minimize

    result = minimize(
        two_logits,
        np.zeros(two_logits.n_params),
        jac=True,
        method="L-BFGS-B",
        options=dict(gtol=1e-12, ftol=0, maxiter=10_000),
    )
    W, b = two_logits.unpack(result.x)
    assert_allclose(ours.coef_[0], W[1] - W[0], rtol=0, atol=1e-6)
    assert_allclose(ours.intercept_[0], b[1] - b[0], rtol=0, atol=1e-6)


def test_binary_decision_function_is_1d_log_odds():
    X, y = make_classification(n_samples=100, n_features=5, random_state=2)
    clf = SoftmaxRegression().fit(X, y)
    scores = clf.decision_function(X)
    assert scores.shape == (100,)
    assert_allclose(
        scores, X @ clf.coef_[0] + clf.intercept_[0], rtol=1e-12, atol=1e-12
    )
    proba = clf.predict_proba(X)
    assert_allclose(proba[:, 1], special.expit(scores), rtol=1e-14, atol=0)
    assert_allclose(proba[:, 0], special.expit(-scores), rtol=1e-14, atol=0)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert_array_equal(clf.predict(X), clf.classes_[(scores > 0).astype(int)])


# -- predict_log_proba from log-softmax ---------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3])
def test_predict_log_proba_is_finite_where_proba_underflows(n_classes):
    X, y = make_classification(
        n_samples=120,
        n_features=5,
        n_informative=3,
        n_classes=n_classes,
        random_state=3,
    )
    clf = SoftmaxRegression().fit(X, y)
    X_far = X * 1e4  # logits in the thousands: exp underflows
    proba = clf.predict_proba(X_far)
    log_proba = clf.predict_log_proba(X_far)
    assert np.any(proba == 0)
    assert np.all(np.isfinite(log_proba))
    scores = clf.decision_function(X_far)
    if n_classes == 2:
        scores = np.column_stack([np.zeros_like(scores), scores])
    # atol: log σ(z) = −e^−z ≈ −1e-141 where log_softmax([0, z]) rounds to 0.
    assert_allclose(
        log_proba, special.log_softmax(scores, axis=1), rtol=1e-12, atol=1e-15
    )
    normal = proba > np.finfo(np.float64).tiny
    assert_allclose(log_proba[normal], np.log(proba[normal]), rtol=1e-12, atol=1e-15)


def test_predict_log_proba_equals_log_of_predict_proba():
    X, y = _data("iris")
    clf = SoftmaxRegression().fit(X, y)
    assert_allclose(
        clf.predict_log_proba(X), np.log(clf.predict_proba(X)), rtol=1e-12, atol=1e-14
    )


# -- soft targets and label smoothing ----------------------------------------------


@pytest.mark.parametrize("name", ["iris", "binary"])
def test_one_hot_soft_targets_give_the_hard_label_model(name):
    if name == "binary":
        X, y = make_classification(n_samples=100, n_features=4, random_state=4)
    else:
        X, y = _data(name)
    hard = _tight_fit(X, y)
    soft = _tight_fit(X, np.eye(len(np.unique(y)))[y])
    assert_array_equal(soft.classes_, np.arange(len(np.unique(y))))
    assert_allclose(soft.coef_, hard.coef_, rtol=0, atol=1e-6)
    assert_allclose(soft.intercept_, hard.intercept_, rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", ["iris", "wine"])
def test_soft_targets_equal_weighted_repeated_labels(rng, name):
    # −Σ_k y_ik log p_ik is the loss of K copies of sample i, labelled k with
    # weight y_ik; rows summing to 1 keep S = n. So LogisticRegression on the
    # expanded data is the soft-target optimum.
    X, y = _data(name)
    n, K = len(y), len(np.unique(y))
    Y = rng.dirichlet(np.full(K, 0.5), size=n)
    ours = _tight_fit(X, Y, C=0.5)
    reference = _reference(0.5).fit(
        np.tile(X, (K, 1)), np.repeat(np.arange(K), n), sample_weight=Y.T.ravel()
    )
    assert_allclose(
        ours.predict_proba(X), reference.predict_proba(X), rtol=0, atol=1e-6
    )


def test_column_vector_y_warns_and_equals_1d_labels():
    X, y = _data("iris")
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        column = SoftmaxRegression().fit(X, y[:, None])
    flat = SoftmaxRegression().fit(X, y)
    assert_array_equal(column.coef_, flat.coef_)


def test_multilabel_indicator_points_to_one_vs_rest(rng):
    X, _ = _data("iris")
    Y = (rng.random((len(X), 3)) < 0.5).astype(int)
    Y[0] = [1, 1, 0]  # at least one row that does not sum to 1
    with pytest.raises(ValueError, match="multi-label.*OneVsRestLogistic"):
        SoftmaxRegression().fit(X, Y)


@pytest.mark.parametrize(
    "row, match",
    [
        ([0.5, 0.3, 0.1], "rows summing to 1. Got a row summing to 0.9"),
        ([1.2, -0.2, 0.0], "non-negative probabilities. Got a minimum of -0.2"),
    ],
)
def test_invalid_soft_targets_are_rejected(row, match):
    X, y = _data("iris")
    Y = np.eye(3)[y]
    Y[5] = row
    with pytest.raises(ValueError, match=match):
        SoftmaxRegression().fit(X, Y)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_label_smoothing_equals_fitting_smoothed_targets(n_classes):
    X, y = make_classification(
        n_samples=150,
        n_features=5,
        n_informative=3,
        n_classes=n_classes,
        random_state=5,
    )
    eps = 0.15
    smoothed = (1 - eps) * np.eye(n_classes)[y] + eps / n_classes
    with_smoothing = _tight_fit(X, y, label_smoothing=eps)
    explicit = _tight_fit(X, smoothed)
    assert_allclose(with_smoothing.coef_, explicit.coef_, rtol=0, atol=1e-6)
    assert_allclose(with_smoothing.intercept_, explicit.intercept_, rtol=0, atol=1e-6)


# -- class_weight, sample weights, warm start ---------------------------------------


def test_class_weight_dict_equals_sample_weight():
    X, y = _data("iris")
    class_weight = {0: 0.5, 1: 2.0, 2: 1.3}
    by_class = _tight_fit(X, y, class_weight=class_weight)
    by_sample = SoftmaxRegression(tol=1e-10, max_iter=10_000)
    by_sample.fit(X, y, sample_weight=np.array([class_weight[k] for k in y]))
    assert_allclose(by_class.coef_, by_sample.coef_, rtol=0, atol=1e-6)


@pytest.mark.parametrize("with_sample_weight", [False, True])
def test_balanced_class_weight_equals_sample_weight(rng, with_sample_weight):
    X, y = make_classification(
        n_samples=200,
        n_features=5,
        n_informative=3,
        n_classes=3,
        weights=[0.6, 0.3, 0.1],
        random_state=6,
    )
    sw = rng.uniform(0.5, 2.0, size=200) if with_sample_weight else np.ones(200)
    # n_samples / (n_classes · count), with weighted counts and total.
    counts = np.bincount(y, weights=sw)
    factor = (sw.sum() / (3 * counts))[y]
    balanced = SoftmaxRegression(class_weight="balanced", tol=1e-10, max_iter=10_000)
    balanced.fit(X, y, sample_weight=sw if with_sample_weight else None)
    explicit = SoftmaxRegression(tol=1e-10, max_iter=10_000)
    explicit.fit(X, y, sample_weight=sw * factor)
    assert_allclose(balanced.coef_, explicit.coef_, rtol=0, atol=1e-6)


def test_integer_sample_weights_equal_repeated_rows(rng):
    X, y = _data("wine")
    counts = rng.integers(0, 4, size=len(y))
    repeated = np.repeat(np.arange(len(y)), counts)
    weighted = SoftmaxRegression(C=0.3, tol=1e-10, max_iter=10_000)
    weighted.fit(X, y, sample_weight=counts)
    expanded = _tight_fit(X[repeated], y[repeated], C=0.3)
    assert_allclose(weighted.coef_, expanded.coef_, rtol=0, atol=1e-6)
    assert_allclose(weighted.intercept_, expanded.intercept_, rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", ["iris", "binary"])
def test_warm_start_from_the_solution_needs_no_iterations(name):
    if name == "binary":
        X, y = make_classification(n_samples=100, n_features=4, random_state=7)
    else:
        X, y = _data("wine")
    clf = SoftmaxRegression(tol=1e-6, max_iter=1000, warm_start=True).fit(X, y)
    coef, intercept, n_iter = clf.coef_.copy(), clf.intercept_.copy(), clf.n_iter_[0]
    clf.fit(X, y)
    assert n_iter > 5
    assert clf.n_iter_[0] <= 1
    assert_allclose(clf.coef_, coef, rtol=0, atol=1e-6)
    assert_allclose(clf.intercept_, intercept, rtol=0, atol=1e-6)


def test_warm_start_with_other_classes_is_rejected():
    X, y = _data("iris")
    clf = SoftmaxRegression(warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match=r"warm_start needs the previous coef_"):
        clf.fit(X[y < 2], y[y < 2])


# -- iterations: verbose, loss curve, callbacks -----------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_verbose_prints_one_line_per_iteration(capsys, dtype):
    # float32 at tol=1e-8: a float32 phase, then a float64 finish, whose lines
    # went on from 1 again.
    X, y = _data("wine")
    clf = SoftmaxRegression(verbose=1, tol=1e-4 if dtype == np.float64 else 1e-8)
    clf.fit(X.astype(dtype), y)
    *lines, summary = capsys.readouterr().out.splitlines()
    # The fit ends with one summary line (issue 13).
    assert summary.startswith(f"SoftmaxRegression: {clf.n_iter_[0]} iterations, ")
    assert len(lines) == clf.n_iter_[0] > 0
    for k, (line, value) in enumerate(zip(lines, clf.loss_curve_, strict=True)):
        match = re.search(r"iteration +(\d+) +objective +(\S+) +max \|gradient\|", line)
        assert match and int(match[1]) == k + 1
        assert_allclose(float(match[2]), value, rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["iris", "wine", "binary"])
def test_loss_curve_is_non_increasing_and_ends_at_the_objective(name):
    if name == "binary":
        X, y = make_classification(n_samples=100, n_features=4, random_state=8)
    else:
        X, y = _data(name)
    if name == "iris":
        X = X * [1.0, 10.0, 100.0, 0.1]  # badly scaled: the change of variables
    # tol bounds the gradient in the model's coordinates, which the ×100
    # column makes large: this fit needs a few hundred iterations.
    clf = SoftmaxRegression(C=2.0, max_iter=1000).fit(X, y)
    assert clf.loss_curve_.shape == (clf.n_iter_[0],)
    assert np.all(np.diff(clf.loss_curve_) <= 0)
    if name != "binary":
        final = _objective(X, y, 2.0, True)(clf)
        assert_allclose(clf.loss_curve_[-1], final, rtol=1e-12, atol=0)


class RecordingCallback:
    """Record every hook of the FitCallback protocol, as scikit-learn's tests do."""

    def __init__(self):
        self.record = []

    def setup(self, estimator, context):
        self.record.append(("setup", context.task_name, None, None))

    def teardown(self, estimator, context):
        self.record.append(("teardown", context.task_name, None, None))

    def _task(self, hook, context, fitted_estimator):
        coef = getattr(fitted_estimator, "coef_", None)
        parent = None if context.parent is None else context.parent.task_name
        self.record.append((hook, context.task_name, (context.task_id, parent), coef))

    def on_fit_task_begin(
        self,
        estimator,
        context,
        *,
        X=None,
        y=None,
        metadata=None,
        fitted_estimator=None,
    ):
        self._task("begin", context, fitted_estimator)

    def on_fit_task_end(
        self,
        estimator,
        context,
        *,
        X=None,
        y=None,
        metadata=None,
        fitted_estimator=None,
    ):
        self._task("end", context, fitted_estimator)


def test_recording_callback_sees_what_logistic_regression_reports():
    X, y = _data("wine")  # standardised: both take the same 26 iterations
    ours_callback, theirs_callback = RecordingCallback(), RecordingCallback()
    ours = SoftmaxRegression(tol=1e-6, max_iter=200).set_callbacks(ours_callback)
    ours.fit(X, y)
    theirs = LogisticRegression(tol=1e-6, max_iter=200).set_callbacks(theirs_callback)
    theirs.fit(X, y)
    assert ours.n_iter_[0] == theirs.n_iter_[0] > 5
    structure = [entry[:3] for entry in ours_callback.record]
    assert structure == [entry[:3] for entry in theirs_callback.record]

    # One fit task, n_iter_ iteration subtasks that ran, and the empty one that
    # LogisticRegression also opens for the iteration that never runs.
    fit_tasks = [e for e in ours_callback.record if e[1] == "fit" and e[0] == "begin"]
    iterations = [e for e in ours_callback.record if e[1] == "lbfgs-iter"]
    assert len(fit_tasks) == 1
    ends_with_coef = [e for e in iterations if e[0] == "end" and e[3] is not None]
    assert len(ends_with_coef) == ours.n_iter_[0]
    for ours_entry, theirs_entry in zip(
        ours_callback.record, theirs_callback.record, strict=True
    ):
        if ours_entry[3] is not None:
            assert ours_entry[3].shape == theirs_entry[3].shape == (3, 13)
            assert_allclose(ours_entry[3], theirs_entry[3], rtol=0, atol=1e-6)
    assert_array_equal(ends_with_coef[-1][3], ours.coef_)


def test_callbacks_work_with_zero_iterations():
    X, y = _data("wine")
    callback = RecordingCallback()
    with pytest.warns(ConvergenceWarning):
        SoftmaxRegression(max_iter=0).set_callbacks(callback).fit(X, y)
    assert callback.record[0][0] == "setup"
    assert callback.record[-1][0] == "teardown"


def test_progress_bar_callback_works():
    X, y = _data("wine")
    clf = SoftmaxRegression().set_callbacks(ProgressBar()).fit(X, y)
    reference = SoftmaxRegression().fit(X, y)
    assert_array_equal(clf.coef_, reference.coef_)


# -- in use inside scikit-learn ----------------------------------------------------


def test_pipeline_in_grid_search_with_two_jobs():
    X, y = _dataset("wine")
    pipe = make_pipeline(StandardScaler(), SoftmaxRegression())
    search = GridSearchCV(pipe, {"softmaxregression__C": [0.1, 1.0]}, cv=3, n_jobs=2)
    search.fit(X, y)
    assert search.best_params_["softmaxregression__C"] in (0.1, 1.0)
    assert search.score(X, y) > 0.9


def test_cross_val_score_with_neg_log_loss():
    X, y = _data("iris")
    ours = SoftmaxRegression(tol=1e-10, max_iter=10_000)
    scores = cross_val_score(ours, X, y, cv=3, scoring="neg_log_loss")
    reference = cross_val_score(_reference(1.0), X, y, cv=3, scoring="neg_log_loss")
    assert scores.shape == (3,)
    assert np.all(scores < 0)
    # Same model, same C (three classes): same held-out log-loss.
    assert_allclose(scores, reference, rtol=1e-6, atol=0)


def test_score_is_weighted_accuracy_and_attributes_are_set(rng):
    X, y = _data("iris")
    sw = rng.uniform(0.1, 2.0, size=len(y))
    clf = SoftmaxRegression().fit(X, y)
    correct = clf.predict(X) == y
    assert_allclose(clf.score(X, y), correct.mean(), rtol=1e-15, atol=0)
    assert_allclose(
        clf.score(X, y, sample_weight=sw), sw @ correct / sw.sum(), rtol=1e-14, atol=0
    )
    assert clf.n_features_in_ == 4
    assert not hasattr(clf, "feature_names_in_")
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.coef_.shape == (3, 4)
    assert clf.intercept_.shape == (3,)
    assert clf.n_iter_.shape == (1,)


def test_pickle_round_trip_predicts_identically():
    X, y = _data("iris")
    clf = SoftmaxRegression().fit(X, y)
    clone = pickle.loads(pickle.dumps(clf))
    assert_array_equal(clone.predict_proba(X), clf.predict_proba(X))
    assert_array_equal(clone.predict(X), clf.predict(X))


def test_dataframe_input_sets_feature_names():
    X, y = _data("iris")
    names = ["sepal length", "sepal width", "petal length", "petal width"]
    frame = pd.DataFrame(X, columns=names)
    clf = SoftmaxRegression().fit(frame, pd.Series(y))
    assert_array_equal(clf.feature_names_in_, names)
    assert_array_equal(clf.feature_names_in_, frame.columns)
    renamed = frame.rename(columns={"petal width": "petal breadth"})
    with pytest.raises(ValueError, match="feature names should match"):
        clf.predict(renamed)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        clf.predict(X)


def test_string_labels():
    X, y = _data("iris")
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = SoftmaxRegression().fit(X, names)
    reference = SoftmaxRegression().fit(X, y)
    assert_array_equal(clf.classes_, ["setosa", "versicolor", "virginica"])
    assert_array_equal(clf.predict(X), clf.classes_[reference.predict(X)])
    assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))


def test_sample_weight_routed_through_pipeline(rng):
    X, y = _data("iris")
    sw = rng.uniform(0.1, 3.0, size=len(y))
    pipe = Pipeline(
        [("scale", StandardScaler()), ("softmaxregression", SoftmaxRegression())]
    )
    pipe.fit(X, y, softmaxregression__sample_weight=sw)
    direct = SoftmaxRegression().fit(
        StandardScaler().fit_transform(X), y, sample_weight=sw
    )
    unweighted = SoftmaxRegression().fit(StandardScaler().fit_transform(X), y)
    assert_allclose(pipe[-1].coef_, direct.coef_, rtol=1e-12, atol=1e-14)
    assert not np.allclose(pipe[-1].coef_, unweighted.coef_, rtol=1e-3, atol=0)


# -- bad input ---------------------------------------------------------------------


def _with(X, row, column, value):
    X = X.copy()
    X[row, column] = value
    return X


@pytest.mark.parametrize(
    "make_X, match",
    [
        (lambda X: _with(X, 0, 0, np.nan), "Input X contains NaN"),
        (lambda X: _with(X, 3, 1, np.inf), "Input X contains infinity"),
        (lambda X: X[:0], r"Found array with 0 sample\(s\)"),
        (lambda X: X[:, :0], r"Found array with 0 feature\(s\)"),
    ],
)
def test_bad_X_is_rejected(make_X, match):
    X, y = _data("iris")
    X_bad = make_X(X)
    with pytest.raises(ValueError, match=match):
        SoftmaxRegression().fit(X_bad, y[: X_bad.shape[0]])


def test_one_class_is_rejected():
    X, y = _data("iris")
    with pytest.raises(ValueError, match="at least 2 classes.*only one class"):
        SoftmaxRegression().fit(X, np.zeros_like(y))


def test_wrong_feature_count_at_predict_is_rejected():
    X, y = _data("iris")
    clf = SoftmaxRegression().fit(X, y)
    for method in (
        clf.predict,
        clf.predict_proba,
        clf.predict_log_proba,
        clf.decision_function,
    ):
        with pytest.raises(
            ValueError,
            match="X has 3 features, but SoftmaxRegression is expecting 4 features",
        ):
            method(X[:, :3])


@pytest.mark.parametrize(
    "sample_weight, match",
    [
        (
            lambda n: -np.ones(n),
            "sample_weight must be non-negative. Got a minimum of -1",
        ),
        (lambda n: np.full(n, np.nan), "sample_weight must be finite"),
        (lambda n: np.zeros(n), "sample_weight must have a positive sum"),
        (lambda n: np.ones(n - 1), r"sample_weight must have shape \(150,\)"),
    ],
)
def test_bad_sample_weight_is_rejected(sample_weight, match):
    X, y = _data("iris")
    with pytest.raises(ValueError, match=match):
        SoftmaxRegression().fit(X, y, sample_weight=sample_weight(len(y)))


@pytest.mark.parametrize(
    "params, match",
    [
        (
            dict(C=0),
            r"'C' parameter of SoftmaxRegression must be a float in the range "
            r"\(0.0, inf\]. Got 0 instead",
        ),
        (dict(C=-1.0), r"'C' parameter.*Got -1.0 instead"),
        (dict(tol=-1e-4), r"'tol' parameter.*Got -0.0001 instead"),
        (dict(max_iter=-1), r"'max_iter' parameter.*Got -1 instead"),
        (
            dict(label_smoothing=1.5),
            r"'label_smoothing' parameter.*\[0.0, 1.0\]. Got 1.5",
        ),
        (dict(class_weight="foo"), r"'class_weight' parameter.*Got 'foo' instead"),
        (dict(fit_intercept="yes"), r"'fit_intercept' parameter.*Got 'yes' instead"),
        (
            dict(class_weight={0: -1.0, 1: 1.0, 2: 1.0}),
            "class_weight must map every class",
        ),
    ],
)
def test_invalid_parameters_are_named_in_the_error(params, match):
    X, y = _data("iris")
    with pytest.raises(ValueError, match=match):
        SoftmaxRegression(**params).fit(X, y)


def test_non_numeric_sample_weight_is_a_type_error():
    X, y = _data("iris")
    with pytest.raises(TypeError, match="sample_weight must be numeric"):
        SoftmaxRegression().fit(X, y, sample_weight=["a"] * len(y))


# -- no input is modified ----------------------------------------------------------


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("targets", ["labels", "soft", "binary"])
def test_no_input_array_is_modified(rng, layout, targets):
    X, y = _data("iris")
    X = X * [1.0, 10.0, 100.0, 0.1]  # badly scaled: the change of variables runs
    if targets == "soft":
        y = rng.dirichlet(np.ones(3), size=len(y))
    elif targets == "binary":
        y = (y > 0).astype(int)
    if layout == "csr":
        X = sparse.csr_matrix(X)
    sample_weight = rng.uniform(0.5, 2.0, size=X.shape[0])
    snapshots = [
        (X.toarray() if sparse.issparse(X) else X).copy(),
        y.copy(),
        sample_weight.copy(),
    ]

    def assert_unchanged():
        current = [X.toarray() if sparse.issparse(X) else X, y, sample_weight]
        for after, before in zip(current, snapshots, strict=True):
            assert_array_equal(after, before)

    clf = SoftmaxRegression(class_weight="balanced", label_smoothing=0.1)
    clf.fit(X, y, sample_weight=sample_weight)
    assert_unchanged()
    for method in (
        clf.predict,
        clf.predict_proba,
        clf.predict_log_proba,
        clf.decision_function,
    ):
        method(X)
        assert_unchanged()


def test_c_inf_warns_when_one_class_alone_is_separated():
    # Iris's setosa is separable from the other two, which are not: the
    # unpenalised cross-entropy has no minimum (coef_ grows as tol shrinks,
    # 14.6 at tol=1e-4, 135.5 at 1e-8), and the fit said nothing.
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    sizes = []
    for tol in (1e-4, 1e-8):
        with pytest.warns(ConvergenceWarning) as caught:
            model = SoftmaxRegression(C=np.inf, tol=tol, max_iter=10_000).fit(X, names)
        message = str(caught[-1].message)
        assert "class 'setosa' is perfectly separated from the other classes" in message
        sizes.append(np.abs(model.coef_).max())
    assert sizes[1] > 2 * sizes[0]  # no minimum: the coefficients run away
    # Each class, and only class 0, separated in synthetic data.
    X, y = one_class_apart()
    with pytest.warns(ConvergenceWarning, match=r"class 0 is perfectly separated"):
        SoftmaxRegression(C=np.inf).fit(X, y)
    # No separable class, or a penalty: no warning.
    X[y == 0, 0] -= 8.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        SoftmaxRegression(C=np.inf).fit(X, y)
        SoftmaxRegression(C=1e4).fit(*one_class_apart())


def test_class_separation_bounds_find_exactly_the_separable_classes(monkeypatch):
    # The bounds prove separation (a linear h positive on the class, negative
    # elsewhere); checked here against an explicit separating line.
    from skl_softmax._softmax_regression import class_separation_bounds

    X, y = one_class_apart()
    model = SoftmaxRegression(C=np.inf, max_iter=200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    low, high = class_separation_bounds(model.decision_function(X), y, y >= 0)
    separated = np.any((low > 0) & (high < 0), axis=0)
    assert_array_equal(separated, [True, False, False])
    assert np.all(X[y == 0, 0] > 4.0) and np.all(X[y != 0, 0] < 4.0)  # the line
    # Taken over blocks of rows (memory bounded whatever the classes): the
    # same bounds from blocks of 7 rows.
    import skl_softmax._softmax_regression as module

    monkeypatch.setattr(module, "_SEPARATION_BLOCK_ENTRIES", 21)
    blocked = class_separation_bounds(model.decision_function(X), y, y >= 0)
    assert_array_equal(blocked[0], low)
    # (high is exact where the candidate passed on the class's own rows.)
    assert_array_equal(blocked[1][low > 0], high[low > 0])
    assert np.all(blocked[1][low <= 0] > 0)
    weights = np.ones_like(y, dtype=bool)
    weights[y == 0] = False  # a class without weighted rows: never "separated"
    low, _ = class_separation_bounds(model.decision_function(X), y, weights)
    assert np.all(np.isinf(low[:, 0]))


def _badly_scaled_classes(n=600, n_classes=3, seed=0):
    """Columns of spreads 1e-3 to 1e4, one far from zero: variables change."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 6))
    W = rng.standard_normal((n_classes, 6))
    y = np.argmax(X @ W.T + rng.gumbel(size=(n, n_classes)), axis=1)
    X = X * np.array([1e4, 1e-3, 1, 1, 5e2, 1]) + np.array([0, 0, 1e3, 0, 0, 0])
    return X, y


@pytest.mark.parametrize("C", [0.5, 100.0])
def test_badly_scaled_fit_reaches_the_optimum_past_the_flat_objective(C):
    # L-BFGS-B's relative-reduction test stopped this fit at tol=1e-8 with
    # max |gradient| 1e-4 in the model's coordinates, 5.9e-8 in probability
    # from the optimum (C=0.5); Dask fits of the same data, whose last line
    # searches saw the flat objective through other roundings, ended 4.9e-8
    # from the NumPy fit. Newton's method is the reference (scikit-learn's
    # lbfgs does not converge on these columns).
    X, y = _badly_scaled_classes()
    ours = SoftmaxRegression(C=C, tol=1e-8, max_iter=1000).fit(X, y)
    optimum = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-10)
    optimum.fit(X, y)
    assert_allclose(ours.predict_proba(X), optimum.predict_proba(X), rtol=0, atol=1e-8)
    assert ours.loss_curve_.shape == (ours.n_iter_[0],)
