"""The labels of a one-vs-rest fit as problems of the batched solver.

:class:`LabelTargets` holds each label's 0/1 targets compactly (the class codes,
or the indicator matrix as given); :class:`LabelProblems` turns the labels that
vary into the batched solver's problems: flat vectors, evaluation through one
:class:`~skl_softmax._loss.BinomialLoss` with a few columns, and the model's
``W``, ``b`` at the end; :class:`Progress` reports their iterations (``verbose``
and callbacks).  The CV estimators reuse them for label × C paths.

Memory.  A label in flight costs its L-BFGS-B workspace, about
``2 m n_params`` float64 with SciPy's ``m = 10`` corrections, a few vectors of
``n_params`` (its point, gradient, the round's copies) and rows of
``n_samples``: its target column (a byte per sample on NumPy), its weight
column (with class weights) and, for sparse ``X`` only, its logits, residuals
and their temporaries (sparse ``X`` is taken whole, so the
temporaries are labels in flight × samples; dense ``X`` is taken in blocks of
rows whose temporaries do not grow with ``n_samples``).
:func:`problems_in_flight` chooses how many labels run at once so that these
stay within ``_MEMORY_BUDGET``, whatever the number of labels; the rest wait
their turn (the estimate counts float64 targets: an upper bound).  On small
NumPy or SciPy data :func:`labels_in_flight` runs one at a time instead, on
the calling thread (``_MIN_BATCHED_ENTRIES``).  A label is
loaded into its column alone, so that starting labels costs a row of samples
at a time, and the end of a fit holds the coefficients twice at most.
"""

import sys

import numpy as np
from scipy import sparse

from ._array_api import NUMPY
from ._base import bounded_C
from ._loss import BinomialLoss

# SciPy's L-BFGS-B keeps this many correction pairs (its default maxcor).
_LBFGS_CORRECTIONS = 10
# Bytes the labels in flight may hold together (see the module docstring):
# the cases of the benchmark (10 classes on 200 000 × 200, 20 labels on
# 100 000 × 200, dense) still run all their labels at once (fewer labels in
# flight take more rounds over X: 21 instead of 12 rounds, 1.26× the time, with
# 6 of those 10 classes in flight), while 300 labels on
# 5 000 × 100 000 sparse data run a few at a time, as OneVsRestClassifier runs
# one.
_MEMORY_BUDGET = 2**26
# Worker threads are cheap but not free: never more than this many.
_MAX_IN_FLIGHT = 32
# On sparse X, fewer: the labels in flight share little there (SciPy's sparse
# products cost about non-zeros × labels however they are grouped), while each
# holds its workspace and its rows of samples. Mid-sized CSR problems (1 000 ×
# 20 000 with 50 labels, 5 000 × 10 000 with 40, 20 000 × 5 000 with 30) took
# 0.89–0.91×, 0.72–0.79× and 1.05–1.09× the time with 8 in flight as with the
# 14, 27 and 30 that the budget allowed, in 0.6×, 0.3× and 0.3× the memory; 4
# were slower on the last (benchmarks/bench_ovr_in_flight.py, two runs in
# results/2026-12-03-ovr-memory/).
_SPARSE_MAX_IN_FLIGHT = 8
# Entries of X that one pass reads (n_samples × n_params dense, the stored
# values of sparse X) below which the labels of a NumPy fit run one at a time,
# without threads: X then stays in the caches from one label's pass to the
# next, and a round's hand-offs between the labels' threads cost more than the
# passes they save. Batched / one at a time (2 CPUs, medians of 5,
# benchmarks/bench_ovr_batching.py, results/2026-12-03-ovr-batching/): dense
# 150 × 4 with 3 labels 2.65×, 2 000 × 20 with 4 2.06×, 5 000 × 50 with 5 and
# 20 1.42× and 1.18×, 10 000 × 50 with 5 1.08×, above the threshold 10 000 ×
# 100 0.53× and 30 000 × 50 0.62×; CSR with 10⁵ and 2.5·10⁵ stored values
# 1.20× and 1.04×, 10⁶ 0.86×. With a CPU burner beside them every case below
# the threshold 1.11–2.77×.
_MIN_BATCHED_ENTRIES = 2**19

# The logit given to a label that is constant in training: σ(40) rounds to
# exactly 1 in float64 (1 − σ(40) ≈ 4e-18 < eps/2) and σ(−40) ≈ 4e-18, so the
# probabilities are those of OneVsRestClassifier's constant predictor (1 and 0)
# to double precision, while coef_ and intercept_ stay finite.
CONSTANT_LOGIT = 40.0


# Rows of n_samples float64 that one label in flight holds: its target and
# weight columns, plus, on sparse X, its logits, residuals and the temporaries
# of the pointwise loss.
_SAMPLE_ROWS = {False: 2, True: 6}


def bytes_per_problem(n_samples, n_params, is_sparse=True):
    """Bytes one label in flight holds: workspace, vectors and sample rows."""
    vectors = (2 * _LBFGS_CORRECTIONS + 8) * n_params
    return 8 * (vectors + _SAMPLE_ROWS[bool(is_sparse)] * n_samples)


def problems_in_flight(n_problems, n_samples, n_params, is_sparse=True):
    """How many labels run at once: as many as ``_MEMORY_BUDGET`` allows."""
    fit = _MEMORY_BUDGET // bytes_per_problem(n_samples, n_params, is_sparse)
    most = _SPARSE_MAX_IN_FLIGHT if is_sparse else _MAX_IN_FLIGHT
    return int(max(1, min(n_problems, most, fit)))


def labels_in_flight(X, n_labels, n_params, backend):
    """How many labels of a fit on ``X`` run at once.

    One, in the calling thread, when a pass over NumPy or SciPy ``X`` reads
    fewer than ``_MIN_BATCHED_ENTRIES`` entries: each label's point is then
    evaluated as its L-BFGS-B asks for it, with the same iterates.  Otherwise
    :func:`problems_in_flight`.  Arrays of other namespaces (a device's) are
    always batched: there a pass costs its calls, not its entries.
    """
    is_sparse = sparse.issparse(X)
    entries = X.nnz if is_sparse else X.shape[0] * n_params
    if backend.is_numpy and entries < _MIN_BATCHED_ENTRIES:
        return 1
    return problems_in_flight(n_labels, X.shape[0], n_params, is_sparse)


class LabelTargets:
    """The 0/1 targets of each binary problem, held without a dense copy.

    Parameters
    ----------
    codes : ndarray of shape (n_samples,), default=None
        Class indices: problem ``k`` is ``codes == k``, or, with ``binary``,
        the single problem ``codes == 1``.
    indicator : ndarray or sparse matrix of shape (n_samples, n_labels)
        A 0/1 multi-label indicator: problem ``k`` is its column ``k``.
    binary : bool, default=False
        Two classes: one problem.
    n_problems : int, default=None
        Number of classes of ``codes``; default its largest value plus one.
    backend : Backend, default=NUMPY
        The namespace and device of ``codes`` or a dense ``indicator``: the
        targets stay there, and so do the columns.
    """

    def __init__(
        self, codes=None, indicator=None, binary=False, n_problems=None, backend=NUMPY
    ):
        self.codes = codes
        self.binary = binary
        self.backend = backend
        if indicator is not None and sparse.issparse(indicator):
            indicator = sparse.csc_matrix(indicator)
        self.indicator = indicator
        if codes is not None:
            self.n_samples = codes.shape[0]
            if n_problems is None:
                n_problems = int(backend.xp.max(codes)) + 1
            self.n_problems = 1 if binary else n_problems
        else:
            self.n_samples, self.n_problems = indicator.shape

    def column(self, k, dtype=np.float64):
        """Targets of problem ``k`` as ``dtype`` of shape (n_samples,).

        ``dtype`` is float64 or, on NumPy, ``bool`` (a byte per target).
        """
        backend = self.backend
        if not backend.is_numpy:
            xp = backend.xp
            if self.codes is not None:
                column = self.codes == (1 if self.binary else k)
            else:
                column = self.indicator[:, k]
            return xp.astype(column, backend.dtype(np.float64))
        if self.codes is not None:
            return (self.codes == (1 if self.binary else k)).astype(dtype, copy=False)
        if sparse.issparse(self.indicator):
            return self.indicator[:, [k]].toarray().ravel().astype(dtype, copy=False)
        return np.asarray(self.indicator[:, k]).astype(dtype, copy=False)

    def dense(self):
        """All targets as one (n_samples, n_problems) float64 array.

        For callers that need them at once (the CV estimator's folds); the
        one-vs-rest fit itself never builds it.
        """
        if not self.backend.is_numpy:
            xp = self.backend.xp
            return xp.stack([self.column(k) for k in range(self.n_problems)], axis=1)
        if self.codes is not None:
            if self.binary:
                return (self.codes == 1).astype(np.float64)[:, None]
            return (self.codes[:, None] == np.arange(self.n_problems)).astype(
                np.float64
            )
        if sparse.issparse(self.indicator):
            return self.indicator.toarray().astype(np.float64)
        return np.asarray(self.indicator, dtype=np.float64)

    def positives(self, sample_weight):
        """``Σ_i s_i y_ik`` for every problem ``k`` (on the host)."""
        backend = self.backend
        if not backend.is_numpy:
            # n_problems numbers come to the host, one product per problem.
            xp = backend.xp
            sample_weight = xp.astype(sample_weight, backend.dtype(np.float64))
            totals = xp.stack(
                [xp.sum(sample_weight * self.column(k)) for k in range(self.n_problems)]
            )
            return np.asarray(backend.to_host(totals), dtype=np.float64)
        if self.codes is not None:
            totals = np.bincount(
                self.codes, weights=sample_weight, minlength=self.n_problems + 1
            )
            return totals[1:2] if self.binary else totals[: self.n_problems]
        product = sample_weight @ self.indicator
        return np.asarray(product, dtype=np.float64).ravel()

    def counts(self):
        """Number of positives of every problem."""
        backend = self.backend
        if backend.is_numpy:
            return self.positives(np.ones(self.n_samples))
        return self.positives(
            backend.xp.ones(
                self.n_samples, dtype=backend.dtype(np.float64), device=backend.device
            )
        )


class LabelProblems:
    """The varying labels as the batched solver sees them.

    Problem ``i`` of the solver is label ``active[i]``; its flat vector is its
    row of the solver's ``W'`` followed by its intercept.  Its objective is

        L_k = (1/S_k) Σ_i s_ik ℓ(z_ik, y_ik) + ‖w_k‖² / (2 C S_k),
        s_ik = s_i (ν_k + (π_k − ν_k) y_ik)

    with class-weight factors ``π_k`` (positives) and ``ν_k`` (negatives).

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    targets : LabelTargets
    sample_weight : ndarray of shape (n_samples,)
    factors : tuple of two ndarray of shape (n_problems,) or None
        ``(π, ν)``, or ``None`` for unit class weights.
    C : float
    fit_intercept : bool
    conditioning : Conditioning
    active : ndarray of int
        The labels solved, in order.
    n_in_flight : int, default=None
        Number of labels evaluated at once (columns of the loss); ``None``
        chooses it from the memory budget.
    dtype : dtype, default=None
        Dtype of the products; default that of ``X``.
    """

    def __init__(
        self,
        X,
        targets,
        sample_weight,
        factors,
        C,
        fit_intercept,
        conditioning,
        active,
        n_in_flight=None,
        dtype=None,
    ):
        self._arguments = (X, targets, sample_weight, factors, C, fit_intercept)
        self.conditioning = conditioning
        self.targets = targets
        self.sample_weight = sample_weight
        self.factors = factors
        self.active = np.asarray(active, dtype=np.intp)
        self.n_features = X.shape[1]
        self.fit_intercept = fit_intercept
        n_params = self.n_features + int(fit_intercept)
        backend = targets.backend
        self.backend = backend
        if n_in_flight is None:
            n_in_flight = labels_in_flight(X, len(self.active), n_params, backend)
        self.n_in_flight = max(1, min(n_in_flight, len(self.active)))
        # Σ s_i ℓ_i / S + ‖w‖² / (2 C S) is unchanged when s is divided by its
        # largest value m and C multiplied by m: weights of at most one keep the
        # float32 products s_i (σ_i − y_i) x_i from overflowing (weights 1e12).
        xp = backend.xp
        self.largest = float(xp.max(sample_weight))
        if factors is not None and self.active.size:
            self.largest *= float(
                max(
                    factors[0][self.active].max(initial=0.0),
                    factors[1][self.active].max(initial=0.0),
                )
            )
        shared = factors is None
        n_samples = X.shape[0]
        total_weight = float(xp.sum(sample_weight))
        totals = total_weight / self.largest
        if not shared:
            positives = targets.positives(sample_weight)[self.active]
            negatives = total_weight - positives
            totals = (
                np.min(
                    factors[0][self.active] * positives
                    + factors[1][self.active] * negatives,
                    initial=np.inf,
                )
                / self.largest
            )
        # The loss's columns, made in the layout it keeps (a row of samples
        # per column) so that it takes them without a copy; on NumPy the
        # targets are booleans (see BinomialLoss).
        if backend.is_numpy:
            targets_t = np.zeros((self.n_in_flight, n_samples), dtype=np.bool_)
            weights_t = None if shared else np.zeros((self.n_in_flight, n_samples))
        else:
            targets_t = xp.zeros(
                (self.n_in_flight, n_samples),
                dtype=backend.dtype(np.float64),
                device=backend.device,
            )
            weights_t = None if shared else xp.zeros_like(targets_t)
        self.objective = BinomialLoss(
            X,
            targets_t.T,
            (sample_weight / self.largest) if shared else weights_t.T,
            bounded_C(C * self.largest, totals),
            fit_intercept,
            x_offset=conditioning.offset,
            x_scale=conditioning.scale,
            dtype=dtype,
            backend=backend,
        )
        self._column_of = {}

    def subset(self, positions, dtype):
        """The problems ``positions`` of this batch, with products in ``dtype``."""
        return LabelProblems(
            *self._arguments,
            self.conditioning,
            self.active[positions],
            self.n_in_flight,
            dtype,
        )

    def flat(self, W_solver, b_solver, positions):
        """Flat vectors of the problems ``positions``, shape (n, n_params)."""
        W_solver = np.asarray(W_solver, dtype=np.float64)[positions]
        if not self.fit_intercept:
            return W_solver.copy()
        return np.column_stack([W_solver, np.asarray(b_solver)[positions]])

    def split(self, points):
        """Solver ``W'`` (n, n_features) and ``b'`` (n,) from flat vectors."""
        points = np.asarray(points, dtype=np.float64)
        points = points.reshape(-1, self.n_features + int(self.fit_intercept))
        W = points[:, : self.n_features]
        b = points[:, self.n_features] if self.fit_intercept else np.zeros(len(W))
        return W, b

    def evaluate(self, problems, points):
        """Objectives and flat gradients of ``problems``, in one pass over X."""
        columns = self._columns(problems)
        losses, grad_W, grad_b = self.objective.evaluate(
            *self.split(points), outputs=columns
        )
        if self.fit_intercept:
            return losses, np.column_stack([grad_W, grad_b])
        return losses, grad_W

    def _columns(self, problems):
        """The loss's column of each problem, loading those that just started.

        Every problem in flight takes part in every round, so one absent from
        this round has stopped and its column is free.
        """
        current = set(problems)
        for problem in [p for p in self._column_of if p not in current]:
            del self._column_of[problem]
        free = sorted(set(range(self.n_in_flight)) - set(self._column_of.values()))
        new = [p for p in problems if p not in self._column_of]
        # One label at a time: the temporaries are a row of samples, whatever
        # the number of labels that start together.
        xp = self.backend.xp
        dtype = np.bool_ if self.backend.is_numpy else np.float64
        for problem, column in zip(new, free, strict=False):
            label = int(self.active[problem])
            y = self.targets.column(label, dtype)
            weights = None
            if self.factors is not None:
                positive = float(self.factors[0][label])
                negative = float(self.factors[1][label])
                weights = (negative + (positive - negative) * y) * (
                    self.sample_weight / self.largest
                )
                weights = xp.reshape(weights, (1, -1))
            self.objective.load([column], xp.reshape(y, (1, -1)), weights)
            self._column_of[problem] = column
        return np.array([self._column_of[p] for p in problems], dtype=np.intp)

    def model(self, points, constant, overwrite=False):
        """The model's ``W``, ``b`` for every label, from the active ones' points.

        ``constant`` is +1, −1 or 0 per label; constant labels get a zero row
        and the intercept ``±CONSTANT_LOGIT``. With ``overwrite`` the change of
        variables runs in the memory of ``points``, so that the end of a fit
        holds the coefficients twice at most (its points and ``W``).
        """
        W, b = self.objective.to_model(*self.split(points), overwrite=overwrite)
        b_all = constant * CONSTANT_LOGIT
        b_all[self.active] = b
        if self.active.shape[0] == constant.shape[0]:  # every label, in order
            return np.ascontiguousarray(W), b_all
        W_all = np.zeros((constant.shape[0], self.n_features))
        W_all[self.active] = W
        return W_all, b_all


class Progress:
    """Reports the iterations of the batched solve: ``verbose`` and callbacks.

    Called by the solver in the caller's thread with the iterations completed
    since the previous round.  The callbacks' subtask ``t`` ends when every
    label that has started has completed ``t + 1`` iterations or stopped: the
    labels not yet in flight (at most ``problems_in_flight`` run at once) do
    not hold the callbacks back.  ``positions`` maps
    the solver's problems to the labels' rows when a solve runs on a subset.

    Parameters
    ----------
    labels : LabelProblems
    start : ndarray of shape (n_active, n_params)
        Starting points, kept (and updated) only when callbacks want them.
    callbacks : FitCallbacks
    attributes : callable
        ``attributes(W, b)``: the fitted attributes the callbacks receive.
    label_name : callable
        ``label_name(k)``: how label ``k`` is printed.
    constant : ndarray
    verbose : int
    measure : callable, default=None
        ``measure(grad)``: the size of a label's gradient that ``tol`` bounds
        (with respect to its ``coef_`` row and intercept, where the solver
        works in other coordinates), printed by ``verbose``; ``None`` means
        the largest component of the solver's gradient.
    """

    def __init__(
        self,
        labels,
        start,
        callbacks,
        attributes,
        label_name,
        constant,
        verbose,
        measure=None,
    ):
        self.labels = labels
        self.measure = measure
        self.callbacks = callbacks
        self.attributes_of = attributes
        self.label_name = label_name
        self.constant = constant
        self.verbose = verbose
        n_active = len(labels.active)
        self.iterates = np.array(start, dtype=np.float64) if callbacks.wanted else None
        self.n_iterations = np.zeros(n_active, dtype=np.intp)
        self.stopped = np.zeros(n_active, dtype=bool)
        self.started = np.zeros(n_active, dtype=bool)
        self.n_reported = 0
        self.positions = np.arange(n_active)

    def attributes(self):
        return self.attributes_of(*self.labels.model(self.iterates, self.constant))

    def stop(self, problem):
        """Mark the solver's ``problem`` as stopped (from its worker thread)."""
        self.stopped[self.positions[problem]] = True

    def restart(self, rows):
        """A new solve of the labels ``rows`` (the float64 finish) begins."""
        self.positions = rows
        self.stopped[rows] = False
        self.started[rows] = False

    def __call__(self, iterations, n_finished, in_flight):
        self.started[self.positions[np.asarray(in_flight, dtype=np.intp)]] = True
        for problem, x, value, grad in iterations:
            row = self.positions[problem]
            if self.iterates is not None:
                self.iterates[row] = x
            self.n_iterations[row] += 1
            if self.verbose:
                label = self.label_name(self.labels.active[row])
                if self.measure is None:
                    size = np.max(np.abs(grad), initial=0.0)
                else:
                    size = self.measure(grad)
                print(
                    f"label {label}   iteration {self.n_iterations[row]:4d}   "
                    f"objective {value:.12e}   max |gradient| {size:.3e}",
                    file=sys.stdout,
                )
        if not self.callbacks.wanted:
            return
        rows = self.positions
        waiting = self.started[rows] & ~self.stopped[rows]
        if waiting.any():
            completed = int(self.n_iterations[rows][waiting].min())
        else:
            completed = int(self.n_iterations.max(initial=0))
        while self.n_reported < completed:
            self.n_reported += 1
            self.callbacks.end_iteration(self.attributes())
