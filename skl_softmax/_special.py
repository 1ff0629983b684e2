"""The mathematics the classifiers rest on: softmax, sigmoid and their losses.

Every function here is stable for any finite input: exponentials are only
ever taken of non-positive numbers (after subtracting the row maximum), and
logarithms of probabilities are computed as ``z - logsumexp(z)``, never as
``log(softmax(z))``.  Infinite logits are treated as limits: ``+inf`` takes all
the probability mass (shared equally when several entries are ``+inf``), and
``-inf`` takes none.

Floating-point inputs keep their precision (float32 in, float32 out; long
double stays long double); float16 is computed in float32, other numeric
inputs in float64.  Any array-like is accepted (lists, pandas objects).  No
function writes to its arguments.  0-d input is one vector of one entry where
the function reduces an axis (``softmax(3.0)`` is 1, as in
:func:`scipy.special.softmax`).  A reduction over no entries follows its
limit: ``logsumexp`` of nothing is ``-inf`` (the log of an empty sum) and the
softmax of no logits is empty; the mean losses need at least one sample.

Arrays of any Array API namespace (PyTorch, CuPy, array-api-strict) are
computed in that namespace and on their device, and returned there; NumPy
input takes the NumPy code, in place where it can. ``np.errstate`` silences
array-api-strict too, which computes with NumPy; Dask computes later, so its
chunks' tasks set the ``errstate`` themselves (:func:`_quietly`); other
namespaces do not warn.

SciPy already gets sigmoid right (:func:`scipy.special.expit`,
:func:`scipy.special.log_expit`) and the elementwise entropies
(:func:`scipy.special.entr`, :func:`scipy.special.rel_entr`); those are used as
they are.  :func:`scipy.special.softmax` returns NaN for ``+inf`` logits, so the
softmax family shares one shift, :func:`_shift_by_max`, that also handles
infinities.
"""

import functools
import math
import numbers

import numpy as np
from scipy import special

from ._array_api import NUMPY, backend_of, is_foreign_array, on_host, to_backend

__all__ = [
    "binary_cross_entropy",
    "cross_entropy",
    "entropy",
    "kl_divergence",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "sigmoid",
    "softmax",
    "softmax_jacobian",
]


def _float_array(x, name="x"):
    """``(x as a float array, its Backend)``: see :func:`_as_float_array`.

    Arrays of an Array API namespace stay in it; every other array-like
    (lists, pandas objects, ``range``) is read by NumPy.
    """
    if not is_foreign_array(x):
        return _as_float_array(x, name), NUMPY
    backend = backend_of(x)
    if backend.is_numpy:
        return _as_float_array(x, name), NUMPY
    xp = backend.xp
    if xp.isdtype(x.dtype, ("real floating")):
        # Floats of fewer than 32 bits are computed in float32, as NumPy's
        # are. Asked of finfo, not by ``x.dtype == xp.float16``: Dask's
        # namespace has no float16 attribute (its chunks may still be
        # float16), and NumPy reads a comparison with None as one with float64.
        if xp.finfo(x.dtype).bits < 32:
            return xp.astype(x, xp.float32), backend
        return x, backend
    if xp.isdtype(x.dtype, ("bool", "integral")):
        return xp.astype(x, xp.float64), backend
    raise TypeError(
        f"{name} must be an array of real numbers. Got an array of dtype {x.dtype} "
        "instead."
    )


def _as_float_array(x, name="x"):
    """``x`` as a float array, keeping its float precision, never a view to write.

    float32, float64 and long double stay (in native byte order); integers and
    booleans become float64; float16 is promoted to float32 so that ``exp``
    does not overflow at 11.
    """
    try:
        x = np.asarray(x)
    except (TypeError, ValueError, RuntimeError) as error:
        if is_foreign_array(x):  # on a device NumPy cannot read
            raise TypeError(_not_on_host(name, x, error)) from None
        # Ragged lists, unconvertible objects.
        raise TypeError(
            f"{name} must be an array of real numbers. Got {type(x).__name__} "
            f"that NumPy cannot read as one: {error}"
        ) from None
    if x.dtype in (np.float32, np.float64):
        return x
    if x.dtype.kind == "f" and x.dtype.itemsize >= 4:
        return x.astype(x.dtype.newbyteorder("="), copy=False)
    if x.dtype.kind == "f":
        return x.astype(np.float32)
    if x.dtype.kind in "biu":
        return x.astype(np.float64)
    raise TypeError(
        f"{name} must be an array of real numbers. Got an array of dtype {x.dtype} "
        "instead."
    )


def _size(x):
    """The number of entries (``x.size`` may be ``None`` in the Array API)."""
    return math.prod(x.shape)


def _known(length):
    """Whether an axis length is known (``None``, or NaN in a lazy Dask array, not)."""
    return isinstance(length, numbers.Integral)


def _same_shape(shape, expected):
    """``shape == expected``, where two lengths not known yet match.

    Rows selected by a lazy Dask mask have a length of NaN, and NaN equals
    nothing, not even the NaN of labels selected by the same mask; whether
    two such lengths agree is left to the computation. A known length never
    matches an unknown one: Dask cannot line up their chunks.
    """
    return len(shape) == len(expected) and all(
        a == b or not (_known(a) or _known(b))
        for a, b in zip(shape, expected, strict=True)
    )


def _as_float(scalar):
    """A 0-d array as a Python float.

    A tensor of an autograd graph (logits with ``requires_grad``) is detached
    first: the value is a number, not a node of the graph, and ``float`` of
    the tensor itself warns.
    """
    detach = getattr(scalar, "detach", None)
    return float(scalar if detach is None else detach())


def _is_dask(backend):
    return backend.xp.__name__.endswith("dask.array")


def _quietly(backend, function, *arrays, **errstate):
    """``function(xp, *arrays)`` under ``np.errstate(**errstate)`` where it computes.

    NumPy and array-api-strict compute at once, inside the ``errstate``;
    other eager namespaces do not warn. Dask computes later, in ``compute()``,
    outside any ``errstate`` of the caller: there ``function`` is applied
    block by block (it is elementwise, so that is the whole), by the function
    Dask's own arithmetic operators use, which broadcasts and aligns chunks
    as ``a - b`` would, and each task sets the ``errstate`` itself.
    """
    if not _is_dask(backend):
        with np.errstate(**errstate):
            return function(backend.xp, *arrays)
    from dask.array.core import elemwise

    dtype = np.result_type(*(a.dtype for a in arrays if hasattr(a, "dtype")))
    return elemwise(
        functools.partial(_on_blocks, function, errstate), *arrays, dtype=dtype
    )


def _on_blocks(function, errstate, *blocks):
    with np.errstate(**errstate):
        return function(backend_of(*blocks).xp, *blocks)


def _sum(x, axis, backend, keepdims=False):
    """``xp.sum`` where a sum past the largest float is ±inf without a warning.

    That is the correctly rounded sum; on Dask the chunks' sums and their
    aggregation set the ``errstate`` themselves (see :func:`_quietly`).
    """
    if not _is_dask(backend):
        with np.errstate(over="ignore"):
            return backend.xp.sum(x, axis=axis, keepdims=keepdims)
    import dask.array as da

    return da.reduction(
        x, _sum_blocks, _sum_blocks, axis=axis, keepdims=keepdims, dtype=x.dtype
    )


def _sum_blocks(x, axis=None, keepdims=False, **kwargs):
    with np.errstate(over="ignore"):
        return x.sum(axis=axis, keepdims=keepdims)


# The elementwise steps that :func:`_quietly` runs: module-level functions,
# so that a Dask graph sent to a cluster pickles them by name.


def _subtract(xp, a, b):
    return a - b


def _log(xp, a):
    return xp.log(a)


def _shift_to_limits(xp, x, x_max):
    # See _shift_by_max: entries equal to an infinite maximum become 0, all
    # others -inf; x - x_max (inf - inf = nan there) is computed but not used.
    zeros = xp.zeros_like(x)
    shifted = xp.where(
        xp.isinf(x_max), xp.where(x == x_max, zeros, zeros - xp.inf), x - x_max
    )
    return xp.astype(shifted, x.dtype)


def _masked_product(xp, y, log_p):
    # 0 · log p is 0 even where log p is -inf; the masked-out products
    # 0 · (-inf) = nan are computed but never used.
    return xp.where(y > 0, y * log_p, xp.zeros_like(log_p))


def _minus_x_log_x(xp, x):
    return -x * xp.log(x)


def _relative_entropy_terms(xp, p, q):
    # p log(p / q) for p, q > 0; where p / q overflows or underflows to 0
    # (q subnormal), log p - log q.
    ratio = p / q
    exact = xp.isfinite(ratio) & (ratio > 0)
    if bool(xp.all(exact)):  # the common case: one log per element
        logs = xp.log(ratio)
    else:
        logs = xp.where(
            exact,
            xp.log(xp.where(exact, ratio, xp.ones_like(ratio))),
            xp.log(p) - xp.log(q),
        )
    return p * logs


def _shift_by_max(x, axis, backend=None):
    """Return ``(x - max(x), max(x))`` along ``axis`` with infinities as limits.

    The shifted array has a maximum of exactly 0 in every slice, so ``exp`` of it
    never overflows.  Where the maximum is infinite, subtracting it would give
    ``inf - inf = nan``; there the limit is used instead: entries equal to the
    maximum become 0 and all others ``-inf`` (an all ``-inf`` slice behaves like
    equal logits, and several ``+inf`` share the mass equally).  The returned
    maximum is finite (0) on those slices so that adding it back stays correct
    for the finite entries.
    """
    if backend is None:
        backend = NUMPY
    xp = backend.xp
    x_max = xp.max(x, axis=axis, keepdims=True)
    # Finite logits more than the largest float apart (-1e308 and 1e308) give
    # a difference that overflows to -inf: the correctly rounded limit, whose
    # exp is 0, so the overflow is expected and not worth a RuntimeWarning.
    if bool(xp.all(xp.isfinite(x_max))):
        return _quietly(backend, _subtract, x, x_max, over="ignore"), x_max
    shifted = _quietly(
        backend, _shift_to_limits, x, x_max, invalid="ignore", over="ignore"
    )
    return shifted, xp.astype(
        xp.where(xp.isinf(x_max), xp.zeros_like(x_max), x_max), x.dtype
    )


def _vector_of_one(x, backend):
    """A 0-d ``x`` as the 1-D vector of its one entry (reductions need an axis)."""
    return backend.xp.reshape(x, (1,))


def _as_0d(result, backend):
    return backend.xp.reshape(result, ())


def softmax(x, axis=-1):
    r"""Softmax of the logits ``x`` along ``axis``.

    .. math:: \mathrm{softmax}(z)_k = \frac{e^{z_k - m}}{\sum_j e^{z_j - m}},
              \qquad m = \max_j z_j

    Subtracting the maximum changes nothing mathematically (softmax is shift
    invariant) but keeps every exponent at or below zero.

    Parameters
    ----------
    x : array-like
        Logits. Integer input is computed in float64, float32 stays float32.
    axis : int, default=-1
        The axis holding the classes.

    Returns
    -------
    probabilities : ndarray
        Same shape and floating dtype as ``x``; non-negative, summing to 1 along
        ``axis``.

    See Also
    --------
    log_softmax : The logarithm of the softmax, computed without the softmax.
    sigmoid : The two-class special case.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_softmax import softmax
    >>> softmax([1.0, 2.0, 3.0]).round(3)
    array([0.09 , 0.245, 0.665])

    The naive formula overflows where the stable one does not:

    >>> z = np.array([-20.0, 10.0, 30.0, 1000.0])
    >>> with np.errstate(over="ignore", invalid="ignore"):
    ...     np.exp(z) / np.exp(z).sum()
    array([ 0.,  0.,  0., nan])
    >>> softmax(z)
    array([0., 0., 0., 1.])
    """
    x, backend = _float_array(x)
    if x.ndim == 0:
        return _as_0d(softmax(_vector_of_one(x, backend), axis=axis), backend)
    xp = backend.xp
    if not _size(x):  # no logits: no probabilities (a bad axis still raises)
        xp.sum(x, axis=axis)
        return xp.asarray(x, copy=True)
    shifted, _ = _shift_by_max(x, axis, backend)
    if not backend.is_numpy:
        shifted = xp.exp(shifted)
        return shifted / xp.sum(shifted, axis=axis, keepdims=True)
    # ``shifted`` is a new array, so the rest can work in place on it.
    np.exp(shifted, out=shifted)
    shifted /= np.sum(shifted, axis=axis, keepdims=True)
    return shifted


def _softmax_in_place(z, axis=-1):
    """Softmax that overwrites ``z``: for fresh arrays such as predicted scores.

    Saves the temporaries of :func:`softmax` on large predictions; falls back
    to it where a maximum is infinite.
    """
    if not isinstance(z, np.ndarray):
        return softmax(z, axis=axis)
    # Array methods, not functions: one-row predictions pay for every call.
    z_max = z.max(axis=axis, keepdims=True)
    if not np.isfinite(z_max).all():
        return softmax(z, axis=axis)
    with np.errstate(over="ignore"):  # -inf for spreads past the largest float
        z -= z_max
    np.exp(z, out=z)
    z /= z.sum(axis=axis, keepdims=True)
    return z


def _log_sum_exp_shifted(shifted, axis, xp):
    """``log(sum(exp(shifted)))`` along ``axis`` (kept), for ``shifted`` of maximum 0.

    The maximum's term is exactly 1, so the sum is ``1 + rest`` and its log is
    ``log1p(rest)``: summing the 1 in first would round away a ``rest`` below
    machine epsilon (``logsumexp([0, -40])`` is 4.2e-18, not 0). Entries
    equal to the maximum (ties, and the slices of :func:`_shift_by_max`'s
    infinite limits) each add exactly 1, counted rather than exponentiated.
    """
    at_max = shifted == 0
    if isinstance(shifted, np.ndarray):
        # The same sums, without ``where``'s zeros and float copy of the mask:
        # on 40 000 × 10 logits 5.8 ms against 12.5 (a held-out score of the
        # CV estimators, at every fold and C).
        with np.errstate(under="ignore"):
            terms = np.exp(shifted)
        np.copyto(terms, 0.0, where=at_max)
        rest = terms.sum(axis=axis, keepdims=True)
        ties = np.count_nonzero(at_max, axis=axis, keepdims=True)
        return np.log1p(rest + (ties - 1).astype(shifted.dtype))
    with np.errstate(under="ignore"):
        rest = xp.sum(
            xp.where(at_max, xp.zeros_like(shifted), xp.exp(shifted)),
            axis=axis,
            keepdims=True,
        )
    ties = xp.sum(xp.astype(at_max, shifted.dtype), axis=axis, keepdims=True)
    return xp.log1p(rest + (ties - 1))


def logsumexp(x, axis=-1, keepdims=False):
    r"""Logarithm of the sum of exponentials, ``log(sum(exp(x)))``, without overflow.

    .. math:: \log \sum_j e^{z_j} = m + \log \sum_j e^{z_j - m}

    Parameters
    ----------
    x : array-like
        Input values.
    axis : int, default=-1
        The axis to reduce.
    keepdims : bool, default=False
        Whether to keep the reduced axis with length one.

    Returns
    -------
    lse : ndarray
        The reduction, in the floating dtype of ``x``.

    See Also
    --------
    scipy.special.logsumexp : The same reduction with weights and signs.

    Examples
    --------
    >>> from skl_softmax import logsumexp
    >>> float(logsumexp([1000.0, 1000.0]))
    1000.6931471805599
    """
    x, backend = _float_array(x)
    if x.ndim == 0:
        lse = logsumexp(_vector_of_one(x, backend), axis=axis, keepdims=keepdims)
        return lse if keepdims else _as_0d(lse, backend)
    xp = backend.xp
    if not _size(x):  # the log of an empty sum, as scipy.special.logsumexp
        empty_sum = xp.sum(x, axis=axis, keepdims=keepdims)
        return _quietly(backend, _log, empty_sum, divide="ignore")
    shifted, x_max = _shift_by_max(x, axis, backend)
    lse = x_max + _log_sum_exp_shifted(shifted, axis, xp)
    # Where the maximum is infinite, so is the sum of exponentials: the limit
    # is the maximum itself (the shift had replaced it by 0).
    true_max = xp.max(x, axis=axis, keepdims=True)
    lse = xp.where(xp.isinf(true_max), true_max, lse)
    if keepdims:
        return lse
    # The Array API's squeeze takes no axis=None: then every axis was reduced.
    return xp.reshape(lse, ()) if axis is None else xp.squeeze(lse, axis=axis)


def log_softmax(x, axis=-1):
    r"""Logarithm of the softmax, ``z - logsumexp(z)``.

    Computing ``log(softmax(z))`` loses everything below the smallest positive
    float: the softmax underflows to 0 and its log to ``-inf``. The direct
    formula keeps every finite logit finite.

    Parameters
    ----------
    x : array-like
        Logits.
    axis : int, default=-1
        The axis holding the classes.

    Returns
    -------
    log_probabilities : ndarray
        Same shape and floating dtype as ``x``; ``exp`` of it is ``softmax(x)``.

    See Also
    --------
    softmax : The probabilities themselves.
    scipy.special.log_softmax : The same for finite input.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_softmax import log_softmax, softmax
    >>> log_softmax([1000.0, 0.0])
    array([    0., -1000.])
    >>> with np.errstate(divide="ignore"):
    ...     np.log(softmax([1000.0, 0.0]))
    array([  0., -inf])
    """
    x, backend = _float_array(x)
    if x.ndim == 0:
        return _as_0d(log_softmax(_vector_of_one(x, backend), axis=axis), backend)
    xp = backend.xp
    if not _size(x):
        xp.sum(x, axis=axis)  # a bad axis raises, as for a non-empty x
        return xp.asarray(x, copy=True)
    shifted, _ = _shift_by_max(x, axis, backend)
    return shifted - _log_sum_exp_shifted(shifted, axis, xp)


def sigmoid(x):
    r"""Logistic sigmoid ``1 / (1 + exp(-x))``, elementwise.

    This is :func:`scipy.special.expit`, which never overflows. The sigmoid of
    a logit difference is the two-class softmax:
    ``softmax([z0, z1])[1] == sigmoid(z1 - z0)``.

    Parameters
    ----------
    x : array-like
        Logits (log-odds).

    Returns
    -------
    probabilities : ndarray
        Same shape and floating dtype as ``x``, in [0, 1].

    See Also
    --------
    log_sigmoid : Its logarithm, computed without it.
    softmax : The multi-class generalisation.

    Examples
    --------
    >>> from skl_softmax import sigmoid, softmax
    >>> float(sigmoid(0.0))
    0.5
    >>> bool(abs(softmax([0.5, 2.0])[1] - sigmoid(1.5)) < 1e-15)
    True
    """
    x, backend = _float_array(x)
    if backend.is_numpy:
        return special.expit(x)
    # σ(x) = 1 / (1 + e^{−x}) for x ≥ 0 and e^{x} / (1 + e^{x}) below: the
    # exponential is always of −|x| ≤ 0, so nothing overflows.
    xp = backend.xp
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, xp.ones_like(e), e) / (1.0 + e)


def log_sigmoid(x):
    r"""Logarithm of the sigmoid, ``-log(1 + exp(-x))``, elementwise and stable.

    This is :func:`scipy.special.log_expit`.

    Parameters
    ----------
    x : array-like
        Logits (log-odds).

    Returns
    -------
    log_probabilities : ndarray
        Same shape and floating dtype as ``x``, non-positive.

    See Also
    --------
    sigmoid : The probabilities themselves.

    Examples
    --------
    >>> from skl_softmax import log_sigmoid
    >>> float(log_sigmoid(-1000.0))
    -1000.0
    """
    x, backend = _float_array(x)
    if backend.is_numpy:
        return special.log_expit(x)
    # log σ(x) = min(x, 0) − log(1 + e^{−|x|}), stable for every x. (min by
    # where, NaN kept: Dask's clip refuses rows of unknown count.)
    xp = backend.xp
    below = xp.where(x > 0, xp.zeros_like(x), x)
    return below - xp.log1p(xp.exp(-xp.abs(x)))


def softmax_jacobian(x):
    r"""Jacobian of the softmax at the logits ``x``: ``diag(p) - p pᵀ``.

    With :math:`p = \mathrm{softmax}(z)`,

    .. math:: \frac{\partial p_i}{\partial z_j} = p_i (\delta_{ij} - p_j),

    that is :math:`p_i (1 - p_i)` on the diagonal and :math:`-p_i p_j` off it.
    The matrix is symmetric, positive semi-definite and its rows sum to zero
    (adding a constant to every logit changes nothing).

    Parameters
    ----------
    x : array-like of shape (..., n_classes)
        Logits, classes along the last axis.

    Returns
    -------
    jacobian : ndarray of shape (..., n_classes, n_classes)
        ``jacobian[..., i, j]`` is the derivative of ``p_i`` with respect to
        ``z_j``.

    See Also
    --------
    softmax : The function being differentiated.

    Examples
    --------
    >>> from skl_softmax import softmax_jacobian
    >>> softmax_jacobian([0.0, 0.0])
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    x, backend = _float_array(x)
    if x.ndim == 0:
        # One class: p = 1 whatever x, so the derivative is 0.
        return _as_0d(softmax_jacobian(_vector_of_one(x, backend))[0, ...], backend)
    log_p = log_softmax(x, axis=-1)
    xp = backend.xp
    p = xp.exp(log_p)
    jacobian = -p[..., :, None] * p[..., None, :]
    # The diagonal as p (1 - p) with 1 - p = -expm1(log p), not p - p²: for a
    # confident class (p near 1) p - p² cancels to 0 or below, and the matrix
    # would lose its zero row sums and its semi-definiteness.
    diagonal = p * (0.0 - xp.expm1(log_p))  # (0.0 -: no -0.0 where p is 1)
    if not backend.is_numpy:
        eye = xp.eye(p.shape[-1], dtype=p.dtype, device=backend.device)
        return jacobian * (1 - eye) + eye * diagonal[..., None, :]
    np.einsum("...ii->...i", jacobian)[...] = diagonal
    return jacobian


def _in_namespace(array, backend, name, dtype=None):
    """``array`` in ``backend``'s namespace: labels and weights follow the logits.

    Array-likes that belong to no namespace (lists, pandas objects, NumPy
    arrays) are read by NumPy, as they are beside NumPy logits, and their
    dtype is checked there: the namespaces' own errors for text name nothing.
    """
    if not backend.is_numpy and is_foreign_array(array):
        # Targets and weights are values, not nodes of an autograd graph:
        # torch.asarray warns about tensors that require grad.
        detach = getattr(array, "detach", None)
        return to_backend(array if detach is None else detach(), backend, dtype=dtype)
    try:
        host = np.asarray(array, dtype=dtype)
    except (TypeError, ValueError, RuntimeError) as error:
        if is_foreign_array(array):
            raise TypeError(_not_on_host(name, array, error)) from None
        if "inhomogeneous" not in str(error):
            raise
        raise TypeError(  # ragged lists, as _as_float_array says of them
            f"{name} must be an array. Got {type(array).__name__} that NumPy "
            f"cannot read as one: {error}"
        ) from None
    if backend.is_numpy:
        return host
    if host.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must be an array of real numbers. Got an array of dtype "
            f"{host.dtype} instead."
        )
    return to_backend(host, backend, dtype=dtype)


def _not_on_host(name, array, error):
    """The message for an array of another namespace that NumPy cannot read."""
    return (
        f"{name} ({type(array).__module__}.{type(array).__name__}) cannot be read "
        f"by NumPy beside NumPy arguments: {error} Pass the arguments in one "
        "namespace and on one device."
    )


def _check_weights(sample_weight, n_samples, backend=NUMPY):
    if sample_weight is None:
        return None
    xp = backend.xp
    try:
        sample_weight = _in_namespace(
            sample_weight, backend, "sample_weight", np.float64
        )
    except (TypeError, ValueError) as error:
        if is_foreign_array(sample_weight) or str(error).startswith("sample_weight"):
            raise  # already says what is wrong
        raise TypeError(
            "sample_weight must be an array of real numbers. Got values that "
            f"NumPy cannot read as numbers: {error}"
        ) from None
    if not _same_shape(sample_weight.shape, (n_samples,)):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},). Got shape "
            f"{sample_weight.shape} instead."
        )
    if not bool(xp.all(xp.isfinite(sample_weight))) or bool(xp.any(sample_weight < 0)):
        host = np.asarray(on_host(sample_weight))
        bad = host[~(np.isfinite(host) & (host >= 0))]
        raise ValueError(
            "sample_weight must be finite and non-negative. Got "
            f"{float(bad[0])!r} among its {n_samples} values instead."
        )
    if not bool(xp.any(sample_weight > 0)):
        raise ValueError("sample_weight must have a positive sum. Got 0 instead.")
    return sample_weight


def _weighted_mean(values, sample_weight, backend=NUMPY):
    """Mean over samples in float64, the loss convention of the estimators."""
    # Weights scaled by their maximum, then normalised to sum to 1: neither
    # their sum (weights of 1e308) nor Σ w_i v_i (two losses of 1e308) can
    # overflow when the mean is representable.
    if not backend.is_numpy:
        xp = backend.xp
        values = xp.astype(values, xp.float64)  # 1-D: one loss per sample
        # No weights are equal weights: xp.mean would sum the losses first.
        if sample_weight is None:
            sample_weight = xp.ones_like(values)
        # A sample of weight 0 drops out by a mask of the same shape, not by
        # indexing: Dask would index the losses and the weights each by
        # chunks of their own, and lose the number of samples.
        kept = xp.where(sample_weight > 0, values, xp.zeros_like(values))
        sample_weight = sample_weight / xp.max(sample_weight)
        sample_weight = sample_weight / _sum(sample_weight, 0, backend)
        total = _sum(sample_weight * kept, 0, backend)
        return _as_float(total) + 0.0  # + 0.0: no -0.0 loss
    with np.errstate(over="ignore"):  # long double losses past float64's range
        values = np.asarray(values, dtype=np.float64)
    if sample_weight is None:
        values = values.ravel()
        sample_weight = np.ones(values.shape[0])
    # A sample of weight 0 contributes nothing, even where its loss is
    # infinite (np.average would compute 0 · inf = nan).
    keep = sample_weight > 0
    values, sample_weight = values[keep], sample_weight[keep]
    sample_weight = sample_weight / sample_weight.max()
    # + 0.0: a perfect prediction's loss is 0.0, not the -0.0 of -log 1.
    return float(np.dot(sample_weight / sample_weight.sum(), values)) + 0.0


def _check_samples(n_samples, logits, function):
    """The mean losses are undefined over no samples, as ``log_loss`` says."""
    if n_samples == 0:
        raise ValueError(
            f"{function} needs at least one sample. Got logits of shape "
            f"{tuple(logits.shape)} instead."
        )


def cross_entropy(y_true, logits, sample_weight=None):
    r"""Mean cross-entropy of the softmax of ``logits`` against ``y_true``.

    .. math:: \frac{1}{S} \sum_i s_i \Big[\log \sum_k e^{z_{ik}}
              - \sum_k y_{ik} z_{ik}\Big], \qquad S = \sum_i s_i

    which is the negative log-likelihood :math:`-\sum_k y_{ik} \log p_{ik}`
    computed without ever forming :math:`\log p`. Its gradient with respect to
    the logits of sample :math:`i` is :math:`s_i (p_i - y_i) / S`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_classes)
        Either integer class indices in ``[0, n_classes)`` (hard labels), or
        probability rows (soft labels: non-negative, each summing to 1).
    logits : array-like of shape (n_samples, n_classes)
        Unnormalised scores. A 1-D array is one sample.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights; ``None`` means equal weights.

    Returns
    -------
    loss : float
        The weighted mean, accumulated in float64.

    See Also
    --------
    entropy : ``cross_entropy(p, z) == entropy(p) + kl_divergence(p, softmax(z))``.
    binary_cross_entropy : The sigmoid counterpart.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_softmax import cross_entropy, softmax
    >>> logits = np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> round(cross_entropy([0, 2], logits), 6)
    0.669079

    It is the mean negative log-probability of the true classes, and one-hot
    soft labels give the same value:

    >>> p = softmax(logits)
    >>> round(float(-np.mean(np.log([p[0, 0], p[1, 2]]))), 6)
    0.669079
    >>> round(cross_entropy(np.eye(3)[[0, 2]], logits), 6)
    0.669079
    """
    logits, backend = _float_array(logits, "logits")
    xp = backend.xp
    if logits.ndim == 0:  # one sample of one class, as softmax(3.0) is
        logits = _vector_of_one(logits, backend)
    if logits.ndim > 2:
        raise ValueError(
            "logits must have shape (n_samples, n_classes), or (n_classes,) for "
            f"one sample. Got shape {tuple(logits.shape)} instead."
        )
    single_sample = logits.ndim == 1
    if single_sample:
        logits = xp.reshape(logits, (1, -1))
    n_samples, n_classes = logits.shape[0], logits.shape[-1]
    _check_samples(n_samples, logits, "cross_entropy")
    y_true = _in_namespace(y_true, backend, "y_true")
    if single_sample:
        shape = tuple(y_true.shape)
        if shape in ((n_classes,), (1, n_classes)):  # a probability row
            y_true = xp.reshape(y_true, (1, n_classes))
        elif shape in ((), (1,)):  # a label
            y_true = xp.reshape(y_true, (1,))
        else:
            raise ValueError(
                f"y_true must have shape () or (1,) (a label) or ({n_classes},) "
                "(probabilities) for the logits of one sample. Got shape "
                f"{shape} instead."
            )
    log_proba = log_softmax(logits, axis=-1)

    if y_true.ndim == logits.ndim - 1:
        if not _same_shape(y_true.shape, logits.shape[:-1]):
            raise ValueError(
                f"y_true must have shape {logits.shape[:-1]} for integer labels. "
                f"Got shape {y_true.shape} instead."
            )
        integral = xp.isdtype(y_true.dtype, ("integral", "bool"))
        if not integral and not (
            xp.isdtype(y_true.dtype, "real floating")
            and bool(xp.all(xp.remainder(y_true, 1) == 0))
        ):
            raise ValueError(
                "y_true of one dimension fewer than logits must hold integer class "
                f"indices. Got values of dtype {y_true.dtype} instead."
            )
        if xp.isdtype(y_true.dtype, "bool"):  # the Array API has no min of bools
            y_true = xp.astype(y_true, xp.int64)
        # The range is checked before the cast, which would wrap 1e20 around.
        low, high = xp.min(y_true), xp.max(y_true)
        low, high = (
            (int(low), int(high)) if integral else (_as_float(low), _as_float(high))
        )
        if low < 0 or high >= n_classes:
            raise ValueError(
                f"y_true must hold class indices in [0, {n_classes}). Got values "
                f"from {low!r} to {high!r} instead."
            )
        labels = xp.astype(y_true, np.intp if backend.is_numpy else xp.int64)
        if hasattr(xp, "take_along_axis"):
            picked = xp.take_along_axis(log_proba, labels[..., None], axis=-1)
        else:  # Dask's namespace: the label's column picked by a mask
            classes = xp.arange(n_classes, dtype=labels.dtype)
            mask = labels[..., None] == classes
            picked = xp.where(mask, log_proba, xp.zeros_like(log_proba))
            picked = xp.sum(picked, axis=-1, keepdims=True)
        per_sample = -picked[..., 0]
    elif _same_shape(y_true.shape, logits.shape):
        eps = floating_eps(y_true, backend)  # of float16 rows, before the cast
        y_true, _ = _float_array(y_true, "y_true")
        _check_probability_rows(y_true, "y_true", backend, eps)
        # 0 · log p is 0 even where p underflows to 0 (log p = -inf).
        # A sum beyond the largest float is +inf, the correctly rounded loss.
        weighted = _quietly(
            backend, _masked_product, y_true, log_proba, invalid="ignore"
        )
        per_sample = -_sum(weighted, -1, backend)
    else:
        raise ValueError(
            f"y_true must have shape {logits.shape[:-1]} (labels) or {logits.shape} "
            f"(probabilities). Got shape {y_true.shape} instead."
        )
    sample_weight = _check_weights(sample_weight, n_samples, backend)
    return _weighted_mean(per_sample, sample_weight, backend)


# Probability rows must sum to 1 within row_sum_tolerance(n_classes, eps), in
# cross_entropy and in fit: loose enough for rows computed in float32 (or in
# the rows' own coarser dtype), tight enough to catch counts and percentages.
ROW_SUM_TOLERANCE = 1e-6


def row_sum_tolerance(n_classes, eps=None):
    """How far from 1 a row of ``n_classes`` probabilities may sum.

    ``1e-6``, or ``n_classes`` float32 epsilons where that is more: the sum a
    float32 softmax normalises by drifts with the number of classes (rows of
    ``torch.softmax`` over 1 000 classes sum to 1 ± 1.1e-6). ``eps``, the
    epsilon of the rows' own dtype, replaces float32's where it is coarser:
    float16 rows (a half-precision teacher's probabilities) are rounded to
    1 ± 4.9e-4 before any sum.
    """
    eps = max(float(np.finfo(np.float32).eps), eps or 0.0)
    return max(ROW_SUM_TOLERANCE, n_classes * eps)


def floating_eps(y, backend=NUMPY):
    """The epsilon of ``y``'s real floating dtype; ``None`` for other dtypes."""
    xp = backend.xp
    if xp.isdtype(y.dtype, "real floating"):
        return float(xp.finfo(y.dtype).eps)
    return None


def describe_row_sum(row_sum, n_classes, eps=None):
    """``"a row summing to 1.0000015 (1 + 1.5e-06, beyond the tolerance 1e-06)"``."""
    deviation = float(row_sum) - 1.0
    sign = "+" if deviation >= 0 else "−"
    return (
        f"a row summing to {float(row_sum)!r} (1 {sign} {abs(deviation):.3g}, "
        f"beyond the tolerance {row_sum_tolerance(n_classes, eps):.3g})"
    )


def _float64_probability_rows(y, name):
    """``y`` read by NumPy as float64 rows, checked as probabilities within
    the tolerance of the dtype they came in (``neg_cross_entropy`` and the CV
    scorer take soft targets so; fit checks them in their own namespace)."""
    y = np.asarray(y)
    eps = floating_eps(y)
    y = y.astype(np.float64, copy=False)
    _check_probability_rows(y, name, eps=eps)
    return y


def _check_probability_rows(y, name, backend=NUMPY, eps=None):
    """Raise unless the rows of ``y`` are probabilities summing to 1.

    ``eps``: the epsilon of the dtype the rows came in, where ``y`` is already
    a cast of them (by default ``y``'s own).
    """
    xp = backend.xp
    if not bool(xp.all(xp.isfinite(y))) or bool(xp.any(y < 0)):
        raise ValueError(f"{name} must hold finite, non-negative probabilities.")
    row_sums = xp.sum(y, axis=-1, dtype=xp.float64)
    deviation = xp.reshape(xp.abs(row_sums - 1.0), (-1,))
    n_classes = y.shape[-1]
    if eps is None:
        eps = floating_eps(y, backend)
    if not bool(xp.all(deviation <= row_sum_tolerance(n_classes, eps))):
        worst = _as_float(xp.reshape(row_sums, (-1,))[int(xp.argmax(deviation))])
        raise ValueError(
            f"{name} rows must sum to 1. Got "
            f"{describe_row_sum(worst, n_classes, eps)} instead."
        )


def binary_cross_entropy(y_true, logits, sample_weight=None):
    r"""Mean binary cross-entropy of ``sigmoid(logits)`` against ``y_true``.

    .. math:: \frac{1}{S} \sum_i s_i \sum_l \big[\log(1 + e^{z_{il}})
              - y_{il} z_{il}\big]

    computed as ``-(y log σ(z) + (1 - y) log σ(-z))`` with the stable
    :func:`log_sigmoid`. For a 2-D input every column is one binary problem and
    the per-sample losses are summed over columns (the objective of
    :class:`~skl_softmax.OneVsRestLogistic` without its penalty).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels)
        Targets in [0, 1]: 0/1 labels or probabilities.
    logits : array-like of the same shape as ``y_true``
        Log-odds.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights; ``None`` means equal weights.

    Returns
    -------
    loss : float
        The weighted mean over samples, accumulated in float64.

    See Also
    --------
    cross_entropy : The softmax counterpart.

    Examples
    --------
    >>> from skl_softmax import binary_cross_entropy
    >>> round(binary_cross_entropy([1, 0], [0.0, 0.0]), 6)
    0.693147
    """
    logits, backend = _float_array(logits, "logits")
    xp = backend.xp
    y_true, _ = _float_array(_in_namespace(y_true, backend, "y_true"), "y_true")
    if not _same_shape(y_true.shape, logits.shape):
        raise ValueError(
            f"y_true must have the shape of logits {logits.shape}. Got shape "
            f"{y_true.shape} instead."
        )
    if not bool(xp.all((y_true >= 0) & (y_true <= 1))):
        raise ValueError("y_true must hold values in [0, 1].")
    # 0 · log σ(z) is 0 even where log σ(z) is -inf (z = ±inf); 1 - y > 0
    # exactly where y < 1.
    per_entry = -(
        _quietly(
            backend, _masked_product, y_true, log_sigmoid(logits), invalid="ignore"
        )
        + _quietly(
            backend,
            _masked_product,
            1 - y_true,
            log_sigmoid(-logits),
            invalid="ignore",
        )
    )
    per_sample = per_entry if per_entry.ndim else xp.reshape(per_entry, (1,))
    _check_samples(per_sample.shape[0], logits, "binary_cross_entropy")
    if per_sample.ndim > 2:  # (not 2: Dask reshapes no rows of unknown count)
        per_sample = xp.reshape(per_sample, (per_sample.shape[0], -1))
    if per_sample.ndim > 1:
        # A sum beyond the largest float is +inf, the correctly rounded loss.
        per_sample = _sum(per_sample, 1, backend)
    sample_weight = _check_weights(sample_weight, per_sample.shape[0], backend)
    return _weighted_mean(per_sample, sample_weight, backend)


def _log_base(base):
    """``ln(base)`` as a Python float, which every namespace divides by."""
    if base is None:
        return 1.0
    if isinstance(base, (bool, np.bool_)) or not isinstance(
        base, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"base must be a real number or None. Got {base!r} instead.")
    if not base > 0 or base == 1 or not math.isfinite(base):
        raise ValueError(
            f"base must be positive, finite and not 1. Got {base!r} instead."
        )
    return math.log(base)


def entropy(p, base=None, axis=-1):
    r"""Shannon entropy ``-Σ p log p`` of probability vectors along ``axis``.

    With ``0 log 0 = 0``. In nats by default; ``base=2`` gives bits, which is
    the value in nats divided by ``ln 2``.

    Parameters
    ----------
    p : array-like
        Probabilities (not renormalised).
    base : float, default=None
        Logarithm base; ``None`` means the natural logarithm.
    axis : int, default=-1
        The axis holding the outcomes.

    Returns
    -------
    entropy : ndarray or float
        One value per probability vector.

    See Also
    --------
    kl_divergence : The extra cost of coding ``p`` with ``q``.
    scipy.stats.entropy : The same, with renormalisation.

    Examples
    --------
    >>> from skl_softmax import entropy
    >>> float(entropy([0.5, 0.5], base=2))
    1.0
    """
    p, backend = _float_array(p, "p")
    log_base = _log_base(base)
    # SciPy's entr has no long double loop: long double takes the generic code.
    if backend.is_numpy and p.dtype != np.longdouble:
        with np.errstate(over="ignore"):  # a sum past the largest float: -inf
            return np.sum(special.entr(p), axis=axis) / log_base
    xp = backend.xp
    if p.ndim == 0:
        p = _vector_of_one(p, backend)
    # scipy.special.entr: −p log p for p > 0, 0 at 0, −inf below, NaN for NaN;
    # −inf where −p log p overflows, silently (array-api-strict computes
    # with NumPy).
    zeros = xp.zeros_like(p)
    safe = xp.where(p > 0, p, xp.ones_like(p))  # 1 elsewhere: −1 log 1 = 0
    terms = _quietly(backend, _minus_x_log_x, safe, over="ignore")
    below = xp.where(p < 0, zeros - xp.inf, p)  # p itself where p is NaN
    entr = xp.where(p > 0, terms, xp.where(p == 0, zeros, below))
    return _sum(entr, axis, backend) / log_base


def _check_broadcast(p, q):
    """Name ``p`` and ``q`` when their shapes cannot broadcast together.

    A length that is not known yet (``None``, or NaN in a lazy Dask array) is
    left to the computation.
    """
    # Trailing axes pair up; the longer shape's leading axes broadcast freely.
    for a, b in zip(reversed(p.shape), reversed(q.shape), strict=False):
        known = all(isinstance(n, numbers.Integral) for n in (a, b))
        if known and a != b and 1 not in (a, b):
            raise ValueError(
                f"p and q must have shapes that broadcast together. Got shapes "
                f"{tuple(p.shape)} and {tuple(q.shape)} instead."
            )


def kl_divergence(p, q, base=None, axis=-1):
    r"""Kullback-Leibler divergence ``KL(p ‖ q) = Σ p log(p / q)`` along ``axis``.

    Non-negative, zero exactly when ``p == q``, infinite where ``q`` puts no
    mass on an outcome that ``p`` allows; and the identity the classifiers rest
    on, ``H(p, q) = H(p) + KL(p ‖ q)``: minimising cross-entropy against fixed
    targets minimises the divergence.

    Parameters
    ----------
    p, q : array-like
        Probabilities (not renormalised), broadcastable together.
    base : float, default=None
        Logarithm base; ``None`` means the natural logarithm.
    axis : int, default=-1
        The axis holding the outcomes.

    Returns
    -------
    divergence : ndarray or float
        One value per pair of vectors.

    See Also
    --------
    entropy : ``H(p)``.
    cross_entropy : ``H(p, softmax(z))``.

    Examples
    --------
    >>> from skl_softmax import kl_divergence
    >>> round(float(kl_divergence([0.5, 0.5], [0.9, 0.1])), 6)
    0.510826
    """
    p, backend = _float_array(p, "p")
    log_base = _log_base(base)
    if backend.is_numpy:
        q = _as_float_array(q, "q")
    else:
        q, _ = _float_array(_in_namespace(q, backend, "q"), "q")
    _check_broadcast(p, q)
    # SciPy's rel_entr has no long double loop.
    if backend.is_numpy and np.longdouble not in (p.dtype, q.dtype):
        with np.errstate(over="ignore"):  # a sum past the largest float: inf
            return np.sum(special.rel_entr(p, q), axis=axis) / log_base
    xp = backend.xp
    if p.ndim == 0 and q.ndim == 0:
        p, q = _vector_of_one(p, backend), _vector_of_one(q, backend)
    # scipy.special.rel_entr: p log(p / q) for p, q > 0, 0 for p = 0 ≤ q,
    # NaN where either is NaN, +inf otherwise.
    # Broadcast by adding zeros: Dask's broadcast_arrays refuses lengths it
    # does not know yet (rows selected by a mask), arithmetic does not.
    p, q = p + xp.zeros_like(q), q + xp.zeros_like(p)
    both = (p > 0) & (q > 0)
    ones, zeros = xp.ones_like(p), xp.zeros_like(p)
    p_safe, q_safe = xp.where(both, p, ones), xp.where(both, q, ones)
    terms = _quietly(  # 1 · log 1 = 0 outside ``both``
        backend,
        _relative_entropy_terms,
        p_safe,
        q_safe,
        over="ignore",
        under="ignore",
    )
    otherwise = xp.where(xp.isnan(p) | xp.isnan(q), zeros + xp.nan, zeros + xp.inf)
    rel = xp.where(both, terms, xp.where((p == 0) & (q >= 0), zeros, otherwise))
    return _sum(rel, axis, backend) / log_base
