"""The folds of a cross-validation as problems of the batched solver.

Fitted one after another, the folds of :class:`SoftmaxRegressionCV` each pass
over their own copy of the training rows at every evaluation.  Here they are
the problems of one loss over all of ``X``: problem ``f`` weighs the training
rows of fold ``f`` as a fit on that fold would (sample times class weights) and
gives every other row the weight zero, so its objective is that fit's
objective.  One ``X Wᵀ`` and one ``Rᵀ X`` per round then serve every fold in
flight, as one-vs-rest's rounds serve its labels
(:mod:`skl_softmax._batched_lbfgs`).

The gain: one wider product instead of ``k`` narrow ones, which runs nearer
the machine's peak (on 200 000 × 200 with 10 classes, five folds together took
0.60× the time of five separate evaluations), and one pass over ``X`` from
memory instead of ``k``. A fold's fit multiplies only its ``(k − 1)/k`` of the
rows; so do the folds together on large data, where the rows are copied once in
the order of the folds that weigh them and each group of rows is multiplied by
its folds' parameters only (:func:`_rows_by_folds`; 0.92× the time of every fold
multiplying every row, 10 Cs × 5 folds on the data above). On smaller data each
fold multiplies every row, its held-out rows with the weight zero.

What a fold's fit does is kept: the same objective (:meth:`SoftmaxRegression.\
_objective`), the same tolerances and float32 phases, the same warnings; along
the Cs, each fold starts from its solution at the previous ``C``.  One thing
differs: on badly scaled data the change of variables is chosen from the
statistics of all rows, not of the fold's (it changes the solver's path, not
the optimum).

Memory: the copy of ``X`` in the folds' order, where the rows are grouped (a
fold fitted apart copies its ``(k − 1)/k`` of ``X``, as
``LogisticRegressionCV``'s folds do); a fold in flight holds a column of
weights (and, with two classes, of targets) of ``n_samples`` numbers besides
its L-BFGS-B workspace;
:func:`~skl_softmax._label_problems.problems_in_flight` bounds how many folds
run at once (leave-one-out on large data runs them a group at a time).
"""

import contextlib
import time

import numpy as np
from scipy import sparse
from sklearn.base import clone

from ._base import Conditioning, column_statistics, float32_products_overflow
from ._batched_lbfgs import minimize_lbfgs_batched
from ._label_problems import problems_in_flight
from ._solver import chain_results, naming_unchecked_data, print_fit_summary

# Multiply-adds of one product (n_samples × n_features × n_outputs) from which
# the folds of dense data are fitted together. Below, each round's hand-offs
# between threads and the loop over the folds' blocks cost more than the
# products they save: 10 Cs × 5 folds on 4 000 × 20 with 10 classes took 1.36×
# the time of the folds fitted apart; on 20 000 × 50 0.62×, on 10 000 × 100
# 0.41×, and with two classes on 200 000 × 50 0.43× (2 CPUs). This is the size
# from which a fit's products run on its own threads (_threads._SMALL_PROBLEM).
_MIN_MULTIPLY_ADDS = 2**23

# Multiply-adds of the product of the smallest group of rows (rows × features ×
# its folds' outputs) from which the rows are grouped by the folds that weigh
# them (_rows_by_folds). Below, the groups' passes cost more than the held-out
# rows they skip: 10 Cs × 5 folds (each group 4 folds) took 1.43× the time of
# all rows on 20 000 × 50 with 10 classes (8·10⁶ per group, grouped without
# this threshold), 0.96× on 50 000 × 100 (4·10⁷) and 0.92× on 200 000 × 200
# (3.2·10⁸) (2 CPUs, benchmarks/bench_cv_rows.py).
_MIN_GROUP_MULTIPLY_ADDS = 2**25


def pays_to_fit_together(X, n_outputs):
    """Whether fitting the folds together is worth it for ``X`` and ``n_outputs``
    logit columns per fold.

    Never for sparse ``X``: SciPy's products cost the same per output however
    many there are, so the folds together only add the held-out rows (10 Cs ×
    5 folds on 100 000 × 5 000 CSR, 0.2 % stored, 10 classes: 1.48× the time
    of the folds apart).
    """
    if sparse.issparse(X):
        return False
    return X.shape[0] * X.shape[1] * n_outputs >= _MIN_MULTIPLY_ADDS


def fold_paths(estimator, X, targets, sample_weight, trains, Cs, task=None):
    """Fit every fold along the Cs; yield each fold's models, in the order of Cs.

    Parameters
    ----------
    estimator : SoftmaxRegression
        The settings of every fit (``C`` is set here).
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Validated data.
    targets : ndarray of shape (n_samples,) or (n_samples, n_classes)
        Class codes, or probability rows.
    sample_weight : ndarray of shape (n_samples,) or None
    trains : list of ndarray
        The training rows of each fold.
    Cs : ndarray of shape (n_Cs,)
    task : callable, default=None
        ``task(fold, j, weights)``: a context manager around the fit of fold
        ``fold`` at ``Cs[j]``, whose training rows are those of weight
        ``weights > 0`` (the callbacks' tasks). Every fold in flight enters
        its task before the folds are solved together at that ``C``.

    Yields
    ------
    models : list of SoftmaxRegression
        One fold's fitted models, one per ``C``.
    """
    n_samples, n_features = X.shape
    estimator = clone(estimator)
    n_classes = targets.shape[1] if targets.ndim == 2 else int(targets.max()) + 1
    # The codes as classes: _loss_C and the objective read their number.
    estimator.classes_ = np.arange(n_classes)
    labels, soft = (targets, None) if targets.ndim == 1 else (None, targets)
    weights = estimator._weights(labels, soft, sample_weight, n_samples)
    mean, std = column_statistics(X, weights)
    outputs = 1 if n_classes == 2 else n_classes
    n_params = outputs * (n_features + int(estimator.fit_intercept))
    group = problems_in_flight(len(trains), n_samples, n_params, sparse.issparse(X))
    for first in range(0, len(trains), group):
        folds = trains[first : first + group]
        fold_weights = np.zeros((n_samples, len(folds)))
        for f, train in enumerate(folds):
            # A row listed k times (bootstrap splits) weighs k times, as in
            # the fit on X[train] that LogisticRegressionCV makes.
            fold_weights[:, f] = np.bincount(train, minlength=n_samples) * weights
            if not fold_weights[:, f].sum() > 0:
                raise ValueError(
                    "class_weight and sample_weight together must leave a positive "
                    "total weight in every fold's training rows. Got 0 in fold "
                    f"{first + f + 1}."
                )
        # The rows in the order of the folds that weigh them (a copy of X):
        # each group of rows is multiplied by its folds' parameters only.
        rows, groups = _rows_by_folds(fold_weights, n_features, outputs)
        if rows is None:
            data = X, labels, soft, fold_weights
        else:
            data = (
                X[rows],
                None if labels is None else labels[rows],
                None if soft is None else soft[rows],
                fold_weights[rows],
            )

        def objective_at(data=data, groups=groups):
            conditioning = Conditioning.from_statistics(
                mean, std, weights.sum(), estimator.fit_intercept, estimator._loss_C
            )
            objective = estimator._objective(*data, conditioning)
            if groups is not None:
                objective = objective.in_row_groups(groups)
            return objective, conditioning

        fold_task = None
        if task is not None:

            def fold_task(f, j, first=first, fold_weights=fold_weights):
                return task(first + f, j, fold_weights[:, f])

        models = solve_along_Cs(
            estimator, Cs, objective_at, X, len(folds), n_params, fold_task
        )
        # The folds' copy of X goes before the caller scores them.
        del data, objective_at
        if labels is not None and np.isinf(Cs).any():
            for f, fold_models in enumerate(models):
                for model in fold_models:
                    if np.isinf(model.C):
                        model._warn_if_separated(X, labels, fold_weights[:, f])
        yield from models


def solve_along_Cs(estimator, Cs, objective_at, X, n_folds, n_params, task=None):
    """The folds of one objective fitted along the Cs, weakest penalty last.

    Parameters
    ----------
    estimator : SoftmaxRegression
        The settings of every fit; ``C`` is set here.
    Cs : ndarray of shape (n_Cs,)
    objective_at : callable
        ``objective_at()`` returns the objective with one problem per fold
        and its conditioning, for ``estimator`` at its ``C`` (set before).
        Its data may be in memory or on a Dask cluster (:mod:`skl_softmax.\
_dask_cv`).
    X : array of shape (n_samples, n_features)
        The data (its shape and dtype make the fitted models).
    n_folds, n_params : int
    task : callable, default=None
        ``task(f, j)``: a context manager around fold ``f``'s fit at
        ``Cs[j]``; every fold enters its task before they are solved.

    Returns
    -------
    models : list of list of SoftmaxRegression
        ``models[f][j]``: fold ``f``'s model at ``Cs[j]``, each fit started
        from the fold's solution at the previous ``C``.
    """
    models = [[None] * len(Cs) for _ in range(n_folds)]
    previous = None
    for j in np.argsort(Cs, kind="stable"):
        estimator.set_params(C=Cs[j])
        objective, conditioning = objective_at()
        if previous is None:
            x0s = [np.zeros(n_params) for _ in range(n_folds)]
        else:
            x0s = [_flat(objective, *objective.to_solver(W, b)) for W, b in previous]
        with contextlib.ExitStack() as tasks:
            if task is not None:
                for f in range(n_folds):
                    tasks.enter_context(task(f, j))
            results = _solve_together(estimator, objective, x0s, conditioning)
        previous = [_model_parameters(objective, r.x) for r in results]
        for f, (result, (W, b)) in enumerate(zip(results, previous, strict=True)):
            models[f][j] = _fitted(estimator, X, W, b, result)
    return models


def _rows_by_folds(fold_weights, n_features, outputs_per_fold):
    """The rows grouped by the folds that weigh them, where that pays.

    Returns ``rows``, an order of the rows (``None`` when they are in that
    order already), and the groups of :meth:`~skl_softmax._loss.\
_LinearObjective.in_row_groups` for the rows in that order, or ``(None,
    None)``: then every fold multiplies every row. With k-fold splits each
    row is held out by one fold, and the k groups save each pass a ``1/k`` of
    its products. Splits whose groups would be small (leave-one-out, see
    ``_MIN_GROUP_MULTIPLY_ADDS``) are left as they are.
    """
    weighed = fold_weights > 0
    # A stable sort by the pattern of folds (np.unique(axis=0) took 0.34 s on
    # 200 000 rows and 5 folds, this 15 ms).
    rows = np.lexsort(weighed.T[::-1])
    weighed = weighed[rows]
    changes = np.flatnonzero(np.any(weighed[1:] != weighed[:-1], axis=1)) + 1
    bounds = np.concatenate([[0], changes, [len(rows)]])
    patterns = weighed[bounds[:-1]]
    used = np.flatnonzero(patterns.any(axis=1))
    work = np.diff(bounds)[used] * patterns[used].sum(axis=1)
    work *= n_features * outputs_per_fold
    if len(patterns) == 1 or work.min() < _MIN_GROUP_MULTIPLY_ADDS:
        return None, None  # nothing to skip, or groups too small
    groups = [
        (slice(int(bounds[g]), int(bounds[g + 1])), np.flatnonzero(patterns[g]))
        for g in used
    ]
    if np.all(rows[1:] > rows[:-1]):
        rows = None
    return rows, groups


@naming_unchecked_data()
def _solve_together(estimator, objective, x0s, conditioning):
    """``estimator._solve`` for the problems of ``objective``, evaluated together."""
    started = time.perf_counter()
    if float32_products_overflow(objective.X):
        objective = objective.in_dtype(np.float64)
    measure, first_tol = estimator._solver_settings(objective)
    results, _, _ = minimize_lbfgs_batched(
        _evaluator(objective, np.arange(len(x0s))),
        x0s,
        tol=first_tol,
        max_iter=estimator.max_iter,
        gradient_measure=measure,
    )
    finish = [
        i
        for i, result in enumerate(results)
        if estimator._needs_float64_finish(objective, result, first_tol)
    ]
    if finish:
        # Float32 phases that stopped short: a float64 finish, from there.
        more, _, _ = minimize_lbfgs_batched(
            _evaluator(objective.in_dtype(np.float64), np.array(finish)),
            [results[i].x for i in finish],
            tol=estimator.tol,
            max_iter=[estimator.max_iter - results[i].n_iter for i in finish],
            gradient_measure=measure,
        )
        for i, result in zip(finish, more, strict=True):
            results[i] = chain_results(results[i], result)
    for result in results:
        estimator._warn_unless_converged(result, conditioning)
    if estimator.verbose:
        print_fit_summary(type(estimator).__name__, results, started)
    return results


def _evaluator(objective, problems):
    """The batched solver's ``evaluate`` for the problems ``problems`` of
    ``objective``: flat points in, objectives and flat gradients out."""

    def evaluate(active, points):
        W, b = _split(objective, np.asarray(points))
        losses, grad_W, grad_b = objective.evaluate(W, b, problems[active])
        grads = grad_W.reshape(len(active), -1)
        if objective.fit_intercept:
            grads = np.concatenate([grads, grad_b.reshape(len(active), -1)], axis=1)
        return losses, grads

    return evaluate


def _split(objective, points):
    """Stacked ``W`` and ``b`` (solver coordinates) of flat problem vectors."""
    n_features = objective.n_features
    rows = objective.n_outputs // objective.n_problems
    W = points[:, : rows * n_features].reshape(-1, n_features)
    if objective.fit_intercept:
        return W, points[:, rows * n_features :].reshape(-1)
    return W, np.zeros(W.shape[0])


def _flat(objective, W, b):
    """One problem's flat vector from ``W`` and ``b``, as :func:`_split` reads it."""
    if objective.fit_intercept:
        return np.concatenate([W.ravel(), b])
    return W.ravel().copy()


def _model_parameters(objective, x):
    return objective.to_model(*_split(objective, x[None, :]))


def _fitted(estimator, X, W, b, result):
    """A fitted copy of ``estimator`` with the parameters ``W``, ``b``."""
    model = clone(estimator)
    model.classes_ = estimator.classes_
    model.n_features_in_ = X.shape[1]
    model._fit_dtype = X.dtype
    for name, value in model._fitted_attributes(W, b).items():
        setattr(model, name, value)
    model.n_iter_ = np.array([result.n_iter], dtype=np.int32)
    model.loss_curve_ = np.array(result.loss_curve)
    return model
