"""What both estimators share: validation, conditioning, prediction and the solve."""

import contextlib
import functools
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._array_api import NUMPY, backend_of, is_foreign_array, on_host, to_backend
from ._callbacks import FitCallbacks
from ._compat import (
    CallbackSupportMixin,
    Interval,
    StrOptions,
    check_same_namespace,
    get_namespace,
)
from ._loss import prediction_logits, prefers_row_major
from ._solver import (
    chain_results,
    minimize_lbfgs,
    naming_unchecked_data,
    warn_if_not_converged,
)
from ._special import _check_probability_rows, _float64_probability_rows

# A column is "badly scaled" when its spread is outside [1/10, 10] or, with an
# intercept, its mean is more than 3 spreads from zero: past these points the
# condition number the solver sees grows by an order of magnitude or more.
_SCALE_RANGE = 10.0
_MEAN_TO_SPREAD = 3.0
# Below this gradient size float32 products stop paying: the objective they
# compute is only accurate to about 1e-9 relative (measured on 200 000 × 200
# standard-normal data), and the line search needs decreases larger than that
# noise. Past this point a fit of float32 data continues in float64.
_FLOAT32_TOL = 1e-5


def is_dask_collection(obj):
    """Whether ``obj`` is a Dask array, dataframe or series, without importing Dask.

    The module name of the type is checked first, so that NumPy, SciPy and
    pandas inputs never import Dask; only an object whose type comes from
    Dask is asked by Dask itself.
    """
    if not type(obj).__module__.startswith("dask"):
        return False
    import dask

    return dask.is_dask_collection(obj)


def chunkwise(method):
    """Run a prediction method chunk by chunk when ``X`` is a Dask collection.

    The result is then a lazy Dask array with the row chunks of ``X``; NumPy
    and sparse input go straight to ``method``.
    """

    @functools.wraps(method)
    def wrapper(self, X):
        if is_dask_collection(X):
            from ._dask import predict_chunkwise

            return predict_chunkwise(self, method.__name__, X)
        return method(self, X)

    return wrapper


# The largest penalty curvature 1/(C S) the arithmetic is given. A C so small
# (1e-320, or weights of 1e-315) that 1/(C S) overflows float64 makes W = 0 to
# every digit, as LogisticRegression returns; it is raised to where the
# curvature is this bound, at which W is still below 1e-280 times the gradient.
_MAX_PENALTY_CURVATURE = 1e280


def bounded_C(C, total_weight):
    """``C``, or the smallest C whose penalty curvature ``1/(C S)`` stays finite.

    Parameters
    ----------
    C : float
        Inverse penalty strength, ``inf`` for none.
    total_weight : float
        ``S``, the sum of the sample weights the loss normalises by.

    Returns
    -------
    C : float
        A Python float: a NumPy ``float32`` C (a grid of ``np.float32``) would
        make the penalty's arithmetic float32.
    """
    C = float(C)
    if C * total_weight * _MAX_PENALTY_CURVATURE >= 1.0:
        return C
    return 1.0 / (_MAX_PENALTY_CURVATURE * total_weight)


def float32_products_overflow(X):
    """Whether float32 products ``Rᵀ X`` over ``X`` might overflow.

    Residuals are at most 1 in size, so ``|Rᵀ X|`` is below
    ``n_samples · max |x|``: past a quarter of float32's largest value (float32
    data near 1e37) the fit runs its products in float64 instead, one block at
    a time, as the float64 finish of a float32 fit does.
    """
    backend = backend_of(X)
    if backend.dtype_name(X.dtype) != "float32":
        return False
    data = X.data if sparse.issparse(X) else X
    if data.shape[0] == 0 or (data.ndim == 2 and data.shape[1] == 0):
        return False
    xp = backend.xp
    # Two numbers come to the host.
    largest = max(float(xp.max(data)), -float(xp.min(data)))
    return largest * X.shape[0] >= float(np.finfo(np.float32).max) / 4


def label_repr(label):
    """``repr`` of a label as users wrote it: 0 or 'a', never np.int64(0), tensor(0)."""
    if isinstance(label, np.generic):
        label = label.item()
    elif not isinstance(label, (str, bytes, int, float)) and (
        tuple(getattr(label, "shape", (None,))) == ()
    ):  # a 0-d array of another namespace
        label = np.asarray(backend_of(label).to_host(label)).item()
    return repr(label)


def encode_labels(y):
    """``classes, codes`` of 1-D NumPy labels, checked as classifiers check them.

    ``check_classification_targets`` costs about 0.2 ms whatever the labels
    (``type_of_target``; 5 % of a fit on breast_cancer). On integer or boolean
    labels it can only find "binary" or "multiclass", both accepted, and warn
    when the classes are more than half the samples: it runs only then, to
    give its own warning. Other labels are checked first, as before, so that
    their errors come before NumPy's sort.
    """
    if y.dtype.kind not in "biu":
        check_classification_targets(y)
        return np.unique(y, return_inverse=True)
    classes, codes = np.unique(y, return_inverse=True)
    n_samples, n_classes = y.shape[0], classes.shape[0]
    if n_classes > 2 and n_samples > 20 and n_classes > round(0.5 * n_samples):
        check_classification_targets(y)
    return classes, codes


def check_sample_weight(sample_weight, n_samples, backend=NUMPY):
    """Validated float64 sample weights of shape (n_samples,), a new array.

    Parameters
    ----------
    sample_weight : float, array-like of shape (n_samples,) or None
        ``None`` means unit weights, a scalar the same weight for every sample.
    n_samples : int
        Expected length.
    backend : Backend, default=NUMPY
        Where the weights go: they follow ``X``'s namespace and device.

    Returns
    -------
    sample_weight : array of shape (n_samples,)
    """
    if not backend.is_numpy:
        return _check_sample_weight_in(sample_weight, n_samples, backend)
    if sample_weight is None:
        return np.ones(n_samples)
    if isinstance(sample_weight, Real) and not isinstance(sample_weight, bool):
        sample_weight = np.full(n_samples, float(sample_weight))
    try:
        with warnings.catch_warnings():
            # NumPy would keep the real part of complex weights, with a warning.
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            sample_weight = np.array(sample_weight, dtype=np.float64)
    except np.exceptions.ComplexWarning:
        raise ValueError(
            "Complex data not supported: sample_weight must be real. Got complex "
            "weights instead."
        ) from None
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"sample_weight must be numeric. Got {type(sample_weight).__name__} "
            f"that cannot be converted to float ({error})."
        ) from None
    if sample_weight.ndim != 1 or sample_weight.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight must have shape ({n_samples},), one weight per sample. "
            f"Got shape {sample_weight.shape} instead."
        )
    if not np.all(np.isfinite(sample_weight)):
        raise ValueError("sample_weight must be finite. Got NaN or infinity instead.")
    if np.any(sample_weight < 0):
        raise ValueError(
            "sample_weight must be non-negative. Got a minimum of "
            f"{sample_weight.min():g} instead."
        )
    if not sample_weight.sum() > 0:
        raise ValueError(
            "sample_weight must have a positive sum. Got all weights equal to zero "
            "instead."
        )
    return sample_weight


def _check_sample_weight_in(sample_weight, n_samples, backend):
    """:func:`check_sample_weight` on another namespace: the same rules, on device."""
    xp = backend.xp
    f64 = backend.dtype(np.float64)
    if sample_weight is None:
        return xp.ones(n_samples, dtype=f64, device=backend.device)
    if isinstance(sample_weight, Real) and not isinstance(sample_weight, bool):
        return xp.full(
            n_samples, float(sample_weight), dtype=f64, device=backend.device
        )
    source = backend_of(sample_weight)
    if source.is_numpy:
        # Host weights (a list, a NumPy array) get the NumPy checks, then move.
        return backend.asarray(check_sample_weight(sample_weight, n_samples))
    if source.xp.isdtype(sample_weight.dtype, "complex floating"):
        raise ValueError(
            "Complex data not supported: sample_weight must be real. Got weights "
            f"of dtype {sample_weight.dtype} instead."
        )
    sample_weight = to_backend(sample_weight, backend, dtype=np.float64)
    if sample_weight.ndim != 1 or sample_weight.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight must have shape ({n_samples},), one weight per sample. "
            f"Got shape {tuple(sample_weight.shape)} instead."
        )
    if not bool(xp.all(xp.isfinite(sample_weight))):
        raise ValueError("sample_weight must be finite. Got NaN or infinity instead.")
    if bool(xp.any(sample_weight < 0)):
        raise ValueError(
            "sample_weight must be non-negative. Got a minimum of "
            f"{float(xp.min(sample_weight)):g} instead."
        )
    if not float(xp.sum(sample_weight)) > 0:
        raise ValueError(
            "sample_weight must have a positive sum. Got all weights equal to zero "
            "instead."
        )
    return xp.asarray(sample_weight, copy=True)


def keeps_the_model_on_error(fit):
    """Decorate ``fit`` so that a call that raises leaves the estimator as it was.

    ``fit`` resets ``n_features_in_`` and ``classes_`` before it checks the
    weights, and a fit can fail midway (a callback, an interrupt): without
    this, a refused refit left a model that predicted with the old ``coef_``
    under the new ``classes_``, or failed. The attributes are put back as
    they were, fitted or not (docs/bad_input.rst).
    """

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        state = dict(self.__dict__)
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(state)
            raise

    return wrapper


def check_class_weight_values(class_weight):
    """A ``class_weight`` dict's values are numbers (NumPy would have met
    ``None`` or a list deep inside, or converted a string)."""
    for key, value in class_weight.items():
        if not isinstance(value, Real):
            raise TypeError(
                "class_weight must map each class to a number. Got "
                f"{value!r} for class {label_repr(key)} instead."
            )


def check_class_weight_keys(class_weight, classes):
    """A ``class_weight`` dict's keys are labels of ``classes``, unless it weighs
    every class (then other keys are ignored, as scikit-learn's
    ``compute_class_weight`` does: a weight for a class absent from a
    training fold is no error)."""
    check_class_weight_values(class_weight)
    known = set(classes.tolist())
    unknown = [key for key in class_weight if key not in known]
    if unknown and not known <= set(class_weight):
        raise ValueError(
            "class_weight must have keys among the labels in classes_ "
            f"{classes.tolist()}, or weigh every one of them. Got "
            f"{label_repr(unknown[0])} instead."
        )


def class_sample_weight(class_weight, classes, y, sample_weight, backend=NUMPY):
    """Per-sample weight factors implied by ``class_weight`` for integer labels ``y``.

    Uses :func:`sklearn.utils.class_weight.compute_class_weight`, as
    ``LogisticRegression`` does, so that "balanced" means the same here. On
    another namespace the per-class weights (``n_classes`` numbers) are
    computed on the host from the class totals and taken per sample on the
    device.
    """
    if not backend.is_numpy:
        return _class_sample_weight_in(class_weight, classes, y, sample_weight, backend)
    if class_weight is None:
        return np.ones(y.shape[0])
    classes = on_host(classes)  # classes_ lives where the training y lives
    if class_weight == "balanced":
        class_totals = np.bincount(y, weights=sample_weight, minlength=len(classes))
        if np.any(class_totals <= 0):
            empty = classes[np.argmin(class_totals)]
            raise ValueError(
                "class_weight='balanced' needs a positive total sample_weight in "
                f"every class. Got none for class {label_repr(empty)}."
            )
    weights = _compute_class_weight(class_weight, classes, classes[y], sample_weight)
    return weights[y]


def class_totals(labels, sample_weight, n_classes, backend):
    """Total sample weight of each class (integer ``labels``), on the host."""
    xp = backend.xp
    classes = xp.arange(n_classes, dtype=labels.dtype, device=backend.device)
    # (n_classes, n_samples) indicators: once per fit, no bincount in the standard.
    one_hot = xp.astype(classes[:, None] == labels[None, :], sample_weight.dtype)
    return backend.to_host(one_hot @ sample_weight)


def _class_sample_weight_in(class_weight, classes, labels, sample_weight, backend):
    xp = backend.xp
    if class_weight is None:
        return xp.ones_like(sample_weight)
    host_classes = backend_of(classes).to_host(classes)
    if class_weight == "balanced":
        totals = class_totals(labels, sample_weight, host_classes.shape[0], backend)
        if np.any(totals <= 0):
            empty = host_classes[np.argmin(totals)]
            raise ValueError(
                "class_weight='balanced' needs a positive total sample_weight in "
                f"every class. Got none for class {label_repr(empty)}."
            )
        # compute_class_weight's "balanced" with sample weights: S / (K S_k).
        weights = totals.sum() / (host_classes.shape[0] * totals)
    else:
        weights = _compute_class_weight(class_weight, host_classes, host_classes, None)
    return xp.take(backend.asarray(weights, dtype=np.float64), labels, axis=0)


def _compute_class_weight(class_weight, classes, y, sample_weight):
    if isinstance(class_weight, dict):
        check_class_weight_values(class_weight)
    try:
        weights = compute_class_weight(
            class_weight, classes=classes, y=y, sample_weight=sample_weight
        )
    except TypeError:  # scikit-learn < 1.7 counts without sample weights
        weights = compute_class_weight(class_weight, classes=classes, y=y)
    # compute_class_weight passes the values of a dict through unchecked: a
    # negative weight makes the objective unbounded below, an infinite one NaN.
    weights = np.asarray(weights, dtype=np.float64)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(
            "class_weight must map every class to a finite, non-negative weight. "
            f"Got class_weight={class_weight!r} instead."
        )
    return weights


_STATISTICS_BLOCK_BYTES = 2**18
# The conditioning needs the columns' scales to a few percent, not exactly: on
# large data they are estimated from this many evenly spaced rows, which keeps
# the pass from costing as much as an evaluation (5 % of a 24-iteration fit on
# 200 000 × 200 float32 data). The optimum does not depend on it.
_STATISTICS_ROWS = 2**14
# Relative to a column's mean, the largest error of the statistics' sums over
# that many rows: spreads below it are rounding.
_ROUNDING_SPREAD = _STATISTICS_ROWS * np.finfo(np.float64).eps


def column_statistics(X, sample_weight, backend=NUMPY):
    """Weighted column means and standard deviations, in float64, in blocks.

    On another namespace they are computed there and only the two vectors
    of ``n_features`` numbers come back to the host.
    """
    if not backend.is_numpy:
        return _column_statistics_in(X, sample_weight, backend)
    step = -(-X.shape[0] // _STATISTICS_ROWS)
    if step > 1 and sample_weight[::step].sum() > 0:
        X, sample_weight = X[::step], sample_weight[::step]
    # Weights normalised to sum to 1 first: huge weights times the squares of
    # large features (1e12 · (1e149)²) would overflow where the result does not.
    # The squares are of the columns divided by their largest magnitude, so
    # that finite features beyond 1e154 (whose squares overflow) have a spread.
    sample_weight = sample_weight / sample_weight.sum()
    if sparse.issparse(X):
        # In float64: squares of float32 entries overflow beyond 1.8e19.
        X = X.astype(np.float64, copy=False)
        if not X.has_canonical_format:
            # abs() sorts the indices and sums the duplicates of the matrix it
            # is called on, in place: never the caller's (nor a read-only) one.
            X = X.copy()
            X.sum_duplicates()
        X = X.tocsr()
        mean = np.asarray(X.T @ sample_weight).ravel()
        size = _column_sizes(abs(X).max(axis=0).toarray().ravel())
        # Centred as the dense pass centres, over the stored entries, plus the
        # mean's square for the weight of the rows that store nothing in the
        # column (none where every row stores one). The mean of the squares
        # minus the squared mean cancelled: a constant column of 1.7 had a
        # spread of 1.5e-7.
        columns = X.indices
        row_weight = np.repeat(sample_weight, np.diff(X.indptr))
        centred = (X.data - mean[columns]) / size[columns]
        n_features = X.shape[1]
        var = np.bincount(columns, row_weight * centred**2, minlength=n_features)
        stored = np.bincount(columns, row_weight, minlength=n_features)
        every_row = np.bincount(columns, minlength=n_features) == X.shape[0]
        unstored = np.where(every_row, 0.0, np.maximum(1.0 - stored, 0.0))
        # (Not in place: without stored entries the bincount is of integers.)
        var = var + unstored * (mean / size) ** 2
        return mean, size * np.sqrt(var)
    n_samples, n_features = X.shape
    # Small blocks: the centred copy is the only temporary, and this pass runs
    # once per fit, so its per-block overhead does not matter.
    rows = max(1, _STATISTICS_BLOCK_BYTES // (n_features * X.dtype.itemsize))
    mean = np.zeros(n_features)
    largest = np.zeros(n_features)
    for start in range(0, n_samples, rows):
        block = X[start : start + rows]
        mean += sample_weight[start : start + rows] @ block
        np.maximum(largest, np.abs(block).max(axis=0), out=largest)
    # |x - mean| ≤ 2 max|x|: the centred, divided columns stay within ±2.
    size = _column_sizes(largest)
    var = np.zeros(n_features)
    for start in range(0, n_samples, rows):
        centred = X[start : start + rows] - mean
        centred /= size
        centred *= centred
        var += sample_weight[start : start + rows] @ centred
    return mean, size * np.sqrt(var)


def _column_sizes(largest):
    """Each column's largest magnitude, 1 for zero columns: what divides it."""
    return np.where(largest > 0, largest, 1.0)


def _column_statistics_in(X, sample_weight, backend):
    xp = backend.xp
    f64 = backend.dtype(np.float64)
    step = -(-X.shape[0] // _STATISTICS_ROWS)
    if step > 1 and float(xp.sum(sample_weight[::step])) > 0:
        X, sample_weight = X[::step, ...], sample_weight[::step]
    sample_weight = sample_weight / xp.sum(sample_weight)
    # The same two passes as on NumPy, in float64 (squares of float32 entries
    # overflow beyond 1.8e19), over the whole subsample: no cache to stay in.
    X = xp.astype(X, f64)
    mean = sample_weight @ X
    largest = xp.max(xp.abs(X), axis=0)
    size = xp.where(largest > 0, largest, xp.ones_like(largest))
    centred = (X - mean) / size
    var = sample_weight @ (centred * centred)
    return backend.to_host(mean), backend.to_host(size) * np.sqrt(backend.to_host(var))


class Conditioning:
    """The solver's change of variables, chosen from the column statistics.

    On badly scaled data the solver works on centred (with an intercept) and
    rescaled columns, which leaves the objective and its optimum unchanged
    (see :mod:`skl_softmax._loss`).  The scale of column ``j`` is
    ``sqrt(spread_j² + 1/(C S))``: the square root of that coordinate's
    curvature, data plus penalty, so that after rescaling every coordinate has
    a curvature of order one, including constant and tiny columns under a
    penalty.  Data that is not badly scaled is left as it is (offset and scale
    ``None``), so standardised data sees exactly the iterations of a plain fit.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,)
    fit_intercept : bool
    C : float
        The penalty's ``C`` as the loss uses it.
    backend : Backend, default=NUMPY
        Namespace and device of ``X``; the statistics are computed there.
    """

    def __init__(self, X, sample_weight, fit_intercept, C, backend=NUMPY):
        mean, std = column_statistics(X, sample_weight, backend)
        total_weight = float(backend.xp.sum(sample_weight))
        self._choose(mean, std, total_weight, fit_intercept, C)

    @classmethod
    def from_statistics(cls, mean, std, weight_sum, fit_intercept, C):
        """The same choice from column statistics computed elsewhere (on Dask)."""
        conditioning = cls.__new__(cls)
        conditioning._choose(mean, std, weight_sum, fit_intercept, C)
        return conditioning

    def _choose(self, mean, std, weight_sum, fit_intercept, C):
        # A spread within the rounding of the statistics' sums (of at most
        # _STATISTICS_ROWS rows) is a constant column's: 0. A column of 0.1
        # came out at 7e-17, and dividing by that blew its rounding up into a
        # feature (with C=inf a fit stopped 0.04 from the optimum's
        # probabilities).
        std = np.where(std <= _ROUNDING_SPREAD * np.abs(mean), 0.0, std)
        # hypot: spreads beyond 1e154 have squares that overflow.
        spread = std if fit_intercept else np.hypot(std, mean)
        varying = spread > 0
        self.spread_range = (
            (float(spread[varying].min()), float(spread[varying].max()))
            if varying.any()
            else (0.0, 0.0)
        )
        outside = (spread[varying] > _SCALE_RANGE) | (
            spread[varying] < 1 / _SCALE_RANGE
        )
        # Constant non-zero columns count too (spread 0, any mean is "far"):
        # with an intercept such a column c duplicates it at scale c, and a
        # column of 1e6 left as it is stalls L-BFGS-B far from the optimum.
        off_centre = fit_intercept and bool(
            np.any(np.abs(mean) > _MEAN_TO_SPREAD * spread)
        )
        self.badly_scaled = bool(outside.any() or off_centre)
        self.offset = None
        self.scale = None
        if self.badly_scaled:
            penalty_curvature = (
                0.0 if np.isinf(C) else (1.0 / bounded_C(C, weight_sum)) / weight_sum
            )
            scale = np.hypot(spread, np.sqrt(penalty_curvature))
            self.scale = np.where(scale > 0, scale, 1.0)
            self.offset = mean if fit_intercept else None

    def hint(self):
        """A sentence for the ConvergenceWarning when the data is badly scaled."""
        if not self.badly_scaled:
            return ""
        return (
            "The features are badly scaled (spreads from "
            f"{self.spread_range[0]:.3g} to {self.spread_range[1]:.3g}, or means far "
            "from zero); standardise them with StandardScaler in a Pipeline."
        )


def _is_soft(estimator, y):
    """Whether ``y`` holds probability rows for a model with exclusive classes."""
    if (
        sparse.issparse(y)
        or y.ndim != 2
        or y.shape[1] != estimator.classes_.shape[0]
        or getattr(estimator, "multilabel_", False)
    ):
        return False
    # The dtypes fit takes as soft targets: one-hot rows of integers or
    # booleans (pd.get_dummies) too.
    backend = backend_of(y)
    if backend.is_numpy:
        return y.dtype.kind in "biuf"
    return backend.xp.isdtype(y.dtype, ("bool", "integral", "real floating"))


def neg_cross_entropy(estimator, X, y, sample_weight=None):
    """Scorer: minus the mean cross-entropy of ``predict_proba(X)`` against ``y``.

    Pass it as ``scoring=`` to ``cross_val_score`` or ``GridSearchCV`` to
    cross-validate models fitted on soft targets: it scores the predicted
    probabilities against probability rows (or class labels), higher is
    better, and its maximum 0 needs one-hot targets predicted with certainty.

    Parameters
    ----------
    estimator : SoftmaxRegression or OneVsRestLogistic
        A fitted model with exclusive classes.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The samples.
    y : array-like of shape (n_samples,) or (n_samples, n_classes)
        Class labels (entries of ``classes_``) or probability rows.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights; ``None`` means one per sample.

    Returns
    -------
    score : float
        ``-(1/S) Σ_i s_i Σ_k y_ik log p_ik``.

    See Also
    --------
    cross_entropy : The loss itself, from logits.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import cross_val_score
    >>> from skl_softmax import SoftmaxRegression, neg_cross_entropy
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]] * 5)
    >>> Y = np.array([[0.9, 0.1], [0.7, 0.3], [0.3, 0.7], [0.1, 0.9]] * 5)
    >>> scores = cross_val_score(SoftmaxRegression(), X, Y, scoring=neg_cross_entropy)
    >>> bool(np.all(scores < 0))
    True
    """
    from ._special import cross_entropy

    check_is_fitted(estimator)
    if getattr(estimator, "multilabel_", False):
        # Independent labels have no distribution over classes to score.
        raise ValueError(
            f"neg_cross_entropy needs a model of exclusive classes. Got a "
            f"{type(estimator).__name__} fitted on multi-label targets instead; "
            "score each label on its own (its binary log-loss)."
        )
    # One number: scored on the host, whatever the namespace and device.
    log_proba = on_host(estimator.predict_log_proba(X))
    refuse_missing_labels(y)
    y = check_array(on_host(y), ensure_2d=False, dtype=None, input_name="y")
    classes = on_host(estimator.classes_)
    if y.ndim == 1:
        unseen = ~np.isin(y, classes)
        if unseen.any():
            # As log_loss(labels=classes_): a label the model does not know
            # has no probability to score.
            names = ", ".join(label_repr(label) for label in np.unique(y[unseen])[:5])
            raise ValueError(
                f"y contains labels that {type(estimator).__name__} was not fitted "
                f"on: {names}. Its classes are "
                f"{', '.join(label_repr(label) for label in classes)}."
            )
        y = np.searchsorted(classes, y)
    else:
        # Rows are checked as fit checks soft targets, then renormalised as
        # fit renormalises the rows it accepts.
        y = _float64_probability_rows(y, "y")
        y = y / y.sum(axis=1, keepdims=True)
    if sample_weight is not None:
        sample_weight = check_sample_weight(on_host(sample_weight), log_proba.shape[0])
    return -float(cross_entropy(y, log_proba, sample_weight=sample_weight))


def refuse_missing_labels(y):
    """``Input y contains NaN.`` for pandas ``y`` with missing values.

    scikit-learn's check meets ``pd.NA`` of a ``"string"`` column as
    ``TypeError: boolean value of NA is ambiguous``; nullable numbers and
    object columns get its own message, which this one repeats.
    """
    isna = getattr(y, "isna", None)
    if is_dask_collection(y) or not callable(isna):  # (Dask: checked lazily)
        return
    if bool(np.asarray(isna()).any()):
        raise ValueError("Input y contains NaN.")


@contextlib.contextmanager
def naming_ragged_rows(**arrays):
    """Re-raise NumPy's "inhomogeneous shape" error naming the ragged argument.

    A list of rows of different lengths (``y=[[0, 1], [1]]``, the label lists
    that ``OneVsRestClassifier`` refuses by name) reaches NumPy inside
    scikit-learn's validation, whose message names neither the argument nor
    the row. The rows are looked at only when that error was raised.
    """
    try:
        yield
    except ValueError as error:
        if "inhomogeneous" not in str(error):
            raise
        for name, rows in arrays.items():
            if not isinstance(rows, (list, tuple)):
                continue
            lengths = [
                len(row) if hasattr(row, "__len__") and not isinstance(row, str) else -1
                for row in rows
            ]
            odd = next((i for i, n in enumerate(lengths) if n != lengths[0]), None)
            if odd is None:
                continue
            has = [
                f"length {lengths[i]}" if lengths[i] >= 0 else "one value"
                for i in (0, odd)
            ]
            message = (
                f"{name} has rows of different lengths (row 0 has {has[0]}, "
                f"row {odd} has {has[1]}): it must be "
                f"{'1-D or ' if name == 'y' else ''}a rectangular 2-D array."
            )
            if name == "y":
                message += (
                    " Lists of labels per sample are the legacy multi-label "
                    "format: sklearn.preprocessing.MultiLabelBinarizer turns them "
                    "into the indicator matrix that OneVsRestLogistic fits."
                )
            raise ValueError(message) from None
        raise


def linear_logits(X, coef, intercept, backend=NUMPY):
    """``coef Xᵀ + intercept[:, None]``, shape (n_outputs, n_samples), of
    validated ``X``: a new C-contiguous array in ``X``'s namespace.

    The product is :func:`~skl_softmax._loss.prediction_logits`'s (no BLAS
    pool woken on dense NumPy data). On another namespace the parameters go
    to ``X``'s device, and data and parameters meet in the wider dtype, as
    NumPy promotes float32 data against a float64 fit (torch's matmul refuses
    mixed dtypes).
    """
    if backend.is_numpy:
        row_major = prefers_row_major(X.dtype, *coef.shape)
    else:
        coef, intercept = to_backend(coef, backend), to_backend(intercept, backend)
        row_major = False
        xp = backend.xp
        dtype = xp.result_type(X.dtype, coef.dtype)
        if X.dtype != dtype:
            X = xp.astype(X, dtype)
        if coef.dtype != dtype:
            coef, intercept = xp.astype(coef, dtype), xp.astype(intercept, dtype)
    scores = prediction_logits(X, coef, row_major, backend)
    scores += intercept[:, None]
    return scores


def decision_scores(scores_by_output):
    """``decision_function``'s scores from logits of shape (n_outputs, n_samples):
    (n_samples, n_outputs), C-contiguous on NumPy, or 1-D for one output."""
    scores = scores_by_output.T
    if scores.shape[1] == 1:
        return scores[:, 0]
    return np.ascontiguousarray(scores) if isinstance(scores, np.ndarray) else scores


def sample_margins(scores, labels, backend=NUMPY):
    """Each sample's margin under ``scores`` of shape (n_outputs, n_samples).

    Several outputs (classes): the score of the sample's class ``labels[i]``
    minus the largest other. One output (a binary problem, ``labels`` 0/1):
    the logit, negated for the samples of label 0. A positive margin is a
    sample on its side of every decision boundary; ``C=inf`` fits warn when
    every sample of positive weight has one (the loss then has no minimum).
    """
    xp = backend.xp
    if scores.shape[0] == 1:
        return xp.where(labels == 1, scores[0, :], -scores[0, :])
    true_scores = xp.take_along_axis(scores, labels[None, :], axis=0)[0, :]
    # The largest other score, a class at a time: temporaries of n_samples
    # entries, not of n_outputs × n_samples (thousands of classes).
    minus_inf = xp.full_like(true_scores, -xp.inf)
    best_other = minus_inf
    for k in range(scores.shape[0]):
        best_other = xp.maximum(
            best_other, xp.where(labels == k, minus_inf, scores[k, :])
        )
    return true_scores - best_other


def _float_dtypes(X):
    """The accepted dtypes in the namespace scikit-learn will leave ``X`` in.

    Complex arrays of other namespaces are refused here: scikit-learn's
    ``check_array`` catches complex data only in NumPy arrays, and would let
    ``astype`` drop a tensor's imaginary part.
    """
    if not isinstance(X, np.ndarray) and is_foreign_array(X):
        # X's own namespace: with dispatch off, get_namespace says NumPy.
        if backend_of(X).xp.isdtype(X.dtype, "complex floating"):
            raise ValueError(f"Complex data not supported\nGot X of dtype {X.dtype}.")
    xp, _ = get_namespace(X)
    return [xp.float64, xp.float32]


class LinearClassifierBase(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    """Validation, prediction and solving shared by the two estimators."""

    _parameter_constraints = {
        "C": [Interval(Real, 0, None, closed="right")],
        "fit_intercept": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    # -- fitting helpers ----------------------------------------------------------

    def _validate_X_y(self, X, y):
        """Validate ``X`` (float32/64, dense or CSR) and ``y`` (1-D or 2-D)."""
        refuse_missing_labels(y)
        if getattr(X, "requires_grad", False) is True:
            # A PyTorch tensor in an autograd graph: the fit reads its values
            # (column statistics, on the host), which torch refuses deep down.
            raise ValueError(
                "X is a tensor that requires grad; a fit reads its values only. "
                "Pass X.detach() instead."
            )
        with naming_ragged_rows(X=X, y=y):
            return validate_data(
                self,
                X,
                y,
                accept_sparse="csr",
                dtype=_float_dtypes(X),
                multi_output=True,
                y_numeric=False,
            )

    @naming_unchecked_data()
    def _solve(self, objective, x0, callbacks, conditioning):
        """Run L-BFGS-B on ``objective`` and report iterations to the callbacks.

        Float32 data are solved in two phases: float32 products while their
        precision suffices, then a float64 finish from that point when ``tol``
        asks for more or the float32 phase stalls (see ``_FLOAT32_TOL``).
        """

        if float32_products_overflow(objective.X):
            objective = objective.in_dtype(np.float64)

        def attributes(params):
            W, b = objective.to_model(*objective.unpack(params))
            return self._fitted_attributes(W, b)

        on_iteration = None
        if callbacks.wanted:
            callbacks.begin_iteration(attributes(x0))

            def on_iteration(x):
                callbacks.end_iteration(attributes(x))

        measure, first_tol = self._solver_settings(objective)
        result = minimize_lbfgs(
            objective,
            x0,
            tol=first_tol,
            max_iter=self.max_iter,
            verbose=self.verbose,
            on_iteration=on_iteration,
            gradient_measure=measure,
        )
        if self._needs_float64_finish(objective, result, first_tol):
            finish = minimize_lbfgs(
                objective.in_dtype(np.float64),
                result.x,
                tol=self.tol,
                max_iter=self.max_iter - result.n_iter,
                verbose=self.verbose,
                on_iteration=on_iteration,
                gradient_measure=measure,
                iterations_before=result.n_iter,
            )
            result = chain_results(result, finish)
        self._warn_unless_converged(result, conditioning)
        return result

    def _warn_unless_converged(self, result, conditioning):
        """:func:`warn_if_not_converged` for one fit with this estimator's settings."""
        warn_if_not_converged(
            result,
            type(self).__name__,
            max_iter=self.max_iter,
            tol=self.tol,
            hint=conditioning.hint(),
        )

    def _solver_settings(self, objective):
        """The gradient measure ``tol`` bounds, and the first phase's ``tol``.

        ``tol`` bounds the gradient with respect to ``coef_`` and
        ``intercept_``, as in LogisticRegression, also when the solver works in
        other coordinates. Float32 products stop at ``_FLOAT32_TOL`` at most.
        """
        measure = objective.model_gradient_max if objective.changes_variables else None
        single_precision = objective.single_precision
        first_tol = max(self.tol, _FLOAT32_TOL) if single_precision else self.tol
        return measure, first_tol

    def _needs_float64_finish(self, objective, result, first_tol):
        """Whether a float32 phase's ``result`` must be finished in float64.

        When ``tol`` asks for more than float32 gives, and when the phase
        stopped with a gradient above its ``tol``: L-BFGS-B's relative
        reduction test fires where float32 logits round, which a column of
        large values (a constant of 1e6) reaches far from the optimum.
        """
        return (
            objective.single_precision
            and (result.grad_max > first_tol or self.tol < first_tol)
            and result.n_iter < self.max_iter
        )

    def _fitted_attributes(self, W, b):
        """``coef_`` and ``intercept_`` from model parameters, in the data dtype.

        On another namespace they go to the data's device, as
        ``LogisticRegression`` leaves them.
        """
        dtype = self._fit_dtype
        backend = getattr(self, "_fit_backend", NUMPY)
        if not backend.is_numpy:
            b = np.reshape(backend_of(b).to_host(b), -1)
            return {
                "coef_": backend.asarray(backend_of(W).to_host(W), dtype=dtype),
                "intercept_": backend.asarray(b, dtype=dtype),
            }
        return {
            "coef_": np.array(W, dtype=dtype),
            "intercept_": np.array(b, dtype=dtype).reshape(-1),
        }

    def _start_fit(self, X):
        """The backend of the validated ``X``: the one call that picks the namespace."""
        self._fit_dtype = X.dtype
        self._fit_backend = backend_of(X)
        return self._fit_backend

    def _start_callbacks(self, X, y, sample_weight, max_subtasks):
        return FitCallbacks(self, X, y, sample_weight, max_subtasks)

    # -- prediction ---------------------------------------------------------------

    @chunkwise
    def decision_function(self, X):
        """Compute the scores ``X Wᵀ + b``: the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            One column per class (or label); a 1-D array of log-odds when the
            model has a single logit (binary problems).
        """
        self._check_namespace(X, "decision_function")
        return decision_scores(self._scores_by_output(X))

    def _check_namespace(self, X, method):
        """As ``LogisticRegression``: ``X`` must be where the fit's ``coef_`` is.

        scikit-learn checks only with ``array_api_dispatch`` on; a model
        fitted on device arrays and called with it off (or unpickled where it
        is off) would mix namespaces, and is told what to do instead.
        """
        check_is_fitted(self)
        if (
            not isinstance(self.coef_, np.ndarray)
            and not get_config()["array_api_dispatch"]
        ):
            backend = backend_of(self.coef_)
            raise ValueError(
                f"This {type(self).__name__} was fitted on "
                f"{backend.xp.__name__.rsplit('.', 1)[-1]} arrays with "
                f"array_api_dispatch=True, which is off now. Call {method} inside "
                "sklearn.config_context(array_api_dispatch=True) with arrays of "
                "that namespace, or move the model to NumPy first: 'from "
                "sklearn.utils._array_api import move_estimator_to; estimator = "
                'move_estimator_to(estimator, numpy, "cpu")\'.'
            )
        check_same_namespace(X, self, attribute="coef_", method=method)

    def _scores_by_output(self, X):
        """Scores laid out as (n_outputs, n_samples), a new C-contiguous array.

        Reductions over the outputs (the softmax over classes) then run along
        contiguous rows: on 10⁶ × 200 data with 10 classes this makes
        ``predict_proba`` about 1.5× faster than the (n_samples, n_outputs)
        layout. Callers have checked that the model is fitted (one-row
        predictions pay about 10 µs for each check).
        """
        with naming_ragged_rows(X=X):
            X = validate_data(
                self, X, accept_sparse="csr", dtype=_float_dtypes(X), reset=False
            )
        return linear_logits(X, self.coef_, self.intercept_, backend_of(X))

    @chunkwise
    def predict(self, X):
        """Predict class labels for the samples in ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The class with the largest score.
        """
        self._check_namespace(X, "predict")
        scores = self.decision_function(X)
        backend = backend_of(scores)
        if backend.is_numpy and backend_of(self.classes_).is_numpy:
            if scores.ndim == 1:
                return self.classes_[(scores > 0).astype(np.intp)]
            return self.classes_[np.argmax(scores, axis=1)]
        return predicted_classes(self.classes_, scores, backend)

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of ``predict(X)`` against ``y``, weighted by ``sample_weight``.

        For soft targets (probability rows ``y`` of a model that is not
        multi-label), the accuracy against each row's most probable class;
        cross-validate soft-target models with
        ``scoring=skl_softmax.neg_cross_entropy`` to score the probabilities
        themselves.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True labels, an indicator matrix for multi-label targets, or
            probability rows (soft targets).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights with a positive sum; ``None`` means one per sample.

        Returns
        -------
        score : float
            The accuracy (for multi-label targets, the subset accuracy).
        """
        if any(map(is_dask_collection, (X, y, sample_weight))):
            from ._dask import score

            return score(self, X, y, sample_weight)
        # ClassifierMixin.score hands y and sample_weight to accuracy_score,
        # which accepts negative weights silently and warns about NaN labels
        # before rejecting them: check both as fit does.
        check_is_fitted(self)
        refuse_missing_labels(y)
        with naming_ragged_rows(y=y):
            y = check_array(
                y, accept_sparse="csr", ensure_2d=False, dtype=None, input_name="y"
            )
        if sample_weight is not None:
            sample_weight = check_sample_weight(
                sample_weight, y.shape[0], backend_of(y)
            )
        backend = backend_of(y)
        if _is_soft(self, y):
            # The rows fit would accept (accuracy_score would score any
            # matrix against its arg-maxes).
            _check_probability_rows(y, "y", backend)
            y = predicted_classes(self.classes_, y, backend)
        elif (
            getattr(self, "multilabel_", False)
            and not backend.is_numpy
            and backend.xp.isdtype(y.dtype, "bool")
        ):
            # predict gives integer indicators whatever the dtype of y at fit;
            # accuracy_score subtracts them from y, which torch and
            # array-api-strict refuse for booleans (NumPy does not).
            y = backend.xp.astype(y, backend.xp.int64)
        return super().score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = True
        return tags


def predicted_classes(classes, scores, backend):
    """``classes`` at the largest score, as ``LogisticRegression.predict``.

    ``classes_`` lives in the namespace of the training ``y``; the indices go
    there, and the labels come back to ``X``'s namespace unless they are
    strings (NumPy only).
    """
    xp = backend.xp
    if scores.ndim == 1:
        indices = xp.astype(scores > 0, xp.int64)
    else:
        indices = xp.argmax(scores, axis=1)
    classes_backend = backend_of(classes)
    if classes_backend.is_numpy:
        labels = classes[backend.to_host(indices)]
        return labels if labels.dtype.kind in "OUSV" else backend.asarray(labels)
    indices = to_backend(indices, classes_backend)
    labels = classes_backend.xp.take(classes, indices, axis=0)
    return to_backend(labels, backend)
