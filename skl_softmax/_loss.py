r"""Objective and gradient of the linear models, both from one pass over the data.

Multinomial (softmax) model, logits :math:`z_i = W x_i + b`, ``K`` classes:

.. code-block:: text

    L(W, b) = (1/S) Σ_i s_i [logsumexp(z_i) − Σ_k y_ik z_ik] + ‖W‖² / (2 C S)
    ∂L/∂W   = (P − Y)ᵀ diag(s) X / S + W / (C S)
    ∂L/∂b   = (P − Y)ᵀ s / S                        S = Σ_i s_i,  P = softmax(Z)

Binomial (sigmoid) model, one independent column per binary problem ``l``:

.. code-block:: text

    L_l(w_l, b_l) = (1/S_l) Σ_i s_il [log(1 + exp(z_il)) − y_il z_il]
                    + ‖w_l‖² / (2 C S_l)
    ∂L_l/∂w_l     = (σ(z_l) − y_l)ᵀ diag(s_l) X / S_l + w_l / (C S_l)

The intercept is never penalised and ``C = inf`` means no penalty.

Layout and speed
----------------
Logits are held as ``(n_outputs, n_rows)``: the reductions over classes then
run along contiguous rows, several times faster than over the last axis of an
``(n_rows, n_outputs)`` array.  Dense data are visited in blocks of rows, so
the temporaries are ``n_outputs × block_rows`` whatever ``n_samples`` is, and
each block of ``X`` is still in cache when the second product, ``Rᵀ X_block``,
reads it again.  Sparse data are taken in one block (see ``_set_dtype``).
Float32 logits with few outputs are computed as ``X_block Wᵀ`` and transposed,
which the bundled OpenBLAS runs faster (see ``_ROW_MAJOR_MAX_OUTPUTS``).

The products run in the dtype of ``X`` (float32 ``X`` is never copied to
float64; the parameters are cast instead), while losses and gradients are
accumulated in float64.  Passing ``dtype=np.float64`` with float32 ``X`` casts
one block at a time: the float64 finish of a float32 fit.

Namespaces and devices
----------------------
Every objective holds a :class:`~skl_softmax._array_api.Backend`, taken once
from ``X`` by whoever builds it: NumPy (the default) or any Array API
namespace (PyTorch, CuPy, array-api-strict) on the data's device.  The same
code runs on both; NumPy keeps a few in-place fast paths (``exp`` and
``expit`` with ``out=``, label indexing) where the generic form would cost
an extra pass.  On another namespace the blocks are larger (the cache
argument is the host's), the sums stay on the device, and one evaluation
moves the flat parameter vector to the device once and brings the gradient
and the loss back once, as one vector: nothing of size ``n_samples``
crosses.  The public seam is :meth:`_LinearObjective.sums`: the
unnormalised sums that a backend (blocks, devices, Dask chunks) computes;
normalisation, penalty, change of variables and layout are applied on top.

Change of variables
-------------------
``x_offset`` (μ) and ``x_scale`` (a) describe the solver's coordinates
``W'``, ``b'`` for standardised columns ``(x − μ) / a``.  They map to the
model's parameters by ``W = W' / a`` and ``b = b' − W μ``; the objective is
evaluated on ``W``, ``b`` (so the penalty stays on the model's ``W``) and its
gradient is carried back by the chain rule:
``∂L/∂W' = (∂L/∂W − ∂L/∂b μᵀ) / a``, ``∂L/∂b' = ∂L/∂b``.  The optimum is
unchanged; only the conditioning the solver sees is.
"""

import copy
import functools
import math

import numpy as np
from scipy import sparse

from ._array_api import NUMPY
from ._threads import (
    _SINGLE_THREAD_DOT,
    _SINGLE_THREAD_VECTOR_PRODUCT,
    _SMALL_PROBLEM,
    blas_threads,
    piece_rows,
    product_threads,
    run_chunks,
    single_thread_rows,
    vector_piece_rows,
)

# Rows per block are chosen so that one block of X holds about this many bytes:
# small enough to stay in the last-level cache between the two products, large
# enough that per-block Python overhead is negligible next to the arithmetic.
_BLOCK_BYTES = 2**22
# And so that the (n_outputs, block_rows) temporaries stay below this many
# entries even with thousands of classes.
_MAX_BLOCK_ENTRIES = 2**20
_MIN_BLOCK_ROWS = 256
# On another namespace (a GPU) there is no cache to stay in, and each block
# costs about 25 kernel launches, whose host time decides a fit's time: on an
# H200 (n = 1 000 000, d = 200, K = 10, float32) three blocks an evaluation
# took 0.46 ms of host time each, 2.6 ms an evaluation against 0.83 ms for the
# two bare products. Blocks are bounded only so that the (n_outputs,
# block_rows) temporaries stay well below a device's memory (64 MiB per
# float32 temporary) and, where each block of X is cast to the dtype of the
# products (the float64 finish of a float32 fit), so that the cast block does.
_DEVICE_MAX_BLOCK_ENTRIES = 2**24
# Large dense passes on NumPy run in chunks of blocks that the fit's threads
# share (skl_softmax._threads): this many chunks at most, so that the partial
# sums stay few and a thread that loses its core delays one small chunk. The
# chunks depend on the data's shape only, so the sums are the same whatever
# the number of threads.
_MAX_CHUNKS = 16
# Products are cut into pieces that OpenBLAS runs on the calling thread; below
# this many rows a piece's product is too thin to run well, and the pass is left
# to OpenBLAS's own threads (e.g. thousands of classes on many features).
_MIN_PIECE_ROWS = 32
# With this many features, one output (binary problems, a one-vs-rest round
# with one label left) runs as matrix-vector products, each piece below
# OpenBLAS's single-thread GEMV size (:func:`~skl_softmax._threads.vector_piece_rows`);
# with more, as two-row GEMM pieces, the second row zero. One evaluation on 2
# threads, alone, GEMV pieces against what ran before (einsum's matrix-vector
# products of whole blocks from 12 features, two-row GEMM pieces otherwise;
# benchmarks/bench_one_output.py): 0.80× on 500 000 × 100 (case d), 0.77-0.88×
# from 1 000 000 × 20 to 200 000 × 300 in float64 (0.87-0.98× in float32),
# the same at 5 features; from 500 features the GEMM pieces are as fast or
# faster (GEMV 1.0-1.2×).
_GEMV_FEATURES = range(1, 301)
# With this many features, a pass whose NumPy BLAS is limited to one thread
# (threadpool_limits, a joblib or Dask worker: no pool to wake) multiplies whole
# blocks on the calling thread instead of pieces. One evaluation, whole blocks
# against pieces, one thread (benchmarks/bench_evaluation.py --threads 1, the
# logs in benchmarks/results/2026-11-30-evaluation/): 200 000 × 200 × 10
# 0.89× (float32 0.96×), 100 000 × 100 × 100 0.86× (0.68×), binary
# 500 000 × 100 0.72×, 1 000 000 × 20 0.71×, 200 000 × 20 × 10 1×; from 500 features
# pieces win in float32 (1.2×) and from 1 000 in float64 (1.07×; 20 000 ×
# 2 000 × 5 1.16-1.32×), their products staying in cache.
_ONE_THREAD_WHOLE_BLOCKS = range(1, 301)
# The softmax may skip its shift by the row maxima (MultinomialLoss._needs_shift)
# from this many logits per pass: deciding costs about 16 µs, and skipping saves
# about 1.2 ns per logit. On iris (450 logits) the decision alone was a quarter
# of an evaluation (16 of 65 µs).
_SHIFT_FREE_MIN_LOGITS = 2**13
# Sparse X is cut into chunks of rows for the fit's threads (SciPy's sparse
# products run on the calling thread and release the GIL) when a pass has at
# least _SMALL_PROBLEM multiply-adds (nnz × outputs). Each chunk's gradient is
# a dense (n_outputs, n_features) array kept until the chunks are added in
# order: their bytes together stay below this (fewer chunks, down to one).
_SPARSE_PARTIALS_BYTES = 2**26
_DEVICE_BLOCK_BYTES = 2**28
# The bundled OpenBLAS computes float32 logits 15–35 % faster as ``X_block Wᵀ``
# (then transposed to the (n_outputs, rows) layout) than as ``W X_blockᵀ`` when
# there are few outputs and not too few features; float64 runs best as
# ``W X_blockᵀ``. Measured with benchmarks/bench_products.py.
_ROW_MAJOR_MAX_OUTPUTS = 32
_ROW_MAJOR_MIN_FEATURES = 30


def prefers_row_major(dtype, n_outputs, n_features):
    """Whether logits of this shape are faster as ``(X Wᵀ)ᵀ`` than as ``W Xᵀ``."""
    return (
        np.dtype(dtype) == np.float32
        and n_outputs <= _ROW_MAJOR_MAX_OUTPUTS
        and n_features >= _ROW_MAJOR_MIN_FEATURES
    )


def logits_by_output(X, W, row_major, backend=NUMPY):
    """Logits ``W Xᵀ`` as a new (n_outputs, n_samples) array.

    On NumPy the result is C-contiguous: sparse ``X`` is always multiplied
    from the left (SciPy's product); dense ``X`` is too when ``row_major``,
    see :func:`prefers_row_major`.  Other namespaces compute ``W Xᵀ``.
    """
    if not backend.is_numpy or (not row_major and isinstance(X, np.ndarray)):
        return W @ X.T
    if row_major or sparse.issparse(X):
        return np.ascontiguousarray((X @ W.T).T)
    return W @ X.T


def prediction_logits(X, W, row_major, backend=NUMPY):
    """Logits ``W Xᵀ`` as :func:`logits_by_output` lays them out, for predictions.

    Dense NumPy ``X`` is multiplied as the fit's passes multiply it: in pieces
    that OpenBLAS runs on the calling thread, shared by the fit's threads on
    large data (:func:`~skl_softmax._threads.product_threads`), so that no
    BLAS pool is woken. A pool woken by one product spins for about 0.1 s
    beside whatever runs next: inside ``SoftmaxRegressionCV``, the next fit
    after each held-out score (20 000 × 100, 3 classes, 6 Cs, 5 folds: the
    whole search took 1.4× its time with the scores on NumPy's pool). Other
    input is :func:`logits_by_output`'s.
    """
    # At most _MIN_PIECE_ROWS rows (one-row predictions): one piece whatever
    # the shape, without the microsecond of choosing it.
    if not (
        backend.is_numpy and isinstance(X, np.ndarray) and X.shape[0] > _MIN_PIECE_ROWS
    ):
        return logits_by_output(X, W, row_major, backend)
    n_samples, n_features = X.shape
    n_outputs = W.shape[0]
    matvec, W_gemm, pieces = _piece_layout(W, n_features)
    if n_samples <= pieces or pieces < _MIN_PIECE_ROWS:
        # One piece, on the calling thread; or pieces too thin to run well
        # (the passes leave those to OpenBLAS's threads too).
        return logits_by_output(X, W, row_major, backend)
    Z = np.empty((W_gemm.shape[0], n_samples), dtype=np.result_type(X, W))
    n_pieces = -(-n_samples // pieces)
    step = pieces * -(-n_pieces // _MAX_CHUNKS)
    starts = range(0, n_samples, step)
    large = n_samples * n_features * n_outputs >= _SMALL_PROBLEM

    def chunk(i):
        rows = slice(starts[i], starts[i] + step)
        _piece_logits(Z[:, rows], X[rows], W_gemm, pieces, matvec, row_major)

    run_chunks(chunk, len(starts), product_threads() if large else 1)
    return Z[:n_outputs]


def _piece_layout(W, n_features):
    """How products with ``W`` are cut: ``(matvec, W_gemm, pieces)``.

    One output runs as matrix-vector products (``matvec``), or as two rows,
    the second zero (``W_gemm``; see ``_GEMV_FEATURES``); ``pieces`` rows of
    ``X`` make a product that OpenBLAS runs on the calling thread.
    """
    n_outputs = W.shape[0]
    matvec = n_outputs == 1 and n_features in _GEMV_FEATURES
    if matvec:
        return True, W, vector_piece_rows(n_features)
    W_gemm = np.vstack([W, np.zeros_like(W)]) if n_outputs == 1 else W
    return False, W_gemm, piece_rows(n_features, W_gemm.shape[0])


def _piece_logits(Z, X, W, pieces, matvec, row_major):
    """``W Xᵀ`` written into ``Z``, ``pieces`` rows of ``X`` at a time.

    ``matvec``: ``W`` has one row and each piece is a matrix-vector product;
    ``row_major``: each piece is computed as ``(X_piece Wᵀ)ᵀ``.
    """
    for t in range(0, X.shape[0], pieces):
        piece = X[t : t + pieces]
        if matvec:
            np.matmul(piece, W[0], out=Z[0, t : t + pieces])
        elif row_major:
            Z[:, t : t + pieces] = (piece @ W.T).T
        else:
            np.matmul(W, piece.T, out=Z[:, t : t + pieces])


def _block_rows(n_samples, n_features, n_outputs, itemsize, on_host=True, cast=False):
    if not on_host:
        rows = _DEVICE_MAX_BLOCK_ENTRIES // max(1, n_outputs)
        if cast:
            rows = min(rows, _DEVICE_BLOCK_BYTES // max(1, n_features * itemsize))
        return int(min(n_samples, max(_MIN_BLOCK_ROWS, rows)))
    rows = _BLOCK_BYTES // max(1, n_features * itemsize)
    rows = min(rows, _MAX_BLOCK_ENTRIES // max(1, n_outputs))
    rows = max(_MIN_BLOCK_ROWS, rows)
    # Small problems: blocks whose products OpenBLAS runs on the calling
    # thread, so that no thread pool is woken (see skl_softmax._threads).
    small = single_thread_rows(n_samples, n_features, n_outputs)
    if small is not None:
        rows = min(rows, small)
    return int(min(n_samples, rows))


class _Window:
    """A slice of a larger array, handed to NumPy as an array of its own.

    SciPy copies the ``data`` and ``indices`` of a sparse matrix built on
    slices of less than half their base array (``_prune_array``, run by every
    constructor, ``.T`` included). An array made from this object has the
    object as its base, of the slice's own size, so it is used as it is; it is
    read-only, and keeps the sliced array alive.
    """

    def __init__(self, array):
        interface = dict(array.__array_interface__)
        interface["data"] = (interface["data"][0], True)
        self.__array_interface__ = interface
        self.size = array.size
        self._array = array


def _row_block(X, start, stop):
    """Rows ``start:stop`` of ``X``: a view, also of a CSR matrix.

    SciPy's row slicing copies a CSR matrix, even whole; a CSR matrix built on
    windows of ``data`` and ``indices`` (and its own short ``indptr``) does
    not, nor does its transpose.
    """
    if isinstance(X, np.ndarray) or not sparse.issparse(X):
        return X[start:stop, ...]
    if start == 0 and stop == X.shape[0]:
        return X
    indptr = X.indptr[start : stop + 1]
    first, last = int(indptr[0]), int(indptr[-1])
    return type(X)(
        (
            np.asarray(_Window(X.data[first:last])),
            np.asarray(_Window(X.indices[first:last])),
            indptr - first,
        ),
        shape=(stop - start, X.shape[1]),
        copy=False,
    )


def _cast_cached(objective, name, dtype):
    """``getattr(objective, name)`` in ``dtype``, cast once and remembered.

    Targets and weights are kept in float64; the products may run in float32,
    and casting these per-sample arrays on every evaluation would cost a pass.
    """
    array = getattr(objective, name)
    if array.dtype == dtype:
        return array
    cache = objective.__dict__.setdefault("_cast_cache", {})
    key = (name, objective.backend.dtype_name(dtype))
    if key not in cache:
        cache[key] = objective.backend.xp.astype(array, dtype)
    return cache[key]


class _LinearObjective:
    """What both objectives share: the data, the layout and the pass over blocks.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        Float32 or float64 data: a NumPy array, a CSR matrix, or an array of
        ``backend``'s namespace on its device. Never modified, never copied
        whole.
    n_outputs : int
        Number of logit columns (classes for softmax, problems for sigmoid).
    C : float
        Inverse penalty strength, ``inf`` for none.
    fit_intercept : bool
        Whether the flat parameter vector ends with ``n_outputs`` intercepts.
    x_offset, x_scale : ndarray of shape (n_features,) or None
        The change of variables described in the module docstring (host
        arrays; the objective keeps a copy on the data's device).
    dtype : dtype or None
        Dtype of the matrix products; default the dtype of ``X``.
    backend : Backend, default=NUMPY
        Namespace and device of ``X`` and of the per-sample arrays.
    """

    def __init__(
        self,
        X,
        n_outputs,
        C,
        fit_intercept,
        x_offset=None,
        x_scale=None,
        dtype=None,
        backend=NUMPY,
    ):
        self.X = X
        self.backend = backend
        self.n_outputs = n_outputs
        self.n_features = X.shape[1]
        # A Python float: a NumPy float32 C would make the penalty float32.
        self.C = float(C)
        self.fit_intercept = fit_intercept
        self.x_offset = None if x_offset is None else np.asarray(x_offset, float)
        self.x_scale = None if x_scale is None else np.asarray(x_scale, float)
        # The accumulators: float64 wherever the device has it.
        self._acc_dtype = backend.dtype(np.float64)
        self._device_offset = self._on_device(self.x_offset)
        self._device_scale = self._on_device(self.x_scale)
        self._set_dtype(X.dtype if dtype is None else dtype)

    @functools.cached_property
    def _row_norm_max(self):
        """A bound on the norm of every row of NumPy ``X`` (one pass, when first
        needed), ``None`` on other namespaces: every logit of a pass has
        ``|z_ik| ≤ ‖x_i‖ ‖w_k‖ + |b_k|``."""
        if not self.backend.is_numpy:
            return None
        return _row_norm_max(self.X, self.block_rows)

    def _logit_bound(self, W, b):
        """An upper bound on ``|z|`` over the logits of ``X Wᵀ + b`` (NumPy)."""
        W = np.asarray(W, dtype=np.float64)
        norms = np.einsum("kd,kd->k", W, W)
        largest = math.sqrt(float(np.max(norms, initial=0.0)))
        b = np.abs(np.asarray(b, dtype=np.float64))
        return self._row_norm_max * largest + float(np.max(b, initial=0.0))

    def _float32_overflows(self, W, b):
        """Whether a float32 pass at ``W``, ``b`` might overflow (NumPy).

        The line search of a float32 fit on data far from zero can try a step
        whose model coefficients, intercepts or logits exceed float32's range
        (found by test_reliability.py's random fits: one row holding −7e29, an
        intercept of −8e51); such a pass runs in float64, as the float64
        finish does, and the line search sees its large finite objective.
        """
        if self.backend.dtype_name(self.dtype) != "float32":
            return False
        bound = self._logit_bound(W, b)
        return not bound < float(np.finfo(np.float32).max) / 4

    def _on_device(self, array):
        if array is None or self.backend.is_numpy:
            return array
        return self.backend.asarray(array, dtype=np.float64)

    def _set_dtype(self, dtype):
        backend = self.backend
        self.dtype = backend.dtype(dtype)
        itemsize = 4 if backend.dtype_name(self.dtype) == "float32" else 8
        self.is_sparse = is_sparse = sparse.issparse(self.X)
        # Sparse X is taken in one block, or in one chunk per thread (see
        # _pass): its rows are then CSR views of the same arrays (_row_block),
        # never copies.
        if is_sparse:
            self.block_rows = self.X.shape[0]
        else:
            self.block_rows = _block_rows(
                self.X.shape[0],
                self.n_features,
                self.n_outputs,
                itemsize,
                on_host=backend.is_numpy,
                cast=backend.dtype_name(self.X.dtype) != backend.dtype_name(self.dtype),
            )
        self.row_major_logits = backend.is_numpy and prefers_row_major(
            self.dtype, self.n_outputs, self.n_features
        )
        n_blocks = -(-self.X.shape[0] // max(1, self.block_rows))
        # Whether the pass may run in chunks on the fit's own threads: large
        # NumPy problems (small ones run on the calling thread already).
        if is_sparse:
            self.chunked = (
                backend.is_numpy
                and self.X.format == "csr"
                and self.X.nnz * self.n_outputs >= _SMALL_PROBLEM
                and self.X.shape[0] >= 2 * _MIN_BLOCK_ROWS
            )
        else:
            self.chunked = (
                backend.is_numpy
                and n_blocks > 1
                and single_thread_rows(self.X.shape[0], self.n_features, self.n_outputs)
                is None
            )
        self.n_threads = None  # default: product_threads() at each pass
        self.n_evaluations = 0

    def in_dtype(self, dtype):
        """A copy of this objective whose products run in ``dtype``.

        With float32 ``X`` and ``dtype=np.float64``, each block of ``X`` is cast
        as it is read: the data are never copied whole.
        """
        twin = copy.copy(self)
        twin._set_dtype(dtype)
        if self._row_groups is not None:
            twin._row_groups = [
                (problems, part.in_dtype(dtype)) for problems, part in self._row_groups
            ]
            for _, part in twin._row_groups:
                part._as_run()
        return twin

    @property
    def single_precision(self):
        """Whether the products run in float32."""
        return self.backend.dtype_name(self.dtype) == "float32"

    @property
    def n_params(self):
        return self.n_outputs * (self.n_features + int(self.fit_intercept))

    # -- layout: the only two places that know the flat vector -------------------

    def pack(self, W, b):
        """Flatten ``W`` (n_outputs, n_features) and ``b`` into a host vector."""
        W = self.backend.to_host(W) if not isinstance(W, np.ndarray) else W
        W = np.asarray(W, dtype=np.float64).reshape(self.n_outputs, self.n_features)
        if not self.fit_intercept:
            return W.ravel().copy()
        b = self.backend.to_host(b) if not isinstance(b, np.ndarray) else b
        return np.concatenate([W.ravel(), np.asarray(b, dtype=np.float64).ravel()])

    def unpack(self, params):
        """Views ``W`` (n_outputs, n_features) and ``b`` (n_outputs,) of ``params``.

        ``params`` is a host vector or, inside an evaluation, the same vector
        on the data's device.
        """
        n_coef = self.n_outputs * self.n_features
        if isinstance(params, np.ndarray):
            W = params[:n_coef].reshape(self.n_outputs, self.n_features)
            b = params[n_coef:] if self.fit_intercept else np.zeros(self.n_outputs)
            return W, b
        xp = self.backend.xp
        W = xp.reshape(params[:n_coef], (self.n_outputs, self.n_features))
        if self.fit_intercept:
            b = params[n_coef:]
        else:
            b = xp.zeros(self.n_outputs, dtype=params.dtype, device=self.backend.device)
        return W, b

    # -- change of variables ------------------------------------------------------

    def _variables(self, array):
        """``(x_offset, x_scale)`` in the namespace of ``array``."""
        if isinstance(array, np.ndarray) or self.backend.is_numpy:
            return self.x_offset, self.x_scale
        return self._device_offset, self._device_scale

    def to_model(self, W_solver, b_solver, overwrite=False):
        """Model parameters ``W = W' / a``, ``b = b' − W μ`` from solver ones.

        With ``overwrite``, ``W`` is computed in the memory of ``W_solver``.
        """
        offset, scale = self._variables(W_solver)
        if scale is None:
            W = W_solver
        elif overwrite:
            W = W_solver
            W /= scale
        else:
            W = W_solver / scale
        b = b_solver if offset is None else b_solver - _matvec(W, offset)
        return W, b

    def to_solver(self, W, b):
        """Inverse of :meth:`to_model`, for warm starts."""
        offset, scale = self._variables(W)
        b_solver = b if offset is None else b + _matvec(W, offset)
        W_solver = W if scale is None else W * scale
        return W_solver, b_solver

    @property
    def changes_variables(self):
        """Whether the solver's coordinates differ from the model's."""
        return self.x_offset is not None or self.x_scale is not None

    def model_gradient_max(self, flat_grad):
        """Largest component of the gradient in the model's coordinates.

        ``flat_grad`` is a host solver gradient laid out as :meth:`pack` lays
        out parameters, for all outputs or for any number of them (one
        problem of a one-vs-rest fit is ``[w_l, b_l]``). Inverts
        :meth:`_gradient_to_solver`: ``∂L/∂W = a ∂L/∂W' + ∂L/∂b μᵀ``.
        """
        n_rows = flat_grad.shape[0] // (self.n_features + int(self.fit_intercept))
        grad_W = flat_grad[: n_rows * self.n_features].reshape(n_rows, -1)
        grad_b = flat_grad[n_rows * self.n_features :]
        # One new array of the size of W, updated in place: with a million
        # parameters each extra temporary costs about a millisecond.
        if self.x_scale is not None:
            grad_W = grad_W * self.x_scale
        else:
            grad_W = grad_W.copy()
        if self.x_offset is not None:
            grad_W += grad_b[:, None] * self.x_offset
        # Methods, not np.max(..., initial=0): small fits call this at every
        # iteration, and the function form costs microseconds.
        largest = np.abs(grad_W, out=grad_W).max() if grad_W.size else 0.0
        if grad_b.size:
            largest = max(largest, np.abs(grad_b).max())
        return float(largest)

    def _gradient_to_solver(self, grad_W, grad_b):
        """The gradient in the solver's coordinates, written over ``grad_W``.

        ``grad_W`` is always a fresh sum of the evaluation, never the caller's.
        """
        offset, scale = self._variables(grad_W)
        if offset is not None:
            grad_W -= grad_b[:, None] * offset[None, :]
        if scale is not None:
            grad_W /= scale
        return grad_W

    # -- several problems ------------------------------------------------------------

    def _penalties(self, W, S, penalty_gradient=None):
        """``‖w_l‖² / (2 C S_l)`` for every row ``l`` of ``W``.

        With ``penalty_gradient`` (an array of the shape of ``W``), also adds
        the penalty's gradient ``W / (C S)`` to it: one ``C S`` for both.
        """
        xp = self.backend.xp
        if math.isinf(self.C):
            return xp.zeros(W.shape[0], dtype=W.dtype, device=self.backend.device)
        # C S beyond the largest float (C near it) overflows to inf, and the
        # penalty to its limit 0: expected, not worth a RuntimeWarning.
        with np.errstate(over="ignore"):
            CS = self.C * S
            if penalty_gradient is not None:
                penalty_gradient += W / CS[:, None]
            if self.backend.is_numpy:
                return np.einsum("ld,ld->l", W, W) / (2.0 * CS)
            return xp.sum(W * W, axis=1) / (2.0 * CS)

    def _problem_results(self, W, loss, grad_W, grad_b, S, rows_per_problem=1):
        """Objectives and solver gradients of problems evaluated together.

        ``W`` holds the active problems' model parameters, ``rows_per_problem``
        rows each (one per binary problem, ``K`` per softmax problem); ``loss``
        their unnormalised losses, ``grad_W`` and ``grad_b`` their summed
        gradients (fresh arrays, written over) and ``S`` their weight sums.
        Each problem's objective is ``loss / S + ‖W‖² / (2 C S)``.
        """
        S_rows = S if rows_per_problem == 1 else np.repeat(S, rows_per_problem)
        grad_W /= S_rows[:, None]
        penalties = self._penalties(W, S_rows, penalty_gradient=grad_W)
        if rows_per_problem > 1:
            penalties = penalties.reshape(-1, rows_per_problem).sum(axis=1)
        losses = loss / S + penalties
        grad_b /= S_rows
        return losses, self._gradient_to_solver(grad_W, grad_b), grad_b

    # -- moving an evaluation's inputs and outputs --------------------------------

    def _to_device(self, params):
        """The host parameter vector on the data's device: one transfer."""
        if self.backend.is_numpy:
            return params
        return self.backend.asarray(params, dtype=np.float64)

    def _to_host(self, *arrays):
        """Device results back as host arrays, concatenated into one transfer."""
        if self.backend.is_numpy:
            return arrays
        xp = self.backend.xp
        flat = xp.concat([xp.reshape(xp.asarray(a), (-1,)) for a in arrays])
        flat = self.backend.to_host(flat)
        out, start = [], 0
        for a in arrays:
            size = int(np.prod(a.shape))
            out.append(flat[start : start + size].reshape(a.shape))
            start += size
        return out

    # -- rows that weigh some problems only --------------------------------------

    # (problems, objective) pairs, see in_row_groups.
    _row_groups = None

    def in_row_groups(self, groups):
        """A copy whose passes run group by group of rows (NumPy, several problems).

        ``groups`` lists ``(rows, problems)``: a slice of rows and the sorted
        indices of the problems that weigh them; every other problem gives
        those rows the weight zero, and rows in no group weigh nothing. Each
        pass then multiplies a group's rows by its problems' parameters only:
        the folds of a cross-validation skip their held-out rows
        (:mod:`skl_softmax._fold_problems`).

        The groups are cut into runs of rows, as many as a pass's chunks,
        which the fit's threads share, each run's products on one thread (as
        :meth:`_chunk_sums`): a pass per group, each on all threads, left
        threads idle at every group's end (10 Cs × 5 folds on 50 000 × 100
        with 10 classes took 1.10× the time of all rows).
        """
        twin = copy.copy(self)
        n_samples = self.X.shape[0]
        run_rows = max(self.block_rows, -(-n_samples // _MAX_CHUNKS))
        twin._row_groups = []
        for rows, problems in groups:
            for start in range(rows.start, rows.stop, run_rows):
                run = slice(start, min(start + run_rows, rows.stop))
                part = self._rows_part(run, problems)
                twin._row_groups.append((np.asarray(problems), part._as_run()))
        return twin

    def _as_run(self):
        """Make this objective's passes run as a chunk's: products cut into
        pieces, on the calling thread (a run of rows of :meth:`in_row_groups`)."""
        self.chunked = True
        self.n_threads = 1
        return self

    def _rows_part(self, rows, problems):
        """This loss over the rows ``rows`` (a slice) and the problems ``problems``."""
        raise NotImplementedError

    def _grouped_sums(self, W, b, problems):
        """:meth:`sums` of the problems ``problems``, one run of rows at a time."""
        every = np.arange(self.n_problems)
        # All (None), a run (a slice) or some (an index array) of the problems.
        problems = every if problems is None else every[problems]
        per_problem = W.shape[0] // len(problems)
        runs = []
        for members, part in self._row_groups:
            here = np.flatnonzero(np.isin(problems, members))
            if here.size:
                local = np.searchsorted(members, problems[here])
                rows = (here[:, None] * per_problem + np.arange(per_problem)).ravel()
                runs.append(
                    (here, rows, part, None if local.size == members.size else local)
                )
        n_threads = 1
        if self.chunked:
            n_threads = product_threads() if self.n_threads is None else self.n_threads

        def run_sums(i):
            _, rows, part, local = runs[i]
            return part.sums(W[rows], b[rows], local)

        parts = run_chunks(run_sums, len(runs), n_threads)
        loss = np.zeros(len(problems))
        grad_W = np.zeros(W.shape)
        grad_b = np.zeros(W.shape[0])
        # Added in the order of the rows: the sums do not depend on the threads.
        for (here, rows, _, _), (part_loss, part_W, part_b) in zip(
            runs, parts, strict=True
        ):
            loss[here] += part_loss
            grad_W[rows] += part_W
            grad_b[rows] += part_b
        self.n_evaluations += 1
        return loss, grad_W, grad_b

    # -- the pass over the data ---------------------------------------------------

    def sums(self, W, b, outputs=None):
        """Unnormalised loss and gradient sums over this objective's rows.

        The seam every way of running shares (blocks, devices, Dask chunks):
        ``(Σ_i s_i ℓ_i, Rᵀ X, Rᵀ 1)`` at model parameters ``W`` (n_active,
        n_features) and ``b`` (n_active,) for the outputs ``outputs`` (default
        all), in the namespace and on the device of ``X``, accumulated in
        float64. The loss is one value, or one per output for
        :class:`BinomialLoss`.
        """
        if self._row_groups is not None:
            return self._grouped_sums(W, b, outputs)
        return self._pass(W, b, self._pointwise, outputs)

    def _pass(self, W, b, pointwise, outputs=None):
        """Sum a pointwise loss and its logit gradient over blocks of rows.

        ``pointwise(Z, rows, outputs)`` receives the logits ``Z`` of shape
        (n_active_outputs, block_rows) and returns the block's weighted loss (a
        float64 scalar or one value per output) and the weighted residuals
        ``R`` (``s_i (p_ik − y_ik)``), written over ``Z`` where the namespace
        allows.  Returns the summed loss, ``Rᵀ X`` and ``Rᵀ 1``.
        """
        backend = self.backend
        xp = backend.xp
        X = self.X
        n_samples = X.shape[0]
        if backend.is_numpy and self._float32_overflows(W, b):
            result = self.in_dtype(np.float64)._pass(W, b, pointwise, outputs)
            self.n_evaluations += 1
            return result
        if backend.is_numpy:
            W = np.ascontiguousarray(W, dtype=self.dtype)
            b = np.asarray(b, dtype=self.dtype)[:, None]
        else:
            W = xp.astype(backend.asarray(W), self.dtype)
            b = xp.astype(backend.asarray(b), self.dtype)[:, None]
        acc = self._acc_dtype
        if n_samples <= self.block_rows and not (self.chunked or self.is_sparse):
            # One dense block (small fits): its fresh sums are the result.
            loss, grad_W, grad_b = self._block_sums(
                W, b, pointwise, outputs, 0, n_samples
            )
            self.n_evaluations += 1
            if backend.is_numpy:
                return loss, grad_W.astype(acc, copy=False), grad_b
            return loss, xp.astype(grad_W, acc, copy=False), grad_b
        loss = 0.0
        if backend.is_numpy:
            grad_W = np.zeros(W.shape, dtype=acc)
            grad_b = np.zeros(W.shape[0], dtype=acc)
        else:
            grad_W = xp.zeros(W.shape, dtype=acc, device=backend.device)
            grad_b = xp.zeros(W.shape[0], dtype=acc, device=backend.device)
        starts = range(0, n_samples, self.block_rows)
        n_threads = None
        if self.chunked:
            n_threads = product_threads() if self.n_threads is None else self.n_threads
        # SciPy multiplies sparse X by a C-ordered copy of its operand: Wᵀ is
        # made C-ordered once, not once per block.
        W_t = np.ascontiguousarray(W.T) if self.is_sparse else None
        if self.chunked and self.is_sparse:
            # One chunk of rows per thread, each multiplied by SciPy on the
            # thread that takes it (SciPy releases the GIL). Each chunk's
            # gradient is a dense (n_outputs, n_features) array, whose writing
            # and adding cost a pass over the parameters: on case (c), 2
            # chunks took 194 ms, 4 took 231 and 8 took 273, one block 333
            # (2 threads). So the chunks follow the threads, and sparse sums
            # depend on the thread count (as BLAS's do), unlike dense ones.
            n_chunks = min(
                n_threads,
                max(1, _SPARSE_PARTIALS_BYTES // (8 * W.shape[0] * self.n_features)),
                n_samples // _MIN_BLOCK_ROWS,
            )
            bounds = [n_samples * i // n_chunks for i in range(n_chunks + 1)]
            parts = run_chunks(
                lambda i: self._block_sums(
                    W, b, pointwise, outputs, bounds[i], bounds[i + 1], W_t
                ),
                n_chunks,
                n_threads,
            )
        elif (
            self.chunked
            # With NumPy's BLAS limited to one thread (threadpool_limits, a
            # joblib or Dask worker), no pool can be woken (see
            # _ONE_THREAD_WHOLE_BLOCKS).
            and not (
                n_threads == 1
                and self.n_features in _ONE_THREAD_WHOLE_BLOCKS
                and blas_threads() == 1
            )
            and piece_rows(self.n_features, max(2, W.shape[0])) >= _MIN_PIECE_ROWS
        ):
            chunks = np.array_split(np.asarray(starts), min(_MAX_CHUNKS, len(starts)))
            parts = run_chunks(
                lambda i: self._chunk_sums(W, b, pointwise, outputs, chunks[i]),
                len(chunks),
                n_threads,
            )
        else:
            parts = (
                self._block_sums(
                    W,
                    b,
                    pointwise,
                    outputs,
                    start,
                    min(start + self.block_rows, n_samples),
                    W_t,
                )
                for start in starts
            )
        # Added in the order of the rows: the sums do not depend on the threads.
        for part_loss, part_W, part_b in parts:
            loss = loss + part_loss
            grad_W += part_W
            grad_b += part_b
        self.n_evaluations += 1
        return loss, grad_W, grad_b

    def _block_sums(self, W, b, pointwise, outputs, start, stop, W_t=None):
        """Loss, ``Rᵀ X`` and ``Rᵀ 1`` of the rows ``start:stop``.

        ``W_t`` is ``Wᵀ`` C-ordered, for sparse blocks.
        """
        backend = self.backend
        rows = slice(start, stop)
        X_block = _row_block(self.X, start, stop)
        if X_block.dtype != self.dtype:
            X_block = (
                X_block.astype(self.dtype)
                if backend.is_numpy
                else backend.xp.astype(X_block, self.dtype)
            )
        is_sparse = self.is_sparse
        if is_sparse:
            # SciPy's (n, K) logits, used through their (K, n) view: the
            # residuals written over them are then the C-ordered (n, K)
            # operand that SciPy's gradient product reads without a copy.
            # Two (n, K) copies fewer than a transposed layout; the
            # pointwise part on the view costs what the copies saved
            # (benchmarks/bench_sparse.py).
            Z = np.asarray(X_block @ W_t).T
        else:
            Z = logits_by_output(X_block, W, self.row_major_logits, backend)
        Z += b
        loss, R = pointwise(Z, rows, outputs)
        grad_W = (X_block.T @ R.T).T if is_sparse else R @ X_block
        return loss, grad_W, _sum(R, 1, self._acc_dtype, backend)

    def _chunk_sums(self, W, b, pointwise, outputs, starts):
        """The sums of the blocks at ``starts``, every product cut into pieces.

        Dense NumPy only. Each piece has a product below OpenBLAS's
        single-thread size (:func:`_piece_layout`), so it runs on the calling
        thread: chunks can run in several threads at once without waking a
        BLAS pool.
        """
        X, n_samples = self.X, self.X.shape[0]
        n_out = W.shape[0]
        matvec, W_gemm, pieces = _piece_layout(W, self.n_features)
        loss = 0.0
        grad_W = np.zeros(W_gemm.shape, dtype=np.float64)
        grad_b = np.zeros(n_out, dtype=np.float64)
        for start in starts:
            rows = slice(start, min(start + self.block_rows, n_samples))
            X_block = X[rows]
            if X_block.dtype != self.dtype:
                X_block = X_block.astype(self.dtype)
            m = X_block.shape[0]
            Z = np.empty((W_gemm.shape[0], m), dtype=self.dtype)
            _piece_logits(Z, X_block, W_gemm, pieces, matvec, self.row_major_logits)
            Z = Z[:n_out]
            Z += b
            block_loss, R = pointwise(Z, rows, outputs)
            loss = loss + block_loss
            grad_b += R.sum(axis=1, dtype=np.float64)
            if matvec:
                R_pieces = R[0]
            elif n_out == 1:
                R_pieces = np.vstack([R, np.zeros_like(R)])
            else:
                R_pieces = R
            for t in range(0, m, pieces):
                grad_W += R_pieces[..., t : t + pieces] @ X_block[t : t + pieces]
        return loss, grad_W[:n_out], grad_b


def _matvec(W, v):
    """``W @ v`` for the parameters, never on a BLAS pool on NumPy.

    The products with parameter-sized operands (``W μ``, ``‖W‖²``) go through
    ``einsum`` from the size at which OpenBLAS would thread them (and the
    weighted loss sum is a NumPy sum, pairwise and more accurate than a dot
    product): the pool such a product wakes spins after the call, taking a
    core from SciPy's L-BFGS-B step. Measured on sparse case (c) (20 × 50 000
    parameters): the step took 51-60 ms per call after such products, 38-41
    ms without (bench_sparse.py). Below that size BLAS runs on the calling
    thread and costs a microsecond less per call than ``einsum``, which small
    fits (iris: 23 iterations) notice. NumPy multiplies a single row by a
    vector as a dot product, threaded from ``_SINGLE_THREAD_DOT`` elements: a
    one-vs-rest label's ``w_l μ`` at 20 000 features woke NumPy's pool at
    every evaluation, and it fought SciPy's for the cores (30 labels of
    200 × 20 000 sparse data: 3.6 s, against 0.6 s with either pool on one
    thread).
    """
    if not isinstance(W, np.ndarray):
        return W @ v
    single_thread = (
        _SINGLE_THREAD_DOT if W.shape[0] == 1 else _SINGLE_THREAD_VECTOR_PRODUCT
    )
    if W.size < single_thread:
        return W @ v
    return np.einsum("kd,d->k", W, v)


def _squared_norm(W):
    """``‖W‖²`` of a NumPy array, never on a BLAS pool (see :func:`_matvec`)."""
    w = W.reshape(-1)
    if w.size <= _SINGLE_THREAD_DOT:
        return float(np.dot(w, w))
    return float(np.einsum("i,i->", w, w))


def _row_norm_max(X, block_rows):
    """The largest Euclidean norm of a row of NumPy ``X``, block by block.

    For a CSR matrix, the bound ``max |x_ij| · √(most stored entries in a
    row)``, which reads the data once without a temporary.
    """
    if sparse.issparse(X):
        if X.nnz == 0:
            return 0.0
        largest = max(float(X.data.max()), -float(X.data.min()))
        return largest * math.sqrt(float(np.diff(X.indptr).max()))
    largest = 0.0
    for start in range(0, X.shape[0], max(1, block_rows)):
        block = X[start : start + block_rows]
        squares = np.einsum("ij,ij->i", block, block, dtype=np.float64)
        largest = max(largest, float(squares.max(initial=0.0)))
    return math.sqrt(largest)


def _sum(array, axis, dtype, backend):
    # The method on NumPy: the function form costs microseconds per call.
    if backend.is_numpy:
        return array.sum(axis=axis, dtype=dtype)
    return backend.xp.sum(array, axis=axis, dtype=dtype)


def _as_slice(outputs, n_outputs):
    """``outputs`` as ``None`` (all of them) or a slice where it is a run.

    An index array otherwise: the problems of a one-vs-rest round are usually
    all the loss's columns, or a run of them.
    """
    outputs = np.asarray(outputs)
    if outputs.ndim != 1 or outputs.size == 0:
        return outputs
    start = int(outputs[0])
    if not np.array_equal(outputs, np.arange(start, start + outputs.size)):
        return outputs
    if start == 0 and outputs.size == n_outputs:
        return None
    return slice(start, start + outputs.size)


def _at_labels(Z, labels, backend=NUMPY):
    """The entries ``z_{y_i, i}`` of ``Z`` (n_classes, m), found once per block.

    On NumPy, ``(flat, index)``: a 1-D view of ``Z``'s memory and the positions
    of the label entries in it, so that reading and updating them are a 1-D
    ``take`` and ``np.subtract.at``: on 10 × 26 214 logits the read took 41 µs
    against 269 µs with two index arrays. ``None`` when ``Z`` is not
    contiguous in either order (indexing with two arrays then serves).
    On another namespace, the boolean mask of the label entries, which
    serves the read and the update (the Array API has no scatter): two
    kernels, where a ``take_along_axis`` and a one-hot matrix took five and
    the read's wrapper alone 0.2 ms of host time on an H200's host.
    """
    if not backend.is_numpy:
        xp = backend.xp
        classes = xp.arange(Z.shape[0], device=backend.device, dtype=labels.dtype)
        return classes[:, None] == labels[None, :]
    if Z.shape[1] < 2 or not (Z.flags.c_contiguous or Z.flags.f_contiguous):
        return None
    flat = Z.reshape(-1, order="A")
    row_step, column_step = (stride // Z.itemsize for stride in Z.strides)
    if column_step == 0:
        return None
    index = np.arange(0, Z.shape[1] * column_step, column_step)
    index += labels * row_step
    return flat, index


def _labels_dot(Z, labels, backend, at_labels=None):
    """``z_{y_i, i}`` for every column ``i`` of ``Z`` (n_classes, m), in float64."""
    if backend.is_numpy:
        if at_labels is None:
            return Z[labels, np.arange(Z.shape[1])].astype(np.float64)
        flat, index = at_labels
        return flat.take(index).astype(np.float64, copy=False)
    # One entry of each column is not zero: its sum is exact in Z's dtype.
    xp = backend.xp
    picked = xp.sum(xp.where(at_labels, Z, 0.0), axis=0)
    return xp.astype(picked, backend.dtype(np.float64))


def _subtract_at_labels(Z, labels, values, backend, at_labels=None):
    """``Z[y_i, i] −= values_i``, in place where the namespace allows it."""
    if backend.is_numpy:
        if at_labels is None:
            Z[labels, np.arange(Z.shape[1])] -= values
        else:
            flat, index = at_labels
            # In Z's dtype: ufunc.at's fast loop needs no casting (float32 Z
            # with float64 values took 6.8 ms per block of 52 428 labels,
            # against 0.08 ms; benchmarks/bench_evaluation.py, shape few).
            np.subtract.at(flat, index, np.asarray(values, dtype=flat.dtype))
        return Z
    xp = backend.xp
    if isinstance(values, float):  # unit weights
        return xp.where(at_labels, Z - values, Z)
    Z -= xp.where(at_labels, xp.astype(values[None, :], Z.dtype), 0.0)
    return Z


def _exp(Z, backend):
    """``exp(Z)``, over ``Z`` on NumPy (one pass, no temporary)."""
    if backend.is_numpy:
        return np.exp(Z, out=Z)
    return backend.xp.exp(Z)


class MultinomialLoss(_LinearObjective):
    """Softmax cross-entropy with L2 penalty, as a callable for ``scipy.optimize``.

    Parameters
    ----------
    X : ndarray, CSR matrix or array of ``backend`` of shape (n_samples, n_features)
        Training data.
    targets : array of shape (n_samples,) or (n_samples, n_classes)
        Integer class indices (hard labels, used by indexing, no one-hot matrix)
        or probability rows (soft labels, held transposed as ``(K, n)``), in
        the namespace of ``X``.
    sample_weight : array of shape (n_samples,) or (n_samples, n_problems)
        Non-negative weights with a positive sum, in the namespace of ``X``.
        With one column per problem (NumPy only), the loss holds
        ``n_problems`` softmax problems that share ``X`` and the targets and
        differ by their weights (cross-validation's folds: zero weight outside
        a fold's training rows). Their logits lie side by side, ``K`` outputs
        per problem, so that any subset of them is evaluated with one pair of
        matrix products (:meth:`evaluate`), as :class:`BinomialLoss`'s columns.
    C : float
        Inverse penalty strength.
    n_classes : int
        Number of classes ``K``.
    fit_intercept : bool
        Whether to fit ``b``.
    label_smoothing : float, default=0.0
        ``ε``: hard targets become ``(1 − ε) onehot + ε / K``.
    x_offset, x_scale, dtype, backend
        See :class:`_LinearObjective`.
    """

    def __init__(
        self,
        X,
        targets,
        sample_weight,
        C,
        n_classes,
        fit_intercept,
        label_smoothing=0.0,
        x_offset=None,
        x_scale=None,
        dtype=None,
        backend=NUMPY,
    ):
        self.n_classes = n_classes
        self.n_problems = 1 if sample_weight.ndim == 1 else sample_weight.shape[1]
        if sample_weight.ndim == 2 and self.n_problems == 1:
            sample_weight = sample_weight[:, 0]
        super().__init__(
            X,
            self.n_problems * n_classes,
            C,
            fit_intercept,
            x_offset,
            x_scale,
            dtype,
            backend,
        )
        xp = backend.xp
        if backend.is_numpy:
            # One row of weights per problem.
            self.sample_weight = np.ascontiguousarray(
                np.asarray(sample_weight, dtype=np.float64).T
            )
            # No sample or class weights: the pointwise part multiplies by none.
            self._unit_weights = bool(np.all(self.sample_weight == 1.0))
        else:
            self.sample_weight = xp.astype(sample_weight, self._acc_dtype)
            # (One read of the device, before the fit: the pointwise part
            # then multiplies by no weights, as on NumPy.)
            self._unit_weights = bool(xp.all(self.sample_weight == 1.0))
        if self.n_problems == 1:
            self.sw_sum = float(xp.sum(self.sample_weight))
        else:
            self.sw_sum = self.sample_weight.sum(axis=1)
        self.label_smoothing = float(label_smoothing)
        if targets.ndim == 1:
            if backend.is_numpy:
                self.labels = np.asarray(targets, dtype=np.intp)
            else:
                self.labels = xp.astype(targets, xp.int64)
            self._Y_t = None
        elif backend.is_numpy:
            self.labels = None
            self._Y_t = np.ascontiguousarray(targets.T, dtype=np.float64)
        else:
            self.labels = None
            self._Y_t = xp.astype(targets.T, self._acc_dtype)

    @property
    def _sw(self):
        return _cast_cached(self, "sample_weight", self.dtype)

    @property
    def Y_t(self):
        return None if self._Y_t is None else _cast_cached(self, "_Y_t", self.dtype)

    def __call__(self, params):
        """Objective and its gradient at the flat (host) solver parameters."""
        W, b = self.to_model(*self.unpack(self._to_device(params)))
        objective, grad = self._finish(W, *self.sums(W, b))
        if self.backend.is_numpy:
            return objective, grad
        grad, objective = self._to_host(grad, objective)
        return float(objective), grad

    def objective(self, W, b):
        """Objective at model parameters ``W`` (n_classes, n_features), ``b``."""
        if self.backend.is_numpy:
            W, b = np.asarray(W), np.asarray(b)
        else:
            W = self.backend.asarray(W, dtype=np.float64)
            b = self.backend.asarray(b, dtype=np.float64)
        loss, _, _ = self.sums(W, b)
        return float(loss / self.sw_sum + self._penalty(W))

    def evaluate(self, W_solver, b_solver, problems=None):
        """Objectives and gradients of several problems (NumPy), as
        :meth:`BinomialLoss.evaluate`.

        Parameters
        ----------
        W_solver : ndarray of shape (n_active * n_classes, n_features)
            Solver coordinates of the active problems, ``K`` rows each.
        b_solver : ndarray of shape (n_active * n_classes,)
            Their intercepts (ignored without intercept).
        problems : ndarray of int, default=None
            Which problems they are, in increasing order (default all).

        Returns
        -------
        losses : ndarray of shape (n_active,)
        grad_W : ndarray of shape (n_active * n_classes, n_features)
        grad_b : ndarray of shape (n_active * n_classes,)
        """
        S = np.atleast_1d(self.sw_sum)
        if problems is not None and _as_slice(problems, self.n_problems) is None:
            problems = None  # all of them
        if problems is not None:
            problems = np.asarray(problems)
            S = S[problems]
        W, b = self.to_model(W_solver, b_solver)
        loss, grad_W, grad_b = self.sums(W, b, problems)
        return self._problem_results(W, loss, grad_W, grad_b, S, self.n_classes)

    def _penalty(self, W):
        if math.isinf(self.C):
            return 0.0
        # sw_sum is a Python float here, whose product overflows to inf
        # silently (the limit, as in _penalties).
        if self.backend.is_numpy:
            return _squared_norm(W) / (2.0 * self.C * self.sw_sum)
        return self.backend.xp.sum(W * W) / (2.0 * self.C * self.sw_sum)

    def _finish(self, W, loss, grad_W, grad_b):
        """Normalisation, penalty, change of variables and flat layout, once."""
        xp = self.backend.xp
        S = self.sw_sum
        objective = loss / S + self._penalty(W)
        grad_W /= S
        if not math.isinf(self.C):
            grad_W += W / (self.C * S)
        grad_b /= S
        grad_W = self._gradient_to_solver(grad_W, grad_b)
        flat_W = grad_W.ravel() if self.backend.is_numpy else xp.reshape(grad_W, (-1,))
        if self.fit_intercept:
            return objective, xp.concat([flat_W, grad_b])
        return objective, flat_W

    def sums(self, W, b, outputs=None):
        if self._row_groups is not None:
            return self._grouped_sums(W, b, outputs)
        shift = self._needs_shift(W, b)
        return self._pass(
            W,
            b,
            lambda Z, rows, active: self._pointwise(Z, rows, active, shift),
            outputs,
        )

    def _rows_part(self, rows, problems):
        if self.labels is not None:
            targets = self.labels[rows]
        else:
            targets = self._Y_t[:, rows].T
        return MultinomialLoss(
            _row_block(self.X, rows.start, rows.stop),
            targets,
            np.atleast_2d(self.sample_weight)[problems, rows].T,
            self.C,
            self.n_classes,
            self.fit_intercept,
            self.label_smoothing,
            self.x_offset,
            self.x_scale,
            self.dtype,
        )

    def _needs_shift(self, W, b):
        """Whether this pass's pointwise part shifts the logits by their maxima.

        The shift keeps ``e^z`` in range whatever the logits, and costs two
        passes over them (the column maxima, the subtraction): one evaluation
        at K = 1 000 took 0.80× the time without (benchmarks/bench_shift.py).
        Hard labels without smoothing on dense NumPy data skip it when every
        ``|z|`` is at most a limit ``L``, bounded for the pass by
        ``‖x_i‖ ‖w_k‖ + |b_k|``. The
        loss is then ``log(Σ_k e^{z_k} / e^{z_y})`` (``−log p_y``, exact to an
        eps however sure the prediction), which needs ``K e^{2L}`` below the
        largest float; and the largest term of every row stays so far above
        the smallest normal float that the terms that underflow weigh less
        than an eps of it. ``L`` is 350 in float64 and 40–42 in float32.
        """
        if (
            self.X.shape[0] * self.n_outputs < _SHIFT_FREE_MIN_LOGITS
            or self.is_sparse
            or self.labels is None
            or self.label_smoothing
            or self._row_norm_max is None
        ):
            return True
        bound = self._logit_bound(W, b)
        info = np.finfo(self.dtype)
        limit = min(
            (math.log(info.max) - math.log(max(1, self.n_classes)) - 1.0) / 2.0,
            math.log(info.eps) - math.log(info.tiny),
        )
        # The products round: a margin far above their relative error.
        return not bound * 1.01 < limit

    def _pointwise(self, Z, rows, outputs, shift=True):
        if self.n_problems == 1:
            # Unit weights are the scalar 1: no pass multiplies by them.
            sw = 1.0 if self._unit_weights else self._sw[rows]
            return self._softmax_pointwise(Z, rows, sw, shift)
        # Several problems (NumPy): the K rows of Z of each active problem are
        # its logits, a view that its residuals overwrite.
        K = self.n_classes
        problems = range(self.n_problems) if outputs is None else outputs
        losses = np.empty(len(problems))
        weights = self._sw
        for j, problem in enumerate(problems):
            losses[j], _ = self._softmax_pointwise(
                Z[j * K : (j + 1) * K], rows, weights[problem, rows], shift
            )
        return losses, Z

    def _softmax_pointwise(self, Z, rows, sw, shift=True):
        # Z is (K, m). Per column i: loss_i = logsumexp(z_i) − Σ_k y_ik z_ik, and
        # the residual s_i (p_i − y_i) overwrites z_i (on NumPy). Without
        # ``shift`` (NumPy, hard labels, logits bounded: _needs_shift), e^z
        # directly and loss_i = log(Σ_k e^{z_ik} / e^{z_iy}).
        backend = self.backend
        xp = backend.xp
        f64 = self._acc_dtype
        unit = isinstance(sw, float)
        n_classes = Z.shape[0]
        eps = self.label_smoothing
        if self.labels is not None:
            labels = self.labels[rows]
            at_labels = _at_labels(Z, labels, backend)
            if shift:
                target_dot_z = _labels_dot(Z, labels, backend, at_labels)
            if eps:
                # (1 − ε) z_y + (ε / K) Σ_k z_k, the dot with the smoothed target.
                target_dot_z *= 1.0 - eps
                target_dot_z += (eps / n_classes) * _sum(Z, 0, f64, backend)
        else:
            Y = self.Y_t[:, rows]
            if backend.is_numpy:
                target_dot_z = np.einsum("km,km->m", Y, Z, dtype=np.float64)
            else:
                target_dot_z = xp.sum(Y * Z, axis=0, dtype=f64)
        if shift:
            z_max = Z.max(axis=0) if backend.is_numpy else xp.max(Z, axis=0)
            Z -= z_max
        Z = _exp(Z, backend)
        exp_sum = _sum(Z, 0, None, backend)
        if backend.is_numpy:
            if shift:
                log_sum_exp = np.log(exp_sum, dtype=np.float64)
                log_sum_exp += z_max
                log_sum_exp -= target_dot_z
            else:
                # −log p_y as the log of a ratio: log Σ − z_y would lose eps·|z_y|.
                log_sum_exp = np.log(
                    exp_sum / _labels_dot(Z, labels, backend, at_labels)
                )
            if not unit:
                log_sum_exp *= sw
            loss = float(log_sum_exp.sum())
        else:
            log_sum_exp = xp.log(xp.astype(exp_sum, f64)) + xp.astype(z_max, f64)
            log_sum_exp -= target_dot_z
            if not unit:
                log_sum_exp *= xp.astype(sw, f64)
            loss = xp.sum(log_sum_exp)
        if unit and not backend.is_numpy:
            Z /= exp_sum  # one kernel on a device
        else:
            Z *= sw / exp_sum  # on NumPy, K·m products rather than divisions
        if self.labels is not None:
            Z = _subtract_at_labels(Z, labels, (1.0 - eps) * sw, backend, at_labels)
            if eps:
                Z -= (eps / n_classes) * sw
        else:
            Z -= Y if unit else Y * sw
        return loss, Z


class BinomialLoss(_LinearObjective):
    """Independent sigmoid cross-entropies with L2 penalty, one per column.

    Each column ``l`` is its own binary problem with its own normalisation
    ``S_l`` (sample weights times that problem's class weights).  The columns
    can be evaluated in any subset with one pair of matrix products, so that
    several solvers can share passes over ``X``.

    Parameters
    ----------
    X : ndarray, CSR matrix or array of ``backend`` of shape (n_samples, n_features)
        Training data.
    Y : array of shape (n_samples, n_problems)
        Targets in [0, 1] (0/1 labels, or probabilities), in the namespace of
        ``X``.
    sample_weight : array of shape (n_samples,) or (n_samples, n_problems)
        Non-negative weights, shared by all problems or one column each.
    C : float
        Inverse penalty strength.
    fit_intercept : bool
        Whether to fit ``b``.
    x_offset, x_scale, dtype, backend
        See :class:`_LinearObjective`.
    """

    def __init__(
        self,
        X,
        Y,
        sample_weight,
        C,
        fit_intercept,
        x_offset=None,
        x_scale=None,
        dtype=None,
        backend=NUMPY,
    ):
        if backend.is_numpy:
            Y = np.asarray(Y)
        super().__init__(
            X, Y.shape[1], C, fit_intercept, x_offset, x_scale, dtype, backend
        )
        xp = backend.xp
        if backend.is_numpy:
            # 0/1 targets given as booleans stay one byte each (a one-vs-rest
            # fit holds labels in flight × samples of them); the pointwise
            # arithmetic promotes them to the logits' dtype as it goes.
            self._Y_t = np.ascontiguousarray(
                Y.T if Y.dtype == np.bool_ else Y.T.astype(np.float64, copy=False)
            )
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
            self._sw_t = np.ascontiguousarray(
                sample_weight.T if sample_weight.ndim == 2 else sample_weight[None, :]
            )
            sums = sample_weight.sum(axis=0)
            self._unit_rows = np.all(self._sw_t == 1.0, axis=1)
            self._unit_weights = bool(self._unit_rows.all())
        else:
            self._Y_t = xp.astype(Y.T, self._acc_dtype)
            sample_weight = xp.astype(sample_weight, self._acc_dtype)
            self._sw_t = (
                sample_weight.T if sample_weight.ndim == 2 else sample_weight[None, :]
            )
            sums = backend.to_host(xp.sum(sample_weight, axis=0))
        self.sw_sum = np.broadcast_to(sums, (self.n_outputs,)).astype(np.float64)
        self._device_sw_sum = self._on_device(self.sw_sum)

    @property
    def n_problems(self):
        return self.n_outputs

    @property
    def Y_t(self):
        if self.backend.is_numpy and self._Y_t.dtype == np.bool_:
            return self._Y_t
        return _cast_cached(self, "_Y_t", self.dtype)

    @property
    def sw_t(self):
        return _cast_cached(self, "_sw_t", self.dtype)

    def __call__(self, params):
        """Summed objective of all problems and its gradient (flat parameters)."""
        W_solver, b_solver = self.unpack(params)
        losses, grad_W, grad_b = self.evaluate(W_solver, b_solver)
        if self.fit_intercept:
            return float(losses.sum()), np.concatenate([grad_W.ravel(), grad_b])
        return float(losses.sum()), grad_W.ravel()

    def load(self, columns, Y_t, sw_t=None):
        """Let ``columns`` hold other problems: their targets and weights.

        ``Y_t`` has one row of targets per column; ``sw_t`` one row of weights,
        or ``None`` when the problems share this loss's single weight row.  A
        one-vs-rest fit keeps a few columns and loads each label into a free
        one, so that its arrays stay bounded whatever the number of labels.
        """
        backend = self.backend
        if backend.is_numpy:
            self._Y_t[columns] = Y_t
            if sw_t is None:
                self.sw_sum[columns] = self._sw_t[0].sum()
            else:
                self._sw_t[columns] = sw_t
                self.sw_sum[columns] = np.sum(sw_t, axis=1)
                self._unit_rows[columns] = np.all(sw_t == 1.0, axis=1)
                self._unit_weights = bool(self._unit_rows.all())
        else:
            # The standard sets items row by row (no integer-array assignment).
            xp = backend.xp
            for i, column in enumerate(columns):
                self._Y_t[int(column), :] = xp.astype(Y_t[i, :], self._Y_t.dtype)
                if sw_t is not None:
                    self._sw_t[int(column), :] = xp.astype(sw_t[i, :], self._sw_t.dtype)
            if sw_t is None:
                self.sw_sum[columns] = float(xp.sum(self._sw_t[0, :]))
            else:
                self.sw_sum[columns] = backend.to_host(xp.sum(sw_t, axis=1))
            self._device_sw_sum = self._on_device(self.sw_sum)
        self.__dict__.pop("_cast_cache", None)

    def _rows_part(self, rows, problems):
        shared = self._sw_t.shape[0] == 1
        return BinomialLoss(
            _row_block(self.X, rows.start, rows.stop),
            self._Y_t[problems, rows].T,
            (self._sw_t[:, rows] if shared else self._sw_t[problems, rows]).T,
            self.C,
            self.fit_intercept,
            self.x_offset,
            self.x_scale,
            self.dtype,
        )

    def evaluate(self, W_solver, b_solver, outputs=None):
        """Objectives and gradients of the problems ``outputs`` (default all).

        Parameters
        ----------
        W_solver : ndarray of shape (n_active, n_features)
            Solver coordinates of the active problems (host arrays).
        b_solver : ndarray of shape (n_active,)
            Their intercepts (ignored without intercept).
        outputs : ndarray of int, default=None
            Which problems the rows of ``W_solver`` belong to.

        Returns
        -------
        losses : ndarray of shape (n_active,)
        grad_W : ndarray of shape (n_active, n_features)
        grad_b : ndarray of shape (n_active,)
        """
        backend = self.backend
        if outputs is not None and backend.is_numpy:
            outputs = _as_slice(outputs, self.n_outputs)
        # All problems, or a run of them: no output index, so that targets
        # and weights are sliced, never gathered (each copy is a pass).
        S = self.sw_sum if outputs is None else self.sw_sum[outputs]
        if not backend.is_numpy:
            # One transfer in: the active problems' parameters side by side.
            params = self._to_device(
                np.column_stack([W_solver, np.asarray(b_solver, dtype=np.float64)])
            )
            W_solver, b_solver = params[:, :-1], params[:, -1]
            S = backend.asarray(S, dtype=np.float64)
            if outputs is not None:
                outputs = backend.asarray(outputs, dtype=np.int64)
        W, b = self.to_model(W_solver, b_solver)
        results = self._problem_results(W, *self.sums(W, b, outputs), S)
        if backend.is_numpy:
            return results
        return tuple(self._to_host(*results))

    def objectives(self, W, b):
        """Objective of every problem at model parameters ``W``, ``b``."""
        if self.backend.is_numpy:
            W = np.atleast_2d(np.asarray(W, dtype=np.float64))
            loss, _, _ = self.sums(W, np.asarray(b), None)
            return loss / self.sw_sum + self._penalties(W, self.sw_sum)
        xp = self.backend.xp
        W = xp.reshape(self.backend.asarray(W, dtype=np.float64), (-1, self.n_features))
        b = xp.reshape(self.backend.asarray(b, dtype=np.float64), (-1,))
        loss, _, _ = self.sums(W, b, None)
        S = self._device_sw_sum
        return self.backend.to_host(loss / S + self._penalties(W, S))

    def _pointwise(self, Z, rows, outputs):
        # log(1 + e^z) − y z, written with e^{−|z|} ≤ 1 so nothing overflows:
        # log(1 + e^z) = max(z, 0) + log1p(e^{−|z|}).
        backend = self.backend
        xp = backend.xp
        Y_t, sw_t = self.Y_t, self.sw_t
        if outputs is None:
            Y = Y_t[:, rows]
            sw = sw_t[:, rows]
        elif backend.is_numpy:
            Y = Y_t[outputs, rows]
            sw = sw_t[outputs if sw_t.shape[0] > 1 else slice(0, 1), rows]
        else:
            Y = xp.take(Y_t[:, rows], outputs, axis=0)
            sw = sw_t[:, rows]
            if sw_t.shape[0] > 1:
                sw = xp.take(sw, outputs, axis=0)
        if backend.is_numpy:
            # One exp serves the loss and the sigmoid (two transcendental
            # passes, not three: the few-feature pass is bound by them). With
            # e = e^{−|z|}, σ(z) = ½ + sign(z) (½ − e / (1 + e)); the residual
            # σ − y is then exact to an absolute eps, as expit's is where σ is
            # close to 1. Measured 0.6–0.85× the exp/log1p/expit version on 10⁶
            # logits (benchmarks/bench_binary_pointwise.py).
            e = np.abs(Z)
            np.negative(e, out=e)
            np.exp(e, out=e)
            losses = np.log1p(e)
            losses += np.maximum(Z, 0)
            losses -= Y * Z
            # Unit weights (no sample or class weights): two passes fewer.
            unit = self._unit_weights
            if not unit:
                losses *= sw
            loss = losses.sum(axis=1, dtype=np.float64)
            np.add(e, 1.0, out=losses)
            np.divide(e, losses, out=e)
            np.subtract(0.5, e, out=e)
            np.copysign(e, Z, out=Z)
            Z += 0.5
            Z -= Y
            if not unit:
                Z *= sw
            return loss, Z
        # The same formulas, with e^{−|z|} computed once for the loss and for
        # σ(z) = 1 / (1 + e^{−z}) (z ≥ 0) or e^{z} / (1 + e^{z}) (z < 0).
        e = xp.exp(-xp.abs(Z))
        losses = (xp.clip(Z, min=0.0) - Y * Z + xp.log1p(e)) * sw
        loss = xp.sum(losses, axis=1, dtype=self._acc_dtype)
        R = xp.where(Z >= 0, xp.ones_like(e), e) / (1.0 + e)
        R -= Y
        R *= sw
        return loss, R
