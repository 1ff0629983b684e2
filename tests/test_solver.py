"""The L-BFGS-B wrapper: its result, its loss curve and its ConvergenceWarning."""

import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from threadpoolctl import threadpool_limits

from skl_softmax import OneVsRestLogistic, SoftmaxRegression
from skl_softmax._loss import MultinomialLoss
from skl_softmax._solver import (
    LbfgsResult,
    minimize_lbfgs,
    warn_each,
    warn_if_not_converged,
)


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # The test machine is shared: BLAS threads spinning against each other make
    # small fits hundreds of times slower without changing any result.
    with threadpool_limits(1):
        yield


def _quadratic(rng, d=6):
    """f(x) = ½ xᵀAx − bᵀx with a known minimiser A⁻¹b."""
    Q = rng.normal(size=(d, d))
    A = Q @ Q.T + d * np.eye(d)
    b = rng.normal(size=d)

    def fun(x):
        return 0.5 * x @ A @ x - b @ x, A @ x - b

    return fun, np.linalg.solve(A, b)


def _assert_loss_curve_is_consistent(result):
    curve = np.asarray(result.loss_curve)
    assert curve.shape == (result.n_iter,)
    assert np.all(np.diff(curve) <= 0)
    assert curve[-1] == result.fun


def test_minimize_lbfgs_finds_minimum_of_quadratic(rng):
    fun, minimiser = _quadratic(rng)
    # tol=1e-6: reached before the objective's relative decrease falls below
    # ftol = 64·eps (f − f* ≈ |g|² / λ, about 1e-13 here), so gtol stops it.
    result = minimize_lbfgs(fun, np.zeros(6), tol=1e-6, max_iter=100)
    assert isinstance(result, LbfgsResult)
    assert result.converged
    assert 1 <= result.n_iter < 100
    assert result.grad_max <= 1e-6
    # |x − x*| ≤ |g| / λ_min and λ_min ≥ d = 6.
    assert_allclose(result.x, minimiser, rtol=0, atol=1e-6)
    _assert_loss_curve_is_consistent(result)


def test_minimize_lbfgs_on_multinomial_loss_stops_below_tol(rng):
    X = rng.normal(size=(60, 4))
    labels = rng.integers(0, 3, size=60)
    objective = MultinomialLoss(X, labels, np.ones(60), 1.0, 3, True)
    # tol=1e-5 is reached long before the relative decrease falls below ftol
    # (64·eps), so the gradient test is what stops it; at 1e-8 either may.
    result = minimize_lbfgs(
        objective, np.zeros(objective.n_params), tol=1e-5, max_iter=500
    )
    assert result.converged
    _, gradient = objective(result.x)
    assert np.max(np.abs(gradient)) <= 1e-5
    assert result.grad_max == np.max(np.abs(gradient))
    _assert_loss_curve_is_consistent(result)
    assert result.loss_curve[0] < np.log(3)  # the objective at the zero start


def test_minimize_lbfgs_stops_at_max_iter(rng):
    fun, _ = _quadratic(rng, d=20)
    result = minimize_lbfgs(fun, np.zeros(20), tol=1e-14, max_iter=2)
    assert result.n_iter == 2
    assert not result.converged
    _assert_loss_curve_is_consistent(result)


def test_minimize_lbfgs_reports_every_iteration(rng, capsys):
    fun, _ = _quadratic(rng)
    seen = []
    result = minimize_lbfgs(
        fun,
        np.zeros(6),
        tol=1e-10,
        max_iter=100,
        verbose=1,
        on_iteration=lambda x: seen.append(x.copy()),
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(seen) == result.n_iter
    assert_allclose(seen[-1], result.x, rtol=0, atol=0)
    for k, (line, value) in enumerate(zip(lines, result.loss_curve, strict=True)):
        match = re.fullmatch(
            r"iteration +(\d+) +objective +(\S+) +max \|gradient\| +(\S+)", line
        )
        assert match, line
        assert int(match[1]) == k + 1
        assert_allclose(float(match[2]), value, rtol=1e-12, atol=0)


def test_minimize_lbfgs_rejects_non_finite_objective():
    def fun(x):
        return np.nan, np.zeros_like(x)

    with pytest.raises(FloatingPointError, match="objective is not finite"):
        minimize_lbfgs(fun, np.zeros(2), tol=1e-4, max_iter=10)


# -- the ConvergenceWarning -------------------------------------------------------


def test_convergence_warning_says_what_happened_and_what_to_do():
    X, y = load_iris(return_X_y=True)
    with pytest.warns(ConvergenceWarning) as record:
        SoftmaxRegression(max_iter=1).fit(X, y)
    assert len(record) == 1
    message = str(record[0].message)
    assert "SoftmaxRegression" in message
    assert "max_iter=1 iterations" in message
    assert re.search(r"largest gradient component is \d\.\d+(e[-+]\d+)?", message)
    assert "tol=0.0001" in message
    assert "Increase max_iter" in message
    assert "StandardScaler" in message
    assert "loosen tol" in message
    # The filename is the caller's, this test file, not the package's.
    assert record[0].filename == __file__


def test_convergence_warning_has_the_gradient_the_fit_stopped_at():
    X, y = load_iris(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match="largest gradient") as record:
        clf = SoftmaxRegression(max_iter=3, fit_intercept=False).fit(X, y)
    reported = float(
        re.search(r"gradient component is (\S+), above", str(record[0].message))[1]
    )
    objective = MultinomialLoss(X, y, np.ones(len(y)), 1.0, 3, False)
    _, gradient = objective(clf.coef_.ravel())
    assert_allclose(reported, np.max(np.abs(gradient)), rtol=1e-2, atol=0)


def test_convergence_warning_matches_logistic_regression_conditions():
    # Where LogisticRegression warns for max_iter, so do we: iris, 5 iterations.
    X, y = load_iris(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        LogisticRegression(max_iter=5).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="max_iter=5 iterations"):
        SoftmaxRegression(max_iter=5).fit(X, y)


def test_no_warning_when_converged():
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SoftmaxRegression(max_iter=1000).fit(X, y)


def test_warn_if_not_converged_names_a_failed_line_search_and_the_hint():
    result = LbfgsResult(
        x=np.zeros(2),
        fun=1.0,
        grad_max=0.5,
        n_iter=4,
        converged=False,
        message="ABNORMAL_TERMINATION_IN_LNSRCH",
    )
    with pytest.warns(ConvergenceWarning) as record:
        warn_if_not_converged(
            result, "Estimator", max_iter=100, tol=1e-4, hint="Scale."
        )
    message = str(record[0].message)
    assert "stopped after 4 iterations because the line search failed" in message
    assert "ABNORMAL_TERMINATION_IN_LNSRCH" in message
    assert "0.5, above tol=0.0001" in message
    assert message.endswith("Scale.")


def _columns_in_other_units(seed, n=1_000, d=12, n_classes=4):
    """Benchmark case (g)'s kind of data: spreads 1 to 1e4, means up to 3 spreads."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, d))
    y = np.argmax(
        Z @ rng.normal(0, 0.7, (n_classes, d)).T + rng.gumbel(size=(n, n_classes)), 1
    )
    scales = rng.permutation(np.logspace(0, 4, d))
    return Z * scales + scales * rng.uniform(-3, 3, d), y


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(
    "ours, reference",
    [
        (
            SoftmaxRegression,
            lambda: LogisticRegression(solver="newton-cholesky", tol=1e-10),
        ),
        (
            OneVsRestLogistic,
            lambda: OneVsRestClassifier(
                LogisticRegression(solver="newton-cholesky", tol=1e-10)
            ),
        ),
    ],
    ids=["softmax", "one-vs-rest"],
)
def test_finish_on_gradients_reaches_the_optimum_of_columns_in_other_units(
    seed, ours, reference
):
    # L-BFGS-B stops on the flat objective in every fit here (each softmax fit
    # and one-vs-rest label), its max |gradient| 200 to 2e4 times tol, and the
    # gradient-judged finish goes on. Its gradient can rise for a few steps
    # before it falls: after three steps without a smaller one (its patience
    # before), the fits of seed 1 stayed where L-BFGS-B had left them, 5e-8
    # (softmax) and 2e-8 (one-vs-rest) from the optimum, with no warning.
    X, y = _columns_in_other_units(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = ours(tol=1e-8, max_iter=1000).fit(X, y)
    optimum = reference().fit(X, y)
    assert_allclose(model.predict_proba(X), optimum.predict_proba(X), rtol=0, atol=1e-8)


def _warned_by_warn_each(collected, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_each(collected, **kwargs)
    return [(str(w.message), w.category) for w in caught]


def test_warn_each_keeps_each_kind_of_convergence_warning_apart():
    # A CV fit whose fits at C=inf separate the data and whose others stop at
    # max_iter: every ConvergenceWarning was grouped under one key, so the
    # separation warning was lost (or, coming first, the non-convergence one)
    # and the count of fits that "did not converge either" counted both.
    failed = [
        (
            f"SoftmaxRegression: lbfgs failed to converge: gradient {g}",
            ConvergenceWarning,
        )
        for g in (1, 2, 3)
    ]
    separated = (
        "SoftmaxRegression: the classes are perfectly separated in the training "
        "data and C=inf, so the unpenalised cross-entropy has no minimum.",
        ConvergenceWarning,
    )
    one_label = (
        "OneVsRestLogistic: label 0 is perfectly separated",
        ConvergenceWarning,
    )
    constant = ("Label 2 is constant in training: 2", UserWarning)
    summary = (
        f"{failed[0][0]} (2 more fits of this cross-validation, among its folds at "
        "each C and its refit, did not converge either.)"
    )
    for collected in (
        [failed[0], separated, failed[1], separated, failed[2], constant, constant],
        [separated, constant, failed[0], separated, failed[1], failed[2]],
    ):
        warned = _warned_by_warn_each(collected)
        assert sorted(warned, key=str) == sorted(
            [(summary, ConvergenceWarning), separated, constant], key=str
        )
    # Separation warnings that name other labels are not merged: each says
    # which labels, once.
    warned = _warned_by_warn_each([one_label, separated, one_label, failed[0]])
    assert warned == [one_label, separated, failed[0]]


def test_warn_each_names_the_refit_only_when_there_is_one():
    failed = [
        (
            f"SoftmaxRegression: lbfgs failed to converge: gradient {g}",
            ConvergenceWarning,
        )
        for g in range(12)
    ]
    ((with_refit, _),) = _warned_by_warn_each(failed)
    assert with_refit.endswith(
        "(11 more fits of this cross-validation, among its folds at each C and its "
        "refit, did not converge either.)"
    )
    ((without_refit, _),) = _warned_by_warn_each(failed, refit=False)
    assert without_refit.endswith(
        "(11 more fits of this cross-validation, among its folds at each C, did not "
        "converge either.)"
    )
