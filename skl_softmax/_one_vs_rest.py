"""One-vs-rest and multi-label logistic regression: all labels in one solve."""

import math
import time
from numbers import Real

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._array_api import NUMPY, backend_of, to_backend
from ._base import (
    Conditioning,
    LinearClassifierBase,
    check_class_weight_keys,
    check_sample_weight,
    chunkwise,
    class_sample_weight,
    encode_labels,
    float32_products_overflow,
    is_dask_collection,
    keeps_the_model_on_error,
    label_repr,
    linear_logits,
    sample_margins,
)
from ._batched_lbfgs import minimize_lbfgs_batched
from ._compat import Interval, _fit_context, validate_parameter_constraints
from ._label_problems import CONSTANT_LOGIT, LabelProblems, LabelTargets, Progress
from ._solver import (
    NOT_CONVERGED,
    chain_results,
    naming_unchecked_data,
    print_fit_summary,
    stop_reason,
    warn,
)
from ._special import log_sigmoid, logsumexp

# A warning names at most this many labels, then counts the rest.
_LABELS_NAMED = 3


def _is_binary_integer_matrix(y):
    """Whether ``y`` is a dense integer (or bool) matrix of 0s and 1s with two
    or more columns: what ``type_of_target`` calls a multi-label indicator,
    found in one pass where its checks take two ``np.unique`` (45 ms each on
    80 000 × 20, at every fit of a cross-validation's path).
    """
    return (
        isinstance(y, np.ndarray)
        and y.ndim == 2
        and y.shape[1] > 1
        and y.dtype.kind in "biu"
        and bool(((y == 0) | (y == 1)).all())
    )


class OneVsRestLogistic(LinearClassifierBase):
    r"""One-vs-rest logistic regression, for multiclass and multi-label targets.

    Every label ``k`` gets its own linear score ``z_k = w_k · x + b_k`` and its
    own sigmoid ``σ(z_k)``, fitted as an independent binary logistic regression
    (label ``k`` against the rest) with an L2 penalty. Each label keeps its own
    L-BFGS-B, so its iterates are those of a separate fit, while the objectives
    and gradients of all labels still running are computed together, with one
    pair of matrix products over ``X`` per round.

    Read more in the :ref:`user guide <user_guide>`.

    Parameters
    ----------
    C : float, default=1.0
        Inverse of the L2 penalty strength; smaller values regularise more.
        ``C=np.inf`` fits without penalty. The same ``C`` as
        :class:`~sklearn.linear_model.LogisticRegression` for every binary
        problem.
    fit_intercept : bool, default=True
        Whether to fit the (unpenalised) intercepts ``b``.
    tol : float, default=1e-4
        Each label stops when the largest component of its gradient with
        respect to its row of ``coef_`` and its intercept is at most ``tol``,
        or when its objective's relative decrease falls below 64 machine
        epsilons (on badly scaled columns followed by steps judged by the
        gradient alone), as in :class:`SoftmaxRegression`.
    max_iter : int, default=100
        Maximum number of L-BFGS-B iterations of each label.
    class_weight : dict or "balanced", default=None
        Weights of each binary problem's positives and negatives. "balanced"
        weighs the positives and the negatives of every label so that each
        side has half of the total sample weight, as
        ``LogisticRegression(class_weight="balanced")`` does on ``y == k``. A
        dict ``{label: weight}`` multiplies the sample weights of the
        positives of each label in that label's problem (labels are the entries
        of ``classes_``; missing labels weigh 1). With two classes there is a
        single problem and the dict weighs each class's samples, exactly as in
        ``LogisticRegression``.
    threshold : float, default=0.5
        Multi-label only: ``predict`` returns every label whose probability
        exceeds ``threshold``, compared as the label's score exceeding
        ``log(threshold / (1 - threshold))`` (exact where probabilities round
        to the threshold). 0.5 reproduces ``OneVsRestClassifier``, which
        predicts a label when its score is positive; a lower value trades
        precision for recall. It may be changed after fitting
        (``set_params``). Ignored for 1-D targets.
    warm_start : bool, default=False
        Start from the previous solution of a fit with the same labels.
    verbose : int, default=0
        If positive, print each label's objective and largest gradient
        component after each of its iterations.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, or ``arange(n_labels)`` for a multi-label indicator
        ``y``.
    coef_ : ndarray of shape (n_classes, n_features) or (1, n_features)
        One row ``w_k`` per label; a single row for two classes (the problem
        of ``classes_[1]`` against ``classes_[0]``).
    intercept_ : ndarray of shape (n_classes,) or (1,)
        The intercepts ``b_k``.
    n_iter_ : ndarray of shape (n_classes,) or (1,)
        Number of L-BFGS-B iterations of each label (0 for a label constant in
        training).
    loss_curve_ : list of ndarray
        For each label, its objective after each of its iterations.
    multilabel_ : bool
        Whether ``y`` was a multi-label indicator matrix.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    SoftmaxRegression : One softmax over all classes, for exclusive classes.
    sklearn.multiclass.OneVsRestClassifier : The same model with
        ``LogisticRegression``, one fit after another.

    Notes
    -----
    **When to choose it over SoftmaxRegression.** When the classes are
    mutually exclusive (each sample has exactly one), a softmax models them
    jointly and its probabilities are calibrated by construction: use
    :class:`SoftmaxRegression`. When labels overlap (a song can be both
    "vocal" and "film score"), each needs its own sigmoid: pass a 0/1 indicator
    matrix ``y`` of shape (n_samples, n_labels) here. For exclusive classes
    one-vs-rest is the classic alternative; its probabilities are the
    sigmoids normalised to sum to 1.

    Each label ``k``, with sample weights :math:`s_{ik}` (sample weight times
    the problem's class weight), :math:`S_k = \sum_i s_{ik}`, targets
    :math:`y_{ik} \in \{0, 1\}` and logits :math:`z_{ik} = w_k \cdot x_i + b_k`,
    minimises

    .. math::

        L_k(w_k, b_k) = \frac{1}{S_k} \sum_i s_{ik} \big[\log(1 + e^{z_{ik}})
                        - y_{ik} z_{ik}\big] + \frac{\lVert w_k \rVert^2}{2 C S_k}

    which is exactly the objective of ``LogisticRegression(C=C)`` on
    ``(X, y == k)``, so ``OneVsRestClassifier(LogisticRegression(C=C))``
    reaches the same coefficients.

    **Batched solve.** Each label runs SciPy's L-BFGS-B in its own thread;
    its objective hands its point to a shared barrier. When every label still
    running has a point pending, one evaluation computes them all, so a fit
    costs about as many passes over ``X`` as the slowest label needs, not the
    sum over labels. On small data (a pass over NumPy or SciPy ``X`` reading
    fewer than 2**19 entries) the labels run one after another on the
    calling thread instead, with the same iterates: there the threads'
    hand-offs would cost more than the passes they save. A single L-BFGS over
    the summed objective was measured and ruled out: its shared curvature
    memory converges like the worst label or worse.

    **Callbacks** (scikit-learn 1.9 and later). ``set_callbacks`` takes
    scikit-learn's fit callbacks, such as ``sklearn.callback.ProgressBar`` and
    ``sklearn.callback.ScoringMonitor``, also when the estimator is nested in
    a pipeline or a ``GridSearchCV`` (see the user guide). The fit task has
    one "lbfgs-iter" subtask per iteration of the slowest label still
    running: subtask ``t`` ends when every label has completed ``t + 1``
    iterations or stopped, and carries the coefficients reached by then.

    A label that is constant in training (possible with a multi-label ``y``)
    has no finite optimum with an unpenalised intercept. It is predicted as
    that constant, as ``OneVsRestClassifier`` does, with a UserWarning: its
    row of ``coef_`` is 0 and its intercept ±40, where the sigmoid is 1 or
    below 1e-17.

    On badly scaled data the solver works internally on centred and rescaled
    columns; the objective and its optimum are unchanged.

    Examples
    --------
    Two overlapping labels: label 0 holds for ``x <= 1``, label 1 for
    ``x >= 0``, so both hold in between.

    >>> import numpy as np
    >>> from skl_softmax import OneVsRestLogistic
    >>> X = np.array([[-2.0], [-1.0], [0.0], [1.0], [2.0], [3.0]])
    >>> Y = np.array([[1, 0], [1, 0], [1, 1], [1, 1], [0, 1], [0, 1]])
    >>> clf = OneVsRestLogistic(C=10.0).fit(X, Y)
    >>> clf.predict(np.array([[-3.0], [0.5], [4.0]]))
    array([[1, 0],
           [1, 1],
           [0, 1]])

    Each label has its own sigmoid, so the probabilities need not sum to 1,
    where a softmax would have to split one unit between the two:

    >>> clf.predict_proba(np.array([[0.5]])).round(2)
    array([[0.94, 0.94]])

    A callback scores the model after every round of the solver:

    >>> from sklearn.callback import ScoringMonitor
    >>> monitor = ScoringMonitor(scoring="accuracy")
    >>> clf = OneVsRestLogistic(C=10.0).set_callbacks(monitor).fit(X, Y)
    >>> [row["accuracy"] for row in monitor.get_logs().data][-1]
    1.0
    """

    _parameter_constraints = {
        **LinearClassifierBase._parameter_constraints,
        "threshold": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(
        self,
        C=1.0,
        *,
        fit_intercept=True,
        tol=1e-4,
        max_iter=100,
        class_weight=None,
        threshold=0.5,
        warm_start=False,
        verbose=0,
    ):
        self.C = C
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.threshold = threshold
        self.warm_start = warm_start
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    @keeps_the_model_on_error
    def fit(self, X, y, sample_weight=None):
        """Fit one binary logistic regression per label, all in one solve.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 data is kept in float32.
        y : {array-like, sparse matrix} of shape (n_samples,) or \
                (n_samples, n_labels)
            Class labels, or a 0/1 multi-label indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; ``None`` means one per sample.

        Returns
        -------
        self : OneVsRestLogistic
            The fitted estimator.
        """
        if any(map(is_dask_collection, (X, y, sample_weight))):
            from ._dask import fit

            return fit(self, X, y, sample_weight)
        started = time.perf_counter()
        X, y = self._validate_X_y(X, y)
        backend = self._start_fit(X)
        targets = self._encode_targets(y, backend)
        sample_weight = check_sample_weight(sample_weight, X.shape[0], backend)
        constant = self._constant_labels(targets.counts(), targets.n_samples)
        conditioning = Conditioning(
            X, sample_weight, self.fit_intercept, self.C, backend
        )
        labels = self._label_problems(X, targets, sample_weight, constant, conditioning)
        # One subtask per iteration of the slowest label, plus the one that never
        # runs (max(max_iter, 1) + 1, as LogisticRegression opens).
        callbacks = self._start_callbacks(
            X, y, sample_weight, max(self.max_iter, 1) + 1
        )
        results = self._solve_labels(labels, constant, callbacks)
        self._warn_if_not_converged(results, conditioning)
        self._warn_if_separated(X, targets, sample_weight, constant)
        if self.verbose:
            print_fit_summary(type(self).__name__, results, started)
        callbacks.end_fit()
        return self

    @chunkwise
    def predict_proba(self, X):
        """Probability of each label.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Multi-label: the independent probabilities ``σ(z_k)``. Multiclass:
            the sigmoids normalised to sum to 1, as ``OneVsRestClassifier``
            does. Two classes: ``[1 − σ(z), σ(z)]``.
        """
        self._check_namespace(X, "predict_proba")
        log_proba = self.predict_log_proba(X)
        return backend_of(log_proba).xp.exp(log_proba)

    @chunkwise
    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`, computed without taking ``log(0)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``log σ(z_k)`` for multi-label targets; for multiclass targets
            ``log σ(z_k) − log Σ_j σ(z_j)``, from log-sigmoids and a
            log-sum-exp, finite for finite scores.
        """
        self._check_namespace(X, "predict_log_proba")
        scores = self.decision_function(X)
        if scores.ndim == 1:
            xp = backend_of(scores).xp
            return xp.stack([log_sigmoid(-scores), log_sigmoid(scores)], axis=1)
        log_proba = log_sigmoid(scores)
        if self.multilabel_:
            return log_proba
        return log_proba - logsumexp(log_proba, axis=1, keepdims=True)

    @chunkwise
    def predict(self, X):
        """Predict the class, or the set of labels, of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Multiclass: the class with the largest score. Multi-label: an
            indicator (integers, as ``OneVsRestClassifier``) of the labels
            whose probability exceeds ``threshold`` (sparse CSR when the
            training ``y`` was sparse).
        """
        self._check_namespace(X, "predict")
        check_is_fitted(self)
        if not self.multilabel_:
            return super().predict(X)
        # Set after the fit, too: checked here as fit checks it.
        validate_parameter_constraints(
            {"threshold": self._parameter_constraints["threshold"]},
            {"threshold": self.threshold},
            caller_name=type(self).__name__,
        )
        scores = self.decision_function(X)
        backend = backend_of(scores)
        # On the scores: a probability within rounding of the threshold (a
        # float32 score of -3e-8 has probability 0.5) is on its right side.
        threshold = float(self.threshold)
        if threshold in (0.0, 1.0):
            logit = -math.inf if threshold == 0.0 else math.inf
        else:
            logit = math.log(threshold) - math.log1p(-threshold)
        # Integer indicators whatever the dtype of y at fit, as OneVsRestClassifier.
        dtype = int if backend.is_numpy else backend.xp.int64
        indicator = backend.xp.astype(scores > logit, dtype)
        if self._label_format == "csr_matrix":
            return sparse.csr_matrix(indicator)
        if self._label_format == "csr_array":
            return sparse.csr_array(indicator)
        return indicator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        return tags

    # -- fit steps, in the order fit calls them -----------------------------------

    def _encode_targets(self, y, backend=NUMPY):
        """Set ``classes_`` and ``multilabel_``; return the problems' targets.

        One problem per class (three or more classes) or per label, a single
        problem for two classes; held as class codes or the indicator as
        given (:class:`~skl_softmax._label_problems.LabelTargets`), never as a
        dense (n_samples, n_problems) float array.
        """
        if sparse.issparse(y) and y.shape[1] == 1:
            y = y.toarray()
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if y.ndim == 1:
            self.multilabel_ = False
            # classes_ stays in y's namespace, as LogisticRegression leaves it.
            y_backend = backend_of(y)
            if y_backend.is_numpy:
                self.classes_, codes = encode_labels(y)
            else:
                check_classification_targets(y)
                self.classes_, codes = y_backend.xp.unique_inverse(y)
            n_classes = self.classes_.shape[0]
            if n_classes < 2 and getattr(self, "_one_class_fold", False):
                # A fold of OneVsRestLogisticCV on 0/1 codes: the classes are
                # the CV's, and the fold's one label is constant.
                self.classes_ = np.array([0, 1])
                return LabelTargets(codes=np.asarray(y, dtype=np.intp), binary=True)
            if n_classes < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in "
                    "the data, but the data contains only one class: "
                    f"{self._label_name(0)}."
                )
            if not backend.is_numpy:
                codes = to_backend(codes, backend, dtype=np.int64)
                return LabelTargets(
                    codes=codes,
                    binary=n_classes == 2,
                    n_problems=n_classes,
                    backend=backend,
                )
            codes = to_backend(codes, backend, dtype=np.intp)
            return LabelTargets(codes=codes, binary=n_classes == 2)
        if not (backend.is_numpy and backend_of(y).is_numpy):
            return self._indicator_targets_in(y, backend)
        return self._indicator_targets(y)

    def _indicator_targets(self, y):
        if not _is_binary_integer_matrix(y):
            self._check_indicator(y)
        self.multilabel_ = True
        self.classes_ = np.arange(y.shape[1])
        self._label_format = (
            ("csr_array" if isinstance(y, sparse.sparray) else "csr_matrix")
            if sparse.issparse(y)
            else "ndarray"
        )
        return LabelTargets(indicator=y if sparse.issparse(y) else np.asarray(y))

    def _check_indicator(self, y):
        target_type = type_of_target(y)
        values = np.unique(y.data if sparse.issparse(y) else y)
        if sparse.issparse(y) and y.nnz < y.shape[0] * y.shape[1]:
            values = np.union1d(values, [0])
        if target_type != "multilabel-indicator" or not np.all(
            (values == 0) | (values == 1)
        ):
            raise ValueError(
                "y of two dimensions must be a multi-label indicator matrix of 0s "
                f"and 1s; {type(self).__name__} does not support other multi-output "
                f"targets. Got a target of type {target_type!r} with values "
                f"{values[:5].tolist()} instead."
            )

    def _indicator_targets_in(self, y, backend):
        """:meth:`_indicator_targets` when ``X`` or a dense ``y`` is of another
        namespace: ``classes_`` in ``y``'s, the targets in ``X``'s (``backend``)."""
        y_backend = backend_of(y)
        target_type = type_of_target(y)
        values = y_backend.xp.unique_values(y)
        # Booleans are 0/1 already (array-api-strict compares none with 0).
        if target_type != "multilabel-indicator" or not (
            y_backend.xp.isdtype(y.dtype, "bool")
            or bool(y_backend.xp.all((values == 0) | (values == 1)))
        ):
            raise ValueError(
                "y of two dimensions must be a multi-label indicator matrix of 0s "
                f"and 1s; {type(self).__name__} does not support other multi-output "
                f"targets. Got a target of type {target_type!r} with values "
                f"{y_backend.to_host(values[:5]).tolist()} instead."
            )
        self.multilabel_ = True
        self.classes_ = y_backend.xp.arange(y.shape[1], device=y_backend.device)
        self._label_format = "ndarray"
        return LabelTargets(
            indicator=to_backend(y, backend, dtype=np.float64), backend=backend
        )

    def _constant_labels(self, positives, n_samples):
        """Per problem: +1 (always 1), −1 (always 0) or 0 (varies), with a warning.

        ``positives`` counts each problem's positives among ``n_samples``. As
        ``OneVsRestClassifier``, a label is constant when its target values
        are, whatever the sample weights.
        """
        constant = np.where(positives == n_samples, 1, 0) - (positives == 0)
        if constant.any():
            named = {
                self._label_name(k): "present in" if positives[k] else "absent from"
                for k in np.flatnonzero(constant != 0)
            }  # once each: a refit may hold a label twice
            described = ", ".join(
                f"{name} ({where} every sample)"
                for name, where in list(named.items())[:_LABELS_NAMED]
            )
            if len(named) > _LABELS_NAMED:
                described += f" and {len(named) - _LABELS_NAMED} more"
            # One wording for one label or several: users filter on it.
            warn(
                f"Labels constant in training: {described}. They are predicted as "
                "that constant: coef_ row 0 and intercept_ "
                f"±{CONSTANT_LOGIT:g}.",
                UserWarning,
            )
        return constant

    def _label_problems(self, X, targets, sample_weight, constant, conditioning):
        """The varying labels as problems of the batched solver."""
        factors = self._class_factors(targets, sample_weight, constant != 0)
        return LabelProblems(
            X,
            targets,
            sample_weight,
            factors,
            self.C,
            self.fit_intercept,
            conditioning,
            np.flatnonzero(constant == 0),
            dtype=np.float64 if float32_products_overflow(X) else None,
        )

    def _class_factors(self, targets, sample_weight, constant):
        """Class-weight factors ``(π, ν)`` of every problem's positives and negatives.

        ``None`` without class weights. Problem ``k`` weighs sample ``i`` by
        ``s_i π_k`` when it is a positive and ``s_i ν_k`` otherwise.
        """
        if self.class_weight is None:
            return None
        n_problems = targets.n_problems
        backend = targets.backend
        S = float(backend.xp.sum(sample_weight))
        S_positive = targets.positives(sample_weight)
        S_negative = S - S_positive
        if targets.binary and constant[0]:
            # A training fold of OneVsRestLogisticCV on one of its two classes.
            positive = negative = np.ones(1)
        elif targets.binary:
            # Two classes: one problem, weighted exactly as LogisticRegression.
            factor = class_sample_weight(
                self.class_weight, self.classes_, targets.codes, sample_weight, backend
            )
            positive = np.array([float(factor[targets.codes == 1][0])])
            negative = np.array([float(factor[targets.codes == 0][0])])
        elif self.class_weight == "balanced":
            empty = ~constant & ((S_positive <= 0) | (S_negative <= 0))
            if empty.any():
                raise ValueError(
                    "class_weight='balanced' needs a positive total sample_weight "
                    "among both the positives and the negatives of every label. Got "
                    f"none on one side for label {self._label_name(np.argmax(empty))}."
                )
            with np.errstate(divide="ignore"):
                positive = np.where(constant, 1.0, S / (2.0 * S_positive))
                negative = np.where(constant, 1.0, S / (2.0 * S_negative))
        else:
            classes = backend_of(self.classes_).to_host(self.classes_)
            check_class_weight_keys(self.class_weight, classes)
            positive = np.array(
                [float(self.class_weight.get(label, 1.0)) for label in classes]
            )
            # Checked before use: an infinite weight times a zero target is NaN.
            if not np.all(np.isfinite(positive)) or np.any(positive < 0):
                raise ValueError(
                    "class_weight must map every label to a finite, non-negative "
                    f"weight. Got class_weight={self.class_weight!r} instead."
                )
            negative = np.ones(n_problems)
        totals = positive * S_positive + negative * S_negative
        if not np.all(totals > 0):
            raise ValueError(
                "class_weight and sample_weight together must leave a positive "
                f"total weight in every problem. Got 0 with "
                f"class_weight={self.class_weight!r}."
            )
        return positive, negative

    @naming_unchecked_data()
    def _solve_labels(self, labels, constant, callbacks, label_name=None):
        """Batched L-BFGS-B over the varying labels; sets the fitted attributes.

        Returns one ``LbfgsResult`` per label (``None`` for constant labels),
        without its ``x``: each label's solution goes straight into the
        coefficients, so they are held once whatever the number of labels.
        ``label_name(k)`` names problem ``k`` in the printed progress
        (default: its label).

        As in :meth:`LinearClassifierBase._solve`, float32 data are solved with
        float32 products while their precision suffices, then the labels that
        need more get a float64 finish from where they stopped.
        """
        objective = labels.objective
        n_active = len(labels.active)
        solution = np.zeros((n_active, objective.n_features + int(self.fit_intercept)))
        W0, b0 = self._initial_solver_params(objective, constant.shape[0])
        if W0 is not None:
            solution[:] = labels.flat(W0, b0, labels.active)
        # tol bounds each label's gradient with respect to its coef_ row and
        # intercept, also when the solver works in other coordinates.
        measure, first_tol = self._solver_settings(objective)
        progress = Progress(
            labels,
            solution,
            callbacks,
            self._fitted_attributes,
            label_name or self._label_name,
            constant,
            self.verbose,
            measure,
        )
        if callbacks.wanted:
            callbacks.begin_iteration(progress.attributes())
        results = [None] * n_active

        def keep(rows):
            def on_result(problem, result):
                row = rows[problem]
                solution[row] = result.x
                result.x = None
                if results[row] is not None:
                    result = chain_results(results[row], result)
                results[row] = result
                progress.stop(problem)

            return on_result

        if n_active:
            minimize_lbfgs_batched(
                labels.evaluate,
                solution,
                tol=first_tol,
                max_iter=self.max_iter,
                monitor=progress if (self.verbose or callbacks.wanted) else None,
                gradient_measure=measure,
                n_workers=labels.n_in_flight,
                on_result=keep(np.arange(n_active)),
            )
        finish = np.array(
            [
                i
                for i, result in enumerate(results)
                if self._needs_float64_finish(objective, result, first_tol)
            ],
            dtype=np.intp,
        )
        if finish.size:
            progress.restart(finish)
            subset = labels.subset(finish, np.float64)
            minimize_lbfgs_batched(
                subset.evaluate,
                solution[finish],
                tol=self.tol,
                max_iter=[self.max_iter - results[i].n_iter for i in finish],
                monitor=progress if (self.verbose or callbacks.wanted) else None,
                gradient_measure=measure,
                n_workers=subset.n_in_flight,
                on_result=keep(finish),
            )
        W, b = labels.model(solution, constant, overwrite=True)
        solution = None  # the coefficients are held once from here on
        for name, value in self._fitted_attributes(W, b).items():
            setattr(self, name, value)
        all_results = [None] * constant.shape[0]
        for k, result in zip(labels.active, results, strict=True):
            all_results[k] = result
        # On another namespace these go to the data's device, as coef_ does.
        backend = getattr(self, "_fit_backend", NUMPY)
        self.n_iter_ = backend.asarray(
            np.array(
                [0 if result is None else result.n_iter for result in all_results],
                dtype=np.int32,
            )
        )
        self.loss_curve_ = [
            backend.asarray(np.array([] if result is None else result.loss_curve))
            for result in all_results
        ]
        return all_results

    def _initial_solver_params(self, objective, n_problems):
        """The previous solution for a warm start, or ``None`` for zeros.

        Zeros are LogisticRegression's start.
        """
        n_features = objective.n_features
        if not (self.warm_start and hasattr(self, "coef_")):
            return None, None
        expected = (n_problems, n_features)
        if self.coef_.shape != expected:
            raise ValueError(
                f"warm_start needs the previous coef_ to have shape {expected}. "
                f"Got shape {self.coef_.shape} instead; fit with warm_start=False."
            )
        # The previous solution comes to the host: n_problems × n_features numbers.
        coef = backend_of(self.coef_).to_host(self.coef_)
        intercept = (
            backend_of(self.intercept_).to_host(self.intercept_)
            if self.fit_intercept
            else np.zeros(n_problems)
        )
        return objective.to_solver(
            np.asarray(coef, dtype=np.float64),
            np.asarray(intercept, dtype=np.float64),
        )

    def _warn_if_not_converged(self, results, conditioning):
        """One ConvergenceWarning: how many labels did not converge, and a few."""
        failed = [
            (k, result)
            for k, result in enumerate(results)
            if result is not None and not result.converged
        ]
        if not failed:
            return
        details = []
        for k, result in failed[:_LABELS_NAMED]:
            if result.n_iter >= self.max_iter:
                what = f"reached max_iter={self.max_iter} iterations"
            else:
                what = (
                    f"stopped after {result.n_iter} iterations because "
                    f"{stop_reason(result)}"
                )
            details.append(
                f"label {self._label_name(k)} {what} (largest gradient component "
                f"{result.grad_max:.3g})"
            )
        if len(failed) > _LABELS_NAMED:
            details.append(f"and {len(failed) - _LABELS_NAMED} more")
        n_solved = sum(result is not None for result in results)
        message = (
            f"{type(self).__name__}: {NOT_CONVERGED}: L-BFGS-B did not "
            f"converge for {len(failed)} of {n_solved} labels, whose largest "
            f"gradient components stay above tol={self.tol:g}: "
            f"{'; '.join(details)}. Increase max_iter, scale the "
            "features (for example with sklearn.preprocessing.StandardScaler), or "
            "loosen tol."
        )
        hint = conditioning.hint()
        if hint:
            message = f"{message} {hint}"
        warn(message, ConvergenceWarning)

    def _warn_if_separated(self, X, targets, sample_weight, constant):
        """ConvergenceWarning naming the labels the fit separates when C=inf.

        If ``w_k, b_k`` put every sample of positive weight on its side with a
        positive margin, ``t w_k, t b_k`` lowers that label's cross-entropy
        towards 0 as ``t`` grows: without a penalty there is no minimum, and
        its solver only stopped because the gradient became small.
        """
        if not np.isinf(self.C):
            return
        backend = targets.backend
        weighted = sample_weight > 0
        separated = []
        for k in np.flatnonzero(constant == 0):
            k = int(k)  # a label at a time: n_samples scores, whatever the labels
            scores = linear_logits(
                X, self.coef_[k : k + 1, ...], self.intercept_[k : k + 1], backend
            )
            margins = sample_margins(scores, targets.column(k), backend)
            if bool(backend.xp.all(margins[weighted] > 0)):
                separated.append(k)
        if separated:
            names = ", ".join(self._label_name(k) for k in separated[:_LABELS_NAMED])
            if len(separated) > _LABELS_NAMED:
                names += f" and {len(separated) - _LABELS_NAMED} more"
            if self.coef_.shape[0] == 1 and not self.multilabel_:
                what = "the two classes are"  # the one label of two classes
            elif len(separated) == 1:
                what = f"label {names} is"
            else:
                what = f"labels {names} are"
            warn(
                f"{type(self).__name__}: {what} perfectly separated "
                "in the training data and C=inf, so the unpenalised "
                "cross-entropy has no minimum: the coefficients grow without "
                "bound as tol decreases or max_iter increases. Use a finite C.",
                ConvergenceWarning,
            )

    def _label_name(self, k):
        """Problem ``k``'s label as users wrote it: 2 or 'cat', never np.int64(2).

        The one problem of two classes is the second class's (its sigmoid).
        """
        classes = getattr(self, "_problem_labels", self.classes_)
        if not isinstance(classes, np.ndarray):
            classes = backend_of(classes).to_host(classes)
        if classes.shape[0] == 2 and not getattr(self, "multilabel_", False):
            k = 1
        return label_repr(classes[k])
