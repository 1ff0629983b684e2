"""Choose ``C`` by cross-validation: every fold fits the Cs as one warm-started path.

The CV estimators are built from the estimators: a fold's path is a clone of
:class:`SoftmaxRegression` or :class:`OneVsRestLogistic` with
``warm_start=True`` whose ``C`` is raised step by step, so that each fit starts
from the previous solution with the same solver, the same tolerances and the
same validation as a plain fit.  Nothing here computes an objective or a
gradient; the held-out log-loss is computed from the fitted model's scores.
"""

import contextlib
import functools
import math
import threading
from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn import config_context
from sklearn.base import clone
from sklearn.metrics import check_scoring, get_scorer, get_scorer_names, make_scorer
from sklearn.model_selection import check_cv
from sklearn.utils import Bunch, metadata_routing
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from ._base import (
    check_class_weight_keys,
    check_sample_weight,
    class_sample_weight,
    decision_scores,
    is_dask_collection,
    keeps_the_model_on_error,
    linear_logits,
    naming_ragged_rows,
    refuse_missing_labels,
)
from ._compat import (
    HAS_CALLBACKS,
    Interval,
    StrOptions,
    _check_method_params,
    _fit_context,
    _raise_for_params,
    _routing_enabled,
    get_namespace,
    scorer_with_labels,
)
from ._fold_problems import fold_paths, pays_to_fit_together
from ._one_vs_rest import OneVsRestLogistic
from ._softmax_regression import SoftmaxRegression
from ._solver import (
    Cancelled,
    cancel_event,
    deferred_warnings,
    warn,
    warns_each_once,
)
from ._special import _float64_probability_rows, log_sigmoid, log_softmax

# Bytes of the held-out logits that the default scoring computes at once, for
# a fold's models along the Cs (_path_scores).
_PATH_LOGITS_BYTES = 2**26


def _neg_log_loss(y_true, y_score, sample_weight=None, **bound):
    """Weighted mean log-likelihood of ``y_true`` under the logits ``y_score``.

    ``y_score`` are a model's ``decision_function``: 1-D log-odds of the
    second class, or one logit per class, turned into log-probabilities by
    log-sigmoid or log-softmax, then clipped as :func:`sklearn.metrics.log_loss`
    clips probabilities (:func:`_clipped`), so that the scores and the
    chosen C are ``neg_log_loss``'s.  ``y_true`` holds labels among
    ``bound["labels"]`` (sorted, as ``classes_``) or rows of class
    probabilities. Only ``sample_weight`` is metadata that a fit may route
    here: scikit-learn's scorers take ``y_score`` as their own input, and
    ``labels`` is bound by :func:`_default_scorer`, not passed by users.
    """
    losses = _log_losses(y_true, y_score, bound.get("labels"))
    return -float(np.average(losses, weights=_checked_weights(sample_weight, losses)))


def _checked_weights(sample_weight, rows):
    """``sample_weight`` checked as ``score`` checks it (non-negative, a positive
    sum), for the rows of ``rows``; ``None`` stays ``None``."""
    if sample_weight is None:
        return None
    return check_sample_weight(sample_weight, rows.shape[0])


def _clipped(log_likelihood, dtype):
    """``log_likelihood`` of probabilities clipped to ``[eps, 1 - eps]``.

    :func:`sklearn.metrics.log_loss` clips every probability to that range,
    ``eps`` of the probabilities' float dtype (the model's): one sample costs
    at most ``-log(eps)``, 36.04 in float64 (15.9 in float32), however wrong
    its logit. Without the same bound a single outlier in a held-out fold
    outweighs the rest (8.96 against 1.80 over 20 rows), and the chosen C
    differs from ``LogisticRegressionCV``'s.
    """
    eps = np.finfo(dtype if np.issubdtype(dtype, np.floating) else np.float64).eps
    return np.clip(log_likelihood, math.log(eps), math.log1p(-eps))


def _log_losses(y_true, scores, labels=None):
    """Each row's log-loss under the logits ``scores`` (see ``_neg_log_loss``).

    Hard labels are clipped as ``log_loss`` clips them; soft targets (a
    cross-entropy that scikit-learn's metrics do not take) are not.
    """
    # The in-memory score's checks of y: NaN, and as many rows as the scores.
    y_true = check_array(
        y_true, accept_sparse="csr", ensure_2d=False, dtype=None, input_name="y"
    )
    check_consistent_length(y_true, scores)
    scores = np.asarray(scores)
    dtype = scores.dtype
    scores = scores.astype(np.float64, copy=False)
    if scores.ndim == 1:
        log_proba = np.column_stack([log_sigmoid(-scores), log_sigmoid(scores)])
    else:
        log_proba = log_softmax(scores, axis=1)
    y_true = y_true.toarray() if sparse.issparse(y_true) else np.asarray(y_true)
    if y_true.ndim == 2 and y_true.shape[1] > 1:
        # Checked and renormalised as fit and neg_cross_entropy take them.
        if y_true.shape[1] != log_proba.shape[1]:
            raise ValueError(
                f"y of probability rows must have {log_proba.shape[1]} columns, one "
                f"per class of the model. Got {y_true.shape[1]} instead."
            )
        y_true = _float64_probability_rows(y_true, "y")
        losses = -np.sum(y_true * log_proba, axis=1) / np.sum(y_true, axis=1)
    else:
        y_true = y_true.reshape(-1)
        labels = np.unique(y_true) if labels is None else np.asarray(labels)
        codes = np.searchsorted(labels, y_true)
        codes = np.minimum(codes, len(labels) - 1)
        if np.any(labels[codes] != y_true) or len(labels) != log_proba.shape[1]:
            raise ValueError(
                "y_true must hold labels among the model's classes "
                f"{labels.tolist()}. Got {np.setdiff1d(y_true, labels).tolist()} "
                "instead."
            )
        losses = -_clipped(log_proba[np.arange(len(codes)), codes], dtype)
    return losses


@functools.cache
def _named_score_functions():
    """The metrics of scikit-learn's named scorers (``get_scorer(name)``'s
    ``_score_func``, as :func:`~skl_softmax._compat.scorer_with_labels`
    reads it), which take class labels, not probability rows."""
    functions = (
        getattr(get_scorer(name), "_score_func", None) for name in get_scorer_names()
    )
    return tuple(function for function in functions if function is not None)


def _is_named_scoring(scoring):
    """``scoring`` names a scikit-learn scorer, or is the scorer of one of
    their metrics (``get_scorer("neg_log_loss")``, ``make_scorer(log_loss)``)."""
    score_func = getattr(scoring, "_score_func", None)
    return isinstance(scoring, str) or any(
        score_func is metric for metric in _named_score_functions()
    )


def _scoring_refuses_zero_weight(scoring):
    """The default scoring and scikit-learn's metrics refuse weights summing
    to 0 ("must have a positive sum", "at least one non-zero number"); a
    callable of the user's decides for itself."""
    return scoring is None or _is_named_scoring(scoring)


def _default_scorer(labels=None):
    """The held-out negative log-loss, as a scorer (metadata routing included)."""
    kwargs = {} if labels is None else {"labels": labels}
    return make_scorer(_neg_log_loss, response_method="decision_function", **kwargs)


def _binary_neg_log_losses(Y, scores, sample_weight=None):
    """Each label's weighted mean binary log-likelihood, shape (n_labels,).

    ``Y`` holds 0/1 targets: the log-likelihood of a logit ``z`` is then
    ``log σ(z)`` for a 1 and ``log σ(−z)`` for a 0, one log-sigmoid of the
    signed logit, clipped as :func:`sklearn.metrics.log_loss` clips (see
    :func:`_clipped`).
    """
    log_likelihood = _binary_log_likelihoods(Y, scores)
    weights = _checked_weights(sample_weight, log_likelihood)
    return np.average(log_likelihood, axis=0, weights=weights)


def _binary_log_likelihoods(Y, scores):
    """Each row's and label's log-likelihood (see ``_binary_neg_log_losses``)."""
    scores = np.asarray(scores)
    dtype = scores.dtype
    scores = scores.astype(np.float64, copy=False).reshape(Y.shape[0], -1)
    return _clipped(log_sigmoid(np.where(Y == 1, scores, -scores)), dtype)


def _Cs_grid(Cs):
    """The Cs as a float array: ``Cs`` log-spaced values in [1e-4, 1e4] for an int."""
    if isinstance(Cs, Integral):
        return np.logspace(-4, 4, Cs)
    try:
        Cs_ = np.asarray(Cs, dtype=np.float64)
    except (TypeError, ValueError):
        Cs_ = None
    if Cs_ is None or Cs_.ndim != 1:
        raise ValueError(
            "Cs must be an int (that many values log-spaced in [1e-4, 1e4]) or a "
            f"1-D sequence of positive numbers. Got {Cs!r} instead."
        )
    if Cs_.size == 0 or np.any(np.isnan(Cs_)) or np.any(Cs_ <= 0):
        raise ValueError(
            f"Cs must hold one or more positive values. Got {list(Cs)!r} instead."
        )
    return Cs_


def _checked_folds(folds, n_samples):
    """The splitter's ``(train, test)`` pairs as row numbers in ``[0, n_samples)``.

    A splitter given as a list of pairs is not checked by ``check_cv``: row
    indices that NumPy would reject, or boolean masks (which NumPy indexes
    with, but which are not row numbers), are named here, and masks and
    negative indices are read as NumPy reads them.
    """
    checked = []
    for f, (train, test) in enumerate(folds, start=1):
        pair = []
        for name, rows in (("training", train), ("test", test)):
            rows = np.asarray(rows)
            if rows.dtype == bool and rows.shape == (n_samples,):
                rows = np.flatnonzero(rows)
            elif rows.size == 0:
                rows = np.zeros(0, dtype=np.intp)
            elif rows.ndim != 1 or not np.issubdtype(rows.dtype, np.integer):
                raise TypeError(
                    f"cv's fold {f} gives {name} rows that are neither integer "
                    f"row indices nor a boolean mask of the {n_samples} rows: an "
                    f"array of dtype {rows.dtype} and shape {rows.shape}."
                )
            outside = (rows < -n_samples) | (rows >= n_samples)
            if outside.any():
                raise ValueError(
                    f"cv's fold {f} gives the {name} row {rows[outside][0]}, "
                    f"outside the {n_samples} rows of the data."
                )
            pair.append(rows % n_samples)
        checked.append(tuple(pair))
    if not checked:
        # An empty list, or a generator already consumed by an earlier fit.
        raise ValueError(
            "cv gave no (train, test) splits. Pass a splitter or a list of "
            "splits; a generator of splits is used up by one fit."
        )
    return checked


def _check_fold_weights(sample_weight, folds):
    """Every fold's training rows have weight (fitted together, the folds'
    problems check this with the class weights too)."""
    if sample_weight is None:
        return
    for f, (train, _) in enumerate(folds, start=1):
        if not np.sum(sample_weight[train]) > 0:
            raise ValueError(
                "sample_weight must leave a positive total weight in every "
                f"fold's training rows. Got 0 in fold {f}."
            )


def _check_held_out_weights(jobs):
    """Every fold's held-out rows have weight, where the scorer takes the
    weights (``jobs``' score parameters, cut to the held-out rows) and its
    weighted mean refuses weights that sum to 0: checked before any fit,
    not once the fold's models are fitted, naming the fold."""
    for f, (_, _, score_params, _) in enumerate(jobs, start=1):
        weights = score_params.get("sample_weight")
        if weights is not None and not np.sum(np.asarray(weights)) > 0:
            raise ValueError(
                "sample_weight must leave a positive total weight in every "
                "fold's held-out rows, which the scoring weighs. Got 0 in fold "
                f"{f}."
            )


class _FoldGuard:
    """Runs the folds' paths so that one failure stops them all.

    joblib does not stop the tasks it has started when one fails or the caller
    is interrupted: with threads, the other folds went on fitting (and calling
    the callbacks) after ``fit`` had raised. Each path runs with this guard's
    event as its :data:`~skl_softmax._solver.cancel_event`; a failure sets it,
    and the fits beside it stop at their next iteration. In another process
    (a process or Dask joblib backend) the guard is a fresh one: joblib stops
    processes itself. joblib calls :func:`_guarded` with it (scikit-learn's
    ``delayed`` would copy a callable's attributes, locks included, into the
    task it pickles).

    A path's warnings are returned with its result (``(result, warnings)``),
    for the caller to issue: in a worker the user's line is not on the stack,
    and in another process the warnings would be lost.
    """

    def __init__(self):
        self._event = threading.Event()
        self._idle = threading.Condition()
        self._running = 0
        self.error = None  # the first failure, which stopped the others

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.__init__()

    def __call__(self, function, *args):
        with self._idle:
            if self._event.is_set():
                raise Cancelled
            self._running += 1
        token = cancel_event.set(self._event)
        caught = []
        deferred = deferred_warnings.set(caught)
        try:
            return function(*args), caught
        except BaseException as error:
            with self._idle:
                if self.error is None and not isinstance(error, Cancelled):
                    self.error = error
            self._event.set()
            raise
        finally:
            deferred_warnings.reset(deferred)
            cancel_event.reset(token)
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

    def stop_and_wait(self):
        """Stop the paths still running and wait until they have ended."""
        self._event.set()
        with self._idle:
            self._idle.wait_for(lambda: self._running == 0)


def _guarded(guard, function, *args):
    """``guard(function, *args)``: see :class:`_FoldGuard`."""
    return guard(function, *args)


def _fit_path(cv_estimator, path_estimator, X, targets, y, sample_weight, fold):
    """One fold's fits along the Cs, weakest penalty last, each warm-started.

    Returns the coefficients (n_Cs, n_outputs, n_features + fit_intercept), the
    iterations and the held-out scores, in the order of ``Cs_``.
    """
    train, test, score_params, contexts = fold
    Cs = cv_estimator.Cs_
    X_train, X_test = X[train], X[test]
    y_train = cv_estimator._fold_targets(targets, train)
    cv_estimator._prepare_fold_estimator(path_estimator)
    sw_train = None if sample_weight is None else sample_weight[train]
    coefs, n_iter, scores = [None] * len(Cs), [None] * len(Cs), [None] * len(Cs)
    for j in np.argsort(Cs, kind="stable"):
        path_estimator.set_params(C=Cs[j])
        context = contexts[j] if contexts is not None else None
        _fit_in_context(
            cv_estimator, path_estimator, context, X_train, y_train, sw_train
        )
        coefs[j] = _stacked(path_estimator)
        n_iter[j] = path_estimator.n_iter_
        scores[j] = _held_out_score(
            cv_estimator, path_estimator, X_test, y[test], targets[test], score_params
        )
    return np.array(coefs), np.array(n_iter), np.array(scores)


def _fit_paths_together(
    cv_estimator, path_estimator, X, targets, y, sample_weight, jobs, contexts
):
    """What ``_fit_path`` returns for every fold, the folds fitted together
    (:mod:`skl_softmax._fold_problems`): one pass over ``X`` per round serves
    every fold.

    With callbacks, each fold's fit at each C is its task, as in ``_fit_path``;
    its training data are ``X`` and the targets with the fold's weights (zero
    outside its training rows), which is what the fit minimises over. The fits
    report no iterations of their own.
    """
    task = _path_fit_task(cv_estimator, contexts, X, targets)
    paths = fold_paths(
        path_estimator,
        X,
        targets,
        sample_weight,
        [train for train, *_ in jobs],
        cv_estimator.Cs_,
        task,
    )
    results = []
    for (_, test, score_params, _), models in zip(jobs, paths, strict=True):
        scores = _path_scores(
            cv_estimator, models, X[test], y[test], targets[test], score_params
        )
        results.append(
            (
                np.array([_stacked(model) for model in models]),
                np.array([model.n_iter_ for model in models]),
                np.array(scores),
            )
        )
    return results


def _path_fit_task(cv_estimator, contexts, X, y):
    """``task(fold, j, weights=None)``: fold ``fold``'s fit at ``Cs[j]`` as a
    callbacks' task (a context manager) of the folds fitted together, its
    training rows those of ``weights > 0`` when given; None without callbacks."""
    if contexts is None:
        return None

    @contextlib.contextmanager
    def task(fold, j, weights=None):
        context = contexts[fold][j]
        metadata = None if weights is None else {"sample_weight": weights}
        context.call_on_fit_task_begin(
            estimator=cv_estimator, X=X, y=y, metadata=metadata
        )
        yield
        context.call_on_fit_task_end(
            estimator=cv_estimator, X=X, y=y, metadata=metadata
        )

    return task


def _held_out_score(cv_estimator, model, X_test, y_test, targets_test, score_params):
    """The fold model's score on its held-out rows.

    Their ``X`` was checked for NaN and infinity with all of ``X``: the
    scorer's predictions skip that pass (about 8 ms on 40 000 × 200, at every
    fold and C).
    """
    with config_context(assume_finite=True):
        return cv_estimator._score_fold(
            model, X_test, y_test, targets_test, score_params
        )


def _path_scores(cv_estimator, models, X_test, y_test, targets_test, score_params):
    """The held-out scores of one fold's models along the Cs (``_held_out_score``
    of each).

    With the default scoring, the models' logits come from one product per
    group of models, whose logits stay below ``_PATH_LOGITS_BYTES``: one pass
    over the held-out rows instead of one per C (case (a)'s data, 10 Cs of
    5 folds: the scores of a fit took 0.65-1.54 s, against 0.91-2.54 s one
    model at a time; ``benchmarks/results/2026-12-04-scores/``).
    """
    if cv_estimator.scoring is not None:
        return [
            _held_out_score(
                cv_estimator, model, X_test, y_test, targets_test, score_params
            )
            for model in models
        ]
    n_outputs = models[0].coef_.shape[0]
    per_model = n_outputs * X_test.shape[0] * X_test.dtype.itemsize
    group = max(1, _PATH_LOGITS_BYTES // max(1, per_model))
    scores = []
    for first in range(0, len(models), group):
        some = models[first : first + group]
        logits = linear_logits(
            X_test,
            np.concatenate([model.coef_ for model in some]),
            np.concatenate([model.intercept_ for model in some]),
        )
        for k in range(len(some)):
            decision = decision_scores(logits[k * n_outputs : (k + 1) * n_outputs])
            scores.append(
                cv_estimator._default_score(
                    decision, y_test, targets_test, score_params
                )
            )
    return scores


def _fit_in_context(caller, estimator, context, X, y, sample_weight):
    """``estimator.fit`` as a subtask of ``caller``'s fit, when callbacks listen.

    ``X`` was checked for NaN and infinity by the CV estimator's own
    validation: the fits skip that pass over the data (scikit-learn's
    configuration is local to the thread, so this changes no other fit).
    """
    with config_context(assume_finite=True):
        if context is None:
            return estimator.fit(X, y, sample_weight=sample_weight)
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        with context.propagate_callback_context(estimator):
            context.call_on_fit_task_begin(
                estimator=caller, X=X, y=y, metadata=metadata
            )
            estimator.fit(X, y, sample_weight=sample_weight)
        context.call_on_fit_task_end(estimator=caller, X=X, y=y, metadata=metadata)
    return estimator


def _stacked(estimator):
    """``[coef_ | intercept_]`` in float64, as ``LogisticRegressionCV``'s paths."""
    coef = np.asarray(estimator.coef_, dtype=np.float64)
    if not estimator.fit_intercept:
        return coef
    return np.column_stack([coef, np.asarray(estimator.intercept_, np.float64)])


class _CrossValidation:
    """What both CV estimators share: folds, routing, the paths, callbacks.

    Mixed in before the estimator class, whose prediction methods the CV
    estimators keep.
    """

    # As LogisticRegressionCV: score's sample_weight goes to the scorer, never
    # to score itself, so with routing the scorer must request it.
    __metadata_request__score = {"sample_weight": metadata_routing.UNUSED}
    # Whether n_jobs=None fits the folds together (_fit_paths_together), on
    # data large enough for it to pay (_pays_together).
    _folds_together = False

    _cv_parameter_constraints = {
        "Cs": ["array-like", Interval(Integral, 1, None, closed="left")],
        "cv": ["cv_object"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "refit": ["boolean"],
        "n_jobs": [Integral, None],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The folds are split and scored on the host; like LogisticRegressionCV,
        # the CV estimators do not declare Array API support (the estimators
        # they are built from do).
        tags.array_api_support = False
        return tags

    def _cross_validate(self, X, y, targets, sample_weight, params):
        """Folds, paths and their scores; sets ``Cs_``, the paths, and returns
        the callback context (or None) for the refit."""
        routed = self._routed_fit_params(sample_weight, params)
        cv = check_cv(self.cv, y, classifier=True)
        folds = _checked_folds(cv.split(X, y, **routed.splitter.split), X.shape[0])
        self.Cs_ = _Cs_grid(self.Cs)
        contexts, root = self._callback_contexts(X, y, sample_weight, len(folds))
        score_params = routed.scorer.score
        jobs = [
            (
                train,
                test,
                _check_method_params(X, params=score_params, indices=test),
                None if contexts is None else contexts[i],
            )
            for i, (train, test) in enumerate(folds)
        ]
        _check_fold_weights(sample_weight, folds)
        if _scoring_refuses_zero_weight(self.scoring):
            _check_held_out_weights(jobs)
        path_estimator = self._path_estimator()
        if self._folds_together and self.n_jobs is None and self._pays_together(X):
            results = _fit_paths_together(
                self, path_estimator, X, targets, y, sample_weight, jobs, contexts
            )
        else:
            guard = _FoldGuard()
            try:
                outcomes = Parallel(n_jobs=self.n_jobs, prefer="threads")(
                    delayed(_guarded)(
                        guard,
                        _fit_path,
                        self,
                        clone(path_estimator),
                        X,
                        targets,
                        y,
                        sample_weight,
                        job,
                    )
                    for job in jobs
                )
            except BaseException as error:
                guard.stop_and_wait()
                if isinstance(error, Cancelled) and guard.error is not None:
                    raise guard.error from None  # joblib may name a stopped fold
                raise
            results = [result for result, _ in outcomes]
            # To the fit's own collection, which issues them once at its end.
            for message, category in (m for _, caught in outcomes for m in caught):
                warn(message, category)
        coefs, n_iter, scores = (np.array(part) for part in zip(*results, strict=True))
        self._print_scores(scores)
        return coefs, n_iter, scores, root

    def _prepare_fold_estimator(self, estimator):
        """Settings of a fold's fits beyond the parameters (none by default)."""

    def _print_scores(self, scores):
        if self.verbose:
            for i, fold_scores in enumerate(scores):
                print(f"fold {i + 1}/{len(scores)}: scores {np.round(fold_scores, 6)}")

    def _routed_fit_params(self, sample_weight, params):
        """Parameters for the splitter and the scorer, as LogisticRegressionCV."""
        _raise_for_params(params, self, "fit")
        if _routing_enabled():
            return process_routing(self, "fit", sample_weight=sample_weight, **params)
        # Without routing the sample weights weigh the held-out scores too.
        score_params = dict(params)
        if sample_weight is not None:
            score_params["sample_weight"] = sample_weight
        return Bunch(splitter=Bunch(split={}), scorer=Bunch(score=score_params))

    def _callback_contexts(self, X, y, sample_weight, n_folds):
        """One subtask per fold and C, one for the refit; None without callbacks."""
        if not HAS_CALLBACKS:
            return None, None
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        root = self._init_callback_context(
            max_subtasks=n_folds * len(self.Cs_) + int(self.refit)
        )
        root.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)
        if not hasattr(self, "_skl_callbacks"):
            return None, root
        # Created ahead of the parallel loop, as GridSearchCV does.
        contexts = [
            [root.subcontext(task_name="path-fit") for _ in self.Cs_]
            for _ in range(n_folds)
        ]
        return contexts, root

    def _end_callbacks(self, root, X, y, sample_weight):
        if root is None:
            return
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        root.call_on_fit_task_end(estimator=self, X=X, y=y, metadata=metadata)

    def _refit_context(self, root, max_subtasks=0):
        if root is None or not hasattr(self, "_skl_callbacks"):
            return None
        return root.subcontext(task_name="refit-at-best-C", max_subtasks=max_subtasks)

    def _validate_cv_data(self, X, y, sample_weight):
        xp, _ = get_namespace(X, y, sample_weight)
        if not xp.__name__.endswith("numpy"):
            # As LogisticRegressionCV, no Array API support; without this
            # check the user met a TypeError from inside the validation.
            base = type(self).__name__.removesuffix("CV")
            raise TypeError(
                f"{type(self).__name__} fits NumPy arrays, SciPy sparse matrices "
                f"and Dask collections; got {xp.__name__.rsplit('.', 1)[-1]} arrays "
                "with array_api_dispatch=True. Convert them to NumPy arrays, or "
                f"search C with GridSearchCV over {base}, which fits on the "
                "arrays' device."
            )
        refuse_missing_labels(y)
        with naming_ragged_rows(X=X, y=y):
            X, y = validate_data(
                self,
                X,
                y,
                accept_sparse="csr",
                dtype=[np.float64, np.float32],
                multi_output=True,
                y_numeric=False,
            )
        self._fit_dtype = X.dtype
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X.shape[0])
        return X, y, sample_weight

    def _get_scorer(self):
        """The scorer of ``scoring``; the held-out negative log-loss by default."""
        if self.scoring is None:
            return _default_scorer()
        return check_scoring(self, scoring=self.scoring)

    def _routed_score_params(self, sample_weight, score_params):
        _raise_for_params(score_params, self, "score")
        if sample_weight is not None:
            score_params["sample_weight"] = sample_weight
        if _routing_enabled():
            return process_routing(self, "score", **score_params).scorer.score
        if score_params.get("sample_weight") is None:
            return {}
        return {"sample_weight": score_params["sample_weight"]}

    def get_metadata_routing(self):
        """Get the metadata routing of this object.

        As in ``LogisticRegressionCV``: ``fit`` routes to the splitter's
        ``split`` and to the scorer, ``score`` to the scorer.

        Returns
        -------
        routing : MetadataRouter
            The routing information.
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                splitter=self.cv,
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
            .add(
                scorer=self._get_scorer(),
                method_mapping=MethodMapping()
                .add(caller="score", callee="score")
                .add(caller="fit", callee="score"),
            )
        )


class SoftmaxRegressionCV(_CrossValidation, SoftmaxRegression):
    r"""Softmax regression with ``C`` chosen by cross-validation.

    For every fold, the grid ``Cs`` is fitted as one path from the strongest
    penalty to the weakest, each :class:`SoftmaxRegression` fit warm-started
    from the previous solution; the ``C`` with the best mean held-out score is
    then refitted on all the data, as
    :class:`~sklearn.linear_model.LogisticRegressionCV` does. On large dense
    data the folds are fitted together by default: at each ``C``, one pass over
    ``X`` evaluates every fold's objective (see ``n_jobs``).

    Read more in the :ref:`user guide <choosing_c>`.

    Parameters
    ----------
    Cs : int or array-like of float, default=10
        The values of ``C`` (of :class:`SoftmaxRegression`) to try. An int
        ``n`` means ``n`` values log-spaced in [1e-4, 1e4], as
        ``LogisticRegressionCV``. For two classes these are
        ``SoftmaxRegression``'s ``C``, half of ``LogisticRegression``'s (see
        the Notes).
    fit_intercept : bool, default=True
        Whether to fit the (unpenalised) intercepts ``b``.
    cv : int, cross-validation generator or iterable, default=None
        Anything :func:`~sklearn.model_selection.check_cv` takes. ``None`` and
        ints use :class:`~sklearn.model_selection.StratifiedKFold` for class
        labels (5 folds by default) and
        :class:`~sklearn.model_selection.KFold` for soft targets, which cannot
        be stratified.
    scoring : str or callable, default=None
        A scikit-learn scorer to choose ``C`` with, and to :meth:`score`.
        ``None`` means the held-out negative log-loss (the model's own
        objective without the penalty, the mean cross-entropy), computed from
        the logits; scikit-learn moves ``LogisticRegressionCV`` to that
        default (``"neg_log_loss"``) in version 1.11. Soft targets take
        ``None`` or a callable that scores probability rows, such as
        :func:`~skl_softmax.neg_cross_entropy`; named scorers compare labels
        and are refused there.
    tol : float, default=1e-4
        Tolerance of every fit, as in :class:`SoftmaxRegression`.
    max_iter : int, default=100
        Maximum number of L-BFGS-B iterations of every fit.
    class_weight : dict or "balanced", default=None
        As in :class:`SoftmaxRegression`. "balanced" is computed once on all
        the data and the same weights are used in every fold, as
        ``LogisticRegressionCV`` does.
    label_smoothing : float, default=0.0
        As in :class:`SoftmaxRegression`.
    refit : bool, default=True
        If True, the ``C`` with the best mean score over the folds is refitted
        on all the data, warm-started from the mean of the folds' solutions at
        that ``C``. If False, ``coef_`` and ``intercept_`` are the means over
        the folds of each fold's solution at its own best ``C``, and ``C_``
        the mean of those Cs.
    n_jobs : int, default=None
        ``None`` fits the folds together on large dense data (from
        ``n_samples × n_features × n_outputs`` = 2**23, one output for two
        classes):
        each fold is a problem of one loss over all of ``X``, weighing its own
        training rows, and at each ``C`` one pair of matrix products per
        L-BFGS-B round serves every fold (on the fit's own threads). On
        smaller or sparse data, and with an int, each fold's path is fitted
        as separate :class:`SoftmaxRegression` fits on the fold's rows,
        ``n_jobs`` folds at a time in joblib threads (-1: all processors; a
        ``joblib.parallel_backend`` around the fit may choose processes or a
        Dask cluster; ``LogisticRegressionCV`` prefers processes for lbfgs).
        Both reach the same optima (see the user guide for the times). Dask
        data have their folds fitted together on the cluster, whatever
        ``n_jobs``.
    verbose : int, default=0
        If positive, print the folds' scores; above 1, also a summary of every
        fit (with ``n_jobs`` an int, their iterations: ``verbose - 1`` is
        passed on).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels (``arange(n_classes)`` for soft targets).
    coef_ : ndarray of shape (n_classes, n_features) or (1, n_features)
        ``W`` of the refitted (or fold-averaged) model.
    intercept_ : ndarray of shape (n_classes,) or (1,)
        ``b`` of the refitted (or fold-averaged) model.
    Cs_ : ndarray of shape (n_Cs,)
        The values of ``C`` tried.
    C_ : float
        The chosen ``C``.
    scores_ : ndarray of shape (n_folds, n_Cs)
        The held-out score of every fold and ``C``.
    coefs_paths_ : ndarray of shape (n_folds, n_Cs, n_outputs, n_features + 1)
        ``[coef_ | intercept_]`` of every fold and ``C``; ``n_outputs`` is 1
        for two classes, ``n_classes`` otherwise, and the intercept column is
        absent when ``fit_intercept=False``.
    n_iter_ : ndarray of shape (n_folds, n_Cs)
        L-BFGS-B iterations of every fold and ``C``.
    loss_curve_ : ndarray of shape (n_iterations,)
        The objective after each iteration of the refit (empty with
        ``refit=False``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    SoftmaxRegression : The model for one ``C``.
    OneVsRestLogisticCV : One ``C`` per label, for one-vs-rest models.
    sklearn.linear_model.LogisticRegressionCV : The same search for
        ``LogisticRegression``.

    Notes
    -----
    The layout of ``C_``, ``scores_``, ``coefs_paths_`` and ``n_iter_`` is
    that of ``LogisticRegressionCV(use_legacy_attributes=False)`` (the default
    from scikit-learn 1.10), without its axis of ``l1_ratios``.

    Along a path each fit starts from the solution at the previous, smaller
    ``C``, so the Cs are fitted in increasing order whatever the order of
    ``Cs``; results are stored in the order of ``Cs_``. A fold lacking a class
    is fitted on one-hot targets over all the classes, so that its model
    keeps one row per class.

    **Dask.** Given Dask data (a Dask array or dataframe ``X``, with ``y`` and
    ``sample_weight`` along its row chunks), the folds are split on a worker
    and fitted together on the cluster, the data never leaving the workers
    (see :ref:`the user guide <dask>`).

    **Two classes.** ``SoftmaxRegression(C=C)`` equals
    ``LogisticRegression(C=2 * C)`` (see :class:`SoftmaxRegression`), and the
    Cs here are ``SoftmaxRegression``'s: ``SoftmaxRegressionCV(Cs=Cs)`` searches
    the models of ``LogisticRegressionCV(Cs=2 * Cs)``, and ``C_`` can be
    passed to ``SoftmaxRegression(C=C_)`` as it is.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skl_softmax import SoftmaxRegressionCV
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SoftmaxRegressionCV(Cs=[0.01, 0.1, 1.0, 10.0], cv=3).fit(X, y)
    >>> float(clf.C_)
    10.0
    >>> clf.scores_.shape
    (3, 4)
    >>> clf.predict(X[:2])
    array([0, 0])
    """

    _parameter_constraints = {
        **{
            name: rule
            for name, rule in SoftmaxRegression._parameter_constraints.items()
            if name not in ("C", "warm_start")
        },
        **_CrossValidation._cv_parameter_constraints,
    }

    def __init__(
        self,
        Cs=10,
        *,
        fit_intercept=True,
        cv=None,
        scoring=None,
        tol=1e-4,
        max_iter=100,
        class_weight=None,
        label_smoothing=0.0,
        refit=True,
        n_jobs=None,
        verbose=0,
    ):
        self.Cs = Cs
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.scoring = scoring
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing
        self.refit = refit
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    # Outside warns_each_once: a warning filtered into an error, raised when
    # the fit ends, puts the previous model back too (docs/bad_input.rst).
    @keeps_the_model_on_error
    @warns_each_once
    def fit(self, X, y, sample_weight=None, **params):
        """Fit the path of every fold, choose ``C``, and refit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 data is kept in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels, or probability rows (soft targets).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, used by every fit and, unless metadata
            routing says otherwise, by the held-out scores.
        **params : dict
            Parameters for the splitter and the scorer, with metadata routing
            enabled (``sklearn.set_config(enable_metadata_routing=True)``).

        Returns
        -------
        self : SoftmaxRegressionCV
            The fitted estimator.
        """
        if any(map(is_dask_collection, (X, y, sample_weight))):
            from ._dask_cv import softmax_cross_validate

            coefs, n_iter, scores, root, refit_data = softmax_cross_validate(
                self, X, y, sample_weight, params
            )
            X, y, sample_weight, _ = refit_data
        else:
            X, y, sample_weight = self._validate_cv_data(X, y, sample_weight)
            targets = self._cv_targets(y, sample_weight)
            coefs, n_iter, scores, root = self._cross_validate(
                X, y, targets, sample_weight, params
            )
            refit_data = (
                X,
                self._fold_targets(targets, slice(None)),
                sample_weight,
                self._fold_class_weight,
            )
        # A SoftmaxRegression fit reports its iterations as an array of one.
        self.coefs_paths_, self.n_iter_, self.scores_ = coefs, n_iter[..., 0], scores
        n_features = X.shape[1]
        if self.refit:
            best = int(np.argmax(scores.sum(axis=0)))
            self.C_ = float(self.Cs_[best])
            start = coefs[:, best].mean(axis=0)
            model = self._refit(*refit_data, start, root)
            W, b = model.coef_, model.intercept_
            self.loss_curve_ = model.loss_curve_
        else:
            best = np.argmax(scores, axis=1)
            self.C_ = float(np.mean(self.Cs_[best]))
            mean = coefs[np.arange(len(best)), best].mean(axis=0)
            W, b = mean[:, :n_features], self._intercept_column(mean)
            self.loss_curve_ = np.array([])
        for name, value in self._fitted_attributes(W, b).items():
            setattr(self, name, value)
        self._end_callbacks(root, X, y, sample_weight)
        return self

    def score(self, X, y, sample_weight=None, **score_params):
        """The ``scoring`` of the model on ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            True labels or probability rows.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the score.
        **score_params : dict
            Parameters for the scorer, with metadata routing enabled.

        Returns
        -------
        score : float
            The score (by default the negative mean log-loss: higher is
            better).
        """
        check_is_fitted(self)
        score_params = self._routed_score_params(sample_weight, score_params)
        weights = score_params.get("sample_weight")
        if self.scoring is None and any(map(is_dask_collection, (X, y, weights))):
            from ._dask_cv import softmax_score

            return softmax_score(self, X, y, weights)
        X, y, score_params = _counted_rows(X, y, score_params)
        with naming_ragged_rows(y=y):  # (the scorer reads y)
            return self._fold_scorer()(self, X, y, **score_params)

    # -- steps, in the order fit calls them ---------------------------------------

    def _check_scoring_for_soft_targets(self):
        """A named scorer is refused on soft targets (in memory and on Dask),
        by its name or as a scorer object of one of their metrics.

        scikit-learn's named scorers compare class labels: on probability rows
        they fail deep inside the metric ("unhashable type", "a mix of
        continuous-multioutput and binary targets"), after the first fold's
        fits.
        """
        if _is_named_scoring(self.scoring):
            raise ValueError(
                f"scoring={self.scoring!r} cannot score soft targets (probability "
                "rows). Leave scoring=None, the held-out cross-entropy, or pass "
                "scoring=skl_softmax.neg_cross_entropy."
            )

    def _cv_targets(self, y, sample_weight):
        """Class codes (or soft targets) and the class weights every fold uses.

        Sets ``classes_``. A "balanced" ``class_weight`` is computed once on all
        the data, as ``LogisticRegressionCV`` does, and passed on to the folds
        as a dict of class codes.
        """
        labels, soft = self._encode_targets(y)
        if soft is not None:
            self._check_scoring_for_soft_targets()
        sample_weight_ = np.ones(y.shape[0]) if sample_weight is None else sample_weight
        self._fold_class_weight = None
        if self.class_weight is not None and labels is not None:
            # Per-sample factors (with SoftmaxRegression's checks), read per class.
            weights = np.empty(self.classes_.shape[0])
            weights[labels] = class_sample_weight(
                self.class_weight, self.classes_, labels, sample_weight_
            )
            self._fold_class_weight = dict(enumerate(weights.tolist()))
        elif self.class_weight is not None:
            weights = self._soft_class_weights(soft, sample_weight_)
            self._fold_class_weight = dict(enumerate(weights.tolist()))
        return labels if labels is not None else soft

    _folds_together = True

    def _pays_together(self, X):
        n_classes = self.classes_.shape[0]
        return pays_to_fit_together(X, 1 if n_classes == 2 else n_classes)

    def _path_estimator(self):
        return SoftmaxRegression(
            fit_intercept=self.fit_intercept,
            tol=self.tol,
            max_iter=self.max_iter,
            class_weight=self._fold_class_weight,
            label_smoothing=self.label_smoothing,
            warm_start=True,
            verbose=max(0, self.verbose - 1),
        )

    def _fold_targets(self, targets, rows):
        """The fit's targets on ``rows``: class codes, or one-hot rows when a
        class is missing there (so that the model keeps a row per class)."""
        targets = targets[rows]
        if targets.ndim == 2:
            return targets
        n_classes = self.classes_.shape[0]
        if np.bincount(targets, minlength=n_classes).min() > 0:
            return targets
        return (targets[:, None] == np.arange(n_classes)).astype(np.float64)

    def _fold_scorer(self):
        scorer = self._get_scorer()
        if self.scoring is None:
            return _default_scorer(labels=self.classes_)
        return scorer_with_labels(scorer, self.classes_)

    def _score_fold(self, estimator, X_test, y_test, targets_test, score_params):
        if self.scoring is None:
            return self._default_score(
                estimator.decision_function(X_test), y_test, targets_test, score_params
            )
        # The fold's model was fitted on class codes: it predicts the classes.
        estimator.classes_ = self.classes_
        return self._fold_scorer()(estimator, X_test, y_test, **score_params)

    def _default_score(self, scores, y_test, targets_test, score_params):
        """The default scorer's score of the decision scores ``scores``."""
        return _neg_log_loss(
            y_test, scores, **{"labels": self.classes_, **score_params}
        )

    def _refit(self, X, y, sample_weight, class_weight, start, root):
        """All the data at ``C_``, warm-started from the folds' mean solution.

        ``y`` and ``class_weight`` are the folds' class codes and their weights
        in memory; on Dask data, the labels and their weights.
        """
        model = self._path_estimator().set_params(C=self.C_, class_weight=class_weight)
        model.coef_ = start[:, : X.shape[1]]
        model.intercept_ = self._intercept_column(start)
        _fit_in_context(self, model, self._refit_context(root), X, y, sample_weight)
        return model

    def _intercept_column(self, stacked):
        if self.fit_intercept:
            return stacked[:, -1]
        return np.zeros(stacked.shape[0])


class OneVsRestLogisticCV(_CrossValidation, OneVsRestLogistic):
    r"""One-vs-rest logistic regression with one ``C`` per label, by cross-validation.

    Every label chooses its own ``C``, by its own held-out score. For every
    fold, the grid ``Cs`` is fitted as one path from the strongest penalty to
    the weakest, each :class:`OneVsRestLogistic` fit warm-started from the
    previous solution, with the labels of each fit in one batched solve. Each
    label's best ``C`` is then refitted on all the data. This is what
    ``OneVsRestClassifier(LogisticRegressionCV(scoring="neg_log_loss"))``
    computes label by label (scikit-learn's default scoring is accuracy
    until 1.11).

    Read more in the :ref:`user guide <choosing_c>`.

    Parameters
    ----------
    Cs : int or array-like of float, default=10
        The values of ``C`` to try. An int ``n`` means ``n`` values
        log-spaced in [1e-4, 1e4], as ``LogisticRegressionCV``.
    fit_intercept : bool, default=True
        Whether to fit the (unpenalised) intercepts ``b``.
    cv : int, cross-validation generator or iterable, default=None
        Anything :func:`~sklearn.model_selection.check_cv` takes. ``None`` and
        ints use :class:`~sklearn.model_selection.StratifiedKFold` for class
        labels (5 folds by default) and :class:`~sklearn.model_selection.KFold`
        for multi-label targets. All labels share the folds.
    scoring : str or callable, default=None
        A scikit-learn scorer, applied to each label's binary model (``y`` of
        that label against the rest, classes ``[0, 1]``) to choose its ``C``;
        :meth:`score` is the mean of the labels' scores (so that a scorer of
        binary targets such as ``"roc_auc"`` scores a multiclass model too,
        and a search over the other parameters maximises what chose the
        Cs). ``None`` means each label's
        held-out binary negative log-loss; scikit-learn moves
        ``LogisticRegressionCV`` to that default (``"neg_log_loss"``) in
        version 1.11.
    tol : float, default=1e-4
        Tolerance of every label's fits, as in :class:`OneVsRestLogistic`.
    max_iter : int, default=100
        Maximum number of L-BFGS-B iterations of every label's fits.
    class_weight : dict or "balanced", default=None
        As in :class:`OneVsRestLogistic`; "balanced" is computed within every
        fit (on the training part of each fold).
    threshold : float, default=0.5
        Multi-label only: ``predict`` returns every label whose probability
        exceeds ``threshold``, as in :class:`OneVsRestLogistic`.
    refit : bool, default=True
        If True, every label's best ``C`` (by its mean score over the folds)
        is refitted on all the data, warm-started from the mean of the folds'
        solutions at that ``C``; labels that share a ``C`` share a batched
        solve. If False, each label's ``coef_`` row and intercept are the means
        over the folds of the solutions at each fold's best ``C``, and its
        ``C_`` the mean of those Cs.
    n_jobs : int, default=None
        Number of folds fitted in parallel (joblib threads, unless a
        ``joblib.parallel_backend`` around the fit says otherwise). Dask data
        have their folds fitted together on the cluster, whatever ``n_jobs``.
    verbose : int, default=0
        If positive, print the folds' scores; above 1, also the iterations of
        every fit.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, or ``arange(n_labels)`` for a multi-label indicator
        ``y``.
    coef_ : ndarray of shape (n_labels, n_features)
        One row per label (a single row for two classes).
    intercept_ : ndarray of shape (n_labels,)
        The intercepts.
    Cs_ : ndarray of shape (n_Cs,)
        The values of ``C`` tried.
    C_ : ndarray of shape (n_labels,)
        The ``C`` chosen for each label.
    scores_ : ndarray of shape (n_labels, n_folds, n_Cs)
        Each label's held-out score for every fold and ``C``.
    coefs_paths_ : ndarray of shape (n_labels, n_folds, n_Cs, n_features + 1)
        Each label's ``[coef | intercept]`` for every fold and ``C`` (no
        intercept column when ``fit_intercept=False``).
    n_iter_ : ndarray of shape (n_labels, n_folds, n_Cs)
        L-BFGS-B iterations of every label, fold and ``C``.
    loss_curve_ : list of ndarray
        Each label's objective after each iteration of its refit (empty with
        ``refit=False``).
    multilabel_ : bool
        Whether ``y`` was a multi-label indicator matrix.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    OneVsRestLogistic : The model for one ``C``.
    SoftmaxRegressionCV : The same search for a softmax model.
    sklearn.multiclass.OneVsRestClassifier : With ``LogisticRegressionCV``,
        the same search one label after another.

    Notes
    -----
    ``n_labels`` is the number of binary problems: the number of classes (or
    labels), or 1 for two classes. With two classes the problem of
    ``classes_[1]`` has one ``C``, and ``C_`` has shape (1,).

    Unlike ``OneVsRestClassifier(LogisticRegressionCV(cv=5))``, which
    stratifies each label's folds on that label, all labels here share one
    split of the samples (that is what lets one solve serve them all); pass
    the same explicit ``cv`` to both to compare them.

    **Dask.** Given Dask data (a Dask array or dataframe ``X``, with ``y`` and
    ``sample_weight`` along its row chunks), the folds are split on a worker
    and fitted together on the cluster, each weighing its training rows as a
    fit on them would, the data never leaving the workers (see :ref:`the user
    guide <dask>`).

    Examples
    --------
    Two labels that need different penalties: label 0 depends on the first
    feature only, label 1 is noise.

    >>> import numpy as np
    >>> from skl_softmax import OneVsRestLogisticCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 5))
    >>> Y = np.column_stack([X[:, 0] > 0, rng.random(300) < 0.5]).astype(int)
    >>> clf = OneVsRestLogisticCV(Cs=[1e-3, 1e-1, 10.0], cv=3).fit(X, Y)
    >>> clf.C_
    array([1.e+01, 1.e-03])
    >>> clf.scores_.shape
    (2, 3, 3)
    """

    _parameter_constraints = {
        **{
            name: rule
            for name, rule in OneVsRestLogistic._parameter_constraints.items()
            if name not in ("C", "warm_start")
        },
        **_CrossValidation._cv_parameter_constraints,
    }

    def __init__(
        self,
        Cs=10,
        *,
        fit_intercept=True,
        cv=None,
        scoring=None,
        tol=1e-4,
        max_iter=100,
        class_weight=None,
        threshold=0.5,
        refit=True,
        n_jobs=None,
        verbose=0,
    ):
        self.Cs = Cs
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.scoring = scoring
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.threshold = threshold
        self.refit = refit
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    # Outside warns_each_once: a warning filtered into an error, raised when
    # the fit ends, puts the previous model back too (docs/bad_input.rst).
    @keeps_the_model_on_error
    @warns_each_once
    def fit(self, X, y, sample_weight=None, **params):
        """Fit the path of every fold, choose each label's ``C``, and refit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 data is kept in float32.
        y : {array-like, sparse matrix} of shape (n_samples,) or \
                (n_samples, n_labels)
            Class labels, or a 0/1 multi-label indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights, used by every fit and, unless metadata
            routing says otherwise, by the held-out scores.
        **params : dict
            Parameters for the splitter and the scorer, with metadata routing
            enabled.

        Returns
        -------
        self : OneVsRestLogisticCV
            The fitted estimator.
        """
        if any(map(is_dask_collection, (X, y, sample_weight))):
            from ._dask_cv import one_vs_rest_cross_validate

            coefs, n_iter, scores, root, targets = one_vs_rest_cross_validate(
                self, X, y, sample_weight, params
            )
        else:
            X, y, sample_weight = self._validate_cv_data(X, y, sample_weight)
            targets = self._cv_targets(y)
            coefs, n_iter, scores, root = self._cross_validate(
                X, y, targets, sample_weight, params
            )
        # (n_folds, n_Cs, n_labels, ...) → label first.
        self.coefs_paths_ = np.moveaxis(coefs, 2, 0)
        self.n_iter_ = np.moveaxis(n_iter, 2, 0)
        self.scores_ = np.moveaxis(scores, 2, 0)
        n_features = X.shape[1]
        n_labels = self.scores_.shape[0]
        if self.refit:
            best = np.argmax(self.scores_.sum(axis=1), axis=1)
            self.C_ = self.Cs_[best]
            start = self.coefs_paths_[np.arange(n_labels), :, best].mean(axis=1)
            W, b, self.loss_curve_ = self._refit(
                X, targets, sample_weight, best, start, root
            )
        else:
            best = np.argmax(self.scores_, axis=2)
            self.C_ = self.Cs_[best].mean(axis=1)
            labels, folds = np.indices(best.shape)
            mean = self.coefs_paths_[labels, folds, best].mean(axis=1)
            W = mean[:, :n_features]
            b = mean[:, -1] if self.fit_intercept else np.zeros(n_labels)
            self.loss_curve_ = [np.array([]) for _ in range(n_labels)]
        for name, value in self._fitted_attributes(W, b).items():
            setattr(self, name, value)
        self._end_callbacks(root, X, y, sample_weight)
        return self

    def score(self, X, y, sample_weight=None, **score_params):
        """The ``scoring`` of the model on ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.
        y : {array-like, sparse matrix} of shape (n_samples,) or \
                (n_samples, n_labels)
            True labels, or a multi-label indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the score.
        **score_params : dict
            Parameters for the scorer, with metadata routing enabled.

        Returns
        -------
        score : float
            The mean over the labels of ``scoring`` applied to each label's
            binary model, the score by which that label chose its ``C``; by
            default the mean of their binary negative log-losses (higher is
            better).
        """
        check_is_fitted(self)
        score_params = self._routed_score_params(sample_weight, score_params)
        weights = score_params.get("sample_weight")
        if self.scoring is None and any(map(is_dask_collection, (X, y, weights))):
            from ._dask_cv import one_vs_rest_score

            return one_vs_rest_score(self, X, y, weights)
        X, y, score_params = _counted_rows(X, y, score_params)
        # As predict: data of another namespace than the fit's are refused.
        self._check_namespace(X, "score")
        with naming_ragged_rows(y=y):
            y = check_array(
                y, accept_sparse="csr", ensure_2d=False, dtype=None, input_name="y"
            )
        if not is_dask_collection(X):  # a Dask X's rows may be counted lazily
            check_consistent_length(y, X)
        Y = self._problem_targets(y)
        return float(np.mean(self._score_fold(self, X, y, Y, score_params)))

    # -- steps, in the order fit calls them ---------------------------------------

    def _cv_targets(self, y):
        """Each label's 0/1 targets (n_samples, n_labels); sets ``classes_``.

        The folds are fitted on these columns: a multi-label indicator when
        there are several problems (a class missing from a fold is then a
        constant label, not a missing row of ``coef_``), 0/1 labels for two
        classes.
        """
        Y = self._encode_targets(y).dense().astype(np.int64)
        self._check_class_weight_keys()
        return Y

    def _check_class_weight_keys(self):
        if isinstance(self.class_weight, dict):
            check_class_weight_keys(self.class_weight, self.classes_)

    def _problem_targets(self, y):
        """``y`` as 0/1 targets per problem, checked against the fitted model."""
        if sparse.issparse(y):
            y = y.toarray()
        y = np.asarray(y)
        if self.multilabel_:
            n_labels = self.classes_.shape[0]
            if y.ndim != 2 or y.shape[1] != n_labels:
                raise ValueError(
                    f"y must be a multi-label indicator matrix of {n_labels} "
                    f"columns, one per label of the model. Got shape {y.shape} "
                    "instead."
                )
            self._check_indicator(y)
            return y.astype(np.float64)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(
                "y must be 1-D class labels: the model was fitted on classes "
                f"{self.classes_.tolist()}, not on a multi-label indicator. Got "
                f"shape {y.shape} instead."
            )
        unknown = np.setdiff1d(y, self.classes_)
        if unknown.size:
            raise ValueError(
                f"y must hold labels among classes_ {self.classes_.tolist()}. Got "
                f"{unknown.tolist()} instead."
            )
        Y = (y[:, None] == self.classes_).astype(np.float64)
        return Y[:, 1:] if self.coef_.shape[0] == 1 else Y

    def _path_estimator(self):
        return OneVsRestLogistic(
            fit_intercept=self.fit_intercept,
            tol=self.tol,
            max_iter=self.max_iter,
            class_weight=self._problem_class_weight(),
            warm_start=True,
            verbose=max(0, self.verbose - 1),
        )

    def _problem_class_weight(self, columns=None):
        """``class_weight`` for fits on the indicator columns ``columns``."""
        if not isinstance(self.class_weight, dict):
            return self.class_weight
        if self._n_problems() == 1 and not self.multilabel_:
            # Two classes: the folds fit 0/1 codes of classes_[0] and classes_[1].
            return {
                code: float(self.class_weight.get(label.item(), 1.0))
                for code, label in enumerate(self.classes_)
            }
        if columns is None:
            columns = np.arange(self._n_problems())
        return {
            position: float(self.class_weight.get(self.classes_[k].item(), 1.0))
            for position, k in enumerate(columns)
        }

    def _n_problems(self):
        return (
            1
            if self.classes_.shape[0] == 2 and not self.multilabel_
            else (self.classes_.shape[0])
        )

    def _fold_targets(self, targets, rows):
        targets = targets[rows]
        return targets[:, 0] if targets.shape[1] == 1 else targets

    def _prepare_fold_estimator(self, estimator):
        # Two classes, and a training fold holding one: its single label is
        # constant there, predicted as that constant with a warning, as a class
        # missing from a fold of three or more classes is (LogisticRegressionCV
        # fits such folds too; a fit on one class is otherwise refused).
        estimator._one_class_fold = self._n_problems() == 1
        # Its warnings name the labels as the user wrote them, not as columns.
        estimator._problem_labels = self.classes_

    def _score_fold(self, estimator, X_test, y_test, targets_test, score_params):
        """Each label's held-out score of its binary model, shape (n_labels,)."""
        if self.scoring is None:
            return self._default_score(
                estimator.decision_function(X_test), y_test, targets_test, score_params
            )
        scorer = scorer_with_labels(self._get_scorer(), np.array([0, 1]))
        return np.array(
            [
                scorer(
                    _binary_model(estimator, k),
                    X_test,
                    targets_test[:, k],
                    **score_params,
                )
                for k in range(targets_test.shape[1])
            ]
        )

    def _default_score(self, scores, y_test, targets_test, score_params):
        """Each label's default score under the decision scores ``scores``."""
        weights = score_params.get("sample_weight")
        return _binary_neg_log_losses(targets_test, scores, weights)

    def _refit(self, X, targets, sample_weight, best, start, root):
        """Every label at its own ``C``: one batched fit per distinct ``C``.

        Returns ``W``, ``b`` and the labels' loss curves.
        """
        n_labels, n_features = start.shape[0], X.shape[1]
        W = np.zeros((n_labels, n_features))
        b = np.zeros(n_labels)
        curves = [None] * n_labels
        # One subtask of the refit per distinct C (their number is known now).
        context = self._refit_context(root, max_subtasks=len(np.unique(best)))
        if context is not None:
            context.call_on_fit_task_begin(estimator=self, X=X, y=None)
        for j in np.unique(best):
            group = np.flatnonzero(best == j)
            model = self._path_estimator().set_params(
                C=self.Cs_[j], class_weight=self._problem_class_weight(group)
            )
            model.coef_ = start[group, :n_features]
            model.intercept_ = (
                start[group, -1] if self.fit_intercept else np.zeros(len(group))
            )
            # Its warnings name these labels, not their positions in the batch.
            if n_labels == 1:
                model._problem_labels = self.classes_
            elif len(group) == 1:
                # One label of several: a binary fit on its 0/1 column, its
                # positives weighed as in the multi-label fit, constant or not.
                (k,) = group
                model._one_class_fold = True
                model._problem_labels = self.classes_[[k, k]]
                if isinstance(self.class_weight, dict):
                    model.class_weight = {0: 1.0, 1: model.class_weight[0]}
            else:
                model._problem_labels = self.classes_[group]
            y = self._fold_targets(targets[:, group], slice(None))
            step = None if context is None else context.subcontext(task_name="C")
            _fit_in_context(self, model, step, X, y, sample_weight)
            W[group] = model.coef_
            b[group] = model.intercept_
            for position, k in enumerate(group):
                curves[k] = model.loss_curve_[position]
        if context is not None:
            context.call_on_fit_task_end(estimator=self, X=X, y=None)
        return W, b, curves


def _counted_rows(X, y, score_params):
    """The inputs of a scorer, Dask arrays' unknown row counts counted (see
    :func:`skl_softmax._dask.with_known_rows`); in-memory data as they are."""
    if not any(map(is_dask_collection, (X, y, *score_params.values()))):
        return X, y, score_params
    from ._dask import with_known_rows

    params = {name: with_known_rows(value) for name, value in score_params.items()}
    return with_known_rows(X), with_known_rows(y), params


def _binary_model(estimator, k):
    """Label ``k``'s model of a fitted one-vs-rest ``estimator``, as a binary one.

    What ``OneVsRestClassifier`` holds per label: a classifier of ``[0, 1]``
    whose ``decision_function`` is that label's logit.
    """
    model = clone(estimator)
    model.coef_ = estimator.coef_[k : k + 1]
    model.intercept_ = estimator.intercept_[k : k + 1]
    model.classes_ = np.array([0, 1])
    model.multilabel_ = False
    model.n_features_in_ = estimator.n_features_in_
    model._fit_dtype = estimator._fit_dtype
    return model
