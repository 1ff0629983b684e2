"""The math functions over the whole floating-point range, infinities included.

Hypothesis draws arrays of float32 and float64 anywhere in their range —
subnormals, the largest finite values, ``±inf`` — and every function must
answer without a warning (this module turns warnings into errors), without
NaN for non-NaN input, in the input's precision, and with its identities holding
to the tolerance stated next to each one.

The number of examples per test comes from the Hypothesis profile in
``conftest.py``: 60 by default, and more on demand with, for example,
``SKL_SOFTMAX_HYPOTHESIS_EXAMPLES=2000 pytest tests/test_special_extremes.py``.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal
from scipy import special

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

pytestmark = pytest.mark.filterwarnings("error")

DTYPES = [np.float32, np.float64]


def eps(dtype):
    return float(np.finfo(dtype).eps)


def floats(dtype, bound=None, allow_infinity=True):
    """Elements of ``dtype``: the whole range by default, or within ``±bound``."""
    if bound is not None:
        bound = float(dtype(bound))  # representable in dtype, as Hypothesis needs
        return st.floats(
            -bound, bound, allow_nan=False, width=np.finfo(dtype).bits
        ).map(dtype)
    return st.floats(
        allow_nan=False, allow_infinity=allow_infinity, width=np.finfo(dtype).bits
    ).map(dtype)


def arrays(dtype, bound=None, allow_infinity=True, min_dims=1, max_dims=3):
    """Arrays of ``dtype`` with 1 to 6 entries per axis."""
    return hnp.arrays(
        dtype,
        hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=6),
        elements=floats(dtype, bound, allow_infinity),
    )


@st.composite
def probability_rows(draw, n_rows, n_classes):
    """Rows of non-negative float64 probabilities summing to 1, exact zeros included."""
    raw = draw(
        hnp.arrays(
            np.float64,
            (n_rows, n_classes),
            elements=st.sampled_from([0.0, 1e-300, 1e-8, 0.3, 1.0, 7.0]),
        )
    )
    raw[:, draw(st.integers(0, n_classes - 1))] += 1.0  # no all-zero row
    return raw / raw.sum(axis=1, keepdims=True)


@st.composite
def logits_and_targets(draw, dtype, bound=None, allow_infinity=True):
    """Logits of shape (n, K), probability rows, integer labels, sample weights."""
    n_rows = draw(st.integers(1, 5))
    n_classes = draw(st.integers(2, 5))
    logits = draw(
        hnp.arrays(
            dtype, (n_rows, n_classes), elements=floats(dtype, bound, allow_infinity)
        )
    )
    Y = draw(probability_rows(n_rows, n_classes))
    labels = draw(hnp.arrays(np.int64, n_rows, elements=st.integers(0, n_classes - 1)))
    weights = draw(
        hnp.arrays(
            np.float64, n_rows, elements=st.sampled_from([0.0, 1e-12, 1.0, 1e12])
        )
    )
    weights[draw(st.integers(0, n_rows - 1))] = 1.0  # a positive total weight
    return logits, Y, labels, weights


# -- softmax, log_softmax, logsumexp --------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_softmax_is_a_distribution_for_any_input(dtype, data):
    # ±inf are limits: +inf entries share the mass, an all -inf row is uniform.
    x = data.draw(arrays(dtype))
    p = softmax(x)
    assert p.dtype == dtype and p.shape == x.shape
    assert not np.isnan(p).any()
    assert np.all((p >= 0) & (p <= 1))
    # Each of the K terms of the sum is rounded once: K·eps bounds the error.
    assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=2 * x.shape[-1] * eps(dtype))
    # The largest logit gets the largest probability.
    top = np.take_along_axis(p, np.argmax(x, axis=-1)[..., None], axis=-1)[..., 0]
    assert_array_equal(top, p.max(axis=-1))


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_softmax_along_any_axis_is_softmax_along_the_last(dtype, data):
    x = data.draw(arrays(dtype, min_dims=2))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    expected = np.moveaxis(softmax(np.moveaxis(x, axis, -1)), -1, axis)
    assert_allclose(softmax(x, axis=axis), expected, rtol=4 * eps(dtype), atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_log_softmax_is_never_nan_and_never_positive(dtype, data):
    x = data.draw(arrays(dtype))
    log_p = log_softmax(x)
    assert log_p.dtype == dtype and log_p.shape == x.shape
    assert not np.isnan(log_p).any()
    assert np.all(log_p <= 0)


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_log_softmax_is_finite_when_the_logit_spread_is_representable(dtype, data):
    # Within ±max/2 every difference of two logits is a finite float, so is the
    # log-probability (where log(softmax) would give -inf from an underflow).
    x = data.draw(arrays(dtype, bound=float(np.finfo(dtype).max) / 2))
    assert np.all(np.isfinite(log_softmax(x)))


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_exp_of_log_softmax_is_softmax(dtype, data):
    # log_softmax carries an absolute error of about eps·|log p|, which exp turns
    # into p·|log p|·eps <= eps/e: a few eps absolutely, over the whole range.
    x = data.draw(arrays(dtype))
    assert_allclose(np.exp(log_softmax(x)), softmax(x), rtol=0, atol=8 * eps(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_log_softmax_is_logits_minus_logsumexp(dtype, data):
    # The two differ only in where the maximum is subtracted: one rounding of
    # a number of size max|x|.
    x = data.draw(arrays(dtype, bound=1e30 if dtype == np.float32 else 1e200))
    scale = float(np.max(np.abs(x), initial=0.0))
    expected = x - logsumexp(x, keepdims=True)
    assert_allclose(log_softmax(x), expected, rtol=0, atol=4 * eps(dtype) * (1 + scale))


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_logsumexp_agrees_with_scipy_for_finite_input(dtype, data):
    x = data.draw(arrays(dtype, bound=1e30 if dtype == np.float32 else 1e200))
    lse = logsumexp(x)
    assert lse.dtype == dtype
    reference = special.logsumexp(x.astype(np.float64), axis=-1)
    # One rounding of the maximum plus the logarithm of a sum of K <= 6 terms.
    scale = 1 + float(np.max(np.abs(reference)))
    assert_allclose(lse, reference, rtol=0, atol=8 * eps(dtype) * scale)


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_logsumexp_is_between_the_maximum_and_the_maximum_plus_log_k(dtype, data):
    x = data.draw(arrays(dtype))
    lse = logsumexp(x)
    top = x.max(axis=-1)
    assert not np.isnan(lse).any()
    # max <= logsumexp <= max + log K, up to one rounding each.
    slack = 4 * eps(dtype) * (1 + np.abs(np.where(np.isfinite(top), top, 0)))
    with np.errstate(over="ignore"):  # the bounds may round to ±inf near max
        lower = top - slack
        upper = top + dtype(np.log(x.shape[-1])) + slack
    assert np.all(lse >= lower)
    assert np.all(lse <= upper)


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_softmax_is_shift_invariant(dtype, data):
    bound = 1e4
    x = data.draw(arrays(dtype, bound=bound))
    c = data.draw(floats(dtype, bound=bound))
    # Rounding x + c perturbs each logit by at most eps·(|x| + |c|)/2, which
    # moves a probability by at most twice that.
    atol = eps(dtype) * (float(np.abs(x).max()) + abs(float(c))) + 8 * eps(dtype)
    assert_allclose(softmax(x + c), softmax(x), rtol=0, atol=atol)


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_two_class_softmax_is_the_sigmoid_of_the_logit_difference(dtype, data):
    z = data.draw(arrays(dtype, bound=1e3, min_dims=1, max_dims=1).map(np.sort))
    z0 = data.draw(floats(dtype, bound=1e3))
    pairs = np.stack([np.full_like(z, z0), z], axis=-1)
    # The derivative of the sigmoid is at most 1/4: rounding z - z0 moves it by
    # at most eps·(|z| + |z0|)/8.
    atol = eps(dtype) * (float(np.abs(z).max()) + abs(float(z0))) + 4 * eps(dtype)
    assert_allclose(softmax(pairs)[:, 1], sigmoid(z - z0), rtol=0, atol=atol)


@pytest.mark.parametrize("dtype", [np.int64, np.int8, np.bool_, np.float16])
@given(data=st.data())
def test_softmax_of_other_numeric_dtypes_is_a_distribution(dtype, data):
    elements = st.floats(allow_nan=False, width=16) if dtype == np.float16 else None
    x = data.draw(
        hnp.arrays(dtype, hnp.array_shapes(min_side=1, max_side=6), elements=elements)
    )
    p = softmax(x)
    assert p.dtype == (np.float32 if dtype == np.float16 else np.float64)
    assert np.all(np.isfinite(p))
    assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=2 * x.shape[-1] * eps(p.dtype))


# -- sigmoid and log_sigmoid ----------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_sigmoid_is_a_probability_for_any_input(dtype, data):
    x = data.draw(arrays(dtype))
    p = sigmoid(x)
    assert p.dtype == dtype
    assert not np.isnan(p).any()
    assert np.all((p >= 0) & (p <= 1))
    # σ(x) + σ(-x) = 1, each term rounded once.
    assert_allclose(p + sigmoid(-x), 1.0, rtol=0, atol=2 * eps(dtype))
    # Non-decreasing.
    order = np.argsort(x, axis=None, kind="stable")
    assert np.all(np.diff(p.ravel()[order]) >= 0)


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_log_sigmoid_is_the_log_of_the_sigmoid(dtype, data):
    x = data.draw(arrays(dtype))
    log_p = log_sigmoid(x)
    assert log_p.dtype == dtype
    assert not np.isnan(log_p).any()
    assert np.all(log_p <= 0)
    # The relative error of exp is about eps·|log p| with p·|log p| <= 1/e.
    assert_allclose(np.exp(log_p), sigmoid(x), rtol=0, atol=8 * eps(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_log_odds_of_log_sigmoid_recover_the_logit(dtype, data):
    # log σ(x) - log σ(-x) = x for every finite x; the two terms are each
    # accurate to a few eps relative to their size, and one of them is ~0.
    x = data.draw(arrays(dtype, allow_infinity=False))
    with np.errstate(over="ignore"):  # -max - max overflows to -inf, as it should
        difference = log_sigmoid(x) - log_sigmoid(-x)
    finite = np.abs(x) <= np.finfo(dtype).max / 2
    assert_allclose(
        difference[finite], x[finite], rtol=4 * eps(dtype), atol=4 * eps(dtype)
    )


# -- the Jacobian ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_softmax_jacobian_is_symmetric_psd_with_zero_row_sums(dtype, data):
    x = data.draw(arrays(dtype))
    J = softmax_jacobian(x)
    p = softmax(x)
    assert J.dtype == dtype and J.shape == x.shape + x.shape[-1:]
    assert not np.isnan(J).any()
    assert_array_equal(J, np.swapaxes(J, -1, -2))
    # Row i sums p_i - p_i Σ_j p_j = p_i (1 - Σ p): a few eps.
    assert_allclose(J.sum(axis=-1), 0.0, rtol=0, atol=4 * x.shape[-1] * eps(dtype))
    assert_allclose(
        np.einsum("...ii->...i", J), p * (1 - p), rtol=4 * eps(dtype), atol=eps(dtype)
    )
    eigenvalues = np.linalg.eigvalsh(J.astype(np.float64))
    assert np.all(eigenvalues >= -4 * x.shape[-1] * eps(dtype))


# -- the losses -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_cross_entropy_is_never_nan_for_any_logits(dtype, data):
    # A logit spread beyond the largest float or a true class at -inf makes the
    # loss +inf: the correct limit. Never NaN, never negative; zero weights drop
    # their samples even where their loss is infinite.
    logits, Y, labels, weights = data.draw(logits_and_targets(dtype))
    for targets in (labels, Y, np.eye(logits.shape[1])[labels]):
        for sample_weight in (None, weights):
            loss = cross_entropy(targets, logits, sample_weight=sample_weight)
            assert isinstance(loss, float)
            assert not np.isnan(loss) and loss >= 0


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_cross_entropy_is_finite_for_representable_logit_spreads(dtype, data):
    bound = float(np.finfo(dtype).max) / 4
    logits, Y, labels, weights = data.draw(logits_and_targets(dtype, bound=bound))
    for targets in (labels, Y):
        assert np.isfinite(cross_entropy(targets, logits, sample_weight=weights))


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_cross_entropy_of_labels_equals_that_of_one_hot_rows(dtype, data):
    logits, _, labels, weights = data.draw(logits_and_targets(dtype))
    one_hot = np.eye(logits.shape[1])[labels]
    assert_allclose(
        cross_entropy(one_hot, logits, sample_weight=weights),
        cross_entropy(labels, logits, sample_weight=weights),
        rtol=1e-12,
        atol=0,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_cross_entropy_is_entropy_plus_kl_divergence(dtype, data):
    # H(p, softmax(z)) = H(p) + KL(p ‖ softmax(z)). The right side goes through
    # the probabilities in the dtype of z, whose relative error is about
    # eps·(|z| + log K); the left side never forms them.
    bound = 20.0
    logits, Y, _, weights = data.draw(logits_and_targets(dtype, bound=bound))
    q = softmax(logits)
    per_row = entropy(Y) + kl_divergence(Y, q)
    expected = np.average(per_row, weights=weights)
    assert_allclose(
        cross_entropy(Y, logits, sample_weight=weights),
        expected,
        rtol=0,
        atol=16 * eps(dtype) * (1 + bound),
    )


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_binary_cross_entropy_is_never_nan_for_any_logits(dtype, data):
    logits = data.draw(arrays(dtype, max_dims=2))
    y = data.draw(
        hnp.arrays(dtype, logits.shape, elements=st.sampled_from([0.0, 0.25, 1.0]))
    )
    loss = binary_cross_entropy(y, logits)
    assert not np.isnan(loss) and loss >= 0
    hard = (y == 1) | (y == 0)
    # Hard targets at their own infinite limit cost nothing.
    at_limit = np.where(y == 1, logits == np.inf, logits == -np.inf)
    if np.all(hard & at_limit):
        assert loss == 0


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_binary_cross_entropy_is_the_two_class_cross_entropy(dtype, data):
    # σ(z) is the two-class softmax of (0, z); both losses are accurate to a few
    # eps times the size of the logits.
    bound = 1e3
    z = data.draw(arrays(dtype, bound=bound, max_dims=1))
    y = data.draw(hnp.arrays(np.float64, z.shape, elements=st.floats(0, 1)))
    two_class = np.stack([np.zeros_like(z), z], axis=1)
    rows = np.stack([1 - y, y], axis=1)
    assert_allclose(
        binary_cross_entropy(y.astype(dtype), z),
        cross_entropy(rows, two_class),
        rtol=16 * eps(dtype),
        atol=16 * eps(dtype) * (1 + float(np.abs(z).max())),
    )


@given(data=st.data())
def test_entropy_and_kl_divergence_of_probability_rows(data):
    n_rows = data.draw(st.integers(1, 4))
    n_classes = data.draw(st.integers(2, 6))
    p = data.draw(probability_rows(n_rows, n_classes))
    q = data.draw(probability_rows(n_rows, n_classes))
    H = entropy(p)
    assert np.all(H >= 0) and np.all(H <= np.log(n_classes) * (1 + 4 * eps(np.float64)))
    # Bits are nats over ln 2.
    assert_allclose(entropy(p, base=2), H / np.log(2), rtol=4 * eps(np.float64))
    D = kl_divergence(p, q)
    assert not np.isnan(D).any()
    assert np.all(D >= -4 * eps(np.float64) * n_classes)  # Gibbs' inequality
    assert_array_equal(kl_divergence(p, p), 0.0)
    p32, q32 = p.astype(np.float32), q.astype(np.float32)
    for value in (entropy(p32), kl_divergence(p32, q32)):
        assert value.dtype == np.float32
        assert not np.isnan(value).any()


def test_sums_past_the_largest_float_are_infinite_without_a_warning():
    # entropy and kl_divergence summed SciPy's terms, and the mean losses cast
    # long double losses to float64, with NumPy's overflow warning.
    big = np.finfo(np.float64).max
    assert entropy([2e305, 2e305]) == -np.inf
    assert kl_divergence([big, big], [1e308, 1e308]) == np.inf
    logits = np.array([[-1e308, big]], dtype=np.longdouble)
    assert cross_entropy([0], logits) == np.inf
    beyond = np.array([np.longdouble("-1e4000")])  # finite in long double
    assert np.isfinite(beyond).all()
    assert binary_cross_entropy([1.0], beyond) == np.inf
