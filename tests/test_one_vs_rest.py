"""OneVsRestLogistic against OneVsRestClassifier(LogisticRegression), and its solve.

The reference is always scikit-learn, fitted at ``tol=1e-10`` on standardised
data; nothing here compares OneVsRestLogistic with its own earlier output.
"""

import pickle
import threading
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse, special
from sklearn import config_context
from sklearn.datasets import (
    load_digits,
    load_iris,
    load_wine,
    make_classification,
    make_multilabel_classification,
)
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_score, recall_score
from sklearn.model_selection import cross_val_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skl_softmax import OneVsRestLogistic, SoftmaxRegression
from skl_softmax import _label_problems as label_problems_module
from skl_softmax import _one_vs_rest as one_vs_rest_module
from skl_softmax._batched_lbfgs import minimize_lbfgs_batched
from skl_softmax._compat import HAS_CALLBACKS
from skl_softmax._loss import BinomialLoss
from skl_softmax._solver import minimize_lbfgs

from _callbacks import TaskRecorder

TIGHT = dict(tol=1e-10, max_iter=10_000)

# Agreement with scikit-learn at tol=1e-10 on standardised data.  Measured:
# at most 1e-8 on coefficients and 6e-9 on probabilities; the issue asks 1e-6.
ATOL = 1e-6


def _standardised(X):
    return StandardScaler().fit_transform(X)


def _multiclass(name):
    if name == "iris":
        X, y = load_iris(return_X_y=True)
    elif name == "wine":
        X, y = load_wine(return_X_y=True)
    else:
        X, y = make_classification(
            n_samples=300,
            n_features=8,
            n_informative=5,
            n_classes=4,
            flip_y=0.2,
            random_state=0,
        )
    return _standardised(X), y


def _multilabel(n_samples=300, n_features=10, n_labels=6, random_state=0):
    X, Y = make_multilabel_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_classes=n_labels,
        random_state=random_state,
    )
    return _standardised(X), Y


def _reference(C=1.0, fit_intercept=True, **params):
    return OneVsRestClassifier(
        LogisticRegression(C=C, fit_intercept=fit_intercept, **TIGHT, **params)
    )


def _stacked(reference):
    coef = np.vstack([e.coef_ for e in reference.estimators_])
    intercept = np.concatenate([np.ravel(e.intercept_) for e in reference.estimators_])
    n_iter = np.array([e.n_iter_[0] for e in reference.estimators_])
    return coef, intercept, n_iter


def _assert_matches_reference(ours, reference, X, n_iter_slack=2):
    coef, intercept, n_iter = _stacked(reference)
    assert_allclose(ours.coef_, coef, rtol=0, atol=ATOL)
    assert_allclose(ours.intercept_, intercept, rtol=0, atol=ATOL)
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=ATOL)
    assert_array_equal(ours.classes_, reference.classes_)
    predicted, expected = ours.predict(X), reference.predict(X)
    if sparse.issparse(predicted):
        predicted = predicted.toarray()
    if sparse.issparse(expected):
        expected = expected.toarray()
    assert_array_equal(predicted, expected)
    # Each label's own L-BFGS-B: the iterations of a separate fit, give or
    # take floating-point noise.
    assert ours.n_iter_.shape == n_iter.shape
    assert np.all(np.abs(ours.n_iter_ - n_iter) <= n_iter_slack), (
        ours.n_iter_,
        n_iter,
    )


def _run_with_timeout(function, timeout=60):
    """Run ``function`` in a thread; fail (instead of hanging) if it does not end."""
    outcome = {}

    def target():
        try:
            outcome["value"] = function()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"no result after {timeout} s: the solve hangs"
    return outcome


# -- agreement with scikit-learn ---------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
@pytest.mark.parametrize("dataset", ["iris", "wine", "synthetic"])
def test_multiclass_matches_one_vs_rest_classifier(dataset, C, fit_intercept):
    X, y = _multiclass(dataset)
    ours = OneVsRestLogistic(C=C, fit_intercept=fit_intercept, **TIGHT).fit(X, y)
    reference = _reference(C, fit_intercept).fit(X, y)
    _assert_matches_reference(ours, reference, X)
    assert not ours.multilabel_
    assert_allclose(ours.predict_proba(X).sum(axis=1), 1.0, rtol=1e-12)


def test_digits_match_one_vs_rest_classifier():
    # Ten labels, 64 features.  With a weak penalty (C >= 1 without intercept,
    # C = 100) both L-BFGS-B runs stop on the relative-decrease test a few 1e-4
    # from the optimum that newton-cg reaches, ours and scikit-learn's alike,
    # so the comparison at 1e-6 is made where the optimum is well conditioned.
    X, y = load_digits(return_X_y=True)
    X = _standardised(X)
    ours = OneVsRestLogistic(C=0.1, **TIGHT).fit(X, y)
    reference = _reference(0.1).fit(X, y)
    _assert_matches_reference(ours, reference, X)


@pytest.mark.parametrize("C", [0.01, 1.0, 100.0, np.inf])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_multilabel_matches_one_vs_rest_classifier(C, fit_intercept):
    X, Y = _multilabel()
    ours = OneVsRestLogistic(C=C, fit_intercept=fit_intercept, **TIGHT).fit(X, Y)
    reference = _reference(C, fit_intercept).fit(X, Y)
    _assert_matches_reference(ours, reference, X)
    assert ours.multilabel_
    assert_array_equal(ours.classes_, np.arange(Y.shape[1]))
    assert ours.predict(X).dtype == Y.dtype
    # Independent probabilities: rows do not sum to 1.
    assert np.ptp(ours.predict_proba(X).sum(axis=1)) > 0.1


def test_unpenalised_fit_of_separable_labels_warns():
    X, Y = _multilabel()
    Y = Y.copy()
    Y[:, 2] = (X[:, 0] > 0).astype(int)  # separated by the first feature
    with pytest.warns(ConvergenceWarning, match=r" label 2 is perfectly separated"):
        OneVsRestLogistic(C=np.inf).fit(X, Y)
    Y[:, 0] = (X[:, 1] > 0).astype(int)
    with pytest.warns(
        ConvergenceWarning, match=r" labels 0, 2 are perfectly separated"
    ):
        OneVsRestLogistic(C=np.inf).fit(X, Y)
    # Two classes: one sigmoid, which separates both ("labels 1" before).
    with pytest.warns(ConvergenceWarning, match=r": the two classes are perfectly"):
        OneVsRestLogistic(C=np.inf).fit(X, Y[:, 2])


def test_unpenalised_multiclass_matches_logistic_regression():
    X, y = _multiclass("synthetic")
    ours = OneVsRestLogistic(C=np.inf, **TIGHT).fit(X, y)
    reference = _reference(np.inf).fit(X, y)
    _assert_matches_reference(ours, reference, X)


def test_binary_is_one_logistic_regression():
    X, y = load_iris(return_X_y=True)
    X, y = _standardised(X[y > 0]), np.where(y[y > 0] == 1, "versicolor", "virginica")
    ours = OneVsRestLogistic(**TIGHT).fit(X, y)
    reference = LogisticRegression(**TIGHT).fit(X, y)
    assert ours.coef_.shape == (1, X.shape[1])
    assert ours.n_iter_.shape == (1,)
    assert_allclose(ours.coef_, reference.coef_, atol=ATOL)
    assert_allclose(ours.intercept_, reference.intercept_, atol=ATOL)
    assert ours.decision_function(X).shape == (X.shape[0],)
    assert_allclose(
        ours.decision_function(X), reference.decision_function(X), atol=1e-5
    )
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=ATOL)
    assert_allclose(
        ours.predict_log_proba(X), reference.predict_log_proba(X), atol=1e-5
    )
    assert_array_equal(ours.predict(X), reference.predict(X))
    # OneVsRestClassifier fits the same single problem.
    _assert_matches_reference(ours, _reference().fit(X, y), X)


def test_string_classes_are_kept():
    X, y = _multiclass("iris")
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    ours = OneVsRestLogistic(**TIGHT).fit(X, names)
    assert_array_equal(ours.classes_, ["setosa", "versicolor", "virginica"])
    _assert_matches_reference(ours, _reference().fit(X, names), X)


@pytest.mark.parametrize("sparse_format", ["csr_matrix", "csr_array"])
def test_sparse_X_and_sparse_y(sparse_format):
    X, Y = _multilabel()
    make_sparse = getattr(sparse, sparse_format)
    X_sparse, Y_sparse = make_sparse(X), make_sparse(Y)
    ours = OneVsRestLogistic(**TIGHT).fit(X_sparse, Y_sparse)
    reference = _reference().fit(X, Y)
    _assert_matches_reference(ours, reference, X)
    assert_allclose(ours.predict_proba(X_sparse), ours.predict_proba(X), rtol=1e-12)
    # Sparse targets give sparse predictions, as OneVsRestClassifier does.
    predicted = ours.predict(X_sparse)
    assert sparse.issparse(predicted)
    assert isinstance(predicted, sparse.sparray) == (sparse_format == "csr_array")
    assert_array_equal(predicted.toarray(), reference.predict(X))


def test_sparse_X_multiclass_matches_dense():
    X, y = _multiclass("wine")
    X[np.abs(X) < 0.5] = 0.0
    dense = OneVsRestLogistic(**TIGHT).fit(X, y)
    from_sparse = OneVsRestLogistic(**TIGHT).fit(sparse.csr_matrix(X), y)
    assert_allclose(from_sparse.coef_, dense.coef_, atol=1e-8)
    _assert_matches_reference(from_sparse, _reference().fit(X, y), X)


def test_float32_X_stays_float32():
    X, Y = _multilabel()
    X32 = X.astype(np.float32)
    ours = OneVsRestLogistic().fit(X32, Y)
    assert ours.coef_.dtype == np.float32
    assert ours.intercept_.dtype == np.float32
    assert ours.predict_proba(X32).dtype == np.float32


def test_float32_X_reaches_the_optimum_of_its_data():
    # Past float32 precision the solve finishes with float64 products, so a
    # tight tol reaches the optimum for the float32 data, without warning.
    X, Y = _multilabel()
    X32 = X.astype(np.float32)
    ours = OneVsRestLogistic(**TIGHT).fit(X32, Y)
    reference = _reference().fit(X32.astype(np.float64), Y)
    coef, intercept, _ = _stacked(reference)
    assert_allclose(ours.coef_, coef, rtol=0, atol=1e-6)
    assert_allclose(ours.intercept_, intercept, rtol=0, atol=1e-6)
    for curve, n_iter in zip(ours.loss_curve_, ours.n_iter_, strict=True):
        assert curve.shape == (n_iter,)


def test_huge_sample_weights_do_not_overflow_float32():
    X, Y = _multilabel()
    weights = np.full(len(X), 1e12)
    weights[::2] = 3e12
    ours = OneVsRestLogistic(**TIGHT).fit(
        X.astype(np.float32), Y, sample_weight=weights
    )
    with config_context(enable_metadata_routing=True):
        reference = OneVsRestClassifier(
            LogisticRegression(**TIGHT).set_fit_request(sample_weight=True)
        ).fit(X.astype(np.float32).astype(np.float64), Y, sample_weight=weights)
    coef, intercept, _ = _stacked(reference)
    assert_allclose(ours.coef_, coef, rtol=0, atol=1e-6)
    assert_allclose(ours.intercept_, intercept, rtol=0, atol=1e-6)


def test_column_vector_y_warns_and_equals_1d():
    X, y = _multiclass("iris")
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        from_column = OneVsRestLogistic().fit(X, y[:, None])
    assert_allclose(from_column.coef_, OneVsRestLogistic().fit(X, y).coef_)


# -- prediction --------------------------------------------------------------------


def test_threshold_trades_precision_for_recall():
    X, Y = _multilabel(n_samples=400, random_state=1)
    train, test = slice(0, 300), slice(300, None)
    reference = _reference().fit(X[train], Y[train])
    default = OneVsRestLogistic(**TIGHT).fit(X[train], Y[train])
    lower = OneVsRestLogistic(threshold=0.3, **TIGHT).fit(X[train], Y[train])
    # 0.5 reproduces OneVsRestClassifier; 0.3 marks every label whose
    # reference probability exceeds 0.3.
    assert_array_equal(default.predict(X[test]), reference.predict(X[test]))
    assert_array_equal(
        lower.predict(X[test]), (reference.predict_proba(X[test]) > 0.3).astype(int)
    )
    assert_allclose(lower.coef_, default.coef_)
    # The threshold acts at prediction time only.
    default.set_params(threshold=0.3)
    assert_array_equal(default.predict(X[test]), lower.predict(X[test]))
    default.set_params(threshold=0.5)
    recall = [
        recall_score(Y[test], m.predict(X[test]), average="micro")
        for m in (default, lower)
    ]
    precision = [
        precision_score(Y[test], m.predict(X[test]), average="micro")
        for m in (default, lower)
    ]
    assert recall[1] > recall[0]
    assert precision[1] < precision[0]


def test_a_zero_score_is_no_label_as_in_one_vs_rest_classifier():
    # OneVsRestClassifier predicts a label when its score is > 0: at X = 0
    # without intercept every score is 0 and every probability exactly 0.5.
    X, Y = _multilabel(n_samples=200, random_state=1)
    ours = OneVsRestLogistic(fit_intercept=False).fit(X, Y)
    reference = OneVsRestClassifier(LogisticRegression(fit_intercept=False)).fit(X, Y)
    origin = np.zeros((3, X.shape[1]))
    assert_array_equal(ours.predict_proba(origin), 0.5)
    assert_array_equal(ours.predict(origin), reference.predict(origin))
    assert not ours.predict(origin).any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scores_within_rounding_of_the_threshold_fall_on_their_side(dtype):
    # Scores of ±1e-9 (float32) or ±1e-18 (float64) have probabilities that
    # round to exactly 0.5: the sign of the score decides, as in
    # OneVsRestClassifier, not ``probability >= 0.5``.
    X, Y = _multilabel(n_samples=200, random_state=1)
    model = OneVsRestLogistic(fit_intercept=False).fit(X.astype(dtype), Y)
    tiny = 1e-9 if dtype == np.float32 else 1e-18
    direction = model.coef_[0] / np.sum(model.coef_[0] ** 2)
    near = np.array([tiny, -tiny, 2 * tiny, -2 * tiny], dtype=dtype)[:, None]
    X_near = (near * direction).astype(dtype)
    scores = model.decision_function(X_near)[:, 0]
    assert np.all(np.sign(scores) == np.sign(near[:, 0]))
    assert np.any(model.predict_proba(X_near)[:, 0] == 0.5)
    assert_array_equal(model.predict(X_near)[:, 0], (scores > 0).astype(int))
    for threshold in (0.3, 0.7):
        logit = np.log(threshold / (1 - threshold))
        model.set_params(threshold=threshold)
        X_at = (np.array([logit + 1e-6, logit - 1e-6])[:, None] * direction).astype(
            dtype
        )
        at_scores = model.decision_function(X_at)[:, 0]
        assert_array_equal(model.predict(X_at)[:, 0], (at_scores > logit).astype(int))


def test_thresholds_zero_and_one_predict_every_label_and_none():
    X, Y = _multilabel(n_samples=200, random_state=1)
    model = OneVsRestLogistic().fit(X, Y)
    assert model.set_params(threshold=0.0).predict(X).all()
    assert not model.set_params(threshold=1.0).predict(X).any()


@pytest.mark.parametrize("threshold", [np.nan, 1.5, -0.1, "0.5"])
def test_a_threshold_set_after_fit_is_checked_at_predict(threshold):
    X, Y = _multilabel(n_samples=100, random_state=1)
    model = OneVsRestLogistic().fit(X, Y)
    model.set_params(threshold=threshold)
    with pytest.raises(ValueError, match="'threshold' parameter"):
        model.predict(X)


def test_threshold_does_not_change_multiclass_predictions():
    X, y = _multiclass("iris")
    assert_array_equal(
        OneVsRestLogistic(threshold=0.9).fit(X, y).predict(X),
        OneVsRestLogistic().fit(X, y).predict(X),
    )


def test_multiclass_probabilities_are_normalised_sigmoids():
    X, y = _multiclass("wine")
    ours = OneVsRestLogistic(**TIGHT).fit(X, y)
    scores = ours.decision_function(X)
    sigmoids = 1.0 / (1.0 + np.exp(-scores))
    expected = sigmoids / sigmoids.sum(axis=1, keepdims=True)
    # Computed in log space, so equal to the direct formula up to round-off.
    assert_allclose(ours.predict_proba(X), expected, rtol=1e-10)
    assert_allclose(ours.predict_log_proba(X), np.log(expected), rtol=1e-10)
    assert_array_equal(ours.predict(X), ours.classes_[np.argmax(scores, axis=1)])


def test_log_proba_is_finite_where_probabilities_underflow():
    X, y = _multiclass("iris")
    X_far = 1e4 * X[:5]
    for target in (y, np.column_stack([y == 0, y == 1, y != 1]).astype(int)):
        ours = OneVsRestLogistic(C=100.0).fit(X, target)
        assert np.any(ours.predict_proba(X_far) == 0.0)
        log_proba = ours.predict_log_proba(X_far)
        assert np.all(np.isfinite(log_proba))
        assert_allclose(np.exp(log_proba), ours.predict_proba(X_far))
        if target.ndim == 1:
            # The rows are still distributions.
            assert_allclose(np.exp(log_proba).sum(axis=1), 1.0)


# -- constant labels ---------------------------------------------------------------


def test_constant_labels_are_predicted_as_constants():
    X, Y = _multilabel(n_labels=4)
    Y[:, 1] = 0
    Y[:, 3] = 1
    with pytest.warns(UserWarning, match=r"1 \(absent from every sample\), 3 \("):
        ours = OneVsRestLogistic(**TIGHT).fit(X, Y)
    with pytest.warns(UserWarning, match="is present in all training examples"):
        reference = _reference().fit(X, Y)
    assert np.all(np.isfinite(ours.coef_)) and np.all(np.isfinite(ours.intercept_))
    assert_array_equal(ours.coef_[[1, 3]], 0.0)
    assert_array_equal(ours.n_iter_[[1, 3]], 0)
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=ATOL)
    assert_array_equal(ours.predict(X), reference.predict(X))
    assert np.all(np.isfinite(ours.predict_log_proba(X)))
    for k in (0, 2):
        assert_allclose(ours.coef_[k], reference.estimators_[k].coef_[0], atol=ATOL)


@pytest.mark.parametrize("class_weight", [None, "balanced", {0: 2.0}])
def test_all_labels_constant(class_weight):
    # With class weights this divided by zero (no label left to weigh).
    X, _ = _multilabel(n_labels=2)
    Y = np.column_stack([np.zeros(len(X), int), np.ones(len(X), int)])
    with pytest.warns(UserWarning, match="Labels constant in training"):
        ours = OneVsRestLogistic(class_weight=class_weight).fit(X, Y)
    with pytest.warns(UserWarning, match="present in all training examples"):
        reference = _reference(class_weight=class_weight).fit(X, Y)
    assert_array_equal(ours.predict(X), reference.predict(X))
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-15)
    assert_array_equal(ours.coef_, 0.0)
    assert_array_equal(ours.n_iter_, [0, 0])


def test_constant_labels_warning_names_a_few_and_counts_the_rest():
    # 16 constant labels of 40 were all listed, each with its side.
    X, Y = _multilabel(n_labels=40)
    Y[:, 10:18] = 0
    Y[:, 30:38] = 1
    with pytest.warns(UserWarning, match="Labels constant in training") as caught:
        OneVsRestLogistic().fit(X, Y)
    (message,) = [
        str(w.message) for w in caught if "constant in training" in str(w.message)
    ]
    assert message.startswith(
        "Labels constant in training: 10 (absent from every sample), 11 (absent "
        "from every sample), 12 (absent from every sample) and 13 more."
    )


# -- weights -----------------------------------------------------------------------


def test_integer_sample_weights_equal_repeated_rows(rng):
    X, Y = _multilabel(n_samples=120)
    weights = rng.integers(0, 4, size=len(X))
    weighted = OneVsRestLogistic(**TIGHT).fit(X, Y, sample_weight=weights)
    repeated = OneVsRestLogistic(**TIGHT).fit(
        np.repeat(X, weights, axis=0), np.repeat(Y, weights, axis=0)
    )
    assert_allclose(weighted.coef_, repeated.coef_, atol=1e-7)
    assert_allclose(weighted.intercept_, repeated.intercept_, atol=1e-7)


@pytest.mark.parametrize("target", ["multiclass", "multilabel"])
def test_sample_weight_matches_one_vs_rest_classifier(target, rng):
    X, y = _multiclass("synthetic") if target == "multiclass" else _multilabel()
    weights = rng.uniform(0.1, 3.0, size=len(X))
    ours = OneVsRestLogistic(**TIGHT).fit(X, y, sample_weight=weights)
    with config_context(enable_metadata_routing=True):
        reference = OneVsRestClassifier(
            LogisticRegression(**TIGHT).set_fit_request(sample_weight=True)
        ).fit(X, y, sample_weight=weights)
    _assert_matches_reference(ours, reference, X)


@pytest.mark.parametrize("target", ["multiclass", "multilabel", "binary"])
def test_balanced_class_weight_matches_one_vs_rest_classifier(target, rng):
    if target == "multilabel":
        X, y = _multilabel()
    else:
        X, y = _multiclass("synthetic")
        if target == "binary":
            y = (y == 0).astype(int)  # a quarter of positives
    weights = rng.uniform(0.1, 3.0, size=len(X))
    ours = OneVsRestLogistic(class_weight="balanced", **TIGHT).fit(
        X, y, sample_weight=weights
    )
    with config_context(enable_metadata_routing=True):
        reference = OneVsRestClassifier(
            LogisticRegression(class_weight="balanced", **TIGHT).set_fit_request(
                sample_weight=True
            )
        ).fit(X, y, sample_weight=weights)
    _assert_matches_reference(ours, reference, X)


@pytest.mark.parametrize("target", ["multiclass", "multilabel"])
def test_dict_class_weight_weighs_the_positives_of_each_label(target):
    X, y = _multiclass("synthetic") if target == "multiclass" else _multilabel()
    ours = OneVsRestLogistic(**TIGHT)
    if target == "multiclass":
        ours.set_params(class_weight={0: 3.0, 2: 0.5})
        Y = (y[:, None] == np.arange(4)).astype(int)
    else:
        ours.set_params(class_weight={0: 3.0, 2: 0.5, 5: 10.0})
        Y = y
    ours.fit(X, y)
    for k in range(Y.shape[1]):
        positive_weight = ours.class_weight.get(k, 1.0)
        reference = LogisticRegression(
            class_weight={0: 1.0, 1: positive_weight}, **TIGHT
        ).fit(X, Y[:, k])
        assert_allclose(ours.coef_[k], reference.coef_[0], atol=ATOL)
        assert_allclose(ours.intercept_[k], reference.intercept_[0], atol=ATOL)


def test_dict_class_weight_binary_is_logistic_regression():
    X, y = _multiclass("synthetic")
    y = np.where(y == 0, "rare", "common")
    class_weight = {"rare": 4.0, "common": 0.5}
    ours = OneVsRestLogistic(class_weight=class_weight, **TIGHT).fit(X, y)
    reference = LogisticRegression(class_weight=class_weight, **TIGHT).fit(X, y)
    assert_allclose(ours.coef_, reference.coef_, atol=ATOL)
    assert_allclose(ours.intercept_, reference.intercept_, atol=ATOL)


# -- the objective and its gradient, as the batched solve uses them ----------------


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("matrix", [np.asarray, sparse.csr_matrix])
def test_batched_gradient_matches_central_differences(fit_intercept, matrix, rng):
    # The gradients one round hands back, for a subset of the labels with
    # per-label weights and the solver's change of variables:
    # X̃ᵀ (σ(Z) − Y) / S_k + w_k / (C S_k), by central differences of L_k.
    n_samples, n_features, n_labels = 40, 5, 4
    X = rng.normal(size=(n_samples, n_features))
    Y = (rng.uniform(size=(n_samples, n_labels)) < 0.4).astype(float)
    weights = rng.uniform(0.5, 2.0, size=(n_samples, n_labels))
    objective = BinomialLoss(
        matrix(X),
        Y,
        weights,
        0.7,
        fit_intercept,
        x_offset=rng.normal(size=n_features) if fit_intercept else None,
        x_scale=rng.uniform(0.5, 2.0, size=n_features),
    )
    outputs = np.array([1, 3])
    W = rng.normal(size=(2, n_features))
    b = rng.normal(size=2)
    losses, grad_W, grad_b = objective.evaluate(W, b, outputs=outputs)

    def loss(row, W, b):
        W_model, b_model = objective.to_model(W[row : row + 1], b[row : row + 1])
        all_W = np.zeros((n_labels, n_features))
        all_b = np.zeros(n_labels)
        all_W[outputs[row]], all_b[outputs[row]] = W_model[0], b_model[0]
        return objective.objectives(all_W, all_b)[outputs[row]]

    h = 1e-6
    for row in range(2):
        assert_allclose(losses[row], loss(row, W, b), rtol=1e-12)
        for j in range(n_features):
            step = np.zeros_like(W)
            step[row, j] = h
            numeric = (loss(row, W + step, b) - loss(row, W - step, b)) / (2 * h)
            assert_allclose(grad_W[row, j], numeric, rtol=1e-6, atol=1e-9)
        if fit_intercept:
            step = np.zeros(2)
            step[row] = h
            numeric = (loss(row, W, b + step) - loss(row, W, b - step)) / (2 * h)
            assert_allclose(grad_b[row], numeric, rtol=1e-6, atol=1e-9)


# -- the batched solve -------------------------------------------------------------


class _CountingLoss(BinomialLoss):
    """BinomialLoss that remembers its instances, to read ``n_evaluations``."""

    instances = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _CountingLoss.instances.append(self)


def test_batching_costs_the_slowest_label_not_the_sum(monkeypatch, batched_labels):
    monkeypatch.setattr(label_problems_module, "BinomialLoss", _CountingLoss)
    monkeypatch.setattr(_CountingLoss, "instances", [])
    X, Y = _multilabel(n_labels=8)
    OneVsRestLogistic(**TIGHT).fit(X, Y)
    (batched,) = _CountingLoss.instances
    # The same labels fitted one at a time: each evaluation is one pass.
    separate = []
    for k in range(Y.shape[1]):
        _CountingLoss.instances = []
        OneVsRestLogistic(**TIGHT).fit(X, Y[:, k])
        separate.append(_CountingLoss.instances[0].n_evaluations)
    # One pass per round; a round evaluates every running label at once, so
    # there are as many as the slowest label needs, not the sum.
    assert abs(batched.n_evaluations - max(separate)) <= 2
    assert batched.n_evaluations < sum(separate) / 4


def test_one_pass_over_X_per_round(monkeypatch, batched_labels):
    monkeypatch.setattr(label_problems_module, "BinomialLoss", _CountingLoss)
    monkeypatch.setattr(_CountingLoss, "instances", [])
    solves = []

    def recording(*args, **kwargs):
        solves.append(minimize_lbfgs_batched(*args, **kwargs))
        return solves[-1]

    monkeypatch.setattr(one_vs_rest_module, "minimize_lbfgs_batched", recording)
    X, Y = _multilabel(n_labels=8)
    OneVsRestLogistic(**TIGHT).fit(X, Y)
    ((_, n_rounds, n_evaluations),) = solves
    (objective,) = _CountingLoss.instances
    assert objective.n_evaluations == n_rounds == n_evaluations.max()
    assert n_evaluations.sum() > 4 * n_rounds


@pytest.mark.parametrize("target", ["multiclass", "binary", "multilabel", "sparse"])
def test_targets_are_held_once_per_label_in_flight(monkeypatch, batched_labels, target):
    # The loss holds one row of targets per label in flight, never a dense
    # (n_problems, n_samples) copy: labels are loaded into free rows.
    monkeypatch.setattr(label_problems_module, "BinomialLoss", _CountingLoss)
    monkeypatch.setattr(_CountingLoss, "instances", [])
    monkeypatch.setattr(label_problems_module, "_MAX_IN_FLIGHT", 2)
    X, y = load_iris(return_X_y=True)
    if target == "binary":
        y = y == 2
    elif target != "multiclass":
        X, y = _multilabel(n_labels=4)
        y = sparse.csr_matrix(y) if target == "sparse" else y
    model = OneVsRestLogistic().fit(X, y)
    (objective,) = _CountingLoss.instances
    assert objective._Y_t.shape == (min(2, model.coef_.shape[0]), X.shape[0])
    reference = OneVsRestClassifier(LogisticRegression()).fit(X, y)
    assert_allclose(model.predict_proba(X), reference.predict_proba(X), atol=1e-3)


# Three independent quadratics with different curvatures.
_CURVATURES = [np.array([1.0, 1.0]), np.array([1.0, 30.0]), np.array([1.0, 1e3])]


def _alone(p):
    """Problem ``p`` solved by a separate minimize_lbfgs."""
    return minimize_lbfgs(
        lambda x: (0.5 * np.sum(_CURVATURES[p] * x**2), _CURVATURES[p] * x),
        np.ones(2),
        tol=1e-8,
        max_iter=100,
    )


def test_rounds_equal_the_largest_evaluation_count():
    # The slowest needs the most evaluations; every round evaluates all
    # running ones.
    curvatures = _CURVATURES
    calls = []

    def evaluate(problems, points):
        calls.append(list(problems))
        pairs = list(zip(problems, points, strict=True))
        values = [0.5 * np.sum(curvatures[p] * x**2) for p, x in pairs]
        grads = [curvatures[p] * x for p, x in pairs]
        return np.array(values), np.array(grads)

    results, n_rounds, n_evaluations = minimize_lbfgs_batched(
        evaluate, [np.ones(2)] * 3, tol=1e-8, max_iter=100
    )
    assert n_rounds == len(calls) == n_evaluations.max()
    assert n_evaluations.sum() > n_rounds
    # Each problem took part in exactly its own number of rounds, and its
    # iterates are those of a separate minimize_lbfgs.
    for p in range(3):
        assert sum(p in call for call in calls) == n_evaluations[p]
        alone = _alone(p)
        assert results[p].n_iter == alone.n_iter
        assert_allclose(results[p].x, alone.x, rtol=0, atol=1e-14)
        assert results[p].converged


def test_one_worker_solves_the_problems_in_turn_on_the_callers_thread():
    # One problem in flight (a binary fit, or labels the memory budget takes
    # one at a time): no thread is started, and the problems, their iterates
    # and the monitor's view are those of separate fits one after another.
    curvatures = _CURVATURES
    caller = threading.current_thread()
    calls, seen = [], []

    def evaluate(problems, points):
        assert threading.current_thread() is caller
        assert not [t for t in threading.enumerate() if "lbfgs" in t.name]
        calls.append(list(problems))
        (p,), (x,) = problems, points
        return np.array([0.5 * np.sum(curvatures[p] * x**2)]), (curvatures[p] * x)[None]

    def monitor(iterations, n_finished, in_flight):
        seen.append(([it[0] for it in iterations], n_finished, list(in_flight)))

    results, n_rounds, n_evaluations = minimize_lbfgs_batched(
        evaluate, [np.ones(2)] * 3, tol=1e-8, max_iter=100, monitor=monitor, n_workers=1
    )
    assert calls == [[p] for p in range(3) for _ in range(n_evaluations[p])]
    assert n_rounds == len(calls) == n_evaluations.sum()
    for p in range(3):
        alone = _alone(p)
        assert results[p].n_iter == alone.n_iter
        assert_array_equal(results[p].x, alone.x)
    # Before every round, then once at the end; each iteration seen once, in order.
    assert len(seen) == n_rounds + 1
    assert [call[2] for call in seen] == [*calls, []]
    assert [p for call in seen for p in call[0]] == [
        p for p in range(3) for _ in range(results[p].n_iter)
    ]
    assert seen[-1][1] == 3


def test_one_worker_stops_every_problem_when_the_monitor_asks():
    def monitor(iterations, n_finished, in_flight):
        if iterations:
            raise StopIteration

    results, _, _ = minimize_lbfgs_batched(
        _quadratic_evaluate,
        [np.full(3, 5.0)] * 3,
        tol=1e-12,
        max_iter=100,
        monitor=monitor,
        n_workers=1,
    )
    # The first stops at its next iteration; the others never start.
    assert results[0].n_iter in (1, 2)
    assert [r.n_iter for r in results[1:]] == [0, 0]
    assert all(r.stopped_by_callback for r in results)


def _quadratic_evaluate(problems, points):
    points = np.asarray(points)
    return 0.5 * np.sum(points**2, axis=1) * (1 + np.asarray(problems)), points * (
        1 + np.asarray(problems)[:, None]
    )


@pytest.mark.parametrize("n_workers", [None, 1])
@pytest.mark.parametrize("failing_round", [1, 3])
def test_an_exception_in_the_batched_evaluation_propagates_without_hanging(
    failing_round, n_workers
):
    n_calls = []

    def evaluate(problems, points):
        n_calls.append(1)
        if len(n_calls) == failing_round:
            raise RuntimeError("injected failure in the batched evaluation")
        return _quadratic_evaluate(problems, points)

    threads_before = threading.active_count()
    outcome = _run_with_timeout(
        lambda: minimize_lbfgs_batched(
            evaluate,
            [np.full(3, 5.0)] * 4,
            tol=1e-12,
            max_iter=100,
            n_workers=n_workers,
        )
    )
    assert "injected failure" in str(outcome["error"])
    assert threading.active_count() == threads_before


@pytest.mark.parametrize("n_workers", [None, 1])
def test_one_label_failing_aborts_the_others_without_hanging(n_workers):
    # A non-finite objective for one problem raises in that problem's thread
    # (minimize_lbfgs refuses it); the others must not wait for it forever.
    def evaluate(problems, points):
        values, grads = _quadratic_evaluate(problems, points)
        if 2 in problems and len(problems) > 0:
            values[problems.index(2)] = np.nan
        return values, grads

    threads_before = threading.active_count()
    outcome = _run_with_timeout(
        lambda: minimize_lbfgs_batched(
            evaluate,
            [np.full(3, 5.0)] * 4,
            tol=1e-12,
            max_iter=100,
            n_workers=n_workers,
        )
    )
    assert isinstance(outcome["error"], FloatingPointError)
    assert threading.active_count() == threads_before


@pytest.mark.parametrize("n_workers", [None, 1])
def test_a_failing_monitor_propagates_without_hanging(n_workers):
    def monitor(iterations, n_finished, in_flight):
        if iterations:
            raise KeyError("injected failure in the monitor")

    outcome = _run_with_timeout(
        lambda: minimize_lbfgs_batched(
            _quadratic_evaluate,
            [np.full(3, 5.0)] * 3,
            tol=1e-12,
            max_iter=100,
            monitor=monitor,
            n_workers=n_workers,
        )
    )
    assert isinstance(outcome["error"], KeyError)


def test_a_thread_that_cannot_start_does_not_hang(monkeypatch):
    # As when the system refuses more threads: the ones started are aborted
    # and joined, and the error reaches the caller.
    start = threading.Thread.start

    def failing_start(thread):
        if thread.name == "skl_softmax-lbfgs-2":
            raise RuntimeError("can't start new thread")
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", failing_start)
    threads_before = threading.active_count()
    outcome = _run_with_timeout(
        lambda: minimize_lbfgs_batched(
            _quadratic_evaluate, [np.full(3, 5.0)] * 4, tol=1e-12, max_iter=100
        )
    )
    assert "can't start new thread" in str(outcome["error"])
    assert threading.active_count() == threads_before


def test_fit_raises_when_the_objective_fails(monkeypatch, batched_labels):
    X, Y = _multilabel()
    original = BinomialLoss.evaluate
    calls = []

    def failing(self, W, b, outputs=None):
        calls.append(1)
        if len(calls) == 4:
            raise MemoryError("injected failure")
        return original(self, W, b, outputs)

    monkeypatch.setattr(BinomialLoss, "evaluate", failing)
    outcome = _run_with_timeout(lambda: OneVsRestLogistic().fit(X, Y))
    assert isinstance(outcome["error"], MemoryError)


def test_fit_raises_when_one_label_objective_is_not_finite(monkeypatch, batched_labels):
    # Label 3's objective turns NaN at its fifth evaluation: its own solver
    # raises, the other labels are aborted, and fit reports that error.
    X, Y = _multilabel()
    original = BinomialLoss.evaluate
    seen = []

    def nan_for_label_3(self, W, b, outputs=None):
        losses, grad_W, grad_b = original(self, W, b, outputs)
        if 3 in outputs:
            seen.append(1)
            if len(seen) == 5:
                losses[list(outputs).index(3)] = np.nan
        return losses, grad_W, grad_b

    monkeypatch.setattr(BinomialLoss, "evaluate", nan_for_label_3)
    outcome = _run_with_timeout(lambda: OneVsRestLogistic(**TIGHT).fit(X, Y))
    assert isinstance(outcome["error"], FloatingPointError)


# -- convergence, warm start, progress -----------------------------------------------


def test_convergence_warning_names_the_labels_and_points_at_fit():
    X, y = _multiclass("wine")
    with pytest.warns(ConvergenceWarning) as record:
        OneVsRestLogistic(max_iter=3).fit(X, y)
    (warning,) = record
    message = str(warning.message)
    assert "did not converge for 3 of 3 labels" in message
    for label in (0, 1, 2):
        assert f"label {label} reached max_iter=3 iterations" in message
    assert "Increase max_iter" in message
    assert warning.filename == __file__


def test_convergence_warning_names_only_the_slow_label():
    X, y = _multiclass("wine")
    separate = [LogisticRegression(**TIGHT).fit(X, y == k).n_iter_[0] for k in range(3)]
    slowest = int(np.argmax(separate))
    second = sorted(separate)[-2]
    max_iter = (second + separate[slowest]) // 2  # between the two slowest
    assert second < max_iter < separate[slowest]
    with pytest.warns(ConvergenceWarning, match="1 of 3 labels") as record:
        ours = OneVsRestLogistic(tol=1e-10, max_iter=max_iter).fit(X, y)
    assert f"label {slowest} reached" in str(record[0].message)
    assert ours.n_iter_[slowest] == max_iter


def test_n_iter_and_loss_curve_per_label():
    X, Y = _multilabel()
    ours = OneVsRestLogistic(**TIGHT).fit(X, Y)
    reference = _reference().fit(X, Y)
    assert ours.n_iter_.shape == (Y.shape[1],)
    assert len(ours.loss_curve_) == Y.shape[1]
    for k, curve in enumerate(ours.loss_curve_):
        assert curve.shape == (ours.n_iter_[k],)
        assert np.all(np.diff(curve) <= 1e-15)
        # The last value is LogisticRegression's objective at its optimum.
        estimator = reference.estimators_[k]
        z = X @ estimator.coef_[0] + estimator.intercept_[0]
        objective = np.mean(np.logaddexp(0, z) - Y[:, k] * z) + np.sum(
            estimator.coef_**2
        ) / (2 * len(X))
        assert_allclose(curve[-1], objective, rtol=1e-12)


def test_warm_start_continues_from_the_previous_solution():
    X, y = _multiclass("synthetic")
    # A restarted L-BFGS-B stops at a different point within tol of the
    # optimum, so the reference is the optimum itself, which newton-cg reaches.
    optimum = OneVsRestClassifier(
        LogisticRegression(solver="newton-cg", tol=1e-12, max_iter=1000)
    ).fit(X, y)
    ours = OneVsRestLogistic(warm_start=True, tol=1e-10, max_iter=4)
    with pytest.warns(ConvergenceWarning):
        ours.fit(X, y)
    ours.set_params(max_iter=10_000).fit(X, y)
    _assert_matches_reference(ours, optimum, X, n_iter_slack=np.inf)
    # Restarting at the optimum: no iteration is needed.
    ours.fit(X, y)
    assert np.all(ours.n_iter_ <= 1)


def test_warm_start_along_a_regularisation_path_saves_iterations():
    X, y = _multiclass("synthetic")
    cold = OneVsRestLogistic(C=1.5, **TIGHT).fit(X, y)
    warm = OneVsRestLogistic(C=1.0, warm_start=True, **TIGHT).fit(X, y)
    warm.set_params(C=1.5).fit(X, y)
    assert warm.n_iter_.sum() < cold.n_iter_.sum()
    optimum = OneVsRestClassifier(
        LogisticRegression(C=1.5, solver="newton-cg", tol=1e-12, max_iter=1000)
    ).fit(X, y)
    _assert_matches_reference(warm, optimum, X, n_iter_slack=np.inf)


def test_warm_start_needs_the_same_labels():
    X, y = _multiclass("wine")
    ours = OneVsRestLogistic(warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match=r"warm_start needs the previous coef_"):
        ours.fit(X[y > 0], y[y > 0])


@pytest.mark.skipif(not HAS_CALLBACKS, reason="callbacks need scikit-learn >= 1.9")
def test_callbacks_with_max_iter_zero():
    X, y = _multiclass("iris")
    callback = _RecordingCallback()
    with pytest.warns(ConvergenceWarning, match="max_iter=0"):
        OneVsRestLogistic(max_iter=0).set_callbacks(callback).fit(X, y)
    assert callback.ends[-1][0] == "fit"


def test_verbose_prints_each_label(capsys):
    X, y = _multiclass("iris")
    ours = OneVsRestLogistic(verbose=1).fit(X, y)
    out = capsys.readouterr().out
    for label in ours.classes_.tolist():
        assert out.count(f"label {label!r}   iteration") == ours.n_iter_[label]


@pytest.mark.parametrize("max_iter", [1, 2, 5])
def test_verbose_prints_the_gradient_that_tol_bounds(capsys, max_iter):
    # On badly scaled data the solver works in other coordinates: the lines
    # printed the solver's gradient (6x too small on raw iris after 2
    # iterations, 100x near the end), not the gradient with respect to coef_
    # and intercept_ that tol bounds and the ConvergenceWarning reports.
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = OneVsRestLogistic(verbose=1, max_iter=max_iter).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    for k, label in enumerate(ours.classes_.tolist()):
        last = [line for line in lines if line.startswith(f"label {label!r} ")][-1]
        printed = float(last.rsplit("max |gradient|", 1)[1])
        # The gradient of the label's objective at the fitted coefficients,
        # by hand: (sigmoid(z) - y)ᵀ [X 1] / n + [w 0] / (C n).
        residual = special.expit(X @ ours.coef_[k] + ours.intercept_[k]) - (y == k)
        gradient = np.append(
            X.T @ residual / len(y) + ours.coef_[k] / len(y), residual.mean()
        )
        assert printed == pytest.approx(np.abs(gradient).max(), rel=2e-3)


@pytest.mark.skipif(not HAS_CALLBACKS, reason="callbacks need scikit-learn >= 1.9")
def test_progress_bar_runs(capsys):
    from sklearn.callback import ProgressBar

    X, Y = _multilabel()
    ours = OneVsRestLogistic().set_callbacks(ProgressBar()).fit(X, Y)
    assert ours.predict(X).shape == Y.shape
    assert "OneVsRestLogistic" in capsys.readouterr().out


class _RecordingCallback(TaskRecorder):
    """Records the name and reconstructed model of every task end."""

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None, **kwargs):
        self.ends.append((context.task_name, fitted_estimator))


@pytest.mark.skipif(not HAS_CALLBACKS, reason="callbacks need scikit-learn >= 1.9")
def test_callbacks_get_one_subtask_per_iteration_of_the_slowest_label():
    X, Y = _multilabel()
    callback = _RecordingCallback()
    ours = OneVsRestLogistic(**TIGHT).set_callbacks(callback).fit(X, Y)
    iterations = [fitted for name, fitted in callback.ends if name == "lbfgs-iter"]
    assert len(iterations) == ours.n_iter_.max() + 1
    # The last finished subtask carries the final model.
    assert_allclose(iterations[-2].coef_, ours.coef_, rtol=1e-12)
    assert_allclose(iterations[-2].predict_proba(X), ours.predict_proba(X))
    assert callback.ends[-1][0] == "fit"


# -- estimator hygiene -------------------------------------------------------------


def test_in_a_pipeline_with_cross_validation():
    X, Y = make_multilabel_classification(n_samples=150, n_classes=4, random_state=0)
    pipeline = make_pipeline(StandardScaler(), OneVsRestLogistic())
    scores = cross_val_score(pipeline, X, Y, cv=3, scoring="f1_micro")
    reference = cross_val_score(
        make_pipeline(StandardScaler(), OneVsRestClassifier(LogisticRegression())),
        X,
        Y,
        cv=3,
        scoring="f1_micro",
    )
    # Same iterates as the reference, so the same predictions in every fold.
    assert_allclose(scores, reference, rtol=1e-12)


def test_pickle_round_trip():
    X, Y = _multilabel()
    ours = OneVsRestLogistic().fit(X, Y)
    restored = pickle.loads(pickle.dumps(ours))
    assert_array_equal(restored.predict(X), ours.predict(X))
    assert_allclose(restored.predict_proba(X), ours.predict_proba(X))


@pytest.mark.parametrize("sparse_input", [False, True])
def test_inputs_are_not_modified(sparse_input, rng):
    X, Y = _multilabel()
    weights = rng.uniform(0.5, 2.0, size=len(X))
    if sparse_input:
        X, Y = sparse.csr_matrix(X), sparse.csr_matrix(Y)
    copies = [a.copy() for a in (X, Y, weights)]
    OneVsRestLogistic(class_weight="balanced").fit(X, Y, sample_weight=weights)
    for original, copy in zip((X, Y, weights), copies, strict=True):
        if sparse.issparse(original):
            original, copy = original.toarray(), copy.toarray()
        assert_array_equal(original, copy)


def test_no_threads_are_left_behind(batched_labels):
    before = threading.active_count()
    OneVsRestLogistic().fit(*_multilabel())
    assert threading.active_count() == before


# -- errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "Y, match",
    [
        (np.array([[0, 2], [1, 0], [1, 1]] * 5), "multi-label indicator matrix"),
        (np.array([[0.5, 1.0], [1.0, 0.0], [0.0, 1.0]] * 5), "multi-label indicator"),
        (np.array([["a", "b"], ["b", "a"], ["a", "a"]] * 5), "multi-label indicator"),
    ],
)
def test_two_dimensional_targets_must_be_indicators(Y, match):
    X = np.random.default_rng(0).normal(size=(len(Y), 3))
    with pytest.raises(ValueError, match=match):
        OneVsRestLogistic().fit(X, Y)


def test_one_class_is_an_error():
    X, _ = _multiclass("iris")
    with pytest.raises(ValueError, match="at least 2 classes"):
        OneVsRestLogistic().fit(X, np.zeros(len(X)))


@pytest.mark.parametrize(
    "sample_weight, match",
    [
        (-np.ones(150), "sample_weight must be non-negative"),
        (np.full(150, np.nan), "sample_weight must be finite"),
        (np.ones(3), r"sample_weight must have shape \(150,\)"),
        (np.zeros(150), "sample_weight must have a positive sum"),
    ],
)
def test_bad_sample_weight(sample_weight, match):
    X, y = _multiclass("iris")
    with pytest.raises(ValueError, match=match):
        OneVsRestLogistic().fit(X, y, sample_weight=sample_weight)


def test_bad_class_weight():
    X, y = _multiclass("iris")
    with pytest.raises(ValueError, match="class_weight must have keys among"):
        OneVsRestLogistic(class_weight={7: 2.0}).fit(X, y)
    # A dict that weighs every class may weigh others too, as for
    # LogisticRegression (a class absent from a training fold).
    full = {0: 1.0, 1: 2.0, 2: 3.0}
    assert_array_equal(
        OneVsRestLogistic(class_weight={**full, 7: 5.0}).fit(X, y).coef_,
        OneVsRestLogistic(class_weight=full).fit(X, y).coef_,
    )
    with pytest.raises(ValueError, match="finite, non-negative"):
        OneVsRestLogistic(class_weight={0: -1.0}).fit(X, y)
    # No weight among the positives of label 2: "balanced" is undefined.
    weights = (y != 2).astype(float)
    with pytest.raises(ValueError, match="for label 2"):
        OneVsRestLogistic(class_weight="balanced").fit(X, y, sample_weight=weights)


@pytest.mark.parametrize(
    "params", [{"threshold": 1.5}, {"threshold": -0.1}, {"C": 0}, {"max_iter": -1}]
)
def test_bad_parameters(params):
    X, y = _multiclass("iris")
    (name,) = params
    with pytest.raises(
        ValueError, match=f"The '{name}' parameter of OneVsRestLogistic"
    ):
        OneVsRestLogistic(**params).fit(X, y)


def test_non_finite_X_and_wrong_feature_count():
    X, y = _multiclass("iris")
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        OneVsRestLogistic().fit(X_nan, y)
    ours = OneVsRestLogistic().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        ours.predict(X[:, :2])


def test_softmax_regression_points_multilabel_targets_here():
    X, Y = _multilabel()
    with pytest.raises(ValueError, match="OneVsRestLogistic"):
        SoftmaxRegression().fit(X, Y)


def test_no_warning_on_a_plain_fit():
    X, y = _multiclass("iris")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        OneVsRestLogistic().fit(X, y)


@pytest.mark.parametrize(
    "Y",
    [
        np.array([[0, 1], [1, 1], [0, 0]]),
        np.array([[0, 1], [1, 1], [0, 0]], dtype=bool),
        np.array([[0, 1], [1, 1], [0, 0]], dtype=np.uint8),
        np.zeros((3, 4), dtype=np.int64),
        np.array([[0, 2], [1, 1], [0, 0]]),
        np.array([[0], [1], [1]]),
        np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]]),
        np.array([[-1, 1], [1, 1], [0, 0]]),
    ],
)
def test_integer_indicator_shortcut_agrees_with_type_of_target(Y):
    # The one-pass check accepts only what type_of_target calls a multi-label
    # indicator of 0s and 1s; anything else goes through the full check.
    from sklearn.utils.multiclass import type_of_target

    from skl_softmax._one_vs_rest import _is_binary_integer_matrix

    if _is_binary_integer_matrix(Y):
        assert type_of_target(Y) == "multilabel-indicator"
        assert set(np.unique(Y).tolist()) <= {0, 1}
    else:
        assert Y.dtype.kind == "f" or Y.shape[1] == 1 or not np.isin(Y, [0, 1]).all()


@pytest.mark.parametrize("C", [0.5, 100.0])
def test_badly_scaled_labels_reach_the_optimum_past_the_flat_objective(C):
    # As SoftmaxRegression's (tests/test_softmax_regression.py): each label's
    # L-BFGS-B can stop on its relative-reduction test far from tol when the
    # columns are badly scaled; Newton's method is the reference.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((600, 6))
    Y = (X @ rng.standard_normal((6, 4)) + rng.logistic(size=(600, 4)) > 0).astype(int)
    X = X * np.array([1e4, 1e-3, 1, 1, 5e2, 1]) + np.array([0, 0, 1e3, 0, 0, 0])
    ours = OneVsRestLogistic(C=C, tol=1e-8, max_iter=1000).fit(X, Y)
    optimum = OneVsRestClassifier(
        LogisticRegression(C=C, solver="newton-cholesky", tol=1e-10)
    ).fit(X, Y)
    assert_allclose(ours.predict_proba(X), optimum.predict_proba(X), rtol=0, atol=1e-8)
