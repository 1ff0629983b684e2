"""Fitting and predicting on Dask collections: where the sums run, not what they are.

Imported only when an estimator meets a Dask array, dataframe or series, so
that importing ``skl_softmax`` never imports Dask. Nothing here knows the
formulas: every chunk of rows becomes an objective of the same class the
in-memory fit uses (:class:`~skl_softmax._loss.MultinomialLoss` or
:class:`~skl_softmax._loss.BinomialLoss`), built once on the worker that holds
the chunk, and every evaluation calls its ``sums`` there.

A fit, step by step:

1. The inputs are aligned chunk by chunk (one column chunk, the same row
   chunks for ``X``, ``y`` and ``sample_weight``), each chunk of ``X`` passes
   :func:`~sklearn.utils.validation.check_array` on its worker, and the data
   are persisted on the workers: the one read of the source.
2. One pass over the persisted chunks validates ``y`` and the weights with the
   in-memory checks, and returns per-chunk summaries: the classes, their
   weighted totals, the target masses. These are added by a tree reduction.
3. One pass builds each chunk's targets and final weights and returns their
   largest value and the weighted column means and variances of the rows the
   in-memory fit uses for its conditioning (every ``step``-th row); the chunks'
   moments are merged pairwise (Chan et al.'s update), never by gathering rows.
4. Each chunk's objective is built and persisted. Per evaluation the
   parameters go to the cluster once (one key every task depends on), each
   chunk returns its ``sums``, a tree reduction adds them on the cluster, and
   the client receives one ``(loss, grad_W, grad_b)`` the size of the
   parameters, on which the objective's own finish step (normalisation,
   penalty, change of variables) and SciPy's L-BFGS-B run as in memory.

Whatever scheduler is current runs the graphs: the current
``distributed.Client`` if there is one, else Dask's default (threads). No
cluster is ever started here.
"""

import numpy as np
from scipy import sparse
from sklearn.base import clone
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    column_or_1d,
    validate_data,
)

from ._base import (
    _STATISTICS_ROWS,
    Conditioning,
    bounded_C,
    check_sample_weight,
    class_sample_weight,
    linear_logits,
    sample_margins,
)
from ._label_problems import LabelProblems, LabelTargets
from ._loss import BinomialLoss, MultinomialLoss

# Partial results are added this many at a time: a tree of depth
# log_8(n_chunks), so that no single task receives every chunk's gradient.
_FAN_IN = 8
# One-vs-rest labels in flight on a cluster: a round of the cluster evaluates
# them all, and each keeps a thread of L-BFGS-B bookkeeping on the client. More
# labels take turns, so that the threads stay bounded whatever their number
# (in memory, where a round is a pass over X, at most 32 are in flight).
_MAX_LABELS_IN_FLIGHT = 64


# -- the distributed objective ------------------------------------------------------


class _ChunkedSums:
    """An objective whose ``sums`` are added over chunk objectives on the cluster.

    Built like the in-memory class on zero rows (so that it knows the layout,
    the penalty and the change of variables), given the total weights
    ``sw_sum`` of all rows, then attached to the chunks' objectives.
    """

    def _attach(self, chunks, client):
        self._chunks = chunks
        self._client = client
        self._groups = None

    def sums(self, W, b, outputs=None):
        params = (np.asarray(W), np.asarray(b), outputs)
        if self._client is None:
            result = self._sums_by_graph(params)
        else:
            result = self._sums_by_worker(params)
        self.n_evaluations += 1
        return result

    def _sums_by_graph(self, params):
        # Any Dask scheduler: one task per chunk, a tree of additions.
        import dask

        # One key holds the parameters, which every chunk's task reads.
        params = dask.delayed(params, pure=False, traverse=False)
        parts = [
            dask.delayed(_chunk_sums, pure=False)(params, self.dtype, chunk)
            for chunk in self._chunks
        ]
        (result,) = dask.compute(_tree(parts, _add_sums))
        return result

    def _sums_by_worker(self, params):
        # A distributed cluster: one task per worker thread, over the chunks
        # that worker holds. Each task costs the scheduler a few milliseconds,
        # an evaluation then costs a few tasks whatever the number of chunks.
        # The last addition is the client's: up to _FAN_IN parts, each the size
        # of the parameters, come back, one hop sooner than through a task of
        # additions (0.77x the round trip on two workers:
        # benchmarks/results/2026-12-01-dask-round-trip/).
        client = self._client
        if self._groups is None:
            self._groups = _groups_by_thread(client, self._chunks)
        parts = [
            client.submit(
                _chunk_sums,
                params,
                self.dtype,
                *group,
                pure=False,
                # Where the chunks are; anywhere when their holder is unknown.
                workers=None if worker is None else [worker],
                allow_other_workers=worker is not None,
            )
            for worker, group in self._groups
        ]
        while len(parts) > _FAN_IN:
            parts = [
                client.submit(_add_sums, *parts[i : i + _FAN_IN], pure=False)
                for i in range(0, len(parts), _FAN_IN)
            ]
        return _add_sums(*client.gather(parts))


def _groups_by_thread(client, chunks):
    """The chunk futures grouped by the worker holding them, one group per thread."""
    import distributed

    distributed.wait(chunks)
    holders = client.who_has(chunks)
    threads = client.nthreads()
    by_worker = {}
    for chunk in chunks:
        worker = (holders.get(chunk.key) or [None])[0]
        by_worker.setdefault(worker, []).append(chunk)
    groups = []
    for worker, held in by_worker.items():
        n_groups = max(1, min(len(held), threads.get(worker, 1)))
        groups += [(worker, held[i::n_groups]) for i in range(n_groups)]
    return groups


class _ChunkedMultinomialLoss(_ChunkedSums, MultinomialLoss):
    pass


class _ChunkedBinomialLoss(_ChunkedSums, BinomialLoss):
    pass


def _chunk_sums(params, dtype, *objectives):
    """The sums of the chunks ``objectives``, added."""
    W, b, outputs = params
    total = None
    for objective in objectives:
        if objective.dtype != dtype:
            objective = objective.in_dtype(dtype)
        part = objective.sums(W, b, outputs)
        total = part if total is None else _add_sums(total, part)
    return total


def _add_sums(*parts):
    loss, grad_W, grad_b = parts[0]
    grad_W, grad_b = grad_W.copy(), grad_b.copy()
    for part_loss, part_W, part_b in parts[1:]:
        loss = loss + part_loss
        grad_W += part_W
        grad_b += part_b
    return loss, grad_W, grad_b


def _tree(parts, combine):
    """``combine`` applied over ``parts`` (Delayed) as a tree of fan-in 8."""
    import dask

    while len(parts) > 1:
        parts = [
            dask.delayed(combine, pure=False)(*parts[i : i + _FAN_IN])
            for i in range(0, len(parts), _FAN_IN)
        ]
    return parts[0]


def _current_client():
    """The distributed Client Dask would use now, or None (threads, processes)."""
    import sys

    if "distributed" not in sys.modules:
        return None
    import dask
    import distributed

    if dask.config.get("scheduler", None) not in (None, "dask.distributed"):
        return None
    try:
        return distributed.default_client()
    except ValueError:
        return None


# -- inputs ---------------------------------------------------------------------


def _as_dask_array(data, name, row_chunks=None):
    """A Dask array from a Dask array, dataframe, series or in-memory array."""
    import dask.array as da

    if hasattr(data, "to_dask_array"):
        data = _with_numpy_dtypes(data).to_dask_array(lengths=True)
    elif sparse.issparse(data):
        # An in-memory sparse indicator: densified a chunk at a time, on the
        # workers, as the chunks of a Dask y are dense.
        data = da.from_array(
            data, chunks=(row_chunks, -1), asarray=False, meta=data[:0]
        ).map_blocks(_dense, dtype=data.dtype, meta=np.empty((0, 0), data.dtype))
    elif not isinstance(data, da.Array):
        data = np.asarray(data)
        if row_chunks is None or data.ndim == 0:
            raise TypeError(
                f"{name} must be a Dask or NumPy array. Got "
                f"{type(data).__name__} instead."
            )
        data = da.from_array(data, chunks=(row_chunks,) + data.shape[1:])
    if any(np.isnan(size) for size in data.shape):
        data = data.compute_chunk_sizes()
    if data.ndim == 2 and len(data.chunks[1]) > 1:
        data = data.rechunk({1: -1})
    return data


def _dense(block):
    return block.toarray()


def _with_numpy_dtypes(frame):
    """A Dask dataframe or series whose nullable numeric columns (``Int64``,
    ``Float64``, ``boolean``) are float64, ``NA`` as NaN, partition by
    partition: as scikit-learn converts them in memory (``to_dask_array``
    would make object arrays of them). NaN is then refused, as in memory."""
    import pandas as pd

    dtypes = frame.dtypes if frame.ndim == 2 else pd.Series({None: frame.dtype})
    nullable = [
        column
        for column, dtype in dtypes.items()
        if pd.api.types.is_extension_array_dtype(dtype) and dtype.kind in "biuf"
    ]
    if not nullable:
        return frame
    if frame.ndim == 1:
        return frame.astype(np.float64)
    return frame.astype(dict.fromkeys(nullable, np.float64))


def _check_rows(data, X, name):
    """``data`` has the rows of ``X`` (one of them in memory), or the in-memory
    path's message says it has not (not Dask's "Chunks do not add up")."""
    if name == "sample_weight":
        if np.shape(data) != (np.shape(X)[0],):
            check_sample_weight(np.zeros(np.shape(data)), np.shape(X)[0])
    else:
        check_consistent_length(X, data)


def _feature_proxy(X):
    """One row standing for ``X`` in scikit-learn's feature checks.

    A Dask dataframe stands in by a one-row pandas frame with its columns, so
    that ``feature_names_in_`` is set and checked as for pandas input.
    """
    if hasattr(X, "_meta_nonempty"):
        meta = X._meta_nonempty
        _check_no_text_columns(meta.to_frame() if meta.ndim == 1 else meta)
        return meta.iloc[:1]
    if hasattr(X, "iloc"):  # pandas X beside a Dask y: its columns' names
        return X.iloc[:1]
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
    return np.zeros((1,) + X.shape[1:], dtype=dtype)


def _check_no_text_columns(frame):
    """Refuse a Dask dataframe's text columns by name, from its meta.

    Checked on the chunks, the message would quote the meta's placeholder
    values ("foo") rather than say which columns hold text.
    """
    from pandas.api.types import is_object_dtype, is_string_dtype

    text = [
        f"{name!r} ({dtype})"
        for name, dtype in frame.dtypes.items()
        if is_object_dtype(dtype) or is_string_dtype(dtype)
    ]
    if text:
        raise ValueError(
            "could not convert string to float: X, a Dask dataframe, has "
            f"columns of object or string dtype: {', '.join(text)}. Convert "
            "them to numbers (astype(float)) or encode them, for example "
            "with sklearn.preprocessing.OneHotEncoder in a ColumnTransformer."
        )


def _check_X_chunk(block, estimator_name):
    return check_array(
        block,
        dtype=[np.float64, np.float32],
        ensure_min_samples=0,
        input_name="X",
        estimator=estimator_name,
    )


def _aligned_inputs(estimator, X, y, sample_weight):
    """``X``, ``y``, ``sample_weight`` persisted, as Dask arrays of equal row chunks."""
    import dask
    import dask.array as da

    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y "
            "is None."
        )
    if not (is_dask(X) or hasattr(X, "shape")):
        X = np.asarray(X)
    proxy = _feature_proxy(X)
    row_chunks = None
    if not is_dask(X):
        # In-memory X takes the row chunks of the Dask y or sample_weight.
        if is_dask(y):
            y = _as_dask_array(y, "y")
            _check_rows(y, X, "y")
            row_chunks = y.chunks[0]
        elif is_dask(sample_weight):
            sample_weight = _as_dask_array(sample_weight, "sample_weight")
            _check_rows(sample_weight, X, "sample_weight")
            row_chunks = sample_weight.chunks[0]
    X = _as_dask_array(X, "X", row_chunks)
    if X.ndim != 2:
        raise ValueError(
            "X must be a 2-D array of shape (n_samples, n_features). Got shape "
            f"{X.shape} instead."
        )
    # Sets n_features_in_ and feature_names_in_ exactly as for in-memory data.
    validate_data(estimator, proxy, reset=True, dtype=[np.float64, np.float32])
    # Each chunk passes the in-memory check (NaN, infinity, non-numeric values)
    # on its worker, as it is persisted; integers become float64 there.
    X = X.map_blocks(
        _check_X_chunk,
        type(estimator).__name__,
        dtype=X.dtype if X.dtype in (np.float32, np.float64) else np.float64,
    )
    if not is_dask(y):
        _check_rows(y, X, "y")
    y = _as_dask_array(y, "y", X.chunks[0])
    check_consistent_length(X, y)
    if sample_weight is None:
        sample_weight = da.ones(X.shape[0], chunks=X.chunks[0])
    else:
        sample_weight = _weights_in_rows(sample_weight, X, X.chunks[0])
    for name, data in (("y", y), ("sample_weight", sample_weight)):
        if data.chunks[0] != X.chunks[0]:
            raise ValueError(
                f"{name} must have the row chunks of X (chunks are processed "
                f"together). Got {name} chunks {data.chunks[0]} and X chunks "
                f"{X.chunks[0]} instead; rechunk {name} with "
                f"{name}.rechunk({{0: X.chunks[0]}})."
            )
    if y.ndim == 2 and y.shape[1] == 1:
        column_or_1d(np.zeros((1, 1)), warn=True)
        y = y[:, 0]
    if y.ndim > 2:
        raise ValueError(f"y must be 1-D or 2-D. Got shape {y.shape} instead.")
    return dask.persist(X, y, sample_weight)


def start_host_fit(estimator, dtype):
    """A Dask fit's fitted attributes are NumPy arrays, whatever came before
    (an Array API fit of the same estimator left its namespace there)."""
    from ._array_api import NUMPY

    estimator._fit_dtype = dtype
    estimator._fit_backend = NUMPY


def is_dask(obj):
    from ._base import is_dask_collection

    return is_dask_collection(obj)


def _blocks(*arrays):
    """Per row chunk: the global index of its first row, and one Delayed per array."""
    starts = np.concatenate([[0], np.cumsum(arrays[0].chunks[0])[:-1]])
    delayed = [array.to_delayed().ravel() for array in arrays]
    sizes = arrays[0].chunks[0]
    return [
        (int(start), *parts)
        for start, size, *parts in zip(starts, sizes, *delayed, strict=True)
        if size > 0
    ]


# -- pass 1: validation and the summaries of targets and weights ------------------


def _summarise_chunk(estimator, kind, X_block, y_block, sw_block):
    # X_block is an argument so that its check (and its errors) come first.
    sw_block = _check_weight_chunk(sw_block)
    y_block = _check_y_chunk(y_block)
    summary = {"weight": float(sw_block.sum())}
    if kind == "labels":
        check_classification_targets(y_block)
        values, labels = np.unique(y_block, return_inverse=True)
        summary["values"] = values
        summary["totals"] = np.bincount(labels, weights=sw_block, minlength=len(values))
    elif kind == "soft":
        # The rows checked and renormalised as the in-memory fit takes them.
        summary["mass"] = sw_block @ clone(estimator)._soft_targets(y_block)
    else:
        clone(estimator)._indicator_targets(y_block)
        Y = np.asarray(y_block, dtype=np.float64)
        summary["positives"] = Y.sum(axis=0)
        summary["mass"] = sw_block @ Y
    return summary


def _merge_summaries(*summaries):
    merged = {"weight": sum(summary["weight"] for summary in summaries)}
    if "values" in summaries[0]:
        values = summaries[0]["values"]
        for summary in summaries[1:]:
            values = np.union1d(values, summary["values"])
        totals = np.zeros(len(values))
        for summary in summaries:
            totals[np.searchsorted(values, summary["values"])] += summary["totals"]
        merged["values"], merged["totals"] = values, totals
    for key in ("mass", "positives"):
        if key in summaries[0]:
            merged[key] = sum(summary[key] for summary in summaries)
    return merged


# -- pass 2: targets, weights and the conditioning statistics ---------------------


def _prepare_chunk(spec, y_block, sw_block):
    """The chunk's loss targets, loss weights and statistics weights."""
    kind = spec["kind"]
    sw = np.asarray(sw_block, dtype=np.float64)
    if kind in ("softmax-labels", "ovr-labels"):
        labels = np.searchsorted(spec["classes"], y_block).astype(np.intp)
        n_classes = len(spec["classes"])
        if kind == "softmax-labels":
            weights = sw * spec["factor"][labels]
            if n_classes == 2:
                eps = spec["eps"]
                return (
                    ((1.0 - eps) * labels + eps / 2)[:, None],
                    weights,
                    weights,
                )
            return labels, weights, weights
        if n_classes == 2:
            Y = labels[:, None].astype(np.float64)
        else:
            Y = (labels[:, None] == np.arange(n_classes)).astype(np.float64)
    elif kind == "softmax-soft":
        # Renormalised as the in-memory fit renormalises the rows it accepts
        # (SoftmaxRegression._soft_targets): a row off 1 by the tolerance
        # leaves the objective unbounded along "add t to every intercept".
        Y = np.asarray(y_block, dtype=np.float64)
        Y = Y / Y.sum(axis=1, keepdims=True)
        weights = sw * (Y @ spec["class_weights"])
        eps, n_classes = spec["eps"], Y.shape[1]
        if n_classes == 2:
            return ((1.0 - eps) * Y[:, 1] + eps / 2)[:, None], weights, weights
        if eps:
            Y = (1.0 - eps) * Y + eps / n_classes
        return Y, weights, weights
    else:
        Y = np.asarray(y_block, dtype=np.float64)
    # One-vs-rest: as OneVsRestLogistic._problem_weights.
    if spec["factor"] is not None:
        weights = sw * spec["factor"][labels]
    elif spec["positive"] is not None:
        weights = sw[:, None] * (Y * spec["positive"] + (1.0 - Y) * spec["negative"])
    else:
        weights = sw
    return Y, weights, sw


def _chunk_statistics(X_block, prepared, start, step):
    """Largest weight, and (W, mean, var) of every ``step``-th row (global index)."""
    _, weights, stat_weights = prepared
    first = (-start) % step
    X = X_block[first::step]
    w = stat_weights[first::step]
    total = float(w.sum())
    largest = float(weights.max(initial=0.0))
    if not total > 0:
        zeros = np.zeros(X_block.shape[1])
        return largest, 0.0, zeros, zeros
    w = w / total
    mean = w @ X
    centred = X - mean
    centred *= centred
    return largest, total, np.asarray(mean, dtype=np.float64), w @ centred


def _merge_statistics(*parts):
    largest = max(part[0] for part in parts)
    total = sum(part[1] for part in parts)
    if not total > 0:
        return parts[0][:1] + (0.0,) + parts[0][2:]
    mean = sum((part[1] / total) * part[2] for part in parts)
    var = sum((part[1] / total) * (part[3] + (part[2] - mean) ** 2) for part in parts)
    return largest, total, mean, var


def _statistics(blocks, prepared, n_samples):
    """Largest weight and the conditioning's column statistics, in one pass."""
    import dask

    step = -(-n_samples // _STATISTICS_ROWS)
    # As column_statistics: the subsample unless it holds no weight.
    for this_step in (step, 1) if step > 1 else (1,):
        parts = [
            dask.delayed(_chunk_statistics, pure=False)(X, prep, start, this_step)
            for (start, X, _, _), prep in zip(blocks, prepared, strict=True)
        ]
        ((largest, total, mean, var),) = dask.compute(_tree(parts, _merge_statistics))
        if total > 0:
            break
    return largest, mean, np.sqrt(var)


def _aligned(block):
    """``block``, copied if NumPy would multiply it without BLAS.

    An array that Dask unpickled from a graph's bytes (``da.from_array`` of an
    array in memory) can start at any byte. NumPy multiplies an array that is
    not aligned to its item size with its own loops, not BLAS: on a chunk of
    case (a) (25 000 × 200, one thread) the two products of an evaluation took
    54 ms, against 17 ms on an aligned copy (``benchmarks/bench_dask.py``).
    """
    if isinstance(block, np.ndarray) and not block.flags.aligned:
        return block.copy()
    return block


def _build_chunk(cls, X_block, prepared, largest, kwargs):
    targets, weights, _ = prepared
    return cls(_aligned(X_block), targets, weights / largest, **kwargs)


# -- the two estimators -----------------------------------------------------------


def fit(estimator, X, y, sample_weight):
    """Fit ``estimator`` (SoftmaxRegression or OneVsRestLogistic) on Dask data."""
    from ._one_vs_rest import OneVsRestLogistic

    X, y, sample_weight = _aligned_inputs(estimator, X, y, sample_weight)
    start_host_fit(estimator, X.dtype)
    one_vs_rest = isinstance(estimator, OneVsRestLogistic)
    kind = "labels" if y.ndim == 1 else ("indicator" if one_vs_rest else "soft")
    blocks = _blocks(X, y, sample_weight)
    summary = _summarise(estimator, kind, blocks, X.shape[1])
    if one_vs_rest:
        spec, cls, kwargs, sw_sum, stat_sum, constant = _one_vs_rest_spec(
            estimator, summary, y
        )
        C = estimator.C
    else:
        spec, cls, kwargs, sw_sum = _softmax_spec(estimator, summary)
        stat_sum, C, constant = sw_sum, estimator._loss_C, None
    objective, conditioning, client = _objective(
        estimator, blocks, spec, cls, kwargs, sw_sum, stat_sum, C, X
    )
    callbacks = estimator._start_callbacks(
        X, y, sample_weight, max(estimator.max_iter, 1) + 1
    )
    if one_vs_rest:
        labels = _ChunkedLabelProblems.of(objective, conditioning, constant == 0)
        results = estimator._solve_labels(labels, constant, callbacks)
        estimator._warn_if_not_converged(results, conditioning)
    else:
        x0 = estimator._initial_params(objective)
        result = estimator._solve(objective, x0, callbacks, conditioning)
        W, b = objective.to_model(*objective.unpack(result.x))
        estimator.n_iter_ = np.array([result.n_iter], dtype=np.int32)
        estimator.loss_curve_ = np.array(result.loss_curve)
        for name, value in estimator._fitted_attributes(W, b).items():
            setattr(estimator, name, value)
    if kind != "soft":
        _warn_if_separated(estimator, objective._chunks, client, X.shape[1], constant)
    callbacks.end_fit()
    return estimator


class _ChunkedLabelProblems(LabelProblems):
    """The labels of a one-vs-rest fit as the batched solver sees them, on Dask.

    Up to ``_MAX_LABELS_IN_FLIGHT`` active labels are in flight: one round of
    the cluster evaluates them all, through the chunked objective that holds
    every label's column.
    """

    @classmethod
    def of(cls, objective, conditioning, active):
        labels = cls.__new__(cls)
        labels.objective = objective
        labels.conditioning = conditioning
        labels.active = np.flatnonzero(active) if active.dtype == bool else active
        labels.n_features = objective.n_features
        labels.fit_intercept = objective.fit_intercept
        labels.n_in_flight = max(1, min(len(labels.active), _MAX_LABELS_IN_FLIGHT))
        return labels

    def subset(self, positions, dtype):
        objective = self.objective
        if dtype is not None and np.dtype(dtype) != objective.dtype:
            objective = objective.in_dtype(dtype)
        return _ChunkedLabelProblems.of(
            objective, self.conditioning, self.active[positions]
        )

    def evaluate(self, problems, points):
        losses, grad_W, grad_b = self.objective.evaluate(
            *self.split(points), outputs=self.active[problems]
        )
        if self.fit_intercept:
            return losses, np.column_stack([grad_W, grad_b])
        return losses, grad_W


def _summarise(estimator, kind, blocks, n_features):
    """Pass 1: the chunks validated, their summaries added by a tree reduction."""
    import dask

    if not blocks:
        check_array(np.zeros((0, n_features)), input_name="X")
    parts = [
        dask.delayed(_summarise_chunk, pure=False)(estimator, kind, Xb, yb, swb)
        for _, Xb, yb, swb in blocks
    ]
    (summary,) = dask.compute(_tree(parts, _merge_summaries))
    # The positive-sum check of the in-memory path, with its message.
    check_sample_weight(np.array([summary["weight"]]), 1)
    return summary


def _objective(estimator, blocks, spec, cls, kwargs, sw_sum, stat_sum, C, X):
    """Pass 2 and the chunk objectives: the client's objective and conditioning."""
    prepared = prepare(blocks, spec)
    return chunked_objective(
        estimator,
        cls,
        X,
        kwargs,
        spec["n_outputs"],
        sw_sum,
        _statistics(blocks, prepared, X.shape[0]),
        stat_sum,
        C,
        [(Xb, prep) for (_, Xb, _, _), prep in zip(blocks, prepared, strict=True)],
    )


def prepare(blocks, spec):
    """Pass 2's targets and weights of every chunk, persisted."""
    import dask

    return dask.persist(
        *[_delayed(_prepare_chunk)(spec, yb, swb) for _, _, yb, swb in blocks]
    )


def _delayed(function):
    import dask

    return dask.delayed(function, pure=False)


def chunked_objective(
    estimator,
    cls,
    X,
    kwargs,
    n_outputs,
    sw_sum,
    statistics,
    stat_sum,
    C,
    chunk_inputs,
    build_chunk=None,
):
    """The client's objective over chunk objectives, its conditioning and the client.

    ``statistics`` are ``_statistics``'s (the largest weight, the columns'
    means and spreads) and ``stat_sum`` the total weight they were taken with;
    ``sw_sum`` holds each problem's total weight. A chunk's objective is
    ``build_chunk(cls, *inputs, largest, kwargs)`` (default
    :func:`_build_chunk`) for each ``inputs`` of ``chunk_inputs``.
    """
    import dask

    largest, mean, std = statistics
    conditioning = Conditioning.from_statistics(
        mean, std, stat_sum, estimator.fit_intercept, C
    )
    # As the in-memory fit: weights divided by their largest value m, C times m,
    # and C no smaller than a finite penalty curvature allows (bounded_C).
    kwargs = dict(
        kwargs,
        C=bounded_C(C * largest, float(np.min(sw_sum)) / largest),
        fit_intercept=estimator.fit_intercept,
        x_offset=conditioning.offset,
        x_scale=conditioning.scale,
    )
    # A worker lost during the fit loses its chunk objectives; the scheduler
    # rebuilds them from their graph, down to the persisted inputs, which the
    # fit keeps referenced until it returns (tested with a killed worker).
    build = _delayed(build_chunk or _build_chunk)
    chunks = [build(cls, *inputs, largest, kwargs) for inputs in chunk_inputs]
    client = _current_client()
    # Futures on a cluster (the objectives stay on the workers that built
    # them), or objectives held by the local scheduler.
    chunks = client.compute(chunks) if client is not None else dask.persist(*chunks)
    objective = _client_objective(
        cls, X, kwargs, n_outputs, np.asarray(sw_sum) / largest
    )
    objective._attach(chunks, client)
    return objective, conditioning, client


def _chunk_separated(objective, coef, intercept):
    """Per output: whether every row of positive weight has a positive margin."""
    scores = linear_logits(objective.X, coef, intercept)
    if isinstance(objective, MultinomialLoss):
        margins = sample_margins(scores, objective.labels)[None, :]
        weighted = (objective.sample_weight > 0)[None, :]
    else:  # one binary problem per output
        margins = np.where(objective._Y_t == 1, scores, -scores)
        weighted = objective._sw_t > 0
    return np.all((margins > 0) | ~weighted, axis=1)


def _warn_if_separated(estimator, chunks, client, n_features, constant):
    """The estimator's separation warning (C=inf), decided chunk by chunk."""
    if not np.isinf(estimator.C) or getattr(estimator, "label_smoothing", 0.0):
        return
    separated = separated_outputs(chunks, client, estimator.coef_, estimator.intercept_)
    if constant is None:
        if separated.all() and estimator.classes_.shape[0] >= 2:
            X = np.zeros((0, n_features))
            estimator._warn_if_separated(X, np.zeros(0, dtype=np.intp), np.zeros(0))
        elif estimator.coef_.shape[0] > 1:
            # One class apart from the others: the bounds of the chunks.
            parts = _on_chunks(
                _chunk_separation_bounds,
                chunks,
                client,
                np.asarray(estimator.coef_, dtype=np.float64),
                estimator.intercept_,
            )
            low = np.minimum.reduce([low for low, _ in parts])
            high = np.maximum.reduce([high for _, high in parts])
            estimator._warn_if_classes_separated(low, high)
        return
    warn_if_labels_separated(estimator, separated, n_features, constant)


def separated_outputs(chunks, client, coef, intercept):
    """Per output of the chunks' objectives: whether ``coef``, ``intercept``
    give every row of positive weight a positive margin."""
    args = (np.asarray(coef, dtype=np.float64), intercept)
    return np.logical_and.reduce(_on_chunks(_chunk_separated, chunks, client, *args))


def _on_chunks(function, chunks, client, *args):
    """``[function(chunk, *args) for chunk in chunks]``, where the chunks live."""
    import dask

    if client is not None:
        return client.gather(
            [client.submit(function, chunk, *args) for chunk in chunks]
        )
    return dask.compute([dask.delayed(function)(chunk, *args) for chunk in chunks])[0]


def _chunk_separation_bounds(objective, coef, intercept):
    """:func:`class_separation_bounds` of a chunk's rows (a softmax objective)."""
    from ._softmax_regression import class_separation_bounds

    scores = linear_logits(objective.X, coef, intercept).T
    return class_separation_bounds(
        scores, objective.labels, objective.sample_weight > 0
    )


def warn_if_labels_separated(estimator, separated, n_features, constant):
    """One-vs-rest's separation warning for the labels the chunks found separated.

    The estimator's own check runs on zero rows, where every label counts as
    separated, once the chunks have found which are: same rule, same message.
    """
    X = np.zeros((0, n_features))
    Y = LabelTargets(indicator=np.zeros((0, constant.shape[0])))
    # Labels the chunks did not find separated are passed as constant: skipped.
    estimator._warn_if_separated(X, Y, np.zeros(0), np.where(separated, constant, 1))


def _client_objective(cls, X, kwargs, n_outputs, sw_sum):
    """The objective on the client: the layout and the finish, no rows.

    ``sw_sum`` holds one total weight per problem: a softmax objective with
    several (the folds of :mod:`skl_softmax._dask_cv`) has a column of
    weights per problem, a binomial one an output per problem.
    """
    X_empty = np.zeros((0, X.shape[1]), dtype=X.dtype)
    if cls is MultinomialLoss:
        n_problems = np.size(sw_sum)
        weights = np.zeros(0) if n_problems == 1 else np.zeros((0, n_problems))
        objective = _ChunkedMultinomialLoss(
            X_empty, np.zeros(0, dtype=np.intp), weights, **kwargs
        )
        objective.sw_sum = float(sw_sum) if n_problems == 1 else sw_sum.reshape(-1)
        return objective
    objective = _ChunkedBinomialLoss(
        X_empty, np.zeros((0, n_outputs)), np.zeros(0), **kwargs
    )
    objective.sw_sum = np.broadcast_to(sw_sum, (n_outputs,))
    return objective


def _softmax_spec(estimator, summary):
    """What a chunk needs to build SoftmaxRegression's targets and weights."""
    eps = estimator.label_smoothing
    if "values" in summary:
        # The estimator's own encoding of the distinct labels: same classes_,
        # same errors (one class, continuous targets).
        estimator._encode_targets(summary["values"])
        classes, totals = estimator.classes_, summary["totals"]
        n_classes = len(classes)
        factor = class_sample_weight(
            estimator.class_weight, classes, np.arange(n_classes), totals
        )
        # The estimator's check of the total weight, on the per-class totals.
        estimator._weights(np.arange(n_classes), None, totals, n_classes)
        weight_sum = float(totals @ factor)
        spec = {"kind": "softmax-labels", "classes": classes, "factor": factor}
    else:
        mass = summary["mass"]
        n_classes = len(mass)
        estimator.classes_ = np.arange(n_classes)
        class_weights = estimator._class_weights_from_mass(mass, summary["weight"])
        weight_sum = float(mass @ class_weights)
        if not weight_sum > 0:
            raise ValueError(
                "class_weight and sample_weight together must leave a positive "
                f"total weight. Got 0 with class_weight={estimator.class_weight!r}."
            )
        spec = {"kind": "softmax-soft", "class_weights": class_weights}
    spec.update(eps=eps, n_classes=n_classes, n_outputs=1)
    if n_classes == 2:
        return spec, BinomialLoss, {}, weight_sum
    smoothing = eps if spec["kind"] == "softmax-labels" else 0.0
    kwargs = {"n_classes": n_classes, "label_smoothing": smoothing}
    return spec, MultinomialLoss, kwargs, weight_sum


def _one_vs_rest_spec(estimator, summary, y):
    """What a chunk needs to build OneVsRestLogistic's targets and weights."""
    S = summary["weight"]
    factor = positive = negative = None
    one_class = False
    n_outputs = one_vs_rest_classes(estimator, summary, y)
    if "values" in summary:
        classes, totals = estimator.classes_, summary["totals"]
        n_classes = len(classes)
        constant = np.zeros(n_outputs, dtype=int)
        spec = {"kind": "ovr-labels", "classes": classes}
        one_class = len(summary["values"]) < 2
        if one_class:
            # A training fold of OneVsRestLogisticCV holding one of its two
            # classes: the label is constant there, and unweighted.
            positives = y.shape[0] * (summary["values"] == classes[1])
            constant = estimator._constant_labels(positives, y.shape[0])
        elif n_classes == 2:
            if estimator.class_weight is not None:
                factor = class_sample_weight(
                    estimator.class_weight, classes, np.arange(2), totals
                )
            S_positive = np.array([totals[1]])
        else:
            S_positive = totals
    else:
        constant = estimator._constant_labels(summary["positives"], y.shape[0])
        S_positive = summary["mass"]
        spec = {"kind": "ovr-indicator"}
    if factor is None and estimator.class_weight is not None and not one_class:
        positive, negative = _label_weights(estimator, S, S_positive, constant != 0)
    spec.update(
        factor=factor, positive=positive, negative=negative, n_outputs=n_outputs
    )
    if factor is not None:
        totals = np.array([summary["totals"] @ factor])
    elif positive is not None:
        totals = S_positive * positive + (S - S_positive) * negative
    else:
        totals = np.full(n_outputs, S)
    if not np.all(totals > 0):
        raise ValueError(
            "class_weight and sample_weight together must leave a positive "
            f"total weight in every problem. Got 0 with "
            f"class_weight={estimator.class_weight!r}."
        )
    return spec, BinomialLoss, {}, totals, S, constant


def one_vs_rest_classes(estimator, summary, y):
    """Set OneVsRestLogistic's classes from the summary; return the number of
    problems (one for two classes)."""
    if "values" in summary:
        estimator._encode_targets(summary["values"])
        n_classes = estimator.classes_.shape[0]
        return 1 if n_classes == 2 else n_classes
    estimator.multilabel_ = True
    estimator.classes_ = np.arange(y.shape[1])
    estimator._label_dtype = y.dtype
    estimator._label_format = "ndarray"
    return y.shape[1]


def _label_weights(estimator, S, S_positive, constant):
    """Per label: the class weight of its positives and of its negatives."""
    if estimator.class_weight == "balanced":
        S_negative = S - S_positive
        empty = ~constant & ((S_positive <= 0) | (S_negative <= 0))
        if empty.any():
            raise ValueError(
                "class_weight='balanced' needs a positive total sample_weight "
                "among both the positives and the negatives of every label. Got "
                f"none on one side for label "
                f"{estimator._label_name(np.argmax(empty))}."
            )
        with np.errstate(divide="ignore"):
            positive = np.where(constant, 1.0, S / (2.0 * S_positive))
            negative = np.where(constant, 1.0, S / (2.0 * S_negative))
        return positive, negative
    known = set(estimator.classes_.tolist())
    unknown = [key for key in estimator.class_weight if key not in known]
    if unknown:
        raise ValueError(
            "class_weight must have keys among the labels in classes_ "
            f"{estimator.classes_.tolist()}. Got {unknown[0]!r} instead."
        )
    weight = np.array(
        [float(estimator.class_weight.get(label, 1.0)) for label in estimator.classes_]
    )
    if not np.all(np.isfinite(weight)) or np.any(weight < 0):
        raise ValueError(
            "class_weight must map every label to a finite, non-negative "
            f"weight. Got class_weight={estimator.class_weight!r} instead."
        )
    return weight, np.ones_like(weight)


# -- predictions and score ------------------------------------------------------


def _predict_block(block, estimator, method, feature_names, empty=None):
    if empty is not None and block.shape[0] == 0:
        # A chunk emptied by a filter: no rows, no predictions (the
        # estimator itself refuses 0 samples, as scikit-learn's do).
        return empty
    block = _aligned(block)
    if feature_names is not None:
        import pandas as pd

        block = pd.DataFrame(block, columns=feature_names)
    predicted = getattr(estimator, method)(block)
    # A model fitted on a sparse multi-label y predicts CSR: chunks are dense.
    return predicted.toarray() if sparse.issparse(predicted) else predicted


def predict_chunkwise(estimator, method, X):
    """``estimator.<method>`` mapped over the row chunks of ``X``: a lazy array."""
    import dask.array as da
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    proxy = _feature_proxy(X)
    validate_data(estimator, proxy, reset=False, dtype=[np.float64, np.float32])
    if hasattr(X, "to_dask_array"):
        X = _with_numpy_dtypes(X).to_dask_array()
    if not isinstance(X, da.Array) or X.ndim != 2:
        raise ValueError(
            f"X must be a 2-D Dask array or dataframe. Got {type(X).__name__} "
            f"of {X.ndim} dimensions instead."
        )
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    names = getattr(estimator, "feature_names_in_", None)
    sample = _predict_block(np.asarray(proxy), estimator, method, names)
    if sample.ndim == 1:
        chunks, drop_axis = (X.chunks[0],), 1
    else:
        chunks, drop_axis = (X.chunks[0], (sample.shape[1],)), []
    return X.map_blocks(
        _predict_block,
        estimator,
        method,
        names,
        np.empty((0,) + sample.shape[1:], dtype=sample.dtype),
        dtype=sample.dtype,
        chunks=chunks,
        drop_axis=drop_axis,
        meta=np.empty((0,) * sample.ndim, dtype=sample.dtype),
    )


def with_known_rows(data):
    """``data``, if a Dask array, with its chunks' row counts known.

    Rows of unknown count (from a dataframe, a filtered array) are computed
    once on the cluster, where they stay, and counted there: ``y`` aligns with
    predictions so, and scikit-learn's metrics take the ``len`` of what a
    scorer gives them. Anything else is returned as it is.
    """
    import dask.array as da

    if isinstance(data, da.Array) and any(np.isnan(n) for n in data.chunks[0]):
        data = data.persist().compute_chunk_sizes()
    return data


def score(estimator, X, y, sample_weight):
    """Weighted accuracy of ``estimator.predict(X)``, computed on the cluster."""
    from ._base import _is_soft

    predicted, y, sample_weight = scored_rows(estimator, "predict", X, y, sample_weight)
    if _is_soft(estimator, np.empty((0,) + y.shape[1:], dtype=y.dtype)):
        # Probability rows: accuracy against each row's most probable class.
        y = y.map_blocks(
            _most_probable,
            estimator.classes_,
            drop_axis=1,
            dtype=estimator.classes_.dtype,
            meta=estimator.classes_[:0],
        )
    elif y.ndim == 2 and y.shape[1] == 1 and predicted.ndim == 1:
        y = y[:, 0]  # a column of labels, as the in-memory score takes it
    correct = predicted == y
    if correct.ndim == 2:
        correct = correct.all(axis=1)
    return float(weighted_mean(correct, sample_weight))


def _most_probable(block, classes):
    from ._array_api import NUMPY
    from ._base import predicted_classes

    return predicted_classes(classes, block, NUMPY)


def scored_rows(estimator, method, X, y, sample_weight):
    """``estimator``'s ``method`` of ``X``, ``y`` and ``sample_weight`` as Dask
    arrays of the same row chunks, each chunk checked on the cluster as the
    in-memory ``score`` checks it (lengths, NaN, negative weights).

    ``X`` in memory beside a Dask ``y`` or ``sample_weight`` takes their row
    chunks, as in ``fit``; ``sample_weight`` stays ``None`` when it is.
    """
    import dask.array as da
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    if is_dask(X):
        response = with_known_rows(getattr(estimator, method)(X))
        rows = response.chunks[0]
    else:
        name = "y" if is_dask(y) else "sample_weight"
        anchor = _as_dask_array(y if name == "y" else sample_weight, name)
        if name == "y":
            check_consistent_length(anchor, X)  # (y, X): the in-memory message
        else:
            _check_rows(anchor, X, name)
        rows = anchor.chunks[0]
        response = getattr(estimator, method)(X)
        if hasattr(response, "toarray"):  # a sparse multi-label prediction
            response = response.toarray()
        response = da.from_array(response, chunks=(rows,) + response.shape[1:])
    if not is_dask(y):
        check_consistent_length(y, response)
    y = _as_dask_array(y, "y", rows)
    check_consistent_length(y, response)
    y = y.rechunk({0: rows}).map_blocks(_check_y_chunk, dtype=y.dtype)
    if sample_weight is None:
        return response, y, None
    weights = _weights_in_rows(sample_weight, response, rows)
    if np.ndim(sample_weight) == 0 and not is_dask(sample_weight):
        return response, y, weights  # one checked value, filled in
    weights = weights.rechunk({0: rows}).map_blocks(
        _check_weight_chunk, dtype=np.float64
    )
    return response, y, weights


def _weights_in_rows(sample_weight, like, rows):
    """A scalar or an array of weights (Dask or not) as a Dask array of ``like``'s
    length in ``rows``, checked as the in-memory path checks it, with its messages."""
    import dask.array as da

    if np.ndim(sample_weight) == 0 and not is_dask(sample_weight):
        weight = check_sample_weight(sample_weight, 1)[0]
        return da.full(like.shape[0], weight, chunks=rows)
    if not is_dask(sample_weight):
        _check_rows(sample_weight, like, "sample_weight")
    sample_weight = _as_dask_array(sample_weight, "sample_weight", rows)
    if sample_weight.shape != (like.shape[0],):
        check_sample_weight(np.zeros(sample_weight.shape), like.shape[0])
    return sample_weight


def _check_y_chunk(block):
    return check_array(
        block, ensure_2d=False, dtype=None, ensure_min_samples=0, input_name="y"
    )


def _check_weight_chunk(block):
    # The in-memory checks with their messages; the extra unit weight keeps the
    # chunk's sum positive: only the total must be, checked by weighted_mean.
    block = np.asarray(block)
    return check_sample_weight(np.append(block, 1.0), block.shape[0] + 1)[:-1]


def weighted_mean(values, sample_weight):
    """The mean of ``values``' rows (1-D or 2-D), weighted, in one computation."""
    import dask

    if sample_weight is None:
        return np.asarray(values.mean(axis=0).compute())
    weights = sample_weight if values.ndim == 1 else sample_weight[:, None]
    total, weighted = dask.compute(sample_weight.sum(), (values * weights).sum(axis=0))
    if not total > 0:
        check_sample_weight(np.zeros(1), 1)  # "must have a positive sum"
    return np.asarray(weighted) / total
