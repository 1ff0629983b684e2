"""Objectives and gradients of the linear models against independent references.

Every gradient is checked against central differences; values against the
closed form at zero parameters, against :func:`skl_softmax.cross_entropy` plus
the penalty, and against scikit-learn's own ``LinearModelLoss``, which is the
objective ``LogisticRegression`` minimises.
"""

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse, special
from sklearn._loss.loss import HalfBinomialLoss, HalfMultinomialLoss
from sklearn.linear_model._linear_loss import LinearModelLoss

import skl_softmax._loss as loss_module
from skl_softmax import binary_cross_entropy, cross_entropy
from skl_softmax._loss import BinomialLoss, MultinomialLoss

# Central differences err by h² f''' / 6 + eps·|f| / h; h = 1e-5 puts both near
# 1e-10 for the O(1) objectives here.
_H = 1e-5


def _central_gradient(fun, params, h=_H):
    gradient = np.empty_like(params)
    for j in range(params.size):
        step = np.zeros_like(params)
        step[j] = h
        gradient[j] = (fun(params + step)[0] - fun(params - step)[0]) / (2 * h)
    return gradient


def _data(rng, n, d, K, *, soft=False, binary=False):
    X = rng.normal(size=(n, d))
    X[:, 0] *= 3.0
    X[rng.random((n, d)) < 0.3] = 0.0  # some structure for the CSR variant
    if binary:
        y = rng.integers(0, 2, size=n).astype(float)
        targets = rng.uniform(size=n) if soft else y
        return X, targets[:, None]
    labels = rng.integers(0, K, size=n)
    return X, (rng.dirichlet(np.ones(K), size=n) if soft else labels)


def _one_hot(targets, K):
    return targets if targets.ndim == 2 else np.eye(K)[targets]


CONFIGS = list(
    itertools.product(
        [2, 4],  # classes; 2 is the binomial (single-logit) model
        [True, False],  # fit_intercept
        [False, True],  # sample weights
        [0.3, np.inf],  # C
        ["dense", "csr"],
        [False, True],  # soft targets
    )
)


def _make_loss(rng, K, fit_intercept, weighted, C, layout, soft, dtype=np.float64):
    n, d = 40, 5
    X, targets = _data(rng, n, d, K, soft=soft, binary=K == 2)
    X = X.astype(dtype)
    if layout == "csr":
        X = sparse.csr_matrix(X)
    sw = rng.uniform(0.2, 3.0, size=n) if weighted else np.ones(n)
    if K == 2:
        return BinomialLoss(X, targets, sw, C, fit_intercept)
    return MultinomialLoss(X, targets, sw, C, K, fit_intercept)


@pytest.mark.parametrize("K, fit_intercept, weighted, C, layout, soft", CONFIGS)
def test_gradient_matches_central_differences(
    rng, K, fit_intercept, weighted, C, layout, soft
):
    objective = _make_loss(rng, K, fit_intercept, weighted, C, layout, soft)
    params = rng.normal(scale=0.5, size=objective.n_params)
    _, gradient = objective(params)
    numerical = _central_gradient(objective, params)
    assert_allclose(gradient, numerical, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("K", [2, 4])
@pytest.mark.parametrize(
    "layout, row_major", [("dense", False), ("dense", True), ("csr", True)]
)
def test_float32_gradient_matches_float64_central_differences(
    rng, K, layout, row_major
):
    # row_major: logits computed as (X Wᵀ)ᵀ, the faster float32 form for
    # enough features (see _loss._ROW_MAJOR_MIN_FEATURES); both forms are tested.
    X, targets = _data(rng, 40, 5, K, binary=K == 2)
    X = X.astype(np.float32)  # exactly representable: both objectives see one X
    sw = rng.uniform(0.2, 3.0, size=40)
    objectives = []
    for data in (X, X.astype(np.float64)):
        if layout == "csr":
            data = sparse.csr_matrix(data)
        if K == 2:
            objectives.append(BinomialLoss(data, targets, sw, 0.3, True))
        else:
            objectives.append(MultinomialLoss(data, targets, sw, 0.3, K, True))
    objective32, objective64 = objectives
    objective32.row_major_logits = row_major
    params = rng.normal(scale=0.5, size=objective32.n_params)
    value32, gradient32 = objective32(params)
    numerical = _central_gradient(objective64, params)
    # float32 products: relative error of a few float32 eps (1.2e-7) per sum.
    assert_allclose(value32, objective64(params)[0], rtol=1e-6, atol=0)
    assert_allclose(gradient32, numerical, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("K", [2, 4])
@pytest.mark.parametrize("layout", ["dense", "csr"])
def test_float32_data_stays_float32_in_the_products(rng, K, layout):
    objective = _make_loss(rng, K, True, False, 1.0, layout, False, np.float32)
    X = objective.X
    seen = []
    pointwise = objective._pointwise

    def recording_pointwise(Z, rows, outputs, *options):
        seen.append(Z.dtype)
        return pointwise(Z, rows, outputs, *options)

    objective._pointwise = recording_pointwise
    value, gradient = objective(rng.normal(size=objective.n_params))
    assert objective.X is X  # not copied, let alone to float64
    assert seen and all(dtype == np.float32 for dtype in seen)
    # The results are accumulated and returned in float64.
    assert isinstance(value, float)
    assert gradient.dtype == np.float64


@pytest.mark.parametrize("layout", ["dense", "csr"])
def test_float64_products_on_float32_data_equal_float64_data(rng, layout):
    objective32 = _make_loss(rng, 4, True, True, 0.3, layout, False, np.float32)
    finish = MultinomialLoss(
        objective32.X,
        objective32.labels,
        objective32.sample_weight,
        0.3,
        4,
        True,
        dtype=np.float64,
    )
    exact = MultinomialLoss(
        objective32.X.astype(np.float64),
        objective32.labels,
        objective32.sample_weight,
        0.3,
        4,
        True,
    )
    params = rng.normal(size=exact.n_params)
    value, gradient = finish(params)
    expected_value, expected_gradient = exact(params)
    assert_allclose(value, expected_value, rtol=1e-14, atol=0)
    assert_allclose(gradient, expected_gradient, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("K", [2, 4])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_label_smoothing_equals_explicitly_smoothed_soft_targets(rng, K, fit_intercept):
    eps = 0.2
    X, labels = _data(rng, 30, 4, K)
    sw = rng.uniform(0.5, 2.0, size=30)
    smoothed = (1 - eps) * np.eye(K)[labels] + eps / K
    hard = MultinomialLoss(X, labels, sw, 0.7, K, fit_intercept, label_smoothing=eps)
    soft = MultinomialLoss(X, smoothed, sw, 0.7, K, fit_intercept)
    params = rng.normal(size=hard.n_params)
    value, gradient = hard(params)
    assert_allclose(value, soft(params)[0], rtol=1e-14, atol=0)
    assert_allclose(gradient, soft(params)[1], rtol=1e-12, atol=1e-15)
    assert_allclose(gradient, _central_gradient(hard, params), rtol=1e-6, atol=1e-9)


def test_hard_labels_equal_one_hot_soft_targets(rng):
    X, labels = _data(rng, 30, 4, 3)
    sw = rng.uniform(0.5, 2.0, size=30)
    hard = MultinomialLoss(X, labels, sw, 2.0, 3, True)
    soft = MultinomialLoss(X, np.eye(3)[labels], sw, 2.0, 3, True)
    params = rng.normal(size=hard.n_params)
    assert_allclose(hard(params)[0], soft(params)[0], rtol=1e-14, atol=0)
    assert_allclose(hard(params)[1], soft(params)[1], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("order", ["C", "F", "strided"])
@pytest.mark.parametrize("shape", [(4, 9), (1, 5), (3, 1)])
def test_label_entries_read_and_written_as_with_two_index_arrays(rng, order, shape):
    # The flat take/put of the hard-label entries against NumPy's own indexing
    # with (labels, arange): C and F layouts (dense and sparse logits), and a
    # strided view, which falls back to that indexing.
    K, m = shape
    base = rng.normal(size=(K, 2 * m) if order == "strided" else (K, m))
    Z = base[:, ::2] if order == "strided" else np.asarray(base, order=order)
    labels = rng.integers(0, K, m)
    values = rng.normal(size=m)
    expected = Z.copy()
    picked = expected[labels, np.arange(m)].copy()
    expected[labels, np.arange(m)] -= values
    at_labels = loss_module._at_labels(Z, labels)
    numpy = loss_module.NUMPY
    assert_array_equal(loss_module._labels_dot(Z, labels, numpy, at_labels), picked)
    out = loss_module._subtract_at_labels(Z, labels, values, numpy, at_labels)
    assert out is Z
    assert_array_equal(Z, expected)


# -- change of variables ----------------------------------------------------------


@pytest.mark.parametrize("K", [2, 4])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("layout", ["dense", "csr"])
def test_change_of_variables_keeps_objective_and_chains_gradient(
    rng, K, fit_intercept, layout
):
    n, d = 40, 5
    X, targets = _data(rng, n, d, K, binary=K == 2)
    X = X * rng.uniform(0.1, 20.0, size=d) + rng.normal(scale=5.0, size=d)
    if layout == "csr":
        X = sparse.csr_matrix(X)
    sw = rng.uniform(0.2, 3.0, size=n)
    offset = rng.normal(size=d) if fit_intercept else None
    scale = rng.uniform(0.5, 10.0, size=d)

    def make(x_offset=None, x_scale=None):
        if K == 2:
            return BinomialLoss(
                X, targets, sw, 0.5, fit_intercept, x_offset=x_offset, x_scale=x_scale
            )
        return MultinomialLoss(
            X, targets, sw, 0.5, K, fit_intercept, x_offset=x_offset, x_scale=x_scale
        )

    plain, changed = make(), make(offset, scale)
    solver_params = rng.normal(scale=0.3, size=changed.n_params)
    W, b = changed.to_model(*changed.unpack(solver_params))
    model_params = plain.pack(W, b)
    # Same model parameters, same objective: identical, not merely close.
    assert changed(solver_params)[0] == plain(model_params)[0]
    # The solver's gradient is the chain rule, checked by central differences in
    # the solver's coordinates.
    assert_allclose(
        changed(solver_params)[1],
        _central_gradient(changed, solver_params),
        rtol=1e-6,
        atol=1e-9,
    )
    # to_solver inverts to_model.
    W_back, b_back = changed.to_solver(W, b)
    W_solver, b_solver = changed.unpack(solver_params)
    assert_allclose(W_back, W_solver, rtol=1e-12, atol=1e-15)
    if fit_intercept:
        assert_allclose(b_back, b_solver, rtol=1e-12, atol=1e-14)


# -- closed forms and independent formulas ---------------------------------------


@pytest.mark.parametrize("K", [3, 5, 10])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_multinomial_loss_at_zero_is_log_k(rng, K, fit_intercept):
    X, labels = _data(rng, 30, 4, K)
    objective = MultinomialLoss(
        X, labels, rng.uniform(0.5, 2.0, size=30), 1.0, K, fit_intercept
    )
    value, _ = objective(np.zeros(objective.n_params))
    assert_allclose(value, np.log(K), rtol=1e-15, atol=0)


@pytest.mark.parametrize("n_problems", [1, 3])
def test_binomial_loss_at_zero_is_log_2_per_problem(rng, n_problems):
    X = rng.normal(size=(30, 4))
    Y = rng.integers(0, 2, size=(30, n_problems))
    objective = BinomialLoss(X, Y, rng.uniform(0.5, 2.0, size=30), 1.0, True)
    value, _ = objective(np.zeros(objective.n_params))
    assert_allclose(value, n_problems * np.log(2), rtol=1e-15, atol=0)


@pytest.mark.parametrize("weights", ["shared", "unit", "per problem"])
@pytest.mark.parametrize("layout", ["dense", "csr"])
def test_binomial_problems_evaluate_alike_in_any_subset(rng, weights, layout):
    # A subset of problems (a run of columns, sliced; or any other, gathered)
    # gives each problem what the evaluation of all of them gives it.
    n, d, L = 40, 5, 5
    X = rng.normal(size=(n, d))
    if layout == "csr":
        X = sparse.csr_matrix(np.where(rng.random((n, d)) < 0.4, 0.0, X))
    Y = rng.integers(0, 2, size=(n, L)).astype(float)
    sw = {
        "shared": rng.uniform(0.5, 2.0, size=n),
        "unit": np.ones(n),
        "per problem": rng.uniform(0.5, 2.0, size=(n, L)),
    }[weights]
    objective = BinomialLoss(X, Y, sw, 0.7, True)
    W, b = rng.normal(size=(L, d)), rng.normal(size=L)
    losses, grad_W, grad_b = objective.evaluate(W, b)
    for outputs in ([1, 2, 3], [3, 0], [4], list(range(L)), [2, 1]):
        sub = np.asarray(outputs)
        got = objective.evaluate(W[sub], b[sub], outputs=sub)
        assert_allclose(got[0], losses[sub], rtol=1e-13, atol=0)
        assert_allclose(got[1], grad_W[sub], rtol=1e-12, atol=1e-15)
        assert_allclose(got[2], grad_b[sub], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("soft", [False, True])
@pytest.mark.parametrize("C", [0.3, np.inf])
def test_multinomial_loss_is_cross_entropy_plus_penalty(rng, soft, C):
    K = 4
    X, targets = _data(rng, 30, 5, K, soft=soft)
    sw = rng.uniform(0.2, 3.0, size=30)
    objective = MultinomialLoss(X, targets, sw, C, K, True)
    W, b = rng.normal(size=(K, 5)), rng.normal(size=K)
    penalty = 0.0 if np.isinf(C) else np.sum(W**2) / (2 * C * sw.sum())
    expected = cross_entropy(targets, X @ W.T + b, sample_weight=sw) + penalty
    assert_allclose(objective(objective.pack(W, b))[0], expected, rtol=1e-13, atol=0)
    assert_allclose(objective.objective(W, b), expected, rtol=1e-13, atol=0)


def test_binomial_loss_is_binary_cross_entropy_plus_penalty(rng):
    X, targets = _data(rng, 30, 5, 2, soft=True, binary=True)
    sw = rng.uniform(0.2, 3.0, size=30)
    objective = BinomialLoss(X, targets, sw, 0.4, True)
    w, b = rng.normal(size=5), rng.normal()
    expected = binary_cross_entropy(
        targets[:, 0], X @ w + b, sample_weight=sw
    ) + w @ w / (2 * 0.4 * sw.sum())
    assert_allclose(objective(np.append(w, b))[0], expected, rtol=1e-13, atol=0)
    assert_allclose(objective.objectives(w[None], [b]), [expected], rtol=1e-13, atol=0)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("C", [0.05, 1.0, np.inf])
def test_multinomial_loss_equals_sklearn_linear_model_loss(
    rng, fit_intercept, layout, C
):
    n, d, K = 50, 6, 4
    X, labels = _data(rng, n, d, K)
    if layout == "csr":
        X = sparse.csr_matrix(X)
    sw = rng.uniform(0.2, 3.0, size=n)
    ours = MultinomialLoss(X, labels, sw, C, K, fit_intercept)
    theirs = LinearModelLoss(HalfMultinomialLoss(n_classes=K), fit_intercept)
    W = rng.normal(size=(K, d))
    b = rng.normal(size=K) if fit_intercept else np.zeros(K)
    # scikit-learn: coef of shape (K, d + 1) with the intercept last, flattened
    # in Fortran order (the classes of one feature contiguous).
    coef = np.column_stack([W, b]) if fit_intercept else W
    l2_reg_strength = 0.0 if np.isinf(C) else 1.0 / (C * sw.sum())
    expected_value, expected_gradient = theirs.loss_gradient(
        coef.ravel(order="F"), X, labels.astype(float), sw, l2_reg_strength
    )
    expected_gradient = expected_gradient.reshape(coef.shape, order="F")
    value, gradient = ours(ours.pack(W, b))
    grad_W, grad_b = ours.unpack(gradient)
    assert_allclose(value, expected_value, rtol=1e-13, atol=0)
    assert_allclose(grad_W, expected_gradient[:, :d], rtol=1e-11, atol=1e-14)
    if fit_intercept:
        assert_allclose(grad_b, expected_gradient[:, d], rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_binomial_loss_equals_sklearn_linear_model_loss(rng, fit_intercept):
    n, d, C = 50, 6, 0.3
    X, targets = _data(rng, n, d, 2, binary=True)
    sw = rng.uniform(0.2, 3.0, size=n)
    ours = BinomialLoss(X, targets, sw, C, fit_intercept)
    theirs = LinearModelLoss(HalfBinomialLoss(), fit_intercept)
    coef = rng.normal(size=d + int(fit_intercept))
    expected_value, expected_gradient = theirs.loss_gradient(
        coef, X, targets[:, 0], sw, 1.0 / (C * sw.sum())
    )
    value, gradient = ours(coef)
    assert_allclose(value, expected_value, rtol=1e-13, atol=0)
    assert_allclose(gradient, expected_gradient, rtol=1e-11, atol=1e-14)


def test_binomial_columns_are_independent_problems(rng):
    # Column l has its own weights and normalisation S_l.
    X = rng.normal(size=(30, 4))
    Y = rng.integers(0, 2, size=(30, 3)).astype(float)
    sw = rng.uniform(0.2, 3.0, size=(30, 3))
    together = BinomialLoss(X, Y, sw, 0.5, True)
    W, b = rng.normal(size=(3, 4)), rng.normal(size=3)
    losses, grad_W, grad_b = together.evaluate(W, b)
    for problem in range(3):
        alone = BinomialLoss(X, Y[:, [problem]], sw[:, problem], 0.5, True)
        value, gradient = alone(np.append(W[problem], b[problem]))
        assert_allclose(losses[problem], value, rtol=1e-14, atol=0)
        assert_allclose(grad_W[problem], gradient[:4], rtol=1e-12, atol=1e-15)
        assert_allclose(grad_b[problem], gradient[4], rtol=1e-12, atol=1e-15)
    # A subset of problems gives the same rows.
    subset = np.array([2, 0])
    losses_subset, grad_W_subset, _ = together.evaluate(W[subset], b[subset], subset)
    assert_allclose(losses_subset, losses[subset], rtol=1e-14, atol=0)
    assert_allclose(grad_W_subset, grad_W[subset], rtol=1e-12, atol=1e-15)


# -- larger sizes -----------------------------------------------------------------


@pytest.mark.parametrize("layout", ["dense", "csr"])
def test_directional_derivative_at_larger_size(rng, layout):
    n, d, K = 2000, 50, 7
    X = rng.normal(size=(n, d))
    if layout == "csr":
        X[rng.random((n, d)) < 0.8] = 0.0
        X = sparse.csr_matrix(X)
    labels = rng.integers(0, K, size=n)
    objective = MultinomialLoss(X, labels, rng.uniform(0.5, 2.0, size=n), 1.0, K, True)
    params = rng.normal(scale=0.1, size=objective.n_params)
    direction = rng.normal(size=objective.n_params)
    direction /= np.linalg.norm(direction)
    _, gradient = objective(params)
    numerical = (
        objective(params + _H * direction)[0] - objective(params - _H * direction)[0]
    ) / (2 * _H)
    assert_allclose(gradient @ direction, numerical, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("K", [2, 5])
@pytest.mark.parametrize("soft", [False, True])
def test_many_blocks_give_the_same_result(rng, monkeypatch, K, soft):
    n, d = 500, 6
    X, targets = _data(rng, n, d, K, soft=soft, binary=K == 2)
    sw = rng.uniform(0.2, 3.0, size=n)

    def make(data):
        if K == 2:
            return BinomialLoss(data, targets, sw, 0.5, True)
        return MultinomialLoss(data, targets, sw, 0.5, K, True)

    one_block = make(X)
    assert one_block.block_rows == n
    params = rng.normal(size=one_block.n_params)
    expected_value, expected_gradient = one_block(params)

    monkeypatch.setattr(loss_module, "_BLOCK_BYTES", 8 * d * 7)
    monkeypatch.setattr(loss_module, "_MIN_BLOCK_ROWS", 1)
    many_blocks = make(X)
    assert many_blocks.block_rows == 7  # 72 blocks, the last one partial
    value, gradient = many_blocks(params)
    assert_allclose(value, expected_value, rtol=1e-12, atol=0)
    assert_allclose(gradient, expected_gradient, rtol=1e-12, atol=1e-15)

    # Sparse X is taken in one block by default; the block loop itself must
    # still be right for CSR rows.
    sparse_blocks = make(sparse.csr_matrix(X))
    sparse_blocks.block_rows = 7
    value, gradient = sparse_blocks(params)
    assert_allclose(value, expected_value, rtol=1e-12, atol=0)
    assert_allclose(gradient, expected_gradient, rtol=1e-12, atol=1e-15)


def test_loss_never_modifies_its_input(rng):
    X, labels = _data(rng, 30, 4, 3)
    soft = rng.dirichlet(np.ones(3), size=30)
    sw = rng.uniform(0.5, 2.0, size=30)
    X_csr = sparse.csr_matrix(X)
    copies = [a.copy() for a in (X, labels, soft, sw)]
    csr_copy = X_csr.copy()
    for data in (X, X_csr):
        for targets in (labels, soft):
            objective = MultinomialLoss(data, targets, sw, 1.0, 3, True)
            objective(rng.normal(size=objective.n_params))
        objective = BinomialLoss(data, soft[:, :2], sw, 1.0, True)
        objective(rng.normal(size=objective.n_params))
    for after, before in zip((X, labels, soft, sw), copies, strict=True):
        assert_array_equal(after, before)
    assert_array_equal(X_csr.toarray(), csr_copy.toarray())


def test_binomial_loss_is_stable_for_huge_logits(rng):
    X = np.array([[1.0], [-1.0]])
    objective = BinomialLoss(X, np.array([[1.0], [0.0]]), np.ones(2), np.inf, False)
    value, gradient = objective(np.array([800.0]))
    # Both samples are right with margin 800: loss log1p(e^-800) underflows to 0.
    assert value == 0.0
    assert np.all(np.isfinite(gradient))
    value, _ = objective(np.array([-800.0]))
    assert_allclose(value, 800.0 + np.log1p(np.exp(-800.0)), rtol=1e-15, atol=0)
    assert_allclose(
        value, -np.mean(special.log_expit([-800.0, -800.0])), rtol=1e-15, atol=0
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_binomial_residuals_are_expit_minus_target_to_an_eps(rng, dtype):
    # With X the identity and no penalty or intercept, the gradient is the
    # residual vector s (σ(z) − y) / S itself: the shared-exp sigmoid of the
    # pointwise pass must agree with expit to an absolute eps of the dtype, for
    # ordinary logits and for huge ones where e^{−|z|} underflows.
    z = np.concatenate([rng.normal(0.0, 8.0, 60), [-800.0, -40.0, 0.0, 40.0, 800.0]])
    n = z.shape[0]
    y = rng.uniform(0.0, 1.0, n)
    y[:5] = [0.0, 1.0, 0.5, 0.0, 1.0]
    sw = rng.uniform(0.5, 2.0, n)
    objective = BinomialLoss(np.eye(n, dtype=dtype), y[:, None], sw, np.inf, False)
    _, gradient = objective(z)
    S = sw.sum()
    expected = sw * (special.expit(z) - y) / S
    eps = np.finfo(dtype).eps
    assert_allclose(gradient * S / sw, expected * S / sw, rtol=0, atol=2 * eps)


@pytest.mark.parametrize("density, K, chunked", [(0.025, 3, False), (0.1, 5, True)])
@pytest.mark.parametrize("kind", ["multinomial", "binomial"])
def test_sparse_evaluation_never_copies_x(kind, density, K, chunked):
    # Sparse X is one block, or chunks of rows for threads; slicing it (even
    # whole) would copy the matrix on every evaluation. One evaluation's own
    # arrays are a few (n, K) logits and (K, d) gradients (one per chunk), far
    # below the matrix itself.
    import tracemalloc

    rng = np.random.default_rng(0)
    n, d = 20_000, 2_000
    X = sparse.random(n, d, density=density, format="csr", random_state=rng)
    if kind == "multinomial":
        objective = MultinomialLoss(X, rng.integers(0, K, n), np.ones(n), 1.0, K, True)
    else:
        Y = (rng.random((n, K)) < 0.5).astype(float)
        objective = BinomialLoss(X, Y, np.ones(n), 1.0, True)
    assert objective.chunked == chunked
    params = rng.normal(size=objective.n_params)
    objective(params)  # caches of casts, if any, before measuring
    own = 12 * 8 * n * K + (8 + loss_module._MAX_CHUNKS) * 8 * K * (d + 1)
    assert own < X.data.nbytes + X.indices.nbytes
    tracemalloc.start()
    try:
        objective(params)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= own, (peak, own, X.data.nbytes)


@pytest.mark.parametrize("targets", ["hard", "smoothed", "soft"])
@pytest.mark.parametrize("layout", ["dense", "csr"])
def test_multinomial_problems_evaluate_as_separate_losses(rng, targets, layout):
    # Softmax problems side by side, each with its own weight column (zero on
    # the rows it leaves out, as a fold's): any subset of them evaluates as
    # separate losses with those weights, change of variables included.
    n, d, K, P = 60, 5, 3, 4
    X, labels = _data(rng, n, d, K, soft=targets == "soft")
    if layout == "csr":
        X = sparse.csr_matrix(np.where(rng.random((n, d)) < 0.4, 0.0, X))
    eps = 0.1 if targets == "smoothed" else 0.0
    sw = rng.uniform(0.5, 2.0, size=(n, P)) * (rng.random((n, P)) < 0.8)
    offset, scale = rng.normal(size=d), rng.uniform(0.5, 2.0, size=d)
    settings = dict(label_smoothing=eps, x_offset=offset, x_scale=scale)
    together = MultinomialLoss(X, labels, sw, 0.7, K, True, **settings)
    W, b = rng.normal(size=(P * K, d)), rng.normal(size=P * K)
    for problems in ([0, 1, 2, 3], [1, 2], [3, 0], [2]):
        rows = np.concatenate([np.arange(p * K, (p + 1) * K) for p in problems])
        losses, grad_W, grad_b = together.evaluate(W[rows], b[rows], problems)
        for j, p in enumerate(problems):
            alone = MultinomialLoss(X, labels, sw[:, p], 0.7, K, True, **settings)
            own = slice(p * K, (p + 1) * K)
            value, grad = alone(alone.pack(W[own], b[own]))
            mine = slice(j * K, (j + 1) * K)
            assert_allclose(losses[j], value, rtol=1e-13, atol=0)
            assert_allclose(
                np.concatenate([grad_W[mine].ravel(), grad_b[mine]]),
                grad,
                rtol=1e-12,
                atol=1e-15,
            )


@pytest.mark.parametrize("dtype, scale", [(np.float64, 40.0), (np.float32, 6.0)])
def test_bounded_logits_skip_the_shift_and_agree_with_it(rng, dtype, scale):
    # Hard labels with bounded logits: e^z without the shift by the column
    # maxima, and loss_i = log(Σ_k e^{z_ik} / e^{z_iy}). Sure predictions
    # (float64: logits up to about 40) keep their tiny losses exact.
    n, d, K = 3_000, 8, 5
    X = rng.standard_normal((n, d)).astype(dtype)
    labels = rng.integers(K, size=n)
    sw = rng.uniform(0.5, 2, n)
    W = rng.standard_normal((K, d)) * scale / (np.sqrt(d) * 4)
    b = rng.standard_normal(K)
    Z = X.astype(np.float64) @ W.T + b
    assert np.abs(Z).max() > scale / 2
    objective = MultinomialLoss(X, labels, sw, 0.7, K, True)
    assert not objective._needs_shift(W, b)
    shifted = MultinomialLoss(X, labels, sw, 0.7, K, True)
    shifted._needs_shift = lambda W, b: True
    rtol = 1e-13 if dtype == np.float64 else 1e-5
    for got, want in zip(objective.sums(W, b), shifted.sums(W, b), strict=True):
        assert_allclose(got, want, rtol=rtol, atol=rtol * np.max(np.abs(want)))
    # Against SciPy's log-sum-exp in float64, row by row (unit weights).
    expected = special.logsumexp(Z, axis=1) - Z[np.arange(n), labels]
    loss, _, _ = MultinomialLoss(X, labels, np.ones(n), 1.0, K, True).sums(W, b)
    assert_allclose(loss, expected.sum(), rtol=1e-12 if dtype == np.float64 else 1e-5)
    # Logits past the limit (350 in float64, about 41 in float32), soft
    # targets, label smoothing and sparse data keep the shift.
    bound = objective._row_norm_max * np.linalg.norm(W, axis=1).max() + 3.0
    limit = 350.0 if dtype == np.float64 else 41.0
    assert objective._needs_shift(W * (2 * limit / bound), b)
    Y = np.eye(K)[labels]
    assert MultinomialLoss(X, Y, np.ones(n), 1.0, K, True)._needs_shift(W, b)
    smoothed = MultinomialLoss(X, labels, np.ones(n), 1.0, K, True, 0.1)
    assert smoothed._needs_shift(W, b)
    X_csr = sparse.csr_matrix(X)
    assert MultinomialLoss(X_csr, labels, np.ones(n), 1.0, K, True)._needs_shift(W, b)
