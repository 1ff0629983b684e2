"""Multinomial logistic (softmax) regression."""

import time
from numbers import Real

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._array_api import NUMPY, backend_of, to_backend
from ._base import (
    Conditioning,
    LinearClassifierBase,
    _compute_class_weight,
    bounded_C,
    check_sample_weight,
    chunkwise,
    class_sample_weight,
    encode_labels,
    is_dask_collection,
    keeps_the_model_on_error,
    label_repr,
    linear_logits,
    sample_margins,
)
from ._compat import Interval, _fit_context
from ._loss import BinomialLoss, MultinomialLoss
from ._solver import print_fit_summary, warn
from ._special import (
    _softmax_in_place,
    describe_row_sum,
    floating_eps,
    log_sigmoid,
    log_softmax,
    row_sum_tolerance,
    sigmoid,
    softmax,
)


class SoftmaxRegression(LinearClassifierBase):
    r"""Multinomial logistic regression: a softmax over linear scores.

    The model scores every class with ``z = W x + b`` and predicts the
    probabilities ``softmax(z)``. It is fitted by minimising the mean
    cross-entropy (negative log-likelihood) plus an L2 penalty on ``W`` with
    SciPy's L-BFGS-B, using the analytically derived gradient
    ``(P − Y)ᵀ X / S + W / (C S)``.

    Read more in the :ref:`user guide <user_guide>` and the derivation in
    :ref:`the mathematics <mathematics>`.

    Parameters
    ----------
    C : float, default=1.0
        Inverse of the L2 penalty strength; smaller values regularise more.
        ``C=np.inf`` fits without penalty. The same ``C`` as
        :class:`~sklearn.linear_model.LogisticRegression` for three or more
        classes; for two classes see the Notes.
    fit_intercept : bool, default=True
        Whether to fit the (unpenalised) intercepts ``b``.
    tol : float, default=1e-4
        Stop when the largest component of the gradient with respect to
        ``coef_`` and ``intercept_`` is at most ``tol``, as in
        ``LogisticRegression``; or, as there, when the objective's relative
        decrease falls below 64 machine epsilons, all that float64 resolves.
        A ``tol`` far below 1e-8 can end there with a larger gradient and no
        warning: on collinear columns of very different scales (``x`` and
        ``1000 x``) the split of their weight is then not exact. On badly
        scaled columns, where the solver changes variables, that stop is
        followed by quasi-Newton steps judged by the gradient alone (see
        :ref:`math-conditioning`).
    max_iter : int, default=100
        Maximum number of L-BFGS-B iterations.
    class_weight : dict or "balanced", default=None
        Weights ``{class_label: weight}`` multiplying the sample weights of each
        class. "balanced" uses ``n_samples / (n_classes * np.bincount(y))``
        (weighted counts when ``sample_weight`` is given), as
        :class:`~sklearn.linear_model.LogisticRegression` does. With soft targets
        a sample's factor is the target-weighted mean of the class weights.
    label_smoothing : float, default=0.0
        ``ε`` in [0, 1]: targets become ``(1 − ε) y + ε / n_classes``, as in
        PyTorch's cross-entropy. Discourages over-confident probabilities.
    warm_start : bool, default=False
        Start from the previous solution of a fit with the same classes.
    verbose : int, default=0
        If positive, print the objective and the largest gradient component
        after every iteration.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels (``arange(n_classes)`` for soft targets).
    coef_ : ndarray of shape (n_classes, n_features) or (1, n_features)
        ``W``; for two classes the single row ``w₁ − w₀``.
    intercept_ : ndarray of shape (n_classes,) or (1,)
        ``b``; for two classes ``b₁ − b₀``.
    n_iter_ : ndarray of shape (1,)
        Number of L-BFGS-B iterations, as in ``LogisticRegression``.
    loss_curve_ : ndarray of shape (n_iter_[0],)
        The objective after each iteration.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    OneVsRestLogistic : Independent sigmoids, for overlapping labels.
    sklearn.linear_model.LogisticRegression : The same model for three or more
        classes, with more solvers and penalties.

    Notes
    -----
    The objective, with sample weights :math:`s_i`, :math:`S = \sum_i s_i`,
    targets :math:`y_{ik}` (one-hot or probabilities) and logits
    :math:`z_i = W x_i + b`:

    .. math::

        L(W, b) = \frac{1}{S} \sum_i s_i \Big[\log \sum_k e^{z_{ik}}
                  - \sum_k y_{ik} z_{ik}\Big] + \frac{\lVert W \rVert^2}{2 C S}

    For three or more classes this is exactly the objective of
    ``LogisticRegression(C=C)`` (lbfgs), so both reach the same optimum.

    **Two classes.** The softmax of two logits is the sigmoid of their
    difference, so the model depends on ``w = w₁ − w₀`` only. The penalty
    ``(‖w₀‖² + ‖w₁‖²) / (2CS)`` is smallest, for a given ``w``, at
    ``w₀ = −w₁ = −w/2``, where it equals ``‖w‖² / (2·(2C)·S)``. The two-class
    softmax is therefore binary logistic regression with ``2C``:
    ``SoftmaxRegression(C=C)`` equals ``LogisticRegression(C=2 * C)``. It is
    fitted in that single-logit form (half the work) and exposes
    ``coef_`` of shape (1, n_features) and a 1-D ``decision_function``.

    On badly scaled data the solver works internally on centred and rescaled
    columns; the objective and its optimum are unchanged (the penalty stays on
    ``W``), only fewer iterations are needed.

    **Callbacks** (scikit-learn 1.9 and later). ``set_callbacks`` takes
    scikit-learn's fit callbacks, such as ``sklearn.callback.ProgressBar`` and
    ``sklearn.callback.ScoringMonitor``, also when the estimator is nested in
    a pipeline or a ``GridSearchCV``. The fit reports the task tree of
    ``LogisticRegression(solver="lbfgs")``: one "fit" task with one
    "lbfgs-iter" subtask per iteration, each carrying the model reached, so a
    monitor records the same values as on ``LogisticRegression``. See the
    user guide.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skl_softmax import SoftmaxRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SoftmaxRegression(tol=1e-10, max_iter=1000).fit(X, y)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    >>> clf.predict_proba(X[:1]).round(3)
    array([[0.982, 0.018, 0.   ]])
    >>> ref = LogisticRegression(tol=1e-10, max_iter=1000).fit(X, y)
    >>> bool(abs(clf.predict_proba(X) - ref.predict_proba(X)).max() < 1e-6)
    True

    A callback scores the model after every iteration of the solver:

    >>> from sklearn.callback import ScoringMonitor
    >>> monitor = ScoringMonitor(scoring="neg_log_loss")
    >>> clf = SoftmaxRegression().set_callbacks(monitor).fit(X, y)
    >>> log = monitor.get_logs().data  # the fit task and one row per iteration
    >>> len(log) == 1 + int(clf.n_iter_[0])
    True
    """

    _parameter_constraints = {
        **LinearClassifierBase._parameter_constraints,
        "label_smoothing": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(
        self,
        C=1.0,
        *,
        fit_intercept=True,
        tol=1e-4,
        max_iter=100,
        class_weight=None,
        label_smoothing=0.0,
        warm_start=False,
        verbose=0,
    ):
        self.C = C
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing
        self.warm_start = warm_start
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    @keeps_the_model_on_error
    def fit(self, X, y, sample_weight=None):
        """Fit the model by minimising the penalised cross-entropy.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 data is kept in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or probability rows (soft targets: non-negative, each
            summing to 1).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; ``None`` means one per sample.

        Returns
        -------
        self : SoftmaxRegression
            The fitted estimator.
        """
        if any(map(is_dask_collection, (X, y, sample_weight))):
            from ._dask import fit

            return fit(self, X, y, sample_weight)
        started = time.perf_counter()
        X, y = self._validate_X_y(X, y)
        backend = self._start_fit(X)
        labels, targets = self._encode_targets(y, backend)
        sample_weight = self._weights(
            labels, targets, sample_weight, X.shape[0], backend
        )
        conditioning = Conditioning(
            X, sample_weight, self.fit_intercept, self._loss_C, backend
        )
        objective = self._objective(
            X, labels, targets, sample_weight, conditioning, backend
        )
        # SciPy runs one iteration even with maxiter=0, and one subtask is opened
        # for the iteration that never runs: as LogisticRegression, max(max_iter,
        # 1) + 1 subtasks (max_iter + 1 raised ValueError with max_iter=0).
        callbacks = self._start_callbacks(
            X, y, sample_weight, max(self.max_iter, 1) + 1
        )
        result = self._solve(
            objective, self._initial_params(objective), callbacks, conditioning
        )
        W, b = objective.to_model(*objective.unpack(result.x))
        for name, value in self._fitted_attributes(W, b).items():
            setattr(self, name, value)
        self.n_iter_ = backend.asarray(np.array([result.n_iter], dtype=np.int32))
        self.loss_curve_ = backend.asarray(np.array(result.loss_curve))
        self._warn_if_separated(X, labels, sample_weight, backend)
        if self.verbose:
            print_fit_summary(type(self).__name__, [result], started)
        callbacks.end_fit()
        return self

    @chunkwise
    def predict_proba(self, X):
        """Class probabilities ``softmax(X Wᵀ + b)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns in the order of ``classes_``.
        """
        self._check_namespace(X, "predict_proba")
        scores = self._scores_by_output(X)
        if not isinstance(scores, np.ndarray):
            xp = backend_of(scores).xp
            if scores.shape[0] == 1:
                return xp.stack(
                    [sigmoid(-scores[0, ...]), sigmoid(scores[0, ...])], axis=1
                )
            return softmax(scores, axis=0).T
        if scores.shape[0] == 1:
            return np.column_stack([sigmoid(-scores[0]), sigmoid(scores[0])])
        return np.ascontiguousarray(_softmax_in_place(scores, axis=0).T)

    @chunkwise
    def predict_log_proba(self, X):
        """Log of the class probabilities, from log-softmax (never ``log(0)``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Finite for finite scores, even where the probability underflows.
        """
        self._check_namespace(X, "predict_log_proba")
        scores = self._scores_by_output(X)
        if not isinstance(scores, np.ndarray):
            xp = backend_of(scores).xp
            if scores.shape[0] == 1:
                z = scores[0, ...]
                return xp.stack([log_sigmoid(-z), log_sigmoid(z)], axis=1)
            return log_softmax(scores, axis=0).T
        if scores.shape[0] == 1:
            return np.column_stack([log_sigmoid(-scores[0]), log_sigmoid(scores[0])])
        return np.ascontiguousarray(log_softmax(scores, axis=0).T)

    # -- fit steps, in the order fit calls them -----------------------------------

    def _encode_targets(self, y, backend=NUMPY):
        """Set ``classes_``; return integer labels or soft targets (the other None).

        ``classes_`` stays in ``y``'s namespace, as ``LogisticRegression``
        leaves it; the labels and soft targets go to ``X``'s (``backend``).
        """
        if sparse.issparse(y):
            y = y.toarray()
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not (backend.is_numpy and backend_of(y).is_numpy):
            return self._encode_targets_in(y, backend)
        if y.ndim == 1:
            self.classes_, labels = encode_labels(y)
            if self.classes_.shape[0] < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in "
                    "the data, but the data contains only one class: "
                    f"{label_repr(self.classes_[0])}."
                )
            return labels.astype(np.intp), None
        return None, self._soft_targets(y)

    def _encode_targets_in(self, y, backend):
        """:meth:`_encode_targets` when ``X`` or ``y`` is of another namespace."""
        y_backend = backend_of(y)
        if y.ndim == 1:
            check_classification_targets(y)
            if y_backend.is_numpy:
                self.classes_, labels = np.unique(y, return_inverse=True)
            else:
                self.classes_, labels = y_backend.xp.unique_inverse(y)
            if self.classes_.shape[0] < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in "
                    "the data, but the data contains only one class: "
                    f"{label_repr(self.classes_[0])}."
                )
            return to_backend(labels, backend, dtype=np.int64), None
        return None, self._soft_targets(y, backend)

    def _soft_targets(self, y, backend=NUMPY):
        """``y`` checked as probability rows and renormalised, in ``backend``.

        Sets ``classes_`` to ``arange(n_classes)`` in ``y``'s namespace.
        """
        y_backend = backend_of(y)
        y = to_backend(y, backend)
        xp = backend.xp
        numeric = (
            y.dtype.kind in "biuf"
            if backend.is_numpy
            else xp.isdtype(y.dtype, ("bool", "integral", "real floating"))
        )
        if not numeric:
            raise ValueError(
                "y of two dimensions must hold class probabilities (soft targets); "
                f"{type(self).__name__} does not support multi-output targets. Got "
                f"dtype {y.dtype} instead."
            )
        eps = floating_eps(y, backend)
        Y = xp.astype(y, backend.dtype(np.float64), copy=False)
        if Y.shape[1] < 2:
            raise ValueError(
                f"Soft targets y need at least 2 columns. Got {Y.shape[1]} instead."
            )
        row_sums = xp.sum(Y, axis=1)
        bad_rows = xp.abs(row_sums - 1) > row_sum_tolerance(Y.shape[1], eps)
        if bool(xp.all((Y == 0) | (Y == 1))) and bool(xp.any(bad_rows)):
            raise ValueError(
                "y looks like a multi-label indicator matrix (0/1 rows not summing "
                "to 1): the classes are not mutually exclusive, which a softmax "
                "assumes. Use skl_softmax.OneVsRestLogistic for multi-label targets."
            )
        if bool(xp.any(Y < 0)):
            raise ValueError(
                "Soft targets y must be non-negative probabilities. Got a minimum of "
                f"{float(xp.min(Y)):g} instead."
            )
        if bool(xp.any(bad_rows)):
            raise ValueError(
                "Soft targets y must have rows summing to 1. Got "
                f"{describe_row_sum(float(row_sums[bad_rows][0]), Y.shape[1], eps)} "
                "instead."
            )
        self.classes_ = y_backend.xp.arange(Y.shape[1], device=y_backend.device)
        # Rows off by up to the tolerance would make the objective unbounded
        # along "add t to every intercept" (its slope is Σ s_i (1 − Σ_k y_ik)):
        # renormalised, every accepted row sums to 1 to rounding.
        return Y / row_sums[:, None]

    def _weights(self, labels, targets, sample_weight, n_samples, backend=NUMPY):
        """Sample weights times class weights, validated."""
        sample_weight = check_sample_weight(sample_weight, n_samples, backend)
        if labels is not None:
            factor = class_sample_weight(
                self.class_weight, self.classes_, labels, sample_weight, backend
            )
        else:
            class_weights = self._soft_class_weights(targets, sample_weight)
            factor = targets @ to_backend(class_weights, backend, dtype=np.float64)
        sample_weight = sample_weight * factor
        if not float(backend.xp.sum(sample_weight)) > 0:
            raise ValueError(
                "class_weight and sample_weight together must leave a positive "
                f"total weight. Got 0 with class_weight={self.class_weight!r}."
            )
        return sample_weight

    def _soft_class_weights(self, Y, sample_weight):
        # The weighted count of class k is the target mass it receives.
        backend = backend_of(Y)
        mass = None
        if self.class_weight == "balanced":
            mass = backend.to_host(sample_weight @ Y)
        return self._class_weights_from_mass(mass, float(backend.xp.sum(sample_weight)))

    def _class_weights_from_mass(self, mass, total):
        """Soft targets' class weights from the masses ``s @ Y`` and ``Σ s``.

        ``mass`` is only read for ``class_weight="balanced"``.
        """
        if self.class_weight is None:
            return np.ones(self.classes_.shape[0])
        if self.class_weight == "balanced":
            if np.any(mass <= 0):
                raise ValueError(
                    "class_weight='balanced' needs every class to receive some "
                    "target probability. Got a class with none."
                )
            return total / (mass.shape[0] * mass)
        classes = backend_of(self.classes_).to_host(self.classes_)
        return _compute_class_weight(self.class_weight, classes, classes, None)

    @property
    def _loss_C(self):
        """The ``C`` of the fitted objective: doubled in the single-logit form."""
        C = float(self.C)  # a NumPy float32 C would make it float32
        return 2.0 * C if self.classes_.shape[0] == 2 else C

    def _objective(
        self, X, labels, targets, sample_weight, conditioning, backend=NUMPY
    ):
        n_classes = self.classes_.shape[0]
        eps = self.label_smoothing
        # Σ s_i ℓ_i / S + ‖W‖² / (2 C S) is unchanged when s is divided by its
        # largest value m and C multiplied by m: weights of at most one keep the
        # float32 products s_i (p_i − y_i) x_i from overflowing (weights 1e12).
        #
        # sample_weight of shape (n_samples, n_problems) (NumPy) makes one
        # problem per column, sharing X and the targets (the folds of
        # SoftmaxRegressionCV); C is bounded by the smallest total weight.
        largest = float(backend.xp.max(sample_weight))
        sample_weight = sample_weight / largest
        totals = backend.xp.sum(sample_weight, axis=0)
        smallest = float(totals) if sample_weight.ndim == 1 else float(totals.min())
        C = bounded_C(self._loss_C * largest, smallest)
        if n_classes == 2:
            if labels is not None:
                positive = backend.xp.astype(labels, backend.dtype(np.float64))
            else:
                positive = targets[:, 1]
            positive = (1.0 - eps) * positive + eps / 2
            if sample_weight.ndim == 2:
                positive = np.repeat(positive[:, None], sample_weight.shape[1], axis=1)
            else:
                positive = positive[:, None]
            return BinomialLoss(
                X,
                positive,
                sample_weight,
                C,
                self.fit_intercept,
                x_offset=conditioning.offset,
                x_scale=conditioning.scale,
                backend=backend,
            )
        if targets is not None and eps:
            targets = (1.0 - eps) * targets + eps / n_classes
        return MultinomialLoss(
            X,
            labels if labels is not None else targets,
            sample_weight,
            C,
            n_classes,
            self.fit_intercept,
            label_smoothing=eps if labels is not None else 0.0,
            x_offset=conditioning.offset,
            x_scale=conditioning.scale,
            backend=backend,
        )

    def _warn_if_separated(self, X, labels, sample_weight, backend=NUMPY):
        """ConvergenceWarning when C=inf and the fit separates the training data.

        If ``W, b`` classify every sample of positive weight correctly with a
        positive margin, ``t W, t b`` lowers the cross-entropy towards 0 as
        ``t`` grows: without a penalty there is no minimum, and the solver only
        stopped because the gradient became small. The same holds when one
        class alone is separated from the others (see
        :func:`class_separation_bounds`).
        """
        if not np.isinf(self.C) or labels is None or self.label_smoothing:
            return
        # X is validated already (decision_function would re-check its names).
        scores = linear_logits(X, self.coef_, self.intercept_, backend)
        margins = sample_margins(scores, labels, backend)
        if bool(backend.xp.all(margins[sample_weight > 0] > 0)):
            warn(
                f"{type(self).__name__}: the classes are perfectly separated in the "
                "training data and C=inf, so the unpenalised cross-entropy has no "
                "minimum: the coefficients grow without bound as tol decreases or "
                "max_iter increases. Use a finite C.",
                ConvergenceWarning,
            )
        elif scores.shape[0] > 1:
            low, high = class_separation_bounds(
                scores.T, labels, sample_weight > 0, backend
            )
            self._warn_if_classes_separated(backend.to_host(low), backend.to_host(high))

    def _warn_if_classes_separated(self, low, high):
        """The warning for the classes that :func:`class_separation_bounds`
        found separated from the others (when not all are)."""
        separated = np.any((low > 0) & (high < 0) & np.isfinite(low), axis=0)
        if not separated.any():
            return
        classes = backend_of(self.classes_).to_host(self.classes_)
        names = ", ".join(label_repr(c) for c in classes[separated][:3])
        more = int(separated.sum()) - 3
        names += f" and {more} more" if more > 0 else ""
        warn(
            f"{type(self).__name__}: class {names} is perfectly separated from the "
            "other classes in the training data and C=inf, so the unpenalised "
            "cross-entropy has no minimum: that class's coefficients grow "
            "without bound as tol decreases or max_iter increases. Use a finite C.",
            ConvergenceWarning,
        )

    def _initial_params(self, objective):
        """Zeros, as LogisticRegression starts, or the previous fit's solution."""
        if not (self.warm_start and hasattr(self, "coef_")):
            return np.zeros(objective.n_params)
        check_is_fitted(self)
        expected = (objective.n_outputs, objective.n_features)
        if self.coef_.shape != expected:
            raise ValueError(
                f"warm_start needs the previous coef_ to have shape {expected}. "
                f"Got shape {self.coef_.shape} instead; fit with warm_start=False."
            )
        # The previous solution comes to the host: n_classes × n_features numbers.
        coef = backend_of(self.coef_).to_host(self.coef_)
        intercept = (
            backend_of(self.intercept_).to_host(self.intercept_)
            if self.fit_intercept
            else np.zeros(expected[0])
        )
        return objective.pack(*objective.to_solver(coef, intercept))


# Classes up to this many are also tested against each rival class alone
# (n_samples × n_classes² comparisons).
_PAIRWISE_SEPARATION_MAX_CLASSES = 8
# Entries (rows × classes) of the blocks the bounds are taken over.
_SEPARATION_BLOCK_ENTRIES = 2**18


def class_separation_bounds(scores, labels, weighted, backend=NUMPY):
    """Whether linear functions of the scores separate each class from the rest.

    A class ``k`` is separated from the others when some linear ``h`` of the
    features is positive on its rows and negative on all others (of positive
    weight): then adding ``t h`` to its scores lowers every sample's loss as
    ``t`` grows, and without a penalty the cross-entropy has no minimum. The
    candidates tried are linear in the fitted scores ``z``: ``z_k`` minus the
    mean of the other scores, and (up to
    ``_PAIRWISE_SEPARATION_MAX_CLASSES`` classes) ``z_k - z_j`` for each
    other class ``j``; finding one proves the separation, while missing one
    proves nothing.

    Returns ``(low, high)`` of shape (n_candidates, n_classes): the least
    ``h`` over class ``k``'s rows (``+inf`` without rows) and the largest over
    the other rows (or ``+inf`` where the candidate already fails on the
    class's own rows, on NumPy), for each candidate; bounds of row blocks
    combine by minimum and maximum. Class ``k`` is separated where, for some
    candidate, ``low > 0 > high`` and ``low`` is finite.
    """
    xp = backend.xp
    n_samples, n_classes = scores.shape
    n_candidates = 1 + n_classes * (n_classes <= _PAIRWISE_SEPARATION_MAX_CLASSES)
    low = xp.full((n_candidates, n_classes), xp.inf, device=backend.device)
    high = -low
    # Blocks of rows: the masks and candidates of a block are its temporaries.
    step = max(1, _SEPARATION_BLOCK_ENTRIES // n_classes)
    for start in range(0, n_samples, step):
        rows = slice(start, min(start + step, n_samples))
        block_low, block_high = _block_separation_bounds(
            scores[rows, :], labels[rows], weighted[rows], n_candidates, backend
        )
        low, high = xp.minimum(low, block_low), xp.maximum(high, block_high)
    return low, high


def _block_separation_bounds(scores, labels, weighted, n_candidates, backend):
    if backend.is_numpy:
        return _numpy_block_separation_bounds(scores, labels, weighted, n_candidates)
    xp = backend.xp
    n_classes = scores.shape[1]
    classes = xp.arange(n_classes, device=backend.device)
    own = (labels[:, None] == classes[None, :]) & weighted[:, None]
    other = (labels[:, None] != classes[None, :]) & weighted[:, None]
    # (K - 1)(z_k - mean of the others) = K z_k - Σ_j z_j; then z_k - z_j.
    shifts = [xp.sum(scores, axis=1, keepdims=True)] + [
        scores[:, j : j + 1] for j in range(n_candidates - 1)
    ]
    inf = xp.full_like(scores, xp.inf)
    low, high = [], []
    for c, shift in enumerate(shifts):
        h = (n_classes if c == 0 else 1) * scores - shift
        low.append(xp.min(xp.where(own, h, inf), axis=0))
        high.append(xp.max(xp.where(other, h, -inf), axis=0))
    return xp.stack(low), xp.stack(high)


def _numpy_block_separation_bounds(scores, labels, weighted, n_candidates):
    """The bounds on NumPy, a class at a time on the block's transposed scores.

    A pairwise candidate ``z_k - z_j`` whose least value on class ``k``'s rows
    of the block is not positive cannot separate: its bound over the other
    rows is left at ``+inf``, not computed (so ``high`` is exact only where
    the candidate passed on the class's own rows). Masked reductions over
    every candidate took a third of a ``C=inf`` fit on 10⁶ × 20 with 8
    classes (1.4 of 4.1 s).
    """
    n_classes = scores.shape[1]
    low = np.full((n_candidates, n_classes), np.inf)
    high = np.full((n_candidates, n_classes), -np.inf)
    labels = labels[weighted]
    Z = np.ascontiguousarray(scores[weighted].T)  # (n_classes, rows)
    total = Z.sum(axis=0)
    for k in range(n_classes):
        mine = labels == k
        others = ~mine
        h = n_classes * Z[k] - total  # (K - 1)(z_k - the others' mean)
        low[0, k] = h[mine].min(initial=np.inf)
        high[0, k] = h[others].max(initial=-np.inf)
        if n_candidates == 1:
            continue
        own_rows = Z[:, mine]  # none in this block: every candidate computed
        low[1:, k] = (own_rows[k] - own_rows).min(axis=1, initial=np.inf)
        for j in np.flatnonzero(low[1:, k] > 0):
            high[1 + j, k] = (Z[k, others] - Z[j, others]).max(initial=-np.inf)
        high[1:, k][low[1:, k] <= 0] = np.inf  # failed on the class's own rows
    return low, high
