"""Soft targets end to end: fit, score, cross-validation (issue 10 §4)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import log_softmax
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

from skl_softmax import SoftmaxRegression, cross_entropy, neg_cross_entropy
from skl_softmax._special import ROW_SUM_TOLERANCE


def _soft(n_samples=120, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, 4))
    Z = X @ rng.standard_normal((4, n_classes))
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    return X, P / P.sum(axis=1, keepdims=True)


def test_score_on_soft_targets_is_the_accuracy_against_the_most_probable_class():
    X, P = _soft()
    model = SoftmaxRegression().fit(X, P)
    expected = accuracy_score(np.argmax(P, axis=1), model.predict(X))
    assert model.score(X, P) == pytest.approx(expected, rel=0, abs=1e-15)
    weights = np.linspace(0.5, 2.0, len(P))
    expected = accuracy_score(
        np.argmax(P, axis=1), model.predict(X), sample_weight=weights
    )
    assert model.score(X, P, sample_weight=weights) == pytest.approx(expected)


def test_cross_val_score_on_soft_targets_is_finite():
    X, P = _soft()
    for scoring in (None, neg_cross_entropy):
        scores = cross_val_score(SoftmaxRegression(), X, P, scoring=scoring)
        assert np.all(np.isfinite(scores))


@pytest.mark.parametrize("dtype", [bool, np.int64])
def test_score_takes_the_one_hot_rows_that_fit_takes(dtype):
    # fit took integer and boolean one-hot rows (pd.get_dummies) as soft
    # targets; score refused them ("a mix of multilabel-indicator and
    # multiclass targets"), so cross_val_score failed on them.
    X, P = _soft()
    Y = np.eye(3, dtype=dtype)[np.argmax(P, axis=1)]
    model = SoftmaxRegression().fit(X, Y)
    assert model.score(X, Y) == model.score(X, Y.astype(float))
    scores = cross_val_score(SoftmaxRegression(), X, Y, cv=KFold(3))
    assert np.all(np.isfinite(scores))


def test_neg_cross_entropy_is_minus_the_cross_entropy_of_the_probabilities():
    X, P = _soft()
    model = SoftmaxRegression().fit(X, P)
    expected = np.mean(np.sum(P * np.log(model.predict_proba(X)), axis=1))
    assert neg_cross_entropy(model, X, P) == pytest.approx(expected, rel=1e-12)
    labels = np.argmax(P, axis=1)
    expected = np.mean(np.log(model.predict_proba(X)[np.arange(len(P)), labels]))
    assert neg_cross_entropy(model, X, labels) == pytest.approx(expected, rel=1e-12)


def test_neg_cross_entropy_refuses_what_log_loss_refuses():
    # Labels the model does not know were scored as their neighbours in
    # classes_ (searchsorted), and rows summing to 4 were renormalised:
    # log_loss(labels=classes_) refuses the first, fit the second.
    from sklearn.metrics import log_loss

    X, P = _soft()
    names = np.array([10, 20, 30])
    model = SoftmaxRegression().fit(X, names[np.argmax(P, axis=1)])
    proba = model.predict_proba(X[:2])
    with pytest.raises(ValueError, match="not belonging to the passed labels"):
        log_loss([15, 20], proba, labels=model.classes_)
    for unknown in (15, 5, 99):
        with pytest.raises(ValueError, match=f"not fitted on: {unknown}. Its classes"):
            neg_cross_entropy(model, X[:2], [unknown, 20])
    soft_model = SoftmaxRegression().fit(X, P)
    with pytest.raises(ValueError, match="rows must sum to 1. Got a row summing to 4"):
        neg_cross_entropy(soft_model, X[:2], [[2.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    with pytest.raises(ValueError, match="rows must sum to 1. Got a row summing to 0"):
        neg_cross_entropy(soft_model, X[:2], [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def test_neg_cross_entropy_refuses_a_multi_label_model():
    # Independent sigmoids have no distribution over classes: an indicator Y
    # was refused as "rows must sum to 1" (rows without a label), and one-hot
    # rows were scored against the renormalised sigmoids.
    from skl_softmax import OneVsRestLogistic

    X, P = _soft()
    one_hot = np.eye(3, dtype=int)[np.argmax(P, axis=1)]
    indicator = one_hot.copy()
    indicator[:10] = 0
    for Y in (indicator, one_hot):
        model = OneVsRestLogistic().fit(X, Y)
        assert model.multilabel_
        with pytest.raises(ValueError, match="exclusive classes.*multi-label"):
            neg_cross_entropy(model, X, Y)
    labels = np.argmax(P, axis=1)  # one-vs-rest on classes: scored as before
    model = OneVsRestLogistic().fit(X, labels)
    expected = np.mean(np.log(model.predict_proba(X)[np.arange(len(P)), labels]))
    assert neg_cross_entropy(model, X, labels) == pytest.approx(expected, rel=1e-12)


def test_cv_refuses_named_scorers_on_soft_targets_and_takes_neg_cross_entropy():
    # "neg_log_loss" failed inside log_loss ("unhashable type"); the callable
    # scorer for probability rows chooses C as GridSearchCV does with it.
    from skl_softmax import SoftmaxRegressionCV

    X, P = _soft(n_samples=200)
    cv = KFold(4, shuffle=True, random_state=0)
    for scoring in ("neg_log_loss", "accuracy"):
        with pytest.raises(ValueError, match=f"scoring='{scoring}' cannot score soft"):
            SoftmaxRegressionCV(Cs=3, cv=cv, scoring=scoring).fit(X, P)
    Cs = [1e-4, 1e-2, 1.0, 100.0]
    ours = SoftmaxRegressionCV(
        Cs=Cs, cv=cv, scoring=neg_cross_entropy, tol=1e-10, max_iter=1000
    ).fit(X, P)
    search = GridSearchCV(
        SoftmaxRegression(tol=1e-10, max_iter=1000),
        {"C": Cs},
        scoring=neg_cross_entropy,
        cv=cv,
    ).fit(X, P)
    assert ours.C_ == search.best_params_["C"]
    assert_allclose(
        ours.scores_,
        np.array([search.cv_results_[f"split{f}_test_score"] for f in range(4)]),
        rtol=1e-6,
    )


def test_grid_search_on_soft_targets_picks_the_best_candidate():
    X, P = _soft(n_samples=200)
    grid = {"C": [1e-4, 1e-2, 1.0, 100.0]}
    cv = KFold(4, shuffle=True, random_state=0)
    search = GridSearchCV(SoftmaxRegression(), grid, scoring=neg_cross_entropy, cv=cv)
    search.fit(X, P)
    means = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(means))
    # The strongest penalty underfits: the first candidate is not the best.
    assert search.best_index_ == int(np.argmax(means)) != 0
    manual = [
        np.mean(
            cross_val_score(
                SoftmaxRegression(C=C), X, P, scoring=neg_cross_entropy, cv=cv
            )
        )
        for C in grid["C"]
    ]
    assert_allclose(means, manual, rtol=1e-12)


@pytest.mark.parametrize("C", [1.0, np.inf])
def test_rows_within_the_tolerance_are_renormalised(C):
    X, P = _soft()
    exact = SoftmaxRegression(C=C, tol=1e-10, max_iter=1000).fit(X, P)
    off = SoftmaxRegression(C=C, tol=1e-10, max_iter=1000).fit(X, P * (1 + 5e-7))
    assert_allclose(off.intercept_, exact.intercept_, rtol=1e-6, atol=1e-6)
    assert_allclose(off.predict_proba(X), exact.predict_proba(X), atol=1e-7)


def test_cross_entropy_and_fit_share_one_tolerance_and_message():
    X, P = _soft()
    logits = np.log(P)
    accepted = P * (1 + ROW_SUM_TOLERANCE / 2)
    cross_entropy(accepted, logits)
    SoftmaxRegression().fit(X, accepted)
    rejected = P.copy()
    rejected[0] *= 1 + 3 * ROW_SUM_TOLERANCE
    for fit in (
        lambda: cross_entropy(rejected, logits),
        lambda: SoftmaxRegression().fit(X, rejected),
    ):
        with pytest.raises(
            ValueError, match=r"\(1 \+ 3e-06, beyond the tolerance 1e-06\)"
        ):
            fit()


def test_float32_softmax_rows_over_many_classes_are_accepted():
    # A float32 softmax's normaliser, summed in order as frameworks do, drifts
    # with the number of classes: over 1 000 classes its rows sum to 1 ± 2.4e-6,
    # which the fixed tolerance 1e-6 refused (torch.softmax: 1 ± 1.1e-6).
    rng = np.random.default_rng(0)
    n_classes = 1_000
    Z = (3 * rng.standard_normal((200, n_classes))).astype(np.float32)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = E / np.cumsum(E, axis=1, dtype=np.float32)[:, -1:]
    assert np.abs(P.astype(np.float64).sum(axis=1) - 1).max() > ROW_SUM_TOLERANCE
    X = rng.standard_normal((200, 3))
    cross_entropy(P, Z)
    with pytest.warns(ConvergenceWarning):  # accepted: the fit starts
        model = SoftmaxRegression(max_iter=0).fit(X, P)
    assert model.coef_.shape == (n_classes, 3)
    # Counts and percentages are still refused, as are rows a thousandth off.
    for wrong in (P * 1.001, P * 100):
        with pytest.raises(ValueError, match=r"beyond the tolerance 0\.000119"):
            cross_entropy(wrong, Z)
        with pytest.raises(ValueError, match=r"beyond the tolerance 0\.000119"):
            SoftmaxRegression().fit(X, wrong)


def test_float16_rows_are_accepted_within_their_own_resolution():
    # A half-precision teacher's probabilities: rounded to float16, rows sum
    # to 1 ± 3.7e-4 here; the float32 tolerance (1e-6 for 3 classes) refused
    # them in fit, cross_entropy, score, neg_cross_entropy and the CV scorer.
    from skl_softmax import SoftmaxRegressionCV

    X, P = _soft(n_classes=3)
    P16 = P.astype(np.float16)
    deviation = np.abs(P16.astype(np.float64).sum(axis=1) - 1).max()
    assert deviation > 10 * ROW_SUM_TOLERANCE
    # Accepted as float64 rows of the same values would be once renormalised.
    R = P16.astype(np.float64)
    R /= R.sum(axis=1, keepdims=True)
    params = dict(tol=1e-10, max_iter=1000)
    model = SoftmaxRegression(**params).fit(X, P16)
    reference = SoftmaxRegression(**params).fit(X, R)
    assert_allclose(model.coef_, reference.coef_, rtol=1e-12, atol=1e-12)
    assert model.score(X, P16) == reference.score(X, R)
    assert neg_cross_entropy(model, X, P16) == pytest.approx(
        neg_cross_entropy(reference, X, R), rel=1e-12
    )
    # cross_entropy computes float16 rows in float32, as it does float16 logits.
    logits = np.log(R)
    expected = -np.mean(np.sum(P16.astype(np.float64) * log_softmax(logits, axis=1), 1))
    assert cross_entropy(P16, logits) == pytest.approx(expected, rel=1e-6)
    cv = SoftmaxRegressionCV(Cs=[0.1, 1.0], cv=KFold(3)).fit(X, P16)
    assert cv.C_ == SoftmaxRegressionCV(Cs=[0.1, 1.0], cv=KFold(3)).fit(X, R).C_
    # Rows off by more than 3 float16 epsilons are still refused, naming it.
    wrong = P16.copy()
    wrong[0, 0] += np.float16(0.01)
    for call in (
        lambda: SoftmaxRegression().fit(X, wrong),
        lambda: cross_entropy(wrong, logits),
        lambda: model.score(X, wrong),
        lambda: neg_cross_entropy(model, X, wrong),
    ):
        with pytest.raises(ValueError, match=r"beyond the tolerance 0\.00293\)"):
            call()
