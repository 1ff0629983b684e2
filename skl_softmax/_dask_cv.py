"""Cross-validation on Dask collections: the folds fitted where the data are.

Both CV estimators, given Dask data, do what they do in memory, with the sums
over rows on the cluster (:mod:`skl_softmax._dask`) and only parameters,
gradients and scores crossing to the client.

:class:`~skl_softmax.SoftmaxRegressionCV` fits its folds together
(:mod:`skl_softmax._fold_problems`): at each ``C`` one objective holds a
problem per fold, whose weights are the fold's training rows, and
:func:`~skl_softmax._fold_problems.solve_along_Cs` runs on it unchanged. One
round of the cluster per evaluation serves every fold.

:class:`~skl_softmax.OneVsRestLogisticCV` fits its folds together too: at
each ``C`` one binomial objective holds a problem per fold and label, whose
weights are the fold's training rows weighed as a Dask fit on those rows
would weigh them (the fold's constant labels, class weights and errors, from
one pass of counts: :func:`_fold_label_specs`), and the batched solver of
:class:`~skl_softmax.OneVsRestLogistic` runs on it. One round of the cluster
per evaluation serves every fold and label; nothing of ``X`` is copied. A
chunk then holds a column of targets and one of weights per fold and label:
with more than ``_MAX_FOLD_OUTPUTS`` of them, the folds go a group at a time.

A fit, step by step:

1. The inputs are aligned, validated and persisted, and the targets summarised
   (classes, weights), as for a Dask fit of the estimator; for the softmax,
   each chunk's targets and weights are prepared and one pass gives the
   conditioning's statistics. The softmax's class weights are computed once
   on all data (as in memory); one-vs-rest's per fold, from its counts.
2. The splitter runs on one worker, on the targets (``y`` and the splitter's
   metadata, e.g. ``groups``: a number per row, never ``X``, which it sees as
   an array of no columns). Each chunk receives, for its rows, which folds
   train on them and which hold them out.
3. The paths: each fold starts from its solution at the previous ``C``.
4. Held-out scores: with the default scoring, every chunk returns, per fold
   and ``C``, the weighted sum of its held-out rows' scores (the fold models
   predict there, chunk by chunk), added by a tree reduction. Another scorer
   needs the held-out rows together: each fold's are gathered on one worker
   and scored there, once per fold for all Cs.
5. The refit at the best ``C`` (per label for one-vs-rest) is a Dask fit of
   the estimator, warm-started from the folds' mean solution.
"""

import contextlib
import os
import warnings
from functools import partial

import numpy as np
from sklearn import config_context
from sklearn.base import clone
from sklearn.model_selection import check_cv

from . import _dask
from ._cv import (
    _binary_log_likelihoods,
    _checked_folds,
    _Cs_grid,
    _log_losses,
    _path_fit_task,
    _stacked,
)
from ._fold_problems import solve_along_Cs
from ._loss import BinomialLoss
from ._solver import warn_each


def softmax_cross_validate(cv_estimator, X, y, sample_weight, params):
    """What ``SoftmaxRegressionCV._cross_validate`` returns, on Dask data.

    Sets ``classes_``, ``Cs_``, ``n_features_in_`` (and
    ``feature_names_in_``) on ``cv_estimator``. Returns the paths' coefficients,
    iterations and scores, the callbacks' root context, and the data and
    class weights of the refit.
    """
    routed, X, y, sample_weight, blocks, kind, summary = _inputs(
        cv_estimator, X, y, sample_weight, params, "soft"
    )
    if kind != "labels":
        cv_estimator._check_scoring_for_soft_targets()
    spec, cls, kwargs, sw_sum = _dask._softmax_spec(cv_estimator, summary)
    class_weight = spec["factor"] if kind == "labels" else spec["class_weights"]
    # The folds' fits weigh by class codes, as in memory.
    cv_estimator._fold_class_weight = (
        None
        if cv_estimator.class_weight is None
        else dict(enumerate(np.asarray(class_weight, dtype=float).tolist()))
    )
    prepared = _dask.prepare(blocks, spec)
    statistics = _dask._statistics(blocks, prepared, X.shape[0])
    n_folds, folds, contexts, root = _folds(
        cv_estimator, X, y, sample_weight, blocks, routed
    )
    totals = _fold_totals(prepared, folds, n_folds)

    path_estimator = cv_estimator._path_estimator()
    n_classes = cv_estimator.classes_.shape[0]
    path_estimator.classes_ = np.arange(n_classes)
    if cls is BinomialLoss:
        n_outputs, rows_per_fold = n_folds, 1
    else:
        n_outputs, rows_per_fold = n_folds * n_classes, n_classes

    chunk_inputs = [
        (Xb, prep, part)
        for (_, Xb, _, _), prep, part in zip(blocks, prepared, folds, strict=True)
    ]

    def objective_at():
        objective, conditioning, _ = _dask.chunked_objective(
            path_estimator,
            cls,
            X,
            kwargs,
            n_outputs,
            totals,
            statistics,
            sw_sum,
            path_estimator._loss_C,
            chunk_inputs,
            _fold_chunk,
        )
        return objective, conditioning

    task = _path_fit_task(cv_estimator, contexts, X, y)
    n_params = rows_per_fold * (X.shape[1] + int(path_estimator.fit_intercept))
    models = solve_along_Cs(
        path_estimator,
        cv_estimator.Cs_,
        objective_at,
        X,
        n_folds,
        n_params,
        task,
    )
    classes = cv_estimator.classes_
    for fold in models:
        for model in fold:
            model.classes_ = classes
    scores = _held_out_scores(
        models,
        [(Xb, yb, swb) for _, Xb, yb, swb in blocks],
        folds,
        _score_weight(routed.scorer.score, sample_weight),
        None if cv_estimator.scoring is not None else partial(_log_likelihood, classes),
        partial(_scorer_score, cv_estimator._fold_scorer()),
    )
    cv_estimator._print_scores(scores)
    coefs = np.array([[_stacked(model) for model in fold] for fold in models])
    n_iter = np.array([[model.n_iter_ for model in fold] for fold in models])
    refit_class_weight = cv_estimator._fold_class_weight
    if refit_class_weight is not None and kind == "labels":
        classes = cv_estimator.classes_
        refit_class_weight = {classes[k]: w for k, w in refit_class_weight.items()}
    return coefs, n_iter, scores, root, (X, y, sample_weight, refit_class_weight)


def one_vs_rest_cross_validate(cv_estimator, X, y, sample_weight, params):
    """What ``OneVsRestLogisticCV._cross_validate`` returns, on Dask data.

    The folds are fitted together: at each ``C`` one objective holds a problem
    per fold and label, whose weights are the fold's training rows weighed as
    a fit on them would (:func:`_fold_label_specs`), and one round of the
    cluster serves them all. Sets ``classes_`` (and ``multilabel_``), ``Cs_``
    and the features. Returns the paths' coefficients, iterations and scores
    (fold, C, label, ...), the callbacks' root context and the refit's 0/1
    targets per problem.
    """
    import dask

    routed, X, y, sample_weight, blocks, kind, summary = _inputs(
        cv_estimator, X, y, sample_weight, params, "indicator"
    )
    n_problems = _dask.one_vs_rest_classes(cv_estimator, summary, y)
    cv_estimator._check_class_weight_keys()
    classes = None if kind == "indicator" else cv_estimator.classes_
    # Each problem's 0/1 targets, chunk by chunk (as _cv_targets in memory).
    targets = y.map_blocks(
        _problem_targets,
        classes,
        dtype=np.int64,
        chunks=(y.chunks[0], (n_problems,)),
        new_axis=[1] if y.ndim == 1 else None,
    )
    (targets,) = dask.persist(targets)
    target_blocks = [
        block
        for block, size in zip(targets.to_delayed().ravel(), y.chunks[0], strict=True)
        if size > 0
    ]
    n_folds, folds, contexts, root = _folds(
        cv_estimator, X, y, sample_weight, blocks, routed
    )
    fold_models, specs, totals, constant = _fold_label_specs(
        cv_estimator,
        blocks,
        target_blocks,
        folds,
        n_folds,
        n_problems,
    )
    for model in fold_models:
        model.n_features_in_ = X.shape[1]
        model._fit_dtype = X.dtype
    task = _path_fit_task(cv_estimator, contexts, X, y)
    models = [[None] * len(cv_estimator.Cs_) for _ in range(n_folds)]
    # Folds a group at a time, so that a chunk holds at most _MAX_FOLD_OUTPUTS
    # columns of targets and of weights (one fold's, with more labels).
    per_group = max(1, _MAX_FOLD_OUTPUTS // n_problems)
    for first in range(0, n_folds, per_group):
        group = range(first, min(first + per_group, n_folds))
        prepared = dask.persist(
            *[
                _dask._delayed(_prepare_folds)(specs, group, tb, swb, part)
                for (_, _, _, swb), tb, part in zip(
                    blocks, target_blocks, folds, strict=True
                )
            ]
        )
        outputs = np.concatenate(
            [np.arange(f * n_problems, (f + 1) * n_problems) for f in group]
        )
        objective_at = _fold_group_objective(
            X, blocks, prepared, totals[outputs], summary["weight"]
        )
        _fit_fold_group(
            cv_estimator.Cs_,
            objective_at,
            group,
            fold_models,
            constant[outputs],
            task,
            models,
        )
        del prepared
    n_iter = np.array([[model.n_iter_ for model in fold] for fold in models])
    scorer = type(cv_estimator)(scoring=cv_estimator.scoring)
    scores = _held_out_scores(
        models,
        [
            (Xb, tb, swb)
            for (_, Xb, _, swb), tb in zip(blocks, target_blocks, strict=True)
        ],
        folds,
        _score_weight(routed.scorer.score, sample_weight),
        None if cv_estimator.scoring is not None else _label_log_likelihoods,
        partial(_label_scores, scorer),
    )
    cv_estimator._print_scores(scores)
    coefs = np.array([[_stacked(model) for model in fold] for fold in models])
    return coefs, n_iter, scores, root, targets


# Columns of targets and of weights (folds × labels) that a chunk's objective
# holds when the folds of OneVsRestLogisticCV are fitted together: 64 columns
# of float64 are 1 KiB a row. With more labels, one fold at a time.
_MAX_FOLD_OUTPUTS = 64


def _problem_targets(y_block, classes):
    if classes is None:
        return np.asarray(y_block, dtype=np.int64)
    Y = (np.asarray(y_block)[:, None] == classes).astype(np.int64)
    return Y[:, 1:] if classes.shape[0] == 2 else Y


def _chunk_fold_counts(targets, sw_block, part):
    """Per fold: training rows, their weight, and per label their positives
    and the positives' weight (labels × folds)."""
    train = part[0].astype(np.float64)
    T = np.asarray(targets, dtype=np.float64)
    sw = np.asarray(sw_block, dtype=np.float64)
    return train.sum(axis=0), sw @ train, T.T @ train, T.T @ (sw[:, None] * train)


def _fold_label_specs(cv_estimator, blocks, target_blocks, folds, n_folds, K):
    """Each fold's one-vs-rest fit as a fit on its training rows would see it.

    One pass counts every fold's training rows and, per label, their
    positives (a tree reduction); from these each fold's problems get what
    :func:`skl_softmax._dask._one_vs_rest_spec` gives a Dask fit on those
    rows: its classes, constant labels (with their warning), class weights and
    errors. Returns per fold its model (the fit's settings and classes), its
    spec, and the total weights and constant flags of all its labels
    (concatenated fold after fold).
    """
    import dask

    parts = [
        _dask._delayed(_chunk_fold_counts)(tb, swb, part)
        for (_, _, _, swb), tb, part in zip(blocks, target_blocks, folds, strict=True)
    ]
    ((rows, weight, positives, mass),) = dask.compute(_dask._tree(parts, _add_pairs))
    path_estimator = cv_estimator._path_estimator()
    # One column: the fold fits 0/1 labels (_fold_targets), as binary data.
    binary = K == 1
    models, specs, totals, constant = [], [], [], []
    for f in range(n_folds):
        n_train = int(round(rows[f]))
        if binary:
            # The fold's fit sees 0/1 labels: a summary of labels, as pass 1's.
            counts = np.array([n_train - positives[0, f], positives[0, f]])
            present = counts > 0
            summary = {
                "weight": weight[f],
                "values": np.arange(2)[present],
                "totals": np.array([weight[f] - mass[0, f], mass[0, f]])[present],
            }
            shape = (n_train,)
        else:
            summary = {
                "weight": weight[f],
                "positives": positives[:, f],
                "mass": mass[:, f],
            }
            shape = (n_train, K)
        model = clone(path_estimator)
        cv_estimator._prepare_fold_estimator(model)
        # Only the shape and dtype of the fold's targets are read.
        stand_in = np.broadcast_to(np.int64(0), shape)
        spec, _, _, fold_totals, _, fold_constant = _dask._one_vs_rest_spec(
            model, summary, stand_in
        )
        models.append(model)
        specs.append(spec)
        totals.append(fold_totals)
        constant.append(fold_constant)
    return models, specs, np.concatenate(totals), np.concatenate(constant)


def _prepare_folds(specs, group, targets, sw_block, part):
    """The chunk's targets and weights for the folds of ``group``, side by side
    (each fold's labels in turn), and its sample weights (the statistics')."""
    targets = np.asarray(targets)
    sw = np.asarray(sw_block, dtype=np.float64)
    y = targets[:, 0] if targets.shape[1] == 1 else targets
    Ys, Ws = [], []
    for f in group:
        # As the fold's fit: its rows' weights, zero outside them.
        Y, weights, _ = _dask._prepare_chunk(specs[f], y, sw * part[0][:, f])
        Ys.append(Y)
        Ws.append(np.broadcast_to(weights.reshape(Y.shape[0], -1), Y.shape))
    return np.hstack(Ys), np.hstack(Ws), sw


def _fold_group_objective(X, blocks, prepared, totals, weight_sum):
    """``objective_at(model)``: the chunked objective of a group's problems at
    ``model.C``, its conditioning and the client (see :func:`_fit_fold_group`).

    The change of variables comes from the statistics of all rows, not of each
    fold's (it changes the solver's path, not the optimum).
    """
    statistics = _dask._statistics(blocks, prepared, X.shape[0])
    chunk_inputs = [
        (Xb, prep) for (_, Xb, _, _), prep in zip(blocks, prepared, strict=True)
    ]

    def objective_at(model):
        return _dask.chunked_objective(
            model,
            BinomialLoss,
            X,
            {},
            len(totals),
            totals,
            statistics,
            weight_sum,
            model.C,
            chunk_inputs,
        )

    return objective_at


def _fit_fold_group(Cs, objective_at, group, fold_models, constant, task, models):
    """The paths of the folds of ``group``, their labels solved together at each C.

    ``fold_models[f]`` holds fold ``f``'s settings and classes; each fold's
    labels are ``len(constant) // len(group)`` consecutive problems of the
    objective. Fills ``models[f][j]`` with a fitted copy of fold ``f``'s model
    at ``Cs[j]``; every fit starts from the fold's solution at the previous
    ``C``, warns as a fit on the fold's rows would, and enters ``task(f, j)``
    (callbacks) while the group is solved.
    """
    n_labels = len(constant) // len(group)
    members = [fold_models[f] for f in group]
    solver = clone(members[0]).set_params(class_weight=None, warm_start=True)
    solver.classes_ = np.arange(len(constant))
    solver.multilabel_ = True
    solver._fit_dtype = members[0]._fit_dtype
    solver.n_features_in_ = members[0].n_features_in_

    # verbose > 1 prints each problem's iterations: named by label and fold.
    def problem_name(k):
        position, label = divmod(int(k), n_labels)
        return f"{members[position]._label_name(label)} of fold {group[position] + 1}"

    for j in np.argsort(Cs, kind="stable"):
        solver.set_params(C=Cs[j])
        objective, conditioning, client = objective_at(solver)
        labels = _dask._ChunkedLabelProblems.of(objective, conditioning, constant == 0)
        # The folds' fits report no iterations of their own (as the softmax's
        # folds fitted together).
        callbacks = solver._start_callbacks(None, None, None, solver.max_iter + 1)
        with contextlib.ExitStack() as tasks:
            if task is not None:
                for f in group:
                    tasks.enter_context(task(f, j))
            results = solver._solve_labels(labels, constant, callbacks, problem_name)
        callbacks.end_fit()
        separated = None
        if np.isinf(Cs[j]):
            separated = _dask.separated_outputs(
                objective._chunks, client, solver.coef_, solver.intercept_
            )
        for position, (f, model) in enumerate(zip(group, members, strict=True)):
            rows = slice(position * n_labels, (position + 1) * n_labels)
            model.set_params(C=Cs[j])
            for name, value in model._fitted_attributes(
                solver.coef_[rows], solver.intercept_[rows]
            ).items():
                setattr(model, name, value)
            model.n_iter_ = solver.n_iter_[rows]
            model._warn_if_not_converged(results[rows], conditioning)
            if separated is not None:
                _dask.warn_if_labels_separated(
                    model, separated[rows], objective.n_features, constant[rows]
                )
            models[f][j] = _scoring_copy(model)


def _scoring_copy(model):
    """The fitted ``model``'s parameters in a fresh copy (it is refitted on)."""
    copy = clone(model)
    for name in ("coef_", "intercept_", "classes_", "multilabel_", "n_features_in_"):
        value = getattr(model, name)
        setattr(copy, name, value.copy() if isinstance(value, np.ndarray) else value)
    copy._fit_dtype = model._fit_dtype
    copy.n_iter_ = model.n_iter_
    return copy


def _label_log_likelihoods(model, X, T, weights):
    """OneVsRestLogisticCV's default scores, times the rows' total weight."""
    return weights @ _binary_log_likelihoods(T, model.decision_function(X))


def _label_scores(cv_estimator, model, X, T, params):
    return cv_estimator._score_fold(model, X, None, T, params)


def _inputs(cv_estimator, X, y, sample_weight, params, kind_2d):
    """Routing, then the inputs aligned, persisted and summarised (pass 1)."""
    import dask

    routed = cv_estimator._routed_fit_params(sample_weight, params)
    X, y, sample_weight = _dask._aligned_inputs(cv_estimator, X, y, sample_weight)
    # Chunks NumPy would multiply without BLAS are copied once here, not at
    # every C (their objectives are rebuilt per C).
    (X,) = dask.persist(X.map_blocks(_dask._aligned, dtype=X.dtype))
    _dask.start_host_fit(cv_estimator, X.dtype)
    blocks = _dask._blocks(X, y, sample_weight)
    kind = "labels" if y.ndim == 1 else kind_2d
    summary = _dask._summarise(cv_estimator, kind, blocks, X.shape[1])
    return routed, X, y, sample_weight, blocks, kind, summary


def _folds(cv_estimator, X, y, sample_weight, blocks, routed):
    """The folds (split on a worker), ``Cs_``, and the callbacks' contexts."""
    n_folds, folds = _split(cv_estimator.cv, X, blocks, routed.splitter.split)
    cv_estimator.Cs_ = _Cs_grid(cv_estimator.Cs)
    contexts, root = cv_estimator._callback_contexts(X, y, sample_weight, n_folds)
    return n_folds, folds, contexts, root


# -- the folds ------------------------------------------------------------------


def _split(cv, X, blocks, split_params):
    """Run the splitter on a worker; per chunk, its rows' memberships (Delayed)."""
    import dask

    sizes = [size for size in X.chunks[0] if size > 0]  # as _dask._blocks
    y_parts = [yb for _, _, yb, _ in blocks]
    split = _dask._delayed(_split_rows)(cv, y_parts, split_params, sizes, os.getpid())
    (split,) = dask.persist(split)
    n_folds, caught = dask.compute(split[0], split[2])
    warn_each(caught)  # as the splitter warns in memory
    folds = dask.persist(*[split[1][i] for i in range(len(blocks))])
    return n_folds, folds


def _split_rows(cv, y_parts, split_params, sizes, client_pid):
    """The folds of ``check_cv(cv, y)``, cut along the chunks.

    Returns the number of folds, per chunk ``(train, test)``: how often
    each fold trains on each row and how often it holds it out (rows × folds;
    a row listed twice, as bootstrap splits list rows, weighs twice, as in a
    fit on ``X[train]``), and the splitter's warnings (``(message,
    category)``) when it ran in a worker process, for the client to issue.
    """
    y = np.concatenate(y_parts)
    # The splitter's warnings (a class with fewer members than folds) would
    # stay in a worker process's log: recorded there (the record is that
    # process's while the split runs). In the client's process (a threaded
    # scheduler) they are issued as they are: recording them would change
    # what the user's other threads see.
    elsewhere = os.getpid() != client_pid
    record = (
        warnings.catch_warnings(record=True)
        if elsewhere
        else contextlib.nullcontext([])
    )
    with record as caught:
        splitter = check_cv(cv, y, classifier=True)
        folds = _checked_folds(
            splitter.split(np.empty((y.shape[0], 0)), y, **split_params), y.shape[0]
        )
    train = np.zeros((y.shape[0], len(folds)), dtype=np.int32)
    test = np.zeros((y.shape[0], len(folds)))
    for f, (train_rows, test_rows) in enumerate(folds):
        train[:, f] = np.bincount(train_rows, minlength=y.shape[0])
        test[:, f] = np.bincount(test_rows, minlength=y.shape[0])
    bounds = np.cumsum([0, *sizes])
    parts = [
        (train[start:stop], test[start:stop])
        for start, stop in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    return len(folds), parts, [(str(w.message), w.category) for w in caught]


def _chunk_fold_totals(prepared, part):
    return prepared[1] @ part[0]


def _fold_totals(prepared, folds, n_folds):
    """Every fold's total training weight, as the in-memory check."""
    import dask

    parts = [
        _dask._delayed(_chunk_fold_totals)(prep, part)
        for prep, part in zip(prepared, folds, strict=True)
    ]
    (totals,) = dask.compute(_dask._tree(parts, _add))
    totals = np.asarray(totals, dtype=np.float64).reshape(n_folds)
    empty = np.flatnonzero(~(totals > 0))
    if empty.size:
        raise ValueError(
            "class_weight and sample_weight together must leave a positive "
            f"total weight in every fold's training rows. Got 0 in fold "
            f"{empty[0] + 1}."
        )
    return totals


def _add(*parts):
    return sum(parts[1:], parts[0])


def _fold_chunk(cls, X_block, prepared, part, largest, kwargs):
    """The chunk's objective with a problem per fold: its training weights."""
    targets, weights, _ = prepared
    weights = weights[:, None] * part[0]
    if cls is BinomialLoss:
        targets = np.repeat(targets, weights.shape[1], axis=1)
    # X_block was made aligned once (_inputs).
    return cls(X_block, targets, weights / largest, **kwargs)


# -- the held-out scores ----------------------------------------------------------


def _log_likelihood(classes, model, X, y, weights):
    """SoftmaxRegressionCV's default score, times the rows' total weight."""
    return -(weights @ _log_losses(y, model.decision_function(X), classes))


def _scorer_score(scorer, model, X, y, params):
    return scorer(model, X, y, **params)


def _held_out_scores(models, blocks, folds, score_weight, row_scores, gathered):
    """``scores_`` (n_folds, n_Cs, ...): each fold's models on its held-out rows.

    ``blocks`` holds each chunk's ``(X, targets, weights)`` (Delayed).
    ``row_scores(model, X, targets, weights)`` is the weighted sum of the rows'
    scores (the default scoring, a mean over rows): every chunk returns it per
    fold and C, and the sums are added by a tree reduction. Otherwise
    ``gathered(model, X, targets, params)`` scores a fold's held-out rows
    together, on the worker that gathered them.
    """
    import dask

    if score_weight is None:
        blocks = [(Xb, tb, None) for Xb, tb, _ in blocks]
    if row_scores is not None:
        models_key = dask.delayed(models, traverse=False)
        parts = [
            _dask._delayed(_chunk_scores)(row_scores, models_key, *block, part)
            for block, part in zip(blocks, folds, strict=True)
        ]
        ((sums, weights),) = dask.compute(_dask._tree(parts, _add_pairs))
        return sums / weights.reshape((-1,) + (1,) * (sums.ndim - 1))
    fold_scores = []
    for f, fold in enumerate(models):
        rows = [
            _dask._delayed(_held_out_rows)(*block, part, f)
            for block, part in zip(blocks, folds, strict=True)
        ]
        fold_scores.append(_dask._delayed(_score_gathered)(gathered, fold, rows))
    (scores,) = dask.compute(fold_scores)
    return np.array(scores)


def _score_weight(score_params, sample_weight):
    """The held-out scores' weights: the fit's ``sample_weight`` or None."""
    unknown = sorted(set(score_params) - {"sample_weight"})
    if unknown:
        raise ValueError(
            "On Dask data the held-out scores take sample_weight only. Got the "
            f"scoring parameters {unknown} instead."
        )
    return None if score_params.get("sample_weight") is None else sample_weight


def _chunk_scores(row_scores, models, X_block, targets, sw_block, part):
    """Per fold and C: the summed scores of the chunk's held-out rows, and
    their total weight per fold."""
    _, test = part
    weights, per_fold = np.zeros(len(models)), []
    for f, fold in enumerate(models):
        rows = np.flatnonzero(test[:, f])
        if rows.size == 0:
            per_fold.append(None)
            continue
        w = test[rows, f]
        if sw_block is not None:
            w = w * np.asarray(sw_block)[rows]
        X_test = _dask._aligned(np.asarray(X_block)[rows])
        t_test = np.asarray(targets)[rows]
        weights[f] = w.sum()
        per_fold.append(np.array([row_scores(m, X_test, t_test, w) for m in fold]))
    shape = next(sums.shape for sums in per_fold if sums is not None)
    return np.stack([np.zeros(shape) if s is None else s for s in per_fold]), weights


def _add_pairs(*parts):
    return tuple(sum(items[1:], items[0]) for items in zip(*parts, strict=True))


def _held_out_rows(X_block, targets, sw_block, part, f):
    rows = np.repeat(np.arange(part[1].shape[0]), part[1][:, f].astype(np.intp))
    sw = None if sw_block is None else np.asarray(sw_block)[rows]
    return np.asarray(X_block)[rows], np.asarray(targets)[rows], sw


def _score_gathered(gathered, models, rows):
    """One fold's held-out rows together, scored at every C on this worker."""
    X_test = np.concatenate([X for X, _, _ in rows])
    t_test = np.concatenate([t for _, t, _ in rows])
    params = {}
    if rows[0][2] is not None:
        params["sample_weight"] = np.concatenate([sw for _, _, sw in rows])
    # X was checked for NaN and infinity as it was persisted.
    with config_context(assume_finite=True):
        return [gathered(model, X_test, t_test, params) for model in models]


# -- score ----------------------------------------------------------------------


def softmax_score(estimator, X, y, sample_weight):
    """``SoftmaxRegressionCV``'s default score on Dask data, computed on the
    cluster: the weighted mean log-likelihood of the rows, chunk by chunk."""
    classes = estimator.classes_
    log_likelihoods, sample_weight = _per_row(
        estimator,
        X,
        y,
        sample_weight,
        lambda y, scores: -_log_losses(y, scores, classes),
        1,
    )
    return float(_dask.weighted_mean(log_likelihoods, sample_weight)[0])


def one_vs_rest_score(estimator, X, y, sample_weight):
    """``OneVsRestLogisticCV``'s default score on Dask data, computed on the
    cluster: the mean over the labels of their weighted mean log-likelihoods."""

    def log_likelihoods(y, scores):
        return _binary_log_likelihoods(estimator._problem_targets(y), scores)

    n_labels = estimator.coef_.shape[0]
    per_label, sample_weight = _per_row(
        estimator, X, y, sample_weight, log_likelihoods, n_labels
    )
    return float(np.mean(_dask.weighted_mean(per_label, sample_weight)))


def _per_row(estimator, X, y, sample_weight, function, n_columns):
    """``function(y, scores)`` of every row (a lazy array with ``n_columns``),
    and the checked weights of the rows (see :func:`_dask.scored_rows`)."""
    import dask.array as da

    scores, y, sample_weight = _dask.scored_rows(
        estimator, "decision_function", X, y, sample_weight
    )
    if scores.ndim == 1:
        scores = scores[:, None]
    if y.ndim == 1:
        y = y[:, None]
    per_row = da.map_blocks(
        _rows_of_blocks,
        function,
        y,
        scores,
        dtype=np.float64,
        chunks=(scores.chunks[0], (n_columns,)),
    )
    return per_row, sample_weight


def _rows_of_blocks(function, y, scores):
    y = y[:, 0] if y.shape[1] == 1 else y
    scores = scores[:, 0] if scores.shape[1] == 1 else scores
    return np.asarray(function(y, scores), dtype=np.float64).reshape(y.shape[0], -1)
