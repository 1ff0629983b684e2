"""The softmax mathematics against SciPy, exact formulas and finite differences.

References are never our own output: ``scipy.special`` for what SciPy already
computes, Python's ``math`` (or :mod:`decimal`) on logit differences for the
worked numbers of the issue, central differences for every derivative, and
``sklearn.metrics.log_loss`` for the binary cross-entropy.
"""

import math
from decimal import Decimal, getcontext

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal
from scipy import special
from sklearn.metrics import log_loss

from skl_softmax import (
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

# Central differences f(x + h) - f(x - h) / 2h err by h² f''' / 6 (truncation)
# plus eps / h (round-off); h = eps^(1/3) ≈ 6e-6 balances both at ≈ 1e-11.
_H = np.finfo(np.float64).eps ** (1 / 3)


def _central_difference(fun, x, h=_H):
    """Derivatives of ``fun`` at ``x`` along every coordinate, shape (*out, *x)."""
    x = np.asarray(x, dtype=np.float64)
    columns = []
    for j in range(x.size):
        step = np.zeros(x.size)
        step[j] = h
        step = step.reshape(x.shape)
        columns.append(
            (np.asarray(fun(x + step)) - np.asarray(fun(x - step))) / (2 * h)
        )
    return np.stack(columns, axis=-1)


def _logits(min_side=1, max_side=6, bound=50.0, dtype=np.float64):
    """Hypothesis strategy: 1-D or 2-D finite logits within ±bound."""
    # The bound itself must be a float of the requested width.
    bound = float(np.dtype(dtype).type(min(bound, np.finfo(dtype).max)))
    return hnp.arrays(
        dtype,
        hnp.array_shapes(min_dims=1, max_dims=2, min_side=min_side, max_side=max_side),
        elements=st.floats(
            -bound, bound, allow_nan=False, width=np.dtype(dtype).itemsize * 8
        ),
    )


# -- against scipy.special -------------------------------------------------------


@given(_logits(bound=700.0))
def test_softmax_matches_scipy(x):
    assert_allclose(softmax(x), special.softmax(x, axis=-1), rtol=1e-12, atol=1e-300)


@given(_logits(bound=700.0))
def test_log_softmax_matches_scipy(x):
    assert_allclose(
        log_softmax(x), special.log_softmax(x, axis=-1), rtol=1e-12, atol=1e-12
    )


@given(_logits(bound=700.0))
def test_logsumexp_matches_scipy(x):
    assert_allclose(logsumexp(x), special.logsumexp(x, axis=-1), rtol=1e-13, atol=1e-13)


@given(_logits(bound=700.0))
def test_sigmoid_and_log_sigmoid_match_scipy(x):
    assert_array_equal(sigmoid(x), special.expit(x))
    assert_array_equal(log_sigmoid(x), special.log_expit(x))


@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=2, max_side=6),
        elements=st.floats(0.0, 1.0),
    )
)
def test_entropy_matches_scipy_entr(p):
    assert_allclose(
        entropy(p), np.sum(special.entr(p), axis=-1), rtol=1e-14, atol=1e-300
    )


def test_kl_divergence_matches_scipy_rel_entr(rng):
    p = rng.dirichlet(np.ones(5), size=7)
    q = rng.dirichlet(np.ones(5), size=7)
    expected = np.sum(special.rel_entr(p, q), axis=-1)
    assert_allclose(kl_divergence(p, q), expected, rtol=1e-14, atol=1e-300)
    # Independently: Σ p (log p - log q).
    assert_allclose(
        kl_divergence(p, q),
        np.sum(p * (np.log(p) - np.log(q)), axis=-1),
        rtol=1e-12,
        atol=1e-15,
    )


def test_kl_divergence_is_zero_for_equal_and_infinite_without_support():
    p = np.array([0.5, 0.5, 0.0])
    assert kl_divergence(p, p) == 0.0
    assert kl_divergence(p, [1.0, 0.0, 0.0]) == np.inf


# -- the worked numbers of the issue, against exact formulas ---------------------


def _exact_softmax(z):
    """softmax(z)_k = 1 / Σ_j exp(z_j − z_k), in 50-digit decimal arithmetic."""
    getcontext().prec = 50
    z = [Decimal(repr(float(v))) for v in z]
    return [float(1 / sum((zj - zk).exp() for zj in z)) for zk in z]


def test_softmax_worked_example_matches_exact_formula():
    z = [-20.0, 10.0, 30.0]
    p = softmax(z)
    assert_allclose(p, _exact_softmax(z), rtol=1e-14, atol=0)
    # The figures quoted in the issue, to the digits quoted.
    assert_allclose(p, [1.9287e-22, 2.0612e-09, 1.0], rtol=5e-5, atol=0)
    # The same with Python floats: 1 / (1 + e^30 + e^50) for the first entry.
    assert_allclose(
        p[0], 1 / math.fsum([1.0, math.exp(30.0), math.exp(50.0)]), rtol=1e-14, atol=0
    )


def test_softmax_of_one_two_three_matches_exact_formula():
    assert_allclose(softmax([1, 2, 3]), _exact_softmax([1, 2, 3]), rtol=1e-14, atol=0)
    assert_allclose(softmax([1, 2, 3]), [0.090, 0.245, 0.665], rtol=0, atol=5e-4)


def test_log_softmax_of_large_gap_is_exact():
    # log_softmax(z)_k = -log Σ_j exp(z_j − z_k) = -log1p(e^-1000) etc.
    expected = [-math.log1p(math.exp(-1000.0)), -1000.0 - math.log1p(math.exp(-1000.0))]
    assert_array_equal(log_softmax([1000.0, 0.0]), expected)
    assert_array_equal(log_softmax([1000.0, 0.0]), [0.0, -1000.0])


@pytest.mark.parametrize("gap", [20.0, 40.0, 100.0, 700.0])
@pytest.mark.parametrize("ties", [1, 3])
def test_logsumexp_near_zero_keeps_its_relative_accuracy(gap, ties):
    # log(1 + r) with r below machine epsilon: summing the 1 first rounds it to 0.
    x = [0.0] * ties + [-gap, -gap - 1.0]
    rest = (ties - 1) + math.exp(-gap) + math.exp(-gap - 1.0)
    expected = math.log1p(rest)
    assert_allclose(logsumexp(x), expected, rtol=1e-15, atol=0)
    assert_allclose(logsumexp(x), special.logsumexp(x), rtol=1e-15, atol=0)
    assert_allclose(log_softmax(x)[0], -expected, rtol=1e-15, atol=0)


# -- Hypothesis properties --------------------------------------------------------


@given(_logits(bound=1e300))
def test_softmax_rows_sum_to_one_for_any_finite_input(x):
    p = softmax(x)
    assert np.all(np.isfinite(p))
    assert np.all(p >= 0)
    assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-14)


@given(_logits(bound=1e300))
def test_log_softmax_and_logsumexp_are_finite_for_finite_input(x):
    # Differences of logits stay below the largest float here (|x| ≤ 1e300), so
    # every exact value is representable and must come out finite.
    assert np.all(np.isfinite(log_softmax(x)))
    assert np.all(np.isfinite(logsumexp(x)))


@given(_logits(bound=np.inf, dtype=np.float32))
def test_softmax_is_finite_for_huge_float32(x):
    p = softmax(x)
    assert p.dtype == np.float32
    assert np.all(np.isfinite(p))
    assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-6)


@given(_logits(), st.floats(-1e3, 1e3))
def test_softmax_is_shift_invariant(x, shift):
    assert_allclose(softmax(x + shift), softmax(x), rtol=1e-9, atol=1e-15)


@given(_logits(), st.floats(-1e3, 1e3))
def test_log_softmax_is_shift_invariant(x, shift):
    # Shifting by c rounds every logit to a multiple of ulp(c + x): an absolute
    # error of a few eps · |c + x|.
    atol = 8 * np.finfo(float).eps * (np.max(np.abs(x)) + abs(shift) + 1)
    assert_allclose(log_softmax(x + shift), log_softmax(x), rtol=0, atol=atol)


@given(_logits(bound=700.0))
def test_exp_of_log_softmax_is_softmax(x):
    assert_allclose(np.exp(log_softmax(x)), softmax(x), rtol=1e-12, atol=1e-300)


@given(_logits(bound=1e30, dtype=np.float32))
def test_float32_in_float32_out(x):
    for fun in (softmax, log_softmax, logsumexp, sigmoid, log_sigmoid, entropy):
        assert fun(x).dtype == np.float32, fun.__name__
    assert softmax_jacobian(x).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.float16])
def test_other_numeric_input_is_promoted(dtype):
    x = np.array([1, 0, 1], dtype=dtype)
    expected_dtype = np.float32 if dtype == np.float16 else np.float64
    assert softmax(x).dtype == expected_dtype
    assert_allclose(softmax(x), special.softmax(x.astype(float)), rtol=1e-6, atol=0)


def test_non_numeric_input_raises_type_error():
    with pytest.raises(TypeError, match="real numbers.*dtype <U1"):
        softmax(np.array(["a", "b"]))


@given(_logits(bound=1e300))
def test_functions_never_modify_their_input(x):
    original = x.copy()
    softmax(x)
    log_softmax(x)
    logsumexp(x)
    sigmoid(x)
    log_sigmoid(x)
    if x.ndim == 2:
        softmax(x, axis=0)
        log_softmax(x, axis=0)
    assert_array_equal(x, original)


def test_cross_entropy_and_jacobian_never_modify_their_input(rng):
    logits = rng.normal(size=(5, 3))
    labels = np.array([0, 2, 1, 1, 0])
    soft = rng.dirichlet(np.ones(3), size=5)
    weights = rng.uniform(0.5, 2, size=5)
    copies = [a.copy() for a in (logits, labels, soft, weights)]
    softmax_jacobian(logits)
    cross_entropy(labels, logits, sample_weight=weights)
    cross_entropy(soft, logits, sample_weight=weights)
    binary_cross_entropy(soft[:, 0], logits[:, 0], sample_weight=weights)
    for after, before in zip((logits, labels, soft, weights), copies, strict=True):
        assert_array_equal(after, before)


@given(_logits(max_side=4), st.sampled_from([0, -1]))
def test_softmax_along_any_axis_matches_scipy(x, axis):
    assert_allclose(
        softmax(x, axis=axis), special.softmax(x, axis=axis), rtol=1e-12, atol=1e-300
    )


# -- infinities as limits ---------------------------------------------------------


@pytest.mark.parametrize(
    "x, limit",
    [
        ([np.inf, 0.0, -3.0], [1.0, 0.0, 0.0]),
        ([np.inf, np.inf, 0.0], [0.5, 0.5, 0.0]),
        ([-np.inf, 1.0, 1.0], [0.0, 0.5, 0.5]),
        ([np.inf, -np.inf], [1.0, 0.0]),
        ([-np.inf, -np.inf], [0.5, 0.5]),
    ],
)
def test_infinite_logits_give_the_limits(x, limit):
    x = np.array(x)
    # The limit M → ∞ of the same logits with ±inf replaced by ±M, computed by
    # SciPy, which is exact for finite input.
    big = np.where(np.isinf(x), np.sign(x) * 1e300, x)
    assert_allclose(special.softmax(big), limit, rtol=0, atol=1e-300)
    assert_array_equal(softmax(x), limit)
    with np.errstate(divide="ignore"):
        assert_array_equal(log_softmax(x), np.log(limit))
    expected_lse = np.max(x) if np.isinf(np.max(x)) else special.logsumexp(x)
    assert logsumexp(x) == expected_lse


def test_infinite_logits_as_limits_in_sigmoid():
    assert_array_equal(sigmoid([-np.inf, np.inf]), [0.0, 1.0])
    assert_array_equal(log_sigmoid([-np.inf, np.inf]), [-np.inf, 0.0])


# -- the Jacobian -----------------------------------------------------------------


def test_softmax_jacobian_matches_central_differences(rng):
    for z in rng.normal(scale=3.0, size=(5, 4)):
        numerical = _central_difference(softmax, z)
        assert_allclose(softmax_jacobian(z), numerical, rtol=0, atol=1e-10)


def test_softmax_jacobian_matches_explicit_formula(rng):
    z = rng.normal(size=(3, 2, 5))
    p = special.softmax(z, axis=-1)
    expected = np.stack(
        [
            np.stack([np.diag(p[i, j]) - np.outer(p[i, j], p[i, j]) for j in range(2)])
            for i in range(3)
        ]
    )
    jacobian = softmax_jacobian(z)
    assert jacobian.shape == (3, 2, 5, 5)
    assert_allclose(jacobian, expected, rtol=1e-14, atol=1e-17)


@given(_logits(min_side=2, bound=30.0))
def test_softmax_jacobian_is_symmetric_psd_with_zero_row_sums(x):
    jacobian = softmax_jacobian(x)
    assert_allclose(jacobian, np.swapaxes(jacobian, -1, -2), rtol=0, atol=0)
    assert_allclose(jacobian.sum(axis=-1), 0.0, rtol=0, atol=1e-15)
    eigenvalues = np.linalg.eigvalsh(jacobian)
    assert np.all(eigenvalues >= -1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_jacobian_keeps_relative_accuracy_for_confident_rows(dtype):
    # For two classes every entry is ±p₀p₁ = ±σ(g)σ(-g), g the logit gap.
    # The diagonal was p - p², which for a confident class (p₀ near 1)
    # cancelled: J₀₀ was 0 from g ≈ 37 on, the rows no longer summed to 0
    # and the matrix had a negative eigenvalue.
    gaps = np.array([0.5, 5.0, 20.0, 30.0, 40.0, 80.0, 700.0], dtype=dtype)
    for gap in gaps:
        jacobian = softmax_jacobian(np.array([gap, 0.0], dtype=dtype))
        entry = special.expit(gap) * special.expit(-gap)
        expected = np.array([[entry, -entry], [-entry, entry]])
        assert_allclose(jacobian, expected, rtol=8 * np.finfo(dtype).eps, atol=0)
        # Zero row sums and semi-definiteness to the entries' accuracy.
        bound = 16 * np.finfo(dtype).eps * float(np.abs(jacobian).max())
        assert np.all(np.abs(jacobian.sum(axis=-1)) <= bound)
        assert np.linalg.eigvalsh(jacobian.astype(np.float64)).min() >= -bound


# -- identities the theory rests on ----------------------------------------------


@given(_logits(bound=700.0).filter(lambda x: x.shape[-1] >= 2))
def test_two_class_softmax_is_sigmoid_of_logit_difference(x):
    pair = x[..., :2]
    p = softmax(pair)
    difference = pair[..., 1] - pair[..., 0]
    assert_allclose(p[..., 1], special.expit(difference), rtol=1e-12, atol=1e-300)
    assert_allclose(
        log_softmax(pair)[..., 1],
        special.log_expit(difference),
        rtol=1e-12,
        atol=1e-12,
    )


def test_cross_entropy_is_entropy_plus_kl(rng):
    Y = rng.dirichlet(np.full(4, 0.7), size=6)
    Z = rng.normal(scale=2.0, size=(6, 4))
    P = special.softmax(Z, axis=1)
    per_sample = entropy(Y) + kl_divergence(Y, P)
    for y_row, z_row, expected in zip(Y, Z, per_sample, strict=True):
        assert_allclose(cross_entropy(y_row, z_row), expected, rtol=1e-12, atol=0)
    assert_allclose(cross_entropy(Y, Z), np.mean(per_sample), rtol=1e-12, atol=0)


def test_cross_entropy_is_mean_negative_log_likelihood(rng):
    labels = rng.integers(0, 4, size=8)
    Z = rng.normal(size=(8, 4))
    expected = -np.mean(special.log_softmax(Z, axis=1)[np.arange(8), labels])
    assert_allclose(cross_entropy(labels, Z), expected, rtol=1e-14, atol=0)


def test_entropy_in_bits_is_nats_over_ln_2(rng):
    p = rng.dirichlet(np.ones(5), size=4)
    assert_allclose(entropy(p, base=2), entropy(p) / math.log(2), rtol=1e-15, atol=0)
    assert_allclose(
        kl_divergence(p[0], p[1], base=2),
        kl_divergence(p[0], p[1]) / math.log(2),
        rtol=1e-15,
        atol=0,
    )
    assert_allclose(entropy(np.full(8, 1 / 8), base=2), 3.0, rtol=1e-15, atol=0)


@pytest.mark.parametrize("base", [0, -2, 1, np.inf])
def test_entropy_rejects_invalid_base(base):
    with pytest.raises(
        ValueError, match=f"base must be positive, finite and not 1. Got {base!r}"
    ):
        entropy([0.5, 0.5], base=base)


@pytest.mark.parametrize("base", ["2", np.array([2.0, 2.0]), True])
def test_entropy_and_kl_name_a_base_that_is_no_number(base):
    # A string or an array once reached NumPy's comparison ('>' not supported,
    # "truth value of an array ... is ambiguous").
    with pytest.raises(TypeError, match="base must be a real number or None"):
        entropy([0.5, 0.5], base=base)
    with pytest.raises(TypeError, match="base must be a real number or None"):
        kl_divergence([0.5, 0.5], [0.9, 0.1], base=base)


@pytest.mark.parametrize("soft", [False, True])
def test_cross_entropy_gradient_is_softmax_minus_targets(rng, soft):
    n, K = 5, 4
    Z = rng.normal(size=(n, K))
    if soft:
        Y = rng.dirichlet(np.ones(K), size=n)
        y_true = Y
    else:
        y_true = rng.integers(0, K, size=n)
        Y = np.eye(K)[y_true]
    numerical = _central_difference(
        lambda z: cross_entropy(y_true, z.reshape(n, K)), Z.ravel()
    )
    expected = (special.softmax(Z, axis=1) - Y) / n
    assert_allclose(numerical, expected.ravel(), rtol=0, atol=1e-10)


def test_weighted_cross_entropy_gradient_is_weighted_residual(rng):
    n, K = 6, 3
    Z = rng.normal(size=(n, K))
    labels = rng.integers(0, K, size=n)
    s = rng.uniform(0.1, 3.0, size=n)
    numerical = _central_difference(
        lambda z: cross_entropy(labels, z.reshape(n, K), sample_weight=s), Z.ravel()
    )
    expected = s[:, None] * (special.softmax(Z, axis=1) - np.eye(K)[labels]) / s.sum()
    assert_allclose(numerical, expected.ravel(), rtol=0, atol=1e-10)


# -- cross_entropy: targets, weights and errors ----------------------------------


def test_cross_entropy_hard_labels_equal_one_hot_soft_labels(rng):
    labels = rng.integers(0, 5, size=10)
    Z = rng.normal(scale=5.0, size=(10, 5))
    s = rng.uniform(0.5, 2.0, size=10)
    assert_allclose(
        cross_entropy(labels, Z, sample_weight=s),
        cross_entropy(np.eye(5)[labels], Z, sample_weight=s),
        rtol=1e-15,
        atol=0,
    )
    # Integer-valued float labels are labels too.
    assert_allclose(
        cross_entropy(labels.astype(float), Z), cross_entropy(labels, Z), rtol=0, atol=0
    )


def test_cross_entropy_integer_weights_equal_repeated_rows(rng):
    labels = rng.integers(0, 3, size=8)
    Z = rng.normal(size=(8, 3))
    counts = rng.integers(0, 4, size=8)
    counts[0] = 1
    repeated = np.repeat(np.arange(8), counts)
    assert_allclose(
        cross_entropy(labels, Z, sample_weight=counts),
        cross_entropy(labels[repeated], Z[repeated]),
        rtol=1e-14,
        atol=0,
    )


def test_cross_entropy_zero_weight_ignores_infinite_loss():
    # Sample 1 puts all its mass on the wrong class: infinite loss, weight 0.
    Z = np.array([[0.0, 0.0], [np.inf, 0.0]])
    assert cross_entropy([0, 1], Z, sample_weight=[1.0, 0.0]) == pytest.approx(
        math.log(2), rel=1e-15
    )


def test_cross_entropy_of_one_sample():
    z = np.array([1.0, 2.0, 3.0])
    expected = -special.log_softmax(z)[2]
    assert_allclose(cross_entropy(2, z), expected, rtol=1e-15, atol=0)
    assert_allclose(cross_entropy([0, 0, 1], z), expected, rtol=1e-15, atol=0)


@pytest.mark.parametrize(
    "y_true, match",
    [
        ([0, 3], r"class indices in \[0, 3\). Got values from 0 to 3"),
        ([-1, 0], r"class indices in \[0, 3\). Got values from -1 to 0"),
        ([0.5, 1.0], "must hold integer class indices. Got values of dtype float64"),
        ([0, 1, 2], r"y_true must have shape \(2,\) for integer labels"),
        (np.ones((2, 2)) / 2, r"y_true must have shape \(2,\) \(labels\) or \(2, 3\)"),
        (
            [[0.5, 0.5, 0.5], [1.0, 0.0, 0.0]],
            "rows must sum to 1. Got a row summing to 1.5",
        ),
        ([[1.5, -0.5, 0.0], [1.0, 0.0, 0.0]], "finite, non-negative probabilities"),
        ([[np.nan, 1.0, 0.0], [1.0, 0.0, 0.0]], "finite, non-negative probabilities"),
    ],
)
def test_cross_entropy_rejects_bad_targets_with_clear_message(y_true, match):
    logits = np.zeros((2, 3))
    with pytest.raises(ValueError, match=match):
        cross_entropy(y_true, logits)


@pytest.mark.parametrize(
    "sample_weight, match",
    [
        ([1.0], r"sample_weight must have shape \(2,\). Got shape \(1,\)"),
        ([1.0, -1.0], r"finite and non-negative. Got -1.0 among its 2 values"),
        ([1.0, np.nan], r"finite and non-negative. Got nan among its 2 values"),
        ([0.0, 0.0], "sample_weight must have a positive sum"),
    ],
)
def test_cross_entropy_rejects_bad_weights(sample_weight, match):
    with pytest.raises(ValueError, match=match):
        cross_entropy([0, 1], np.zeros((2, 3)), sample_weight=sample_weight)


def test_cross_entropy_of_scalar_logits_is_one_class():
    # Issue 10 §3: every public function takes 0-d input. A 0-d logit is one
    # sample of one class, as softmax(3.0) is 1: its only label costs nothing
    # and any other label is out of range.
    assert cross_entropy(0, 1.0) == 0.0
    assert cross_entropy([1.0], 3.0) == 0.0
    with pytest.raises(ValueError, match=r"class indices in \[0, 1\)"):
        cross_entropy(1, 1.0)


# -- binary cross-entropy ---------------------------------------------------------


def test_binary_cross_entropy_matches_sklearn_log_loss(rng):
    y = rng.integers(0, 2, size=20)
    z = rng.normal(scale=3.0, size=20)
    s = rng.uniform(0.1, 2.0, size=20)
    expected = log_loss(y, special.expit(z), sample_weight=s, labels=[0, 1])
    assert_allclose(
        binary_cross_entropy(y, z, sample_weight=s), expected, rtol=1e-12, atol=0
    )


def test_binary_cross_entropy_equals_two_class_cross_entropy(rng):
    y = rng.uniform(size=12)
    z = rng.normal(scale=4.0, size=12)
    two_class = np.column_stack([np.zeros(12), z])
    assert_allclose(
        binary_cross_entropy(y, z),
        cross_entropy(np.column_stack([1 - y, y]), two_class),
        rtol=1e-13,
        atol=0,
    )


def test_binary_cross_entropy_sums_columns_of_2d_input(rng):
    Y = rng.integers(0, 2, size=(7, 3))
    Z = rng.normal(size=(7, 3))
    expected = (
        np.mean(
            sum(
                log_loss(Y[:, j], special.expit(Z[:, j]), normalize=False)
                for j in range(3)
            )
        )
        / 7
    )
    assert_allclose(binary_cross_entropy(Y, Z), expected, rtol=1e-12, atol=0)


def test_binary_cross_entropy_is_stable_for_huge_logits():
    assert binary_cross_entropy([1.0, 0.0], [1000.0, -1000.0]) == 0.0
    assert_allclose(binary_cross_entropy([0.0], [1000.0]), 1000.0, rtol=1e-15, atol=0)


@pytest.mark.parametrize(
    "y_true, logits, match",
    [
        ([0.0, 1.5], [0.0, 0.0], r"y_true must hold values in \[0, 1\]"),
        ([0.0, 1.0], [0.0, 0.0, 0.0], r"must have the shape of logits \(3,\)"),
    ],
)
def test_binary_cross_entropy_rejects_bad_input(y_true, logits, match):
    with pytest.raises(ValueError, match=match):
        binary_cross_entropy(y_true, logits)


# -- 0-d input (issue 10 §3) -------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("value", [3.0, -700.0, 0.0])
def test_every_public_function_takes_0d_input(dtype, value):
    # A 0-d logit is a vector of one entry wherever a function reduces over
    # classes: scipy.special.softmax(3.0) is 1.0, its log 0, its Jacobian 0.
    x = dtype(value)
    rtol = 1e-6 if dtype == np.float32 else 1e-15
    expected = {
        softmax: special.softmax(x),
        log_softmax: special.log_softmax(x),
        logsumexp: special.logsumexp(x),
        sigmoid: special.expit(x),
        log_sigmoid: special.log_expit(x),
        softmax_jacobian: 0.0,
    }
    for fun, reference in expected.items():
        result = fun(x)
        assert np.shape(result) == (), fun.__name__
        assert result.dtype == dtype, fun.__name__
        assert_allclose(result, reference, rtol=rtol, atol=0, err_msg=fun.__name__)
    assert cross_entropy(0, x) == 0.0
    positive = min(abs(value), 1.0) or 0.5
    assert_allclose(
        binary_cross_entropy(dtype(positive), x),
        -positive * special.log_expit(value)
        - (1 - positive) * special.log_expit(-value),
        rtol=rtol,
    )
    assert_allclose(entropy(dtype(positive)), special.entr(positive), rtol=rtol)
    assert_allclose(
        kl_divergence(dtype(positive), dtype(0.5)),
        special.rel_entr(positive, 0.5),
        rtol=rtol,
        atol=0,
    )


# -- array-likes, precision, empty input and messages (outside review, 2026-12-01) --


def _array_likes():
    import array

    pd = pytest.importorskip("pandas")
    return [
        (pd.Series([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])),
        (pd.DataFrame([[1.0, 2.0], [0.5, -1.0]]), np.array([[1.0, 2.0], [0.5, -1.0]])),
        (range(3), np.arange(3.0)),
        (array.array("d", [0.25, 0.75]), np.array([0.25, 0.75])),
    ]


def test_every_function_reads_array_likes_as_numpy():
    # pandas objects, ranges and buffers once went to the Array API namespace
    # lookup ("Series is not a supported array type"); scipy.special reads
    # them as NumPy arrays.
    for x, as_numpy in _array_likes():
        for fun, reference in [
            (softmax, special.softmax(as_numpy, axis=-1)),
            (log_softmax, special.log_softmax(as_numpy, axis=-1)),
            (logsumexp, special.logsumexp(as_numpy, axis=-1)),
            (sigmoid, special.expit(as_numpy)),
            (log_sigmoid, special.log_expit(as_numpy)),
            (softmax_jacobian, softmax_jacobian(as_numpy)),
        ]:
            result = fun(x)
            assert isinstance(result, np.ndarray), (fun.__name__, type(x))
            assert_allclose(result, reference, rtol=1e-15, atol=0)
    pd = pytest.importorskip("pandas")
    p = pd.Series([0.5, 0.5])
    assert_allclose(entropy(p), special.entr([0.5, 0.5]).sum(), rtol=1e-15)
    assert_allclose(
        kl_divergence(p, pd.Series([0.9, 0.1])),
        special.rel_entr([0.5, 0.5], [0.9, 0.1]).sum(),
        rtol=1e-15,
    )
    z = pd.DataFrame([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    assert_allclose(
        cross_entropy(pd.Series([0, 2]), z),
        log_loss([0, 2], special.softmax(z.to_numpy(), axis=1), labels=[0, 1, 2]),
        rtol=1e-13,
    )
    assert_allclose(
        binary_cross_entropy(pd.Series([1.0, 0.0]), pd.Series([0.3, -2.0])),
        log_loss([1, 0], special.expit([0.3, -2.0])),
        rtol=1e-13,
    )


@pytest.mark.skipif(
    np.finfo(np.longdouble).eps >= np.finfo(np.float64).eps,
    reason="long double is double on this platform",
)
def test_long_double_keeps_its_precision():
    # "Floating-point inputs keep their precision": long double once came back
    # as float64, losing the difference of 1e-17 that scipy.special keeps.
    x = np.array([0.0, 1e-17], dtype=np.longdouble)
    for fun, reference in [
        (softmax, special.softmax(x)),
        (log_softmax, special.log_softmax(x)),
        (logsumexp, special.logsumexp(x)),
        (sigmoid, special.expit(x)),
        (log_sigmoid, special.log_expit(x)),
    ]:
        result = fun(x)
        assert result.dtype == np.longdouble, fun.__name__
        assert_array_equal(result, reference, err_msg=fun.__name__)
    assert log_softmax(x)[1] - log_softmax(x)[0] > 0  # float64 gave 0
    assert softmax_jacobian(x).dtype == np.longdouble
    p = softmax(x)
    h = entropy(p)
    assert h.dtype == np.longdouble
    # Long-double arithmetic on the definition, -Σ p log p, as the reference.
    assert abs(h - (-np.sum(p * np.log(p)))) <= 8 * np.finfo(np.longdouble).eps
    q = np.array([0.25, 0.75], dtype=np.longdouble)
    kl = kl_divergence(p, q)
    assert kl.dtype == np.longdouble
    assert abs(kl - np.sum(p * np.log(p / q))) <= 8 * np.finfo(np.longdouble).eps


def test_float32_of_either_byte_order_stays_float32():
    x = np.array([1.0, 2.0, 3.0], dtype=">f4")
    for fun in (softmax, log_softmax, logsumexp, sigmoid, log_sigmoid):
        result = fun(x)
        assert result.dtype == np.float32, fun.__name__
        assert_allclose(
            result,
            getattr(
                special,
                {
                    "softmax": "softmax",
                    "log_softmax": "log_softmax",
                    "logsumexp": "logsumexp",
                    "sigmoid": "expit",
                    "log_sigmoid": "log_expit",
                }[fun.__name__],
            )(x.astype(np.float64)),
            rtol=1e-6,
        )


def test_reductions_over_no_entries_follow_their_limits():
    # logsumexp of nothing is log 0 = -inf, as scipy.special.logsumexp says
    # (NumPy's "zero-size array to reduction operation maximum" before); the
    # softmax of no logits is empty.
    for shape, axis in [((0,), -1), ((3, 0), -1), ((0, 3), -1), ((3, 0), 0)]:
        x = np.zeros(shape)
        assert_array_equal(
            logsumexp(x, axis=axis), special.logsumexp(x, axis=axis), str(shape)
        )
        assert softmax(x, axis=axis).shape == shape
        assert log_softmax(x, axis=axis).shape == shape
    assert softmax_jacobian(np.zeros((3, 0))).shape == (3, 0, 0)


def test_mean_losses_over_no_samples_raise_as_log_loss():
    with pytest.raises(ValueError, match="0 sample"):
        log_loss(np.zeros(0), np.zeros((0, 3)), labels=[0, 1, 2])
    with pytest.raises(ValueError, match="cross_entropy needs at least one sample"):
        cross_entropy(np.zeros(0, dtype=int), np.zeros((0, 3)))
    with pytest.raises(
        ValueError, match="binary_cross_entropy needs at least one sample"
    ):
        binary_cross_entropy([], [])


def test_cross_entropy_rejects_logits_of_more_than_two_dimensions():
    # Unweighted, 3-D logits were averaged over two axes; weighted, they
    # crashed inside NumPy ("only 0-dimensional arrays can be converted").
    for sample_weight in (None, [1.0, 2.0]):
        with pytest.raises(ValueError, match=r"logits must have shape \(n_samples"):
            cross_entropy(
                np.zeros((2, 3), dtype=int),
                np.zeros((2, 3, 4)),
                sample_weight=sample_weight,
            )


def test_huge_weights_do_not_overflow_the_mean():
    # Equal weights of 1e308 summed to inf: the loss came back as 0.0.
    logits = np.zeros((2, 2))
    unweighted = cross_entropy([0, 0], logits)
    assert unweighted == pytest.approx(math.log(2), rel=1e-15)
    assert cross_entropy([0, 0], logits, sample_weight=[1e308, 1e308]) == unweighted
    assert binary_cross_entropy(
        [1.0, 0.0], [0.0, 0.0], sample_weight=[1e308, 1e308]
    ) == pytest.approx(math.log(2), rel=1e-15)


def test_out_of_range_labels_are_shown_as_given():
    # The cast to intp wrapped 1e20 to -9223372036854775808 in the message.
    with pytest.raises(ValueError, match=r"Got values from 0.0 to 1e\+20 instead"):
        cross_entropy([1e20, 0.0], np.zeros((2, 3)))


def test_shapes_that_do_not_broadcast_are_named():
    # NumPy's "operands could not be broadcast together" named neither.
    for p, q in (
        ([0.5, 0.5], [0.2, 0.3, 0.5]),
        (np.full((3, 2), 0.5), np.ones((2, 2))),
    ):
        message = (
            rf"^p and q must have shapes that broadcast together\. Got shapes "
            rf"\({len(p)}, ?.*\) and \({len(q)}, ?.*\) instead"
        )
        with pytest.raises(ValueError, match=message):
            kl_divergence(p, q)
        strict = pytest.importorskip("array_api_strict")
        with pytest.raises(ValueError, match=message):
            kl_divergence(strict.asarray(p), strict.asarray(q))


def test_messages_name_the_offending_argument():
    with pytest.raises(TypeError, match="^q must be an array of real numbers"):
        kl_divergence([0.5, 0.5], ["a", "b"])
    with pytest.raises(TypeError, match="^p must be an array of real numbers"):
        entropy(["a", "b"])
    with pytest.raises(TypeError, match="^logits must be an array of real numbers"):
        cross_entropy([0], [["a", "b"]])
    with pytest.raises(TypeError, match="^sample_weight must be an array of real"):
        cross_entropy([0, 1], np.zeros((2, 3)), sample_weight=["a", "b"])
    with pytest.raises(TypeError, match="^x must be an array of real numbers"):
        softmax([[1.0, 2.0], [3.0]])
    # Ragged labels and weights: NumPy's message alone named neither.
    with pytest.raises(TypeError, match="^y_true must be an array.*inhomogeneous"):
        cross_entropy([[1.0, 0.0], [1.0]], np.zeros((2, 2)))
    with pytest.raises(TypeError, match="^y_true must be an array.*inhomogeneous"):
        binary_cross_entropy([[1.0, 0.0], [1.0]], np.zeros((2, 2)))
    with pytest.raises(TypeError, match="^sample_weight must be an array. Got list"):
        cross_entropy([0, 1], np.zeros((2, 3)), sample_weight=[[1.0], [1.0, 2.0]])


def test_0d_input_obeys_axis_and_keepdims_as_scipy():
    # A 0-d input is one vector of one entry: axis=5 does not exist there
    # (scipy.special raises AxisError too), and keepdims keeps that axis.
    for fun, reference in [
        (softmax, special.softmax),
        (log_softmax, special.log_softmax),
        (logsumexp, special.logsumexp),
    ]:
        with pytest.raises(np.exceptions.AxisError):
            reference(np.float64(2.0), axis=5)
        with pytest.raises(np.exceptions.AxisError):
            fun(2.0, axis=5)
    assert (
        logsumexp(2.0, keepdims=True).shape
        == special.logsumexp(np.float64(2.0), keepdims=True).shape
        == (1,)
    )


def test_a_perfect_prediction_has_a_loss_of_plus_zero():
    # -log 1 is -0.0: the losses printed as "-0.0" for a perfect prediction.
    for loss in (
        cross_entropy(0, 3.0),
        cross_entropy([0], [[0.0]]),
        binary_cross_entropy([1.0], [np.inf]),
        binary_cross_entropy([1.0], [np.inf], sample_weight=[2.0]),
    ):
        assert loss == 0.0 and math.copysign(1.0, loss) == 1.0


def _namespaces():
    """NumPy and the Array API namespaces installed here, as converters."""
    converters = [pytest.param(np.asarray, id="numpy")]
    for name in ("array_api_strict", "torch"):
        try:
            module = __import__(name)
        except ImportError:
            continue
        converters.append(pytest.param(module.asarray, id=name))
    return converters


@pytest.mark.parametrize("to_namespace", _namespaces())
def test_unweighted_mean_losses_do_not_overflow(to_namespace):
    # Two losses of 1.7e308 each: xp.mean summed them to inf first (with
    # NumPy's overflow warning under array-api-strict); NumPy's path gave
    # their representable mean, as the weighted mean does on every namespace.
    big = 1.7e308
    bce = binary_cross_entropy(to_namespace(np.ones(2)), to_namespace(np.full(2, -big)))
    ce = cross_entropy(
        to_namespace(np.zeros(2, dtype=np.int64)),
        to_namespace(np.array([[0.0, big], [0.0, big]])),
    )
    assert bce == pytest.approx(big, rel=1e-15)
    assert ce == pytest.approx(big, rel=1e-15)


def test_mean_losses_of_tensors_that_require_grad_are_floats_without_warning():
    # float() of the loss tensor, part of the autograd graph, gave torch's
    # "Converting a tensor with requires_grad=True to a scalar" UserWarning.
    torch = pytest.importorskip("torch")
    logits = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]])
    z = torch.tensor(logits, requires_grad=True)
    soft = torch.tensor(np.eye(3)[[0, 2]], requires_grad=True)
    weights = torch.tensor([1.0, 3.0], requires_grad=True)
    for loss, expected in [
        (cross_entropy([0, 2], z), cross_entropy([0, 2], logits)),
        (cross_entropy(soft, z), cross_entropy([0, 2], logits)),
        (
            cross_entropy([0, 2], z, sample_weight=weights),
            cross_entropy([0, 2], logits, sample_weight=[1.0, 3.0]),
        ),
        (
            binary_cross_entropy(soft, z),
            binary_cross_entropy(np.eye(3)[[0, 2]], logits),
        ),
    ]:
        assert type(loss) is float
        assert loss == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("to_namespace", _namespaces())
def test_targets_of_logits_of_one_sample_are_named(to_namespace):
    # Two labels against the logits of one sample: "cannot reshape array of
    # size 2 into shape (1,)" (torch: a RuntimeError); two probability rows
    # were reported in the shape (1, 6) they had been flattened to.
    z = to_namespace(np.array([0.5, 0.5, 3.0]))
    message = (
        r"^y_true must have shape \(\) or \(1,\) \(a label\) or \(3,\) "
        r"\(probabilities\) for the logits of one sample\. Got shape {} instead\."
    )
    with pytest.raises(ValueError, match=message.format(r"\(2,\)")):
        cross_entropy([2, 1], z)
    with pytest.raises(ValueError, match=message.format(r"\(2, 3\)")):
        cross_entropy(np.eye(3)[:2], z)
    # What was accepted still is: a label, as a scalar or of one entry, and a
    # probability row with or without its sample axis.
    expected = float(-special.log_softmax([0.5, 0.5, 3.0])[2])
    for y_true in (2, [2], [0.0, 0.0, 1.0], [[0.0, 0.0, 1.0]]):
        assert cross_entropy(y_true, z) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("to_namespace", _namespaces()[1:])
def test_text_targets_beside_namespace_arrays_are_named(to_namespace):
    # The namespace's own TypeError ("can't convert np.ndarray of type
    # numpy.str_", "does not support the dtype '<U1'") named no argument.
    Z = to_namespace(np.array([[1.0, 2.0, 3.0], [0.0, 5.0, -1.0]]))
    message = r"^{} must be an array of real numbers\. Got an array of dtype <U1"
    with pytest.raises(TypeError, match=message.format("y_true")):
        cross_entropy(np.array(["a", "b"]), Z)
    with pytest.raises(TypeError, match=message.format("y_true")):
        binary_cross_entropy(["1", "0"], to_namespace(np.zeros(2)))
    with pytest.raises(TypeError, match=message.format("q")):
        kl_divergence(to_namespace(np.array([0.5, 0.5])), ["a", "b"])


def test_kl_divergence_where_q_puts_no_mass_and_infinite_mass_is_nan():
    # rel_entr(0.5, 0) is +inf and rel_entr(0.5, inf) is -inf: their sum has
    # no value, NaN with NumPy's warning, as np.sum(scipy.special.rel_entr)
    # gives (docs/bad_input.rst names this exception).
    p, q = [0.5, 0.5], [0.0, np.inf]
    with pytest.warns(RuntimeWarning, match="invalid value"):
        expected = np.sum(special.rel_entr(p, q))
    assert np.isnan(expected)
    with pytest.warns(RuntimeWarning, match="invalid value"):
        assert np.isnan(kl_divergence(p, q))


@pytest.mark.parametrize("to_namespace", _namespaces()[1:])
def test_sums_past_the_largest_float_are_infinite_on_every_namespace(to_namespace):
    # The Array API path summed entropy's and kl_divergence's terms outside
    # np.errstate: array-api-strict, which computes with NumPy, warned.
    with np.errstate(all="raise"):
        h = entropy(to_namespace(np.array([2e305, 2e305])))
        d = kl_divergence(
            to_namespace(np.array([_BIG, _BIG])), to_namespace(np.array([1e308] * 2))
        )
    assert float(h) == -np.inf
    assert float(d) == np.inf


_BIG = np.finfo(np.float64).max
