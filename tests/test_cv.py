"""SoftmaxRegressionCV and OneVsRestLogisticCV against scikit-learn's searches."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn import config_context
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import get_scorer, log_loss, make_scorer
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    KFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from skl_softmax import (
    OneVsRestLogistic,
    OneVsRestLogisticCV,
    SoftmaxRegression,
    SoftmaxRegressionCV,
    _cv,
    _fold_problems,
    _loss,
    _solver,
    neg_cross_entropy,
)
from skl_softmax._base import Conditioning, column_statistics
from skl_softmax._compat import HAS_CALLBACKS

from _callbacks import TaskRecorder

CS = np.logspace(-3, 2, 6)
TIGHT = {"tol": 1e-8, "max_iter": 1000}


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """scikit-learn's fits of these small problems on one BLAS thread.

    On a busy machine their busy-waiting BLAS threads make
    LogisticRegressionCV 15× slower (our fits limit their own pools).
    """
    with threadpool_limits(1):
        yield


@pytest.fixture(autouse=True)
def _folds_together_at_any_size(monkeypatch):
    """SoftmaxRegressionCV fits its folds together only on large data (where it
    pays); here on any data, so that every test below checks that way too
    (n_jobs=1 checks the other), their held-out rows skipped by groups of rows
    of any size."""
    monkeypatch.setattr(_fold_problems, "_MIN_MULTIPLY_ADDS", 0)
    monkeypatch.setattr(_fold_problems, "_MIN_GROUP_MULTIPLY_ADDS", 0)


def _reference_cv(Cs, folds, **params):
    """LogisticRegressionCV with the modern attributes and an L2 penalty."""
    return LogisticRegressionCV(
        Cs=Cs,
        cv=folds,
        scoring=params.pop("scoring", "neg_log_loss"),
        use_legacy_attributes=False,
        l1_ratios=(0.0,),
        **TIGHT,
        **params,
    )


def _one_outlier(n_classes):
    """Separated classes and one class-0 sample deep in class 1's region."""
    rng = np.random.default_rng(0)
    n = 60 if n_classes == 3 else 120
    y = np.repeat(np.arange(n_classes), n // n_classes)
    X = rng.standard_normal((n, 2))
    X[y == 1] += 8
    X[y == 2] -= 8
    X[0] = [40, 0] if n_classes == 3 else [40, 40]
    return X, y


@pytest.mark.parametrize(
    "Estimator, n_classes", [(SoftmaxRegressionCV, 3), (OneVsRestLogisticCV, 2)]
)
def test_an_outlier_costs_what_log_loss_clips_it_to(Estimator, n_classes):
    # log_loss clips probabilities to [eps, 1 - eps]: the outlier costs at most
    # -log(eps) = 36.04 at C=1e8, where its exact loss is several hundred.
    # Unclipped, its fold's score (-8.96 against -1.80) made C_ 1e-3, not 1e8.
    X, y = _one_outlier(n_classes)
    Cs = [1e-3, 1e8]
    folds = StratifiedKFold(3)
    ours = Estimator(Cs=Cs, cv=folds, tol=1e-8, max_iter=2000).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # LRCV's, at C=1e8
        reference = _reference_cv(Cs, folds).fit(X, y)
    assert reference.C_ == 1e8
    assert_array_equal(np.ravel(ours.C_), reference.C_)
    scores = ours.scores_[0] if Estimator is OneVsRestLogisticCV else ours.scores_
    assert_allclose(scores, reference.scores_[:, 0], rtol=1e-6)


def test_the_default_score_clips_in_the_model_dtype():
    # A float32 model's probabilities are clipped at float32's eps, as
    # neg_log_loss does with them: an outlier costs at most 15.9.
    X, y = _one_outlier(3)
    outlier_costs = []
    for dtype in (np.float32, np.float64):
        # Fitted without the outlier, scored with it: its logit gap is huge.
        model = SoftmaxRegressionCV(Cs=[1e8], cv=3).fit(X[1:].astype(dtype), y[1:])
        expected = get_scorer("neg_log_loss")(model, X.astype(dtype), y)
        # float32 probabilities near 1 lose ~1e-7 per sample in log_loss.
        assert model.score(X.astype(dtype), y) == pytest.approx(expected, abs=1e-6)
        outlier_costs.append(-expected * len(y))
    eps32, eps64 = np.finfo(np.float32).eps, np.finfo(np.float64).eps
    # The outlier's cost, and 1.4e-3 for the 59 samples the model fits.
    assert_allclose(outlier_costs, [-np.log(eps32), -np.log(eps64)], atol=1e-2)


@pytest.mark.parametrize(
    "constant, Cs",
    [
        # Labels 3 (never) and 4 (always), refitted with label 0 at its C.
        ({3: 0, 4: 1}, [0.01, 0.1, 1.0, 10.0]),
        # Label 3 alone at its C: the refit holds it twice in one batch.
        ({3: 1}, [1e-4, 0.1, 1.0]),
    ],
)
def test_warnings_name_the_constant_labels_in_the_refit_too(constant, Cs):
    # The refit's warning named the labels' positions in its batch (1, 2).
    X, Y = make_multilabel_classification(
        n_samples=60, n_features=4, n_classes=3, random_state=1
    )
    columns = [np.full(len(Y), value) for value in constant.values()]
    Y = np.column_stack([Y, *columns])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        OneVsRestLogisticCV(Cs=Cs, cv=KFold(3)).fit(X, Y)
    messages = {
        str(w.message) for w in caught if "constant in training" in str(w.message)
    }
    described = ", ".join(
        f"{label} ({'present in' if value else 'absent from'} every sample)"
        for label, value in constant.items()
    )
    assert messages and all(f"training: {described}." in m for m in messages)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_cv_fit_issues_each_warning_once(n_jobs):
    # Every fold's fit at every C, and the refit, warned that label 2 is
    # constant: ten times for 3 folds and 3 Cs (with "always"), where
    # OneVsRestClassifier(LogisticRegressionCV()) warns once.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 4))
    Y = (X[:, :3] > 0).astype(int)
    Y[:, 2] = 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        OneVsRestLogisticCV(Cs=3, cv=3, n_jobs=n_jobs).fit(X, Y)
    with warnings.catch_warnings(record=True) as reference:
        warnings.simplefilter("always")
        OneVsRestClassifier(
            LogisticRegressionCV(Cs=3, cv=3, use_legacy_attributes=False)
        ).fit(X, Y)
    constant = [w for w in caught if "constant in training: 2" in str(w.message)]
    assert (
        len(constant)
        == 1
        == len([w for w in reference if "Label 2 is present in all" in str(w.message)])
    )
    assert constant[0].filename == __file__
    # Each fold's fit at each C and the refit did not converge, each with its
    # own gradient in its message: 25 distinct warnings for 5 Cs and 5 folds,
    # where LogisticRegressionCV warns 6 times. One, with the count.
    scale = np.array([1.0, 100.0, 1.0, 1000.0])
    for Estimator in (SoftmaxRegressionCV, OneVsRestLogisticCV):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            Estimator(Cs=5, cv=5, max_iter=3, n_jobs=n_jobs).fit(X * scale, Y[:, 0])
        messages = [str(w.message) for w in caught]
        assert len(messages) == 1
        assert caught[0].category is ConvergenceWarning
        assert caught[0].filename == __file__
        assert "failed to converge" in messages[0]
        assert "(25 more fits of this cross-validation" in messages[0]


def test_a_cv_fits_error_is_not_hidden_by_its_warnings(monkeypatch):
    # Warnings filtered into errors: a warning kept until the end of a fit
    # that fails (here in the refit, after every fold's fits warned) must not
    # replace the fit's own error.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 4))
    Y = (X[:, :3] > 0).astype(int)
    Y[:, 2] = 1  # every fold's fits warn

    def failing_refit(*args, **kwargs):
        raise ArithmeticError("the refit failed")

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with monkeypatch.context() as patch:
            patch.setattr(OneVsRestLogisticCV, "_refit", failing_refit)
            with pytest.raises(ArithmeticError, match="the refit failed"):
                OneVsRestLogisticCV(Cs=2, cv=3).fit(X, Y)
        # A fit that succeeds raises its warning, once it has ended.
        with pytest.raises(UserWarning, match="constant in training: 2"):
            OneVsRestLogisticCV(Cs=2, cv=3).fit(X, Y)


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_default_score_checks_y_as_score_does(Estimator):
    # y one row short: SoftmaxRegressionCV scored the first 199 rows, the
    # one-vs-rest one raised NumPy's "cannot reshape array of size 600".
    X, y, _ = _multiclass(n_samples=200)
    model = Estimator(Cs=[0.1, 1.0], cv=3).fit(X, y)
    with pytest.raises(
        ValueError, match=r"inconsistent numbers of samples: \[199, 200\]"
    ):
        model.score(X, y[:-1])
    y_nan = y.astype(float)
    y_nan[7] = np.nan
    with pytest.raises(ValueError, match="Input y contains NaN"):
        model.score(X, y_nan)


def test_score_refuses_targets_that_fit_refuses():
    # Soft targets off the probability simplex were scored (a positive
    # "negative log-loss" for rows minus 0.5), a one-vs-rest model of three
    # classes scored its one-hot rows as 450 labels, and a multi-label one
    # read 2s as 0s; too few columns raised NumPy's broadcast error.
    X, y, _ = _multiclass(n_samples=150)
    P = np.random.default_rng(0).dirichlet(np.ones(3), size=150)
    soft = SoftmaxRegressionCV(Cs=[0.1, 1.0], cv=3).fit(X, P)
    for bad, match in (
        (P - 0.5, "finite, non-negative probabilities"),
        (3 * P, "rows must sum to 1"),
        (P[:, :2], "must have 3 columns, one per class"),
    ):
        with pytest.raises(ValueError, match=match):
            soft.score(X, bad)
        with pytest.raises(ValueError, match=match):  # the same on a hard fit
            SoftmaxRegressionCV(Cs=[0.1, 1.0], cv=3).fit(X, y).score(X, bad)
    # Rows within the tolerance are renormalised, as fit renormalises them.
    assert soft.score(X, P * (1 + 1e-7)) == pytest.approx(soft.score(X, P), 1e-12)

    one_vs_rest = OneVsRestLogisticCV(Cs=[0.1, 1.0], cv=3).fit(X, y)
    with pytest.raises(ValueError, match="y must be 1-D class labels"):
        one_vs_rest.score(X, np.eye(3)[y])
    assert one_vs_rest.score(X, y[:, None]) == one_vs_rest.score(X, y)

    X, Y, _ = _multilabel()
    multilabel = OneVsRestLogisticCV(Cs=[0.1, 1.0], cv=3).fit(X, Y)
    for bad, match in (
        (2 * Y, "indicator matrix of 0s and 1s"),
        (Y[:, :3], "indicator matrix of 4 columns"),
        (Y[:, 0], "indicator matrix of 4 columns"),
    ):
        with pytest.raises(ValueError, match=match):
            multilabel.score(X, bad)
    assert multilabel.score(X, Y.astype(bool)) == multilabel.score(X, Y)


@pytest.mark.parametrize("scoring", ["roc_auc", "f1", "accuracy"])
def test_one_vs_rest_cv_score_is_the_mean_of_the_labels_scores(scoring):
    # Each label chose its C by a binary scorer, but score applied it to the
    # whole model: "roc_auc" or "f1" on three classes raised ("multi_class
    # must be in ('ovo', 'ovr')"), and cross_val_score of the model gave NaN.
    X, y, folds = _multiclass(n_samples=150)
    model = OneVsRestLogisticCV(Cs=[0.1, 1.0], cv=folds, scoring=scoring).fit(X, y)
    reference = OneVsRestClassifier(
        _reference_cv([0.1, 1.0], folds, scoring=scoring)
    ).fit(X, y)
    scorer = get_scorer(scoring)
    expected = np.mean(
        [
            scorer(estimator, X, (y == k).astype(int))
            for k, estimator in enumerate(reference.estimators_)
        ]
    )
    assert model.score(X, y) == pytest.approx(expected, rel=1e-6)
    scores = cross_val_score(model.set_params(cv=3), X, y, cv=3)
    assert np.all(np.isfinite(scores))


def test_one_vs_rest_cv_refits_each_label_once(monkeypatch):
    # A label alone at its C was refitted twice in one batch (to stay a
    # multi-label problem), at twice the cost, and its warnings named it
    # twice ("2 of 2 labels ...: label 2 ...; label 2 ...").
    X, Y, folds = _multilabel()
    Y[:, 3] = 1  # a constant label, predicted as that constant
    class_weight = {0: 2.0, 1: 0.5, 2: 3.0, 3: 1.5}
    Cs = [1e-3, 1e-2, 0.1, 1.0, 10.0]
    fitted = []
    fit_in_context = _cv._fit_in_context

    def recording(caller, estimator, context, X, y, sample_weight):
        fitted.append(y.shape[1] if y.ndim == 2 else 1)
        return fit_in_context(caller, estimator, context, X, y, sample_weight)

    monkeypatch.setattr(_cv, "_fit_in_context", recording)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the constant label
        model = OneVsRestLogisticCV(
            Cs=Cs, cv=folds, class_weight=class_weight, **TIGHT
        ).fit(X, Y)
    n_groups = len(np.unique(model.C_))
    assert n_groups < 4  # some labels share a C, others are alone
    refits = fitted[-n_groups:]
    assert sum(refits) == 4
    assert 1 in refits
    for k in range(4):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            alone = OneVsRestLogistic(
                C=model.C_[k], class_weight=class_weight, **TIGHT
            ).fit(X, Y)
        assert_allclose(model.coef_[k], alone.coef_[k], atol=1e-6)
        assert_allclose(model.intercept_[k], alone.intercept_[k], atol=1e-6)


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_cv_errors_name_the_folds(Estimator):
    X, y, folds = _multiclass(n_samples=150)
    # Raised "not enough values to unpack (expected 3, got 0)".
    with pytest.raises(ValueError, match="cv gave no"):
        Estimator(Cs=2, cv=[]).fit(X, y)
    splits = KFold(3).split(X)
    Estimator(Cs=2, cv=splits).fit(X, y)
    with pytest.raises(ValueError, match="used up by one fit"):
        Estimator(Cs=2, cv=splits).fit(X, y)
    # Fold 1 trains on rows of weight 0 only: "sample_weight must have a
    # positive sum. Got all weights equal to zero", with all weights summing
    # to 50.
    folds = list(KFold(3).split(X))
    weights = np.zeros(150)
    weights[:50] = 1.0
    for n_jobs in (None, 1, 2):
        with pytest.raises(ValueError, match="Got 0 in fold 1"):
            Estimator(Cs=2, cv=folds, n_jobs=n_jobs).fit(X, y, weights)


def _multiclass(n_samples=240, n_classes=3, seed=0):
    X, y = make_classification(
        n_samples=n_samples,
        n_features=6,
        n_informative=4,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        flip_y=0.1,
        random_state=seed,
    )
    folds = list(StratifiedKFold(4, shuffle=True, random_state=seed).split(X, y))
    return X, y, folds


def _multilabel(seed=0):
    X, Y = make_multilabel_classification(
        n_samples=240, n_features=6, n_classes=4, random_state=seed
    )
    X = StandardScaler().fit_transform(X)
    folds = list(KFold(4, shuffle=True, random_state=seed).split(X))
    return X, Y, folds


def _assert_matches_reference(ours, reference, X):
    """The same C_, scores_, paths and refitted probabilities (l1 axis dropped)."""
    assert ours.C_ == pytest.approx(reference.C_, rel=1e-12)
    assert_allclose(ours.Cs_, reference.Cs_, rtol=1e-12)
    assert_allclose(ours.scores_, reference.scores_[:, 0], rtol=0, atol=1e-6)
    assert_allclose(ours.coefs_paths_, reference.coefs_paths_[:, 0], rtol=0, atol=1e-5)
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-6)


# -- SoftmaxRegressionCV against LogisticRegressionCV -------------------------------


@pytest.mark.parametrize("refit", [True, False])
@pytest.mark.parametrize("n_classes", [3, 4])
def test_softmax_cv_matches_logistic_regression_cv(n_classes, refit, seed):
    X, y, folds = _multiclass(n_classes=n_classes, seed=seed)
    reference = _reference_cv(CS, folds, refit=refit).fit(X, y)
    ours = SoftmaxRegressionCV(Cs=CS, cv=folds, refit=refit, **TIGHT).fit(X, y)
    _assert_matches_reference(ours, reference, X)
    assert ours.coefs_paths_.shape == (4, len(CS), n_classes, 7)
    assert ours.n_iter_.shape == (4, len(CS))
    assert isinstance(ours.C_, float)


@pytest.mark.parametrize("refit", [True, False])
def test_binary_softmax_cv_is_logistic_regression_cv_with_twice_the_cs(refit):
    X, y, folds = _multiclass(n_classes=2)
    reference = _reference_cv(2 * CS, folds, refit=refit).fit(X, y)
    ours = SoftmaxRegressionCV(Cs=CS, cv=folds, refit=refit, **TIGHT).fit(X, y)
    assert ours.C_ == pytest.approx(reference.C_ / 2, rel=1e-12)
    assert_allclose(ours.Cs_, CS)
    assert_allclose(ours.scores_, reference.scores_[:, 0], rtol=0, atol=1e-6)
    assert_allclose(ours.coefs_paths_, reference.coefs_paths_[:, 0], atol=1e-5)
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-6)
    # C_ is SoftmaxRegression's C: the refitted model is SoftmaxRegression(C_).
    if refit:
        single = SoftmaxRegression(C=ours.C_, **TIGHT).fit(X, y)
        assert_allclose(ours.predict_proba(X), single.predict_proba(X), atol=1e-6)


def test_softmax_cv_without_intercept_and_with_class_weight():
    X, y, folds = _multiclass()
    for params in ({"fit_intercept": False}, {"class_weight": "balanced"}):
        reference = _reference_cv(CS, folds, **params).fit(X, y)
        ours = SoftmaxRegressionCV(Cs=CS, cv=folds, **params, **TIGHT).fit(X, y)
        _assert_matches_reference(ours, reference, X)


def test_default_scoring_is_the_held_out_log_loss():
    X, y, folds = _multiclass()
    ours = SoftmaxRegressionCV(Cs=CS, cv=folds, **TIGHT).fit(X, y)
    named = SoftmaxRegressionCV(Cs=CS, cv=folds, scoring="neg_log_loss", **TIGHT)
    named.fit(X, y)
    assert_allclose(ours.scores_, named.scores_, rtol=1e-10)
    assert ours.score(X, y) == pytest.approx(-log_loss(y, ours.predict_proba(X)))


def test_unsorted_cs_are_fitted_as_an_increasing_path():
    X, y, folds = _multiclass()
    shuffled = CS[[3, 0, 5, 1, 4, 2]]
    ours = SoftmaxRegressionCV(Cs=shuffled, cv=folds, **TIGHT).fit(X, y)
    ordered = SoftmaxRegressionCV(Cs=CS, cv=folds, **TIGHT).fit(X, y)
    assert_array_equal(ours.Cs_, shuffled)
    order = np.argsort(shuffled)
    assert_array_equal(ours.scores_[:, order], ordered.scores_)
    assert_array_equal(ours.n_iter_[:, order], ordered.n_iter_)
    assert ours.C_ == ordered.C_


def test_int_cs_is_logistic_regression_cv_grid():
    X, y, _ = _multiclass()
    ours = SoftmaxRegressionCV(Cs=4, cv=3).fit(X, y)
    assert_allclose(ours.Cs_, np.logspace(-4, 4, 4))
    assert ours.scores_.shape == (3, 4)


def test_accuracy_scoring_matches_logistic_regression_cv():
    X, y, folds = _multiclass()
    reference = _reference_cv(CS, folds, scoring="accuracy").fit(X, y)
    ours = SoftmaxRegressionCV(Cs=CS, cv=folds, scoring="accuracy", **TIGHT)
    ours.fit(X, y)
    assert_allclose(ours.scores_, reference.scores_[:, 0])
    assert ours.score(X, y) == pytest.approx(get_scorer("accuracy")(ours, X, y))


# -- OneVsRestLogisticCV against OneVsRestClassifier(LogisticRegressionCV) ----------


def _assert_matches_one_vs_rest(ours, reference, X):
    estimators = reference.estimators_
    assert_allclose(ours.C_, [e.C_ for e in estimators], rtol=1e-12)
    assert_allclose(
        ours.scores_, [e.scores_[:, 0] for e in estimators], rtol=0, atol=1e-6
    )
    assert_allclose(
        ours.coefs_paths_,
        [e.coefs_paths_[:, 0, :, 0] for e in estimators],
        rtol=0,
        atol=1e-5,
    )
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("refit", [True, False])
@pytest.mark.parametrize("kind", ["multiclass", "multilabel"])
def test_one_vs_rest_cv_matches_one_vs_rest_classifier(kind, refit):
    X, y, folds = _multiclass() if kind == "multiclass" else _multilabel()
    reference = OneVsRestClassifier(_reference_cv(CS, folds, refit=refit))
    reference.fit(X, y)
    ours = OneVsRestLogisticCV(Cs=CS, cv=folds, refit=refit, **TIGHT).fit(X, y)
    _assert_matches_one_vs_rest(ours, reference, X)
    n_labels = len(reference.estimators_)
    assert ours.C_.shape == (n_labels,)
    assert ours.scores_.shape == (n_labels, 4, len(CS))
    assert ours.coefs_paths_.shape == (n_labels, 4, len(CS), 7)
    assert_array_equal(ours.predict(X), reference.predict(X))


def test_one_vs_rest_cv_labels_choose_different_cs():
    X, Y, folds = _multilabel()
    ours = OneVsRestLogisticCV(Cs=CS, cv=folds, **TIGHT).fit(X, Y)
    assert len(np.unique(ours.C_)) > 1
    # Each label's refit is OneVsRestLogistic at that label's C.
    for k, C in enumerate(ours.C_):
        single = OneVsRestLogistic(C=C, **TIGHT).fit(X, Y[:, k])
        assert_allclose(ours.coef_[k], single.coef_[0], atol=1e-6)


def test_binary_one_vs_rest_cv_matches_logistic_regression_cv():
    X, y, folds = _multiclass(n_classes=2)
    reference = _reference_cv(CS, folds).fit(X, y)
    ours = OneVsRestLogisticCV(Cs=CS, cv=folds, **TIGHT).fit(X, y)
    assert ours.C_.shape == (1,)
    assert ours.C_[0] == reference.C_
    assert_allclose(ours.scores_[0], reference.scores_[:, 0], atol=1e-6)
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-6)


def test_binary_string_labels_with_class_weight_dict():
    X, y, folds = _multiclass(n_classes=2)
    names = np.array(["no", "yes"])[y]
    weights = {"no": 1.0, "yes": 3.0}
    ours = OneVsRestLogisticCV(Cs=CS, cv=folds, class_weight=weights, **TIGHT)
    ours.fit(X, names)
    reference = _reference_cv(CS, folds, class_weight=weights).fit(X, names)
    assert ours.C_[0] == reference.C_
    assert_allclose(ours.scores_[0], reference.scores_[:, 0], atol=1e-6)
    assert_allclose(ours.predict_proba(X), reference.predict_proba(X), atol=1e-6)


def test_one_vs_rest_cv_custom_scoring_scores_each_label():
    X, Y, folds = _multilabel()
    reference = OneVsRestClassifier(_reference_cv(CS, folds, scoring="roc_auc"))
    reference.fit(X, Y)
    ours = OneVsRestLogisticCV(Cs=CS, cv=folds, scoring="roc_auc", **TIGHT)
    ours.fit(X, Y)
    assert_allclose(ours.scores_, [e.scores_[:, 0] for e in reference.estimators_])
    assert_allclose(ours.C_, [e.C_ for e in reference.estimators_])
    assert ours.score(X, Y) == pytest.approx(get_scorer("roc_auc")(ours, X, Y))


def _bootstrap_folds(X, y, n_folds=3, seed=0):
    """Training rows drawn with replacement (some listed twice), the rest held out."""
    rng = np.random.default_rng(seed)
    folds = []
    for _ in range(n_folds):
        train = rng.integers(0, X.shape[0], X.shape[0])
        folds.append((train, np.setdiff1d(np.arange(X.shape[0]), train)))
    return folds


def test_rows_listed_twice_in_a_fold_weigh_twice():
    # The folds fitted together once weighed a row listed twice in a training
    # fold once; LogisticRegressionCV fits X[train], where it counts twice.
    X, y, _ = _multiclass()
    folds = _bootstrap_folds(X, y)
    assert any(len(np.unique(train)) < len(train) for train, _ in folds)
    reference = _reference_cv(CS, folds).fit(X, y)
    for n_jobs in (None, 1):  # the folds together, and apart
        ours = SoftmaxRegressionCV(Cs=CS, cv=folds, n_jobs=n_jobs, **TIGHT)
        _assert_matches_reference(ours.fit(X, y), reference, X)
    X, Y, _ = _multilabel()
    folds = _bootstrap_folds(X, Y)
    reference = OneVsRestClassifier(_reference_cv(CS, folds)).fit(X, Y)
    ours = OneVsRestLogisticCV(Cs=CS, cv=folds, **TIGHT).fit(X, Y)
    _assert_matches_one_vs_rest(ours, reference, X)


def _grid_scores(estimator, X, y, folds, scoring, Cs):
    """GridSearchCV's held-out scores, (n_folds, n_Cs): the cold-started reference."""
    search = GridSearchCV(estimator, {"C": list(Cs)}, cv=folds, scoring=scoring)
    search.fit(X, y)
    return np.array(
        [search.cv_results_[f"split{f}_test_score"] for f in range(len(folds))]
    )


def test_a_scorers_own_pos_label_and_labels_are_kept():
    # The scorers were rebuilt with labels=classes_ and pos_label=classes_[-1]
    # even where the user had set them: C was chosen by the F1 of the other
    # class, and score() reported it. LogisticRegressionCV refuses such
    # scorers ("got multiple values"), so GridSearchCV of the same model on the
    # same folds is the reference.
    from sklearn.metrics import f1_score, recall_score

    Cs = CS[::2]  # three values: the scores, not the path, are under test

    X, y, folds = _multiclass(n_classes=2)
    names = np.array(["no", "yes"])[y]
    scorer = make_scorer(f1_score, pos_label="no")
    ours = SoftmaxRegressionCV(Cs=Cs, cv=folds, scoring=scorer, **TIGHT)
    ours.fit(X, names)
    expected = _grid_scores(SoftmaxRegression(**TIGHT), X, names, folds, scorer, Cs)
    assert_allclose(ours.scores_, expected, rtol=1e-12)
    assert ours.score(X, names) == pytest.approx(
        f1_score(names, ours.predict(X), pos_label="no"), rel=1e-12
    )
    assert ours.score(X, names) != pytest.approx(
        f1_score(names, ours.predict(X), pos_label="yes"), rel=1e-6
    )

    X, y, folds = _multiclass(n_classes=3)
    scorer = make_scorer(recall_score, labels=[2], average="macro")
    ours = SoftmaxRegressionCV(Cs=Cs, cv=folds, scoring=scorer, **TIGHT).fit(X, y)
    expected = _grid_scores(SoftmaxRegression(**TIGHT), X, y, folds, scorer, Cs)
    assert_allclose(ours.scores_, expected, rtol=1e-12)

    # One-vs-rest: each label's 0/1 model is scored with the user's pos_label,
    # as a GridSearchCV of LogisticRegression on that label's column.
    from sklearn.linear_model import LogisticRegression

    X, Y, folds = _multilabel()
    scorer = make_scorer(f1_score, pos_label=0)
    ours = OneVsRestLogisticCV(Cs=Cs, cv=folds, scoring=scorer, **TIGHT).fit(X, Y)
    for k in range(Y.shape[1]):
        expected = _grid_scores(
            LogisticRegression(**TIGHT), X, Y[:, k], folds, scorer, Cs
        )
        assert_allclose(ours.scores_[k], expected, rtol=1e-12, err_msg=str(k))


def test_one_vs_rest_cv_score_takes_string_labels_as_softmax_cv_does():
    # OneVsRestLogisticCV.score passed its scorer unchanged: 'f1' on 'no'/'yes'
    # raised "pos_label=1 is not a valid label" where SoftmaxRegressionCV.score
    # scores the last class as the positive one.
    from sklearn.metrics import f1_score

    X, y, folds = _multiclass(n_classes=2)
    names = np.array(["no", "yes"])[y]
    for Estimator in (OneVsRestLogisticCV, SoftmaxRegressionCV):
        model = Estimator(Cs=CS, cv=folds, scoring="f1", **TIGHT).fit(X, names)
        assert model.score(X, names) == pytest.approx(
            f1_score(names, model.predict(X), pos_label="yes"), rel=1e-12
        )


def test_one_vs_rest_cv_default_score_is_mean_binary_log_loss():
    X, Y, folds = _multilabel()
    ours = OneVsRestLogisticCV(Cs=CS, cv=folds).fit(X, Y)
    P = ours.predict_proba(X)
    expected = np.mean([-log_loss(Y[:, k], P[:, k]) for k in range(Y.shape[1])])
    assert ours.score(X, Y) == pytest.approx(expected, rel=1e-10)


# -- against GridSearchCV of the base estimator -------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3])
def test_softmax_cv_matches_grid_search(n_classes):
    X, y, folds = _multiclass(n_classes=n_classes)
    search = GridSearchCV(
        SoftmaxRegression(**TIGHT), {"C": CS}, cv=folds, scoring="neg_log_loss"
    ).fit(X, y)
    ours = SoftmaxRegressionCV(Cs=CS, cv=folds, **TIGHT).fit(X, y)
    assert ours.C_ == search.best_params_["C"]
    split_scores = np.array(
        [search.cv_results_[f"split{i}_test_score"] for i in range(len(folds))]
    )
    assert_allclose(ours.scores_, split_scores, rtol=0, atol=1e-6)
    assert_allclose(
        ours.predict_proba(X), search.best_estimator_.predict_proba(X), atol=1e-6
    )


def test_binary_one_vs_rest_cv_matches_grid_search():
    X, y, folds = _multiclass(n_classes=2)
    search = GridSearchCV(
        OneVsRestLogistic(**TIGHT), {"C": CS}, cv=folds, scoring="neg_log_loss"
    ).fit(X, y)
    ours = OneVsRestLogisticCV(Cs=CS, cv=folds, **TIGHT).fit(X, y)
    assert ours.C_[0] == search.best_params_["C"]
    split_scores = [search.cv_results_[f"split{i}_test_score"] for i in range(4)]
    assert_allclose(ours.scores_[0], split_scores, rtol=0, atol=1e-6)


def test_warm_started_path_needs_fewer_iterations_than_cold_starts():
    X, y, folds = _multiclass(n_samples=600)
    Cs = np.logspace(-2, 3, 8)
    ours = SoftmaxRegressionCV(Cs=Cs, cv=folds, tol=1e-6, max_iter=1000).fit(X, y)
    cold = sum(
        SoftmaxRegression(C=C, tol=1e-6, max_iter=1000)
        .fit(X[train], y[train])
        .n_iter_[0]
        for train, _ in folds
        for C in Cs
    )
    assert ours.n_iter_.sum() < cold


# -- targets, inputs, parallelism ---------------------------------------------------


def test_soft_targets_use_kfold_and_score_the_cross_entropy():
    X, y, _ = _multiclass()
    rng = np.random.default_rng(0)
    Y = rng.dirichlet(np.ones(3), size=len(y)) * 0.3 + 0.7 * np.eye(3)[y]
    ours = SoftmaxRegressionCV(Cs=CS, cv=4, **TIGHT).fit(X, Y)
    assert_array_equal(ours.classes_, [0, 1, 2])
    for i, (train, test) in enumerate(KFold(4).split(X)):
        for j, C in enumerate(CS):
            model = SoftmaxRegression(C=C, **TIGHT).fit(X[train], Y[train])
            cross_entropy = -np.mean(
                np.sum(Y[test] * model.predict_log_proba(X[test]), axis=1)
            )
            assert ours.scores_[i, j] == pytest.approx(-cross_entropy, abs=1e-6)
    log_proba = ours.predict_log_proba(X)
    assert ours.score(X, Y) == pytest.approx(np.mean(np.sum(Y * log_proba, axis=1)))


def test_sparse_multilabel_targets_equal_dense_ones():
    X, Y, folds = _multilabel()
    dense = OneVsRestLogisticCV(Cs=CS, cv=folds).fit(X, Y)
    csr = OneVsRestLogisticCV(Cs=CS, cv=folds).fit(X, sparse.csr_matrix(Y))
    assert_array_equal(csr.scores_, dense.scores_)
    assert_array_equal(csr.coef_, dense.coef_)
    assert sparse.issparse(csr.predict(X))


def test_default_cv_is_stratified_for_labels():
    X, y, _ = _multiclass()
    ours = SoftmaxRegressionCV(Cs=CS, tol=1e-8).fit(X, y)
    folds = list(StratifiedKFold(5).split(X, y))
    explicit = SoftmaxRegressionCV(Cs=CS, cv=folds, tol=1e-8).fit(X, y)
    assert_array_equal(ours.scores_, explicit.scores_)


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_sparse_and_float32_input(Estimator):
    X, y, folds = _multiclass()
    dense = Estimator(Cs=CS, cv=folds, **TIGHT).fit(X, y)
    csr = Estimator(Cs=CS, cv=folds, **TIGHT).fit(sparse.csr_matrix(X), y)
    assert_allclose(csr.scores_, dense.scores_, atol=1e-7)
    assert_allclose(csr.coef_, dense.coef_, atol=1e-6)
    single = Estimator(Cs=CS, cv=folds, tol=1e-6).fit(X.astype(np.float32), y)
    assert single.coef_.dtype == np.float32
    assert_allclose(single.scores_, dense.scores_, atol=1e-4)


def test_string_labels_and_pandas():
    pd = pytest.importorskip("pandas")
    X, y, folds = _multiclass()
    names = np.array(["cat", "dog", "emu"])[y]
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    ours = SoftmaxRegressionCV(Cs=CS, cv=folds, **TIGHT).fit(frame, pd.Series(names))
    codes = SoftmaxRegressionCV(Cs=CS, cv=folds, **TIGHT).fit(X, y)
    assert_array_equal(ours.classes_, ["cat", "dog", "emu"])
    assert_array_equal(ours.feature_names_in_, frame.columns)
    assert_allclose(ours.scores_, codes.scores_)
    animals = np.array(["cat", "dog", "emu"])
    assert_array_equal(ours.predict(frame), animals[codes.predict(X)])
    ovr = OneVsRestLogisticCV(Cs=CS, cv=folds, **TIGHT).fit(frame, names)
    ovr_codes = OneVsRestLogisticCV(Cs=CS, cv=folds, **TIGHT).fit(X, y)
    assert_array_equal(ovr.predict(frame), animals[ovr_codes.predict(X)])


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_pipeline_and_pickle(Estimator):
    X, y, folds = _multiclass()
    pipe = make_pipeline(StandardScaler(), Estimator(Cs=3, cv=3)).fit(X, y)
    restored = pickle.loads(pickle.dumps(pipe))
    assert_array_equal(restored.predict_proba(X), pipe.predict_proba(X))
    assert restored.score(X, y) == pipe.score(X, y)


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_n_jobs_gives_the_same_result(Estimator):
    X, y, folds = _multiclass()
    one = Estimator(Cs=CS, cv=folds, n_jobs=1).fit(X, y)
    two = Estimator(Cs=CS, cv=folds, n_jobs=2).fit(X, y)
    assert_array_equal(one.scores_, two.scores_)
    assert_array_equal(one.coefs_paths_, two.coefs_paths_)
    assert_array_equal(one.coef_, two.coef_)


def _softmax_variant(variant):
    """Data and settings under which folds fitted together and apart must agree."""
    X, y, folds = _multiclass(n_classes=2 if variant == "binary" else 3)
    rng = np.random.default_rng(0)
    params, sample_weight = {}, None
    if variant == "weights":
        sample_weight = rng.uniform(0.1, 3.0, size=len(y))
        params = {"class_weight": "balanced"}
    elif variant == "soft":
        y = np.eye(3)[y] * 0.8 + 0.2 / 3
        folds = list(KFold(4, shuffle=True, random_state=0).split(X))
    elif variant == "smoothing":
        params = {"label_smoothing": 0.2, "fit_intercept": False}
    elif variant == "float32":
        X = X.astype(np.float32)
    elif variant == "badly scaled":
        X = X * np.array([1e-4, 1.0, 1e4, 1.0, 3.0, 1.0]) + 50.0
    elif variant == "missing class":
        y = y.copy()
        y[:3] = 3
        folds = [(np.arange(3, 240), np.arange(0, 60)), (np.arange(180), folds[0][1])]
        # Without intercept the missing class's coefficients have an optimum
        # (with one, its intercept decreases without bound).
        params = {"fit_intercept": False}
    return X, y, folds, params, sample_weight


@pytest.mark.parametrize(
    "variant",
    [
        "plain",
        "binary",
        "weights",
        "soft",
        "smoothing",
        "float32",
        "badly scaled",
        "missing class",
    ],
)
def test_folds_fitted_together_agree_with_folds_fitted_apart(variant):
    # n_jobs=None fits the folds together (one loss, a weight column per
    # fold); an int fits each fold's path as a SoftmaxRegression. Both reach
    # the same optima.
    X, y, folds, params, sample_weight = _softmax_variant(variant)
    settings = dict(Cs=CS, cv=folds, tol=1e-10, max_iter=2000, **params)
    together = SoftmaxRegressionCV(**settings).fit(X, y, sample_weight=sample_weight)
    apart = SoftmaxRegressionCV(n_jobs=1, **settings).fit(
        X, y, sample_weight=sample_weight
    )
    # Float32 predictions agree to float32's precision; on badly scaled data
    # the stopping points differ (the folds together take their change of
    # variables from all rows), as far as tol allows along the 1e-4 column.
    atol = {"float32": 1e-6, "badly scaled": 1e-7}.get(variant, 1e-9)
    assert together.C_ == apart.C_
    assert_allclose(together.scores_, apart.scores_, rtol=0, atol=atol)
    assert_allclose(together.predict_proba(X), apart.predict_proba(X), atol=atol)
    if variant != "badly scaled":
        coef_atol = 1e-5 if variant == "float32" else 1e-7
        assert_allclose(
            together.coefs_paths_, apart.coefs_paths_, rtol=0, atol=coef_atol
        )
    assert together.n_iter_.shape == apart.n_iter_.shape
    assert together.coef_.dtype == apart.coef_.dtype


def test_folds_run_in_groups_within_the_memory_budget(monkeypatch):
    # With room for two folds at a time, the folds run in groups and give what
    # all of them together give.
    from skl_softmax import _label_problems

    X, y, _ = _multiclass()
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    together = SoftmaxRegressionCV(Cs=CS, cv=folds, **TIGHT).fit(X, y)
    per_fold = _label_problems.bytes_per_problem(len(y), 3 * 7, is_sparse=False)
    monkeypatch.setattr(_label_problems, "_MEMORY_BUDGET", 2 * per_fold)
    assert _label_problems.problems_in_flight(5, len(y), 3 * 7, False) == 2
    grouped = SoftmaxRegressionCV(Cs=CS, cv=folds, **TIGHT).fit(X, y)
    assert grouped.C_ == together.C_
    assert_allclose(grouped.scores_, together.scores_, rtol=0, atol=1e-9)
    assert_allclose(grouped.coefs_paths_, together.coefs_paths_, rtol=0, atol=1e-7)


@pytest.mark.parametrize("logits_bytes", [None, 1])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_default_scores_are_the_log_loss_of_each_path_model(
    monkeypatch, logits_bytes, n_classes
):
    # With the default scoring, the held-out logits of a fold's models along
    # the Cs come from one product per group of models (_cv._path_scores):
    # each score is still scikit-learn's log-loss of that model's
    # probabilities, whatever the groups (1 byte: one model per group).
    from scipy.special import expit, softmax

    if logits_bytes is not None:
        monkeypatch.setattr(_cv, "_PATH_LOGITS_BYTES", logits_bytes)
    X, y, folds = _multiclass(n_classes=n_classes)
    sample_weight = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    model = SoftmaxRegressionCV(Cs=CS, cv=folds).fit(X, y, sample_weight=sample_weight)
    for f, (_, test) in enumerate(folds):
        for j in range(len(CS)):
            path = model.coefs_paths_[f, j]
            logits = X[test] @ path[:, :-1].T + path[:, -1]
            if n_classes == 2:
                proba = np.column_stack([expit(-logits[:, 0]), expit(logits[:, 0])])
            else:
                proba = softmax(logits, axis=1)
            expected = -log_loss(
                y[test], proba, labels=model.classes_, sample_weight=sample_weight[test]
            )
            assert_allclose(model.scores_[f, j], expected, rtol=1e-10)


def _fold_objectives(estimator, X, targets, sample_weight, folds):
    """The folds' objective over all rows, the same with its rows grouped (in
    the folds' order), and the groups."""
    labels, soft = (targets, None) if targets.ndim == 1 else (None, targets)
    estimator.classes_ = np.unique(labels) if soft is None else np.arange(3)
    weights = np.zeros((len(X), len(folds)))
    for f, (train, _) in enumerate(folds):
        weights[train, f] = sample_weight[train]
    conditioning = Conditioning.from_statistics(
        *column_statistics(X, sample_weight),
        sample_weight.sum(),
        estimator.fit_intercept,
        estimator._loss_C,
    )
    whole = estimator._objective(X, labels, soft, weights, conditioning)
    outputs = 1 if whole.n_outputs == len(folds) else whole.n_outputs // len(folds)
    rows, groups = _fold_problems._rows_by_folds(weights, X.shape[1], outputs)
    rows = np.arange(len(X)) if rows is None else rows
    grouped = estimator._objective(
        X[rows],
        None if labels is None else labels[rows],
        None if soft is None else soft[rows],
        weights[rows],
        conditioning,
    ).in_row_groups(groups)
    return whole, grouped, groups


@pytest.mark.parametrize(
    "case", ["hard", "soft", "binary", "smoothing", "float32", "runs"]
)
def test_grouped_rows_give_the_objectives_of_all_rows(case, monkeypatch):
    # Held-out rows skipped group by group: every fold's objective and
    # gradient are those of the loss over all rows (zero weight held out),
    # for all folds and for a subset of them.
    if case == "runs":
        # Blocks of 16 rows: each group of 60 rows runs as 4 runs of rows.
        monkeypatch.setattr(_loss, "_block_rows", lambda *args, **kwargs: 16)
    X, y, folds = _multiclass(n_classes=2 if case == "binary" else 3)
    rng = np.random.default_rng(1)
    sample_weight = rng.uniform(0.2, 2.0, size=len(y))
    targets = y
    estimator = SoftmaxRegression(C=0.7)
    if case == "soft":
        targets = rng.dirichlet(np.ones(3), size=len(y))
    elif case == "smoothing":
        estimator.set_params(label_smoothing=0.1)
    elif case == "float32":
        X = X.astype(np.float32)
    whole, grouped, groups = _fold_objectives(
        estimator, X, targets, sample_weight, folds
    )
    # Stratified 4-fold: four groups, each weighed by the three other folds.
    assert [list(problems) for _, problems in groups] == [
        [f for f in range(4) if f != g] for g in range(4)
    ]
    assert len(grouped._row_groups) == (16 if case == "runs" else 4)
    rows_per_problem = whole.n_outputs // whole.n_problems
    rtol = 1e-5 if case == "float32" else 1e-12
    for problems in [np.arange(4), np.array([1, 3]), np.array([2])]:
        n_rows = len(problems) * rows_per_problem
        W = rng.normal(size=(n_rows, X.shape[1]))
        b = rng.normal(size=n_rows)
        expected = whole.evaluate(W, b, problems)
        got = grouped.evaluate(W, b, problems)
        for e, g in zip(expected, got, strict=True):
            assert_allclose(g, e, rtol=rtol, atol=rtol * 1e-3)
    # Its float64 twin, as a float32 fit's finish uses it, too.
    twin = grouped.in_dtype(np.float64)
    assert all(part.dtype == np.float64 for _, part in twin._row_groups)


def test_rows_are_grouped_only_when_the_groups_are_large(monkeypatch):
    X, y, folds = _multiclass()
    weights = np.zeros((len(y), len(folds)))
    for f, (train, _) in enumerate(folds):
        weights[train, f] = 1.0
    # Each group of 60 rows is weighed by 3 folds of 3 outputs on 6 features.
    monkeypatch.setattr(_fold_problems, "_MIN_GROUP_MULTIPLY_ADDS", 60 * 3 * 3 * 6)
    rows, groups = _fold_problems._rows_by_folds(weights, 6, 3)
    # Each group holds one fold's held-out rows, in their order.
    for (_, test), (group, _) in zip(folds, groups, strict=True):
        assert_array_equal(rows[group], test)
    assert _fold_problems._rows_by_folds(weights, 6, 2) == (None, None)
    # Unshuffled k-fold splits are in order already: no copy of X.
    weights = np.zeros((len(y), 4))
    for f, (train, _) in enumerate(KFold(4).split(X)):
        weights[train, f] = 1.0
    rows, groups = _fold_problems._rows_by_folds(weights, 6, 3)
    assert rows is None and len(groups) == 4
    # Leave-one-out: groups of one row.
    weights = 1.0 - np.eye(len(y))[:, :5]
    assert _fold_problems._rows_by_folds(weights, 6, 3) == (None, None)


def test_folds_with_their_rows_grouped_agree_with_all_rows(monkeypatch):
    # The fits with held-out rows skipped (the fixture's default) reach what
    # the folds over all rows reach.
    X, y, folds = _multiclass()
    grouped = SoftmaxRegressionCV(Cs=CS, cv=folds, **TIGHT).fit(X, y)
    monkeypatch.setattr(_fold_problems, "_MIN_GROUP_MULTIPLY_ADDS", np.inf)
    whole = SoftmaxRegressionCV(Cs=CS, cv=folds, **TIGHT).fit(X, y)
    assert grouped.C_ == whole.C_
    assert_allclose(grouped.scores_, whole.scores_, rtol=0, atol=1e-9)
    assert_allclose(grouped.coefs_paths_, whole.coefs_paths_, rtol=0, atol=1e-7)


def test_small_data_fits_the_folds_apart(monkeypatch):
    # Below the size where it pays, n_jobs=None fits the folds apart: exactly
    # what n_jobs=1 gives. From that size, together.
    monkeypatch.setattr(_fold_problems, "_MIN_MULTIPLY_ADDS", 2**23)
    X, y, folds = _multiclass()
    default = SoftmaxRegressionCV(Cs=CS, cv=folds).fit(X, y)
    apart = SoftmaxRegressionCV(Cs=CS, cv=folds, n_jobs=1).fit(X, y)
    assert_array_equal(default.coefs_paths_, apart.coefs_paths_)
    assert not _fold_problems.pays_to_fit_together(np.empty((4_000, 20)), 10)
    assert _fold_problems.pays_to_fit_together(np.empty((20_000, 50)), 10)
    assert _fold_problems.pays_to_fit_together(np.empty((200_000, 50)), 1)
    # Sparse products gain nothing from more outputs at once.
    large_csr = sparse.random(10**5, 100, 0.1, format="csr")
    assert not _fold_problems.pays_to_fit_together(large_csr, 10)
    monkeypatch.setattr(_fold_problems, "_MIN_MULTIPLY_ADDS", 0)
    together = SoftmaxRegressionCV(Cs=CS, cv=folds).fit(X, y)
    assert not np.array_equal(together.coefs_paths_, apart.coefs_paths_)


def test_a_fold_without_weight_is_named():
    X, y, folds = _multiclass()
    sample_weight = np.ones(len(y))
    sample_weight[folds[0][0]] = 0.0
    with pytest.raises(ValueError, match="positive total weight in every fold"):
        SoftmaxRegressionCV(Cs=CS, cv=folds).fit(X, y, sample_weight=sample_weight)


def _as_masks(folds, n_samples):
    masks = []
    for train, test in folds:
        train_mask, test_mask = np.zeros((2, n_samples), dtype=bool)
        train_mask[train] = test_mask[test] = True
        masks.append((train_mask, test_mask))
    return masks


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_boolean_masks_and_negative_indices_are_read_as_numpy_reads_them(Estimator):
    X, y, folds = _multiclass()
    n = len(y)
    expected = Estimator(Cs=CS, cv=folds, **TIGHT).fit(X, y)
    for variant in (_as_masks(folds, n), [(tr - n, te - n) for tr, te in folds]):
        ours = Estimator(Cs=CS, cv=variant, **TIGHT).fit(X, y)
        assert_array_equal(ours.scores_, expected.scores_)
        assert_array_equal(ours.coef_, expected.coef_)
    # LogisticRegressionCV indexes with the masks too: the same choice.
    if Estimator is SoftmaxRegressionCV:
        reference = _reference_cv(CS, _as_masks(folds, n)).fit(X, y)
        _assert_matches_reference(expected, reference, X)


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
@pytest.mark.parametrize(
    "fold, error, message",
    [
        ((np.arange(200), np.arange(200, 241)), ValueError, "test row 240, outside"),
        ((np.arange(-241, 0), np.arange(10)), ValueError, "training row -241, outside"),
        ((np.arange(100.0), np.arange(100, 240)), TypeError, "dtype float64"),
        (
            (np.ones(100, dtype=bool), np.arange(100, 240)),
            TypeError,
            "shape \\(100,\\)",
        ),
    ],
)
def test_folds_that_are_not_rows_of_the_data_are_named(Estimator, fold, error, message):
    X, y, folds = _multiclass()
    with pytest.raises(error, match=f"fold 2 .*{message}"):
        Estimator(Cs=CS, cv=[folds[0], fold]).fit(X, y)


def test_fold_missing_a_class_keeps_every_class():
    X, y, _ = _multiclass()
    y = y.copy()
    y[:3] = 3  # a fourth class of three samples
    folds = [
        (np.arange(3, 240), np.arange(0, 60)),
        (np.arange(0, 180), np.arange(180, 240)),
    ]
    ours = SoftmaxRegressionCV(Cs=CS, cv=folds).fit(X, y)
    assert ours.coefs_paths_.shape == (2, len(CS), 4, 7)
    assert np.all(np.isfinite(ours.scores_))


# -- sample weights and metadata routing --------------------------------------------


def test_sample_weight_weighs_fits_and_scores_as_logistic_regression_cv():
    X, y, folds = _multiclass()
    weights = np.random.default_rng(0).uniform(0.2, 3.0, size=len(y))
    reference = _reference_cv(CS, folds).fit(X, y, sample_weight=weights)
    ours = SoftmaxRegressionCV(Cs=CS, cv=folds, **TIGHT)
    _assert_matches_reference(ours.fit(X, y, sample_weight=weights), reference, X)


def test_one_vs_rest_sample_weight_weighs_each_label_as_logistic_regression_cv():
    X, Y, folds = _multilabel()
    weights = np.random.default_rng(0).uniform(0.2, 3.0, size=len(Y))
    ours = OneVsRestLogisticCV(Cs=CS, cv=folds, **TIGHT)
    ours.fit(X, Y, sample_weight=weights)
    for k in range(Y.shape[1]):
        # What OneVsRestClassifier would do without metadata routing, by hand.
        reference = _reference_cv(CS, folds).fit(X, Y[:, k], sample_weight=weights)
        assert ours.C_[k] == reference.C_
        assert_allclose(ours.scores_[k], reference.scores_[:, 0], atol=1e-6)
        assert_allclose(
            ours.coefs_paths_[k], reference.coefs_paths_[:, 0, :, 0], atol=1e-5
        )
        assert_allclose(ours.coef_[k], reference.coef_[0], atol=1e-5)


def test_one_vs_rest_routes_weights_to_each_labels_scorer():
    X, Y, folds = _multilabel()
    weights = np.random.default_rng(2).uniform(0.2, 3.0, size=len(Y))
    with config_context(enable_metadata_routing=True):
        scoring = make_scorer(
            log_loss, greater_is_better=False, response_method="predict_proba"
        ).set_score_request(sample_weight=True)
        search = _reference_cv(CS, folds, scoring=scoring)
        reference = OneVsRestClassifier(search.set_fit_request(sample_weight=True))
        reference.fit(X, Y, sample_weight=weights)
        ours = OneVsRestLogisticCV(Cs=CS, cv=folds, scoring=scoring, **TIGHT)
        ours.fit(X, Y, sample_weight=weights)
    _assert_matches_one_vs_rest(ours, reference, X)


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
@pytest.mark.parametrize("name", ["scores", "labels", "y_score"])
def test_default_scorer_takes_no_metadata_but_weights(Estimator, name):
    # The default scorer's own arguments were routable: fit(X, y, scores=...)
    # asked the user to call set_score_request on a scorer they cannot reach.
    X, y, folds = _multiclass()
    with config_context(enable_metadata_routing=True):
        with pytest.raises(TypeError) as ours:
            Estimator(Cs=CS, cv=folds).fit(X, y, **{name: np.ones(len(y))})
        with pytest.raises(TypeError) as theirs:
            # (its default scorer, accuracy: "neg_log_loss" routes log_loss's
            # labels, which ours binds to classes_)
            _reference_cv(CS, folds, scoring=None).fit(X, y, **{name: np.ones(len(y))})
    assert str(ours.value).split(" got ")[1] == str(theirs.value).split(" got ")[1]


def test_metadata_routing_to_scorer_and_splitter():
    X, y, _ = _multiclass()
    weights = np.random.default_rng(1).uniform(0.2, 3.0, size=len(y))
    groups = np.arange(len(y)) % 6
    with config_context(enable_metadata_routing=True):
        for requested in (True, False):
            scoring = make_scorer(
                log_loss, greater_is_better=False, response_method="predict_proba"
            ).set_score_request(sample_weight=requested)
            common = {"Cs": CS, "cv": GroupKFold(3), "scoring": scoring}
            reference = LogisticRegressionCV(
                use_legacy_attributes=False, l1_ratios=(0.0,), **common, **TIGHT
            ).fit(X, y, sample_weight=weights, groups=groups)
            ours = SoftmaxRegressionCV(**common, **TIGHT).fit(
                X, y, sample_weight=weights, groups=groups
            )
            _assert_matches_reference(ours, reference, X)
            if requested:
                assert ours.score(X, y, sample_weight=weights) == pytest.approx(
                    reference.score(X, y, sample_weight=weights)
                )
            else:  # both refuse weights that no scorer asked for
                for model in (ours, reference):
                    with pytest.raises(TypeError, match="sample_weight"):
                        model.score(X, y, sample_weight=weights)
        with pytest.raises(ValueError, match="groups"):
            SoftmaxRegressionCV(Cs=2, cv=GroupKFold(3)).fit(X, y)


def test_params_without_routing_are_rejected():
    X, y, _ = _multiclass()
    with pytest.raises(ValueError, match="groups"):
        SoftmaxRegressionCV(Cs=2).fit(X, y, groups=np.zeros(len(y)))


# -- callbacks, verbose, bad input --------------------------------------------------


@pytest.mark.skipif(not HAS_CALLBACKS, reason="callbacks need scikit-learn >= 1.9")
@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_callbacks_see_every_path_fit_and_the_refit(Estimator):
    from sklearn.callback import ProgressBar

    X, y, folds = _multiclass()
    callback = TaskRecorder()
    ours = Estimator(Cs=CS, cv=folds).set_callbacks(callback).fit(X, y)
    assert callback.ends.count("path-fit") == len(folds) * len(CS)
    assert callback.ends.count("refit-at-best-C") == 1
    assert callback.ends[-1] == "fit"
    # Callbacks change nothing, whether the folds are fitted together
    # (n_jobs=None) or each on its own (n_jobs given).
    plain = Estimator(Cs=CS, cv=folds).fit(X, y)
    assert_array_equal(ours.coef_, plain.coef_)
    plain_in_jobs = Estimator(Cs=CS, cv=folds, n_jobs=2).fit(X, y)
    with_bar = Estimator(Cs=CS, cv=folds, n_jobs=2).set_callbacks(ProgressBar())
    assert_array_equal(with_bar.fit(X, y).coef_, plain_in_jobs.coef_)
    assert_array_equal(
        Estimator(Cs=CS, cv=folds).set_callbacks(ProgressBar()).fit(X, y).coef_,
        plain.coef_,
    )


def test_verbose_prints_the_folds(capsys):
    X, y, folds = _multiclass()
    SoftmaxRegressionCV(Cs=3, cv=folds, verbose=1).fit(X, y)
    assert capsys.readouterr().out.count("fold ") == len(folds)


@pytest.mark.parametrize("Cs", [[1.0, -1.0], [], [np.nan]])
def test_bad_cs_are_rejected(Cs):
    X, y, _ = _multiclass()
    with pytest.raises(ValueError, match="Cs must hold one or more positive"):
        SoftmaxRegressionCV(Cs=Cs).fit(X, y)


@pytest.mark.parametrize("Cs", [np.array(5), np.array([[0.1, 1.0]]), ["a"]])
def test_cs_that_are_neither_a_count_nor_a_sequence_are_named(Cs):
    # A 0-d array of 5 became the single C 5.0 (Cs=5 means five values), a
    # 2-D array was flattened, strings failed in NumPy without naming Cs.
    X, y, _ = _multiclass()
    with pytest.raises(ValueError, match="Cs must be an int .* or a 1-D sequence"):
        SoftmaxRegressionCV(Cs=Cs).fit(X, y)


def test_zero_cs_is_rejected_by_the_parameter_table():
    X, y, _ = _multiclass()
    with pytest.raises(ValueError, match="'Cs' parameter"):
        OneVsRestLogisticCV(Cs=0).fit(X, y)


@pytest.mark.parametrize(
    "n_jobs, backend", [(None, None), (1, None), (2, "threading"), (2, "loky")]
)
def test_non_convergence_warns(n_jobs, backend):
    # Folds fitted together (None), apart (1), in threads or in processes: one
    # warning counting every fold's fit and the refit, pointing at the caller.
    # In joblib's threads they pointed into joblib (the caller's frame is not
    # on a worker's stack); in its processes they were lost.
    X, y, folds = _multiclass()
    estimator = SoftmaxRegressionCV(Cs=[1e4], cv=folds, max_iter=2, n_jobs=n_jobs)
    with pytest.warns(ConvergenceWarning) as record:
        if backend is None:
            estimator.fit(X, y)
        else:
            with joblib.parallel_backend(backend, n_jobs=2):
                estimator.fit(X, y)
    warned = [w for w in record if issubclass(w.category, ConvergenceWarning)]
    assert len(warned) == 1
    # The first fold's fit, then the other folds' and the refit.
    assert f"({len(folds)} more fits of this cross-validation" in str(warned[0].message)
    assert "SoftmaxRegression" in str(warned[0].message)
    assert warned[0].filename == __file__


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
@pytest.mark.parametrize("backend", ["loky", "multiprocessing"])
def test_n_jobs_under_a_process_backend(Estimator, backend):
    # The folds' tasks held the guard's locks, which cannot be pickled: loky and
    # multiprocessing raised (inside GridSearchCV's refit too), Dask hung.
    X, y, folds = _multiclass()
    threads = Estimator(Cs=CS, cv=folds, n_jobs=2).fit(X, y)
    with joblib.parallel_backend(backend, n_jobs=2):
        processes = Estimator(Cs=CS, cv=folds, n_jobs=2).fit(X, y)
    assert_array_equal(processes.scores_, threads.scores_)
    assert_array_equal(processes.coefs_paths_, threads.coefs_paths_)
    assert_array_equal(processes.coef_, threads.coef_)


# -- scikit-learn's estimator checks ------------------------------------------------


@parametrize_with_checks(
    [
        SoftmaxRegressionCV(Cs=2, cv=3),
        SoftmaxRegressionCV(Cs=[0.1, 10.0], cv=3, refit=False),
        SoftmaxRegressionCV(Cs=2, cv=3, class_weight="balanced"),
        # Not Cs=2 (1e-4 and 1e4): on the separable multi-label data of
        # check_classifier_multioutput C=1e4 drives logits past 37, where the
        # sigmoid rounds to 1 and probability ranks tie (see test_common.py).
        OneVsRestLogisticCV(Cs=[0.01, 1.0], cv=3),
        OneVsRestLogisticCV(Cs=[0.1, 10.0], cv=3, refit=False),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


class _FailingAt(TaskRecorder):
    """Raises ``error`` at the ``n``-th task end (of any fold's fit)."""

    def __init__(self, n, error):
        super().__init__()
        self.n, self.error = n, error

    def on_fit_task_end(self, estimator, context, **kwargs):
        super().on_fit_task_end(estimator, context, **kwargs)
        if len(self.ends) == self.n:
            raise self.error


@pytest.mark.skipif(not HAS_CALLBACKS, reason="callbacks need scikit-learn >= 1.9")
@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
@pytest.mark.parametrize("error", [RuntimeError("injected"), KeyboardInterrupt()])
def test_a_failing_fold_stops_the_others_before_fit_raises(
    Estimator, error, batched_labels
):
    # With n_jobs=2, joblib does not stop the folds it has started: they went
    # on fitting in its threads, and calling the callbacks, for seconds after
    # fit had raised (13 and 14 more callback calls in the review). The labels
    # batched in threads of their own, as on large data.
    import threading
    import time

    X, y = make_classification(
        n_samples=600, n_features=10, n_informative=6, n_classes=3, random_state=0
    )
    callback = _FailingAt(5, error)
    with pytest.raises(type(error)):
        Estimator(Cs=5, cv=5, n_jobs=2, tol=1e-10).set_callbacks(callback).fit(X, y)
    n_calls = len(callback.ends)
    names = [thread.name for thread in threading.enumerate()]
    assert not [name for name in names if name.startswith("skl_softmax-lbfgs")]
    time.sleep(0.3)
    assert len(callback.ends) == n_calls


@pytest.mark.parametrize("class_weight", [None, "balanced", {"no": 2.0}])
def test_one_vs_rest_cv_two_classes_with_a_fold_of_one_class(class_weight):
    # A training fold holding one of the two classes (unshuffled folds, group
    # splitters) was refused ("needs samples of at least 2 classes"), or with
    # class weights failed with IndexError, where LogisticRegressionCV fits it.
    # Its one label is now constant in that fold, as a class missing from a
    # fold of three or more classes is.
    X, y = make_classification(n_samples=200, n_features=5, random_state=3)
    order = np.argsort(y, kind="stable")
    X, y = X[order], np.array(["no", "yes"])[y[order]]
    n_negative = int(np.sum(y == "no"))
    folds = [
        (np.arange(n_negative), np.arange(n_negative, 200)),  # trains on "no"
        (np.arange(50, 200), np.arange(50)),
    ]
    # The warning names the class as written ('yes', not the column 0).
    with pytest.warns(UserWarning, match="'yes' \\(absent from every sample\\)"):
        ours = OneVsRestLogisticCV(
            Cs=[0.1, 1.0], cv=folds, class_weight=class_weight, **TIGHT
        ).fit(X, y)
    # The fold with both classes is LogisticRegression's on its rows ("balanced"
    # is computed on them, where LogisticRegressionCV computes it on all rows).
    train, test = folds[1]
    for j, C in enumerate([0.1, 1.0]):
        reference = LogisticRegression(C=C, class_weight=class_weight, **TIGHT)
        reference.fit(X[train], y[train])
        assert_allclose(ours.coefs_paths_[0, 1, j, :-1], reference.coef_[0], atol=1e-5)
        assert_allclose(
            ours.coefs_paths_[0, 1, j, -1], reference.intercept_[0], atol=1e-5
        )
        expected = -log_loss(
            y[test], reference.predict_proba(X[test]), labels=reference.classes_
        )
        assert_allclose(ours.scores_[0, 1, j], expected, rtol=0, atol=1e-6)
    # The other predicts its one class: coef_ 0, intercept -40.
    assert_array_equal(ours.coefs_paths_[0, 0, :, :-1], 0.0)
    assert_array_equal(ours.coefs_paths_[0, 0, :, -1], -40.0)
    if class_weight != "balanced":
        theirs = _reference_cv([0.1, 1.0], folds, class_weight=class_weight)
        assert ours.C_[0] == theirs.fit(X, y).C_


def test_one_vs_rest_cv_names_a_class_missing_from_a_fold_as_written():
    # The folds fit indicator columns; their warnings named the column (2).
    X, y = make_classification(
        n_samples=90, n_features=5, n_informative=3, n_classes=3, random_state=0
    )
    order = np.argsort(y, kind="stable")
    X, y = X[order], np.array(["ant", "bee", "cat"])[y[order]]
    folds = [(np.arange(60), np.arange(60, 90)), (np.arange(30, 90), np.arange(30))]
    with pytest.warns(UserWarning) as record:
        OneVsRestLogisticCV(Cs=[1.0], cv=folds).fit(X, y)
    messages = [str(w.message) for w in record if "constant" in str(w.message)]
    assert "'cat' (absent from every sample)" in messages[0]
    assert "'ant' (absent from every sample)" in messages[1]


def _separable_at_inf():
    """Binary labels separable on feature 0, and three classes of it."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 4))
    return X, (X[:, 0] > 0).astype(int), np.digitize(X[:, 0], [-0.5, 0.5])


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_separation_and_non_convergence_warn_apart(Estimator, monkeypatch):
    # At C=inf the folds' fits and the refit separate the data, at C=100
    # they stop at max_iter: the separation warning was merged into the
    # non-convergence one (lost), whose count took in the separated fits.
    # Each kind of warning once, the non-convergence one with its own count,
    # as a plain fit at C=inf warns about the separation.
    X, y, y3 = _separable_at_inf()
    reported = []
    warn_each = _solver.warn_each
    monkeypatch.setattr(
        _solver, "warn_each", lambda c, **k: (reported.extend(c), warn_each(c, **k))
    )
    targets = y if Estimator is SoftmaxRegressionCV else y3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Estimator(Cs=[100, np.inf], cv=3, max_iter=12).fit(X, targets)
    failed = [m for m, _ in reported if "failed to converge" in m]
    separated = {m for m, _ in reported if "perfectly separated" in m}
    assert len(failed) > 1 and separated
    assert len(reported) == len(failed) + sum(
        "perfectly separated" in m for m, _ in reported
    )
    messages = [str(w.message) for w in caught]
    assert all(w.category is ConvergenceWarning for w in caught)
    assert {w.filename for w in caught} == {__file__}
    assert len(messages) == 1 + len(separated)
    assert set(messages[1:]) == separated
    assert messages[0].startswith(failed[0])
    assert messages[0].endswith(
        f"({len(failed) - 1} more fits of this cross-validation, among its folds "
        "at each C and its refit, did not converge either.)"
    )
    Plain = SoftmaxRegression if Estimator is SoftmaxRegressionCV else OneVsRestLogistic
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Plain(C=np.inf, max_iter=12).fit(X, targets)
    assert any("perfectly separated" in str(w.message) for w in caught)


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_non_convergence_without_refit_counts_the_folds_only(Estimator):
    # refit=False runs no refit: the count said "and its refit".
    X, y, _ = _multiclass(n_samples=120)
    with pytest.warns(ConvergenceWarning) as record:
        Estimator(Cs=[0.01, 0.1, 1, 10], cv=3, max_iter=2, refit=False).fit(X, y)
    (message,) = [str(w.message) for w in record]
    assert message.endswith(
        "(11 more fits of this cross-validation, among its folds at each C, did "
        "not converge either.)"
    )


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
def test_a_warning_turned_error_leaves_the_model_as_it_was(Estimator):
    # docs/bad_input.rst: a fit that fails leaves the attributes as they were.
    # With ConvergenceWarning an error, the CV fits raised it once they had
    # ended, after setting the new model's classes_, n_features_in_ and coef_
    # (SoftmaxRegression put the old ones back).
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 4))
    y3 = np.digitize(X[:, 0], [-0.5, 0.5])
    X2 = rng.standard_normal((90, 6))
    y2 = (X2[:, 0] > 0).astype(int)
    model = Estimator(Cs=[0.1, 1], cv=3).fit(X, y3)
    before = {k: v.copy() if hasattr(v, "copy") else v for k, v in vars(model).items()}
    model.set_params(max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning, match="failed to converge"):
            model.fit(X2, y2)
    after = vars(model)
    assert after.keys() == before.keys()
    assert model.max_iter == 1
    for name in ("classes_", "n_features_in_", "coef_", "intercept_", "C_"):
        assert_array_equal(after[name], before[name])


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
@pytest.mark.parametrize("n_jobs", [None, 1])
def test_a_fold_without_held_out_weight_is_named(Estimator, n_jobs, monkeypatch):
    # The default scores are weighted means over each fold's held-out rows:
    # a fold whose held-out rows all weigh 0 failed once fitted, saying
    # "sample_weight must have a positive sum", which it has. Named, before
    # any fit, as a fold without training weight is; scikit-learn's metrics
    # refuse such weights too. A scorer of the user's decides for itself.
    X, y, _ = _multiclass(n_samples=120)
    sample_weight = np.r_[np.zeros(40), np.ones(80)]  # KFold(3)'s first fold
    with monkeypatch.context() as patch:
        patch.setattr(
            _cv, "_fit_path", lambda *a, **k: pytest.fail("a fold was fitted")
        )
        patch.setattr(
            _cv, "_fit_paths_together", lambda *a, **k: pytest.fail("a fold was fitted")
        )
        for scoring in (None, "accuracy", get_scorer("neg_log_loss")):
            with pytest.raises(
                ValueError,
                match=r"sample_weight must leave a positive total weight in every "
                r"fold's held-out rows, which the scoring weighs\. Got 0 in fold 1\.",
            ):
                Estimator(Cs=[0.1, 1], cv=KFold(3), n_jobs=n_jobs, scoring=scoring).fit(
                    X, y, sample_weight=sample_weight
                )

    def unweighted(estimator, X, y, sample_weight=None):
        return estimator.score(X, y)

    model = Estimator(Cs=[0.1, 1], cv=KFold(3), n_jobs=n_jobs, scoring=unweighted)
    model.fit(X, y, sample_weight=sample_weight)
    assert np.all(np.isfinite(model.scores_))


def test_scorer_objects_of_named_scorers_are_refused_on_soft_targets(monkeypatch):
    # scoring="neg_log_loss" was refused, get_scorer("neg_log_loss") failed
    # after the first fold's fits, inside log_loss ("unhashable type").
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 4))
    logits = X[:, :3]
    P = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    with monkeypatch.context() as patch:
        patch.setattr(
            _cv, "_fit_path", lambda *a, **k: pytest.fail("a fold was fitted")
        )
        patch.setattr(
            _cv, "_fit_paths_together", lambda *a, **k: pytest.fail("a fold was fitted")
        )
        for scoring in (
            get_scorer("neg_log_loss"),
            get_scorer("accuracy"),
            make_scorer(log_loss, response_method="predict_proba"),
        ):
            with pytest.raises(
                ValueError, match=r"scoring=.* cannot score soft targets"
            ):
                SoftmaxRegressionCV(Cs=[0.1, 1], cv=3, scoring=scoring).fit(X, P)
    model = SoftmaxRegressionCV(Cs=[0.1, 1], cv=3, scoring=neg_cross_entropy)
    assert model.fit(X, P).scores_.shape == (3, 2)
