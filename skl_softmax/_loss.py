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

import numpy as np
from scipy import sparse

from ._threads import single_thread_rows

# Rows per block are chosen so that one block of X holds about this many bytes:
# small enough to stay in the last-level cache between the two products, large
# enough that per-block Python overhead is negligible next to the arithmetic.
_BLOCK_BYTES = 2**22
# And so that the (n_outputs, block_rows) temporaries stay below this many
# entries even with thousands of classes.
_MAX_BLOCK_ENTRIES = 2**20
_MIN_BLOCK_ROWS = 256
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


def logits_by_output(X, W, row_major):
    """Logits ``W Xᵀ`` as a new C-contiguous (n_outputs, n_samples) array.

    Sparse ``X`` is always multiplied from the left (SciPy's product); dense
    ``X`` is too when ``row_major``, see :func:`prefers_row_major`.
    """
    if row_major or sparse.issparse(X):
        return np.ascontiguousarray((X @ W.T).T)
    return W @ X.T


def _block_rows(n_samples, n_features, n_outputs, itemsize):
    rows = _BLOCK_BYTES // max(1, n_features * itemsize)
    rows = min(rows, _MAX_BLOCK_ENTRIES // max(1, n_outputs))
    rows = max(_MIN_BLOCK_ROWS, rows)
    # Small problems: blocks whose products OpenBLAS runs on the calling
    # thread, so that no thread pool is woken (see skl_softmax._threads).
    small = single_thread_rows(n_samples, n_features, n_outputs)
    if small is not None:
        rows = min(rows, small)
    return int(min(n_samples, rows))


def _cast_cached(objective, name, dtype):
    """``getattr(objective, name)`` in ``dtype``, cast once and remembered.

    Targets and weights are kept in float64; the products may run in float32,
    and casting these per-sample arrays on every evaluation would cost a pass.
    """
    array = getattr(objective, name)
    if array.dtype == dtype:
        return array
    cache = objective.__dict__.setdefault("_cast_cache", {})
    key = (name, np.dtype(dtype).str)
    if key not in cache:
        cache[key] = array.astype(dtype)
    return cache[key]


class _LinearObjective:
    """What both objectives share: the data, the layout and the pass over blocks.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Float32 or float64 data. Never modified, never copied whole.
    n_outputs : int
        Number of logit columns (classes for softmax, problems for sigmoid).
    C : float
        Inverse penalty strength, ``inf`` for none.
    fit_intercept : bool
        Whether the flat parameter vector ends with ``n_outputs`` intercepts.
    x_offset, x_scale : ndarray of shape (n_features,) or None
        The change of variables described in the module docstring.
    dtype : dtype or None
        Dtype of the matrix products; default the dtype of ``X``.
    """

    def __init__(
        self, X, n_outputs, C, fit_intercept, x_offset=None, x_scale=None, dtype=None
    ):
        self.X = X
        self.n_outputs = n_outputs
        self.n_features = X.shape[1]
        self.C = C
        self.fit_intercept = fit_intercept
        self.x_offset = x_offset
        self.x_scale = x_scale
        self._set_dtype(X.dtype if dtype is None else dtype)

    def _set_dtype(self, dtype):
        self.dtype = np.dtype(dtype)
        # Sparse X is taken whole: slicing a CSR matrix copies its rows (SciPy
        # prunes views), which would cost as much as a product every pass.
        self.block_rows = (
            self.X.shape[0]
            if sparse.issparse(self.X)
            else _block_rows(
                self.X.shape[0], self.n_features, self.n_outputs, self.dtype.itemsize
            )
        )
        self.row_major_logits = prefers_row_major(
            self.dtype, self.n_outputs, self.n_features
        )
        self.n_evaluations = 0

    def in_dtype(self, dtype):
        """A copy of this objective whose products run in ``dtype``.

        With float32 ``X`` and ``dtype=np.float64``, each block of ``X`` is cast
        as it is read: the data are never copied whole.
        """
        twin = copy.copy(self)
        twin._set_dtype(dtype)
        return twin

    @property
    def n_params(self):
        return self.n_outputs * (self.n_features + int(self.fit_intercept))

    # -- layout: the only two places that know the flat vector -------------------

    def pack(self, W, b):
        """Flatten ``W`` of shape (n_outputs, n_features) and ``b`` into a vector."""
        W = np.asarray(W, dtype=np.float64).reshape(self.n_outputs, self.n_features)
        if not self.fit_intercept:
            return W.ravel().copy()
        return np.concatenate([W.ravel(), np.asarray(b, dtype=np.float64).ravel()])

    def unpack(self, params):
        """Views ``W`` (n_outputs, n_features) and ``b`` (n_outputs,) of ``params``."""
        n_coef = self.n_outputs * self.n_features
        W = params[:n_coef].reshape(self.n_outputs, self.n_features)
        if self.fit_intercept:
            b = params[n_coef:]
        else:
            b = np.zeros(self.n_outputs)
        return W, b

    # -- change of variables ------------------------------------------------------

    def to_model(self, W_solver, b_solver):
        """Model parameters ``W = W' / a``, ``b = b' − W μ`` from solver ones."""
        W = W_solver if self.x_scale is None else W_solver / self.x_scale
        b = b_solver if self.x_offset is None else b_solver - W @ self.x_offset
        return W, b

    def to_solver(self, W, b):
        """Inverse of :meth:`to_model`, for warm starts."""
        b_solver = b if self.x_offset is None else b + W @ self.x_offset
        W_solver = W if self.x_scale is None else W * self.x_scale
        return W_solver, b_solver

    @property
    def changes_variables(self):
        """Whether the solver's coordinates differ from the model's."""
        return self.x_offset is not None or self.x_scale is not None

    def model_gradient_max(self, flat_grad):
        """Largest component of the gradient in the model's coordinates.

        ``flat_grad`` is a solver gradient laid out as :meth:`pack` lays out
        parameters, for all outputs or for any number of them (one problem of
        a one-vs-rest fit is ``[w_l, b_l]``). Inverts :meth:`_gradient_to_solver`:
        ``∂L/∂W = a ∂L/∂W' + ∂L/∂b μᵀ``.
        """
        n_rows = flat_grad.shape[0] // (self.n_features + int(self.fit_intercept))
        grad_W = flat_grad[: n_rows * self.n_features].reshape(n_rows, -1)
        grad_b = flat_grad[n_rows * self.n_features :]
        if self.x_scale is not None:
            grad_W = grad_W * self.x_scale
        if self.x_offset is not None:
            grad_W = grad_W + np.outer(grad_b, self.x_offset)
        return float(
            max(
                np.max(np.abs(grad_W), initial=0.0), np.max(np.abs(grad_b), initial=0.0)
            )
        )

    def _gradient_to_solver(self, grad_W, grad_b):
        if self.x_offset is not None:
            grad_W = grad_W - np.outer(grad_b, self.x_offset)
        if self.x_scale is not None:
            grad_W = grad_W / self.x_scale
        return grad_W

    # -- the pass over the data ---------------------------------------------------

    def sums(self, W, b, outputs=None):
        """Unnormalised sums over this objective's rows at model parameters.

        The one seam every way of running shares: ``Σ s_i ℓ_i`` (a scalar, or
        one value per output of ``outputs``), ``Rᵀ X`` and ``Rᵀ 1``. The
        normalisation, the penalty and the change of variables are applied on
        top of it, once (a Dask fit adds the sums of its chunks first).
        """
        return self._pass(W, b, self._pointwise, outputs)

    def _pass(self, W, b, pointwise, outputs=None):
        """Sum a pointwise loss and its logit gradient over blocks of rows.

        ``pointwise(Z, rows, outputs)`` receives the logits ``Z`` of shape
        (n_active_outputs, block_rows), returns the block's weighted loss (a
        float64 scalar or one value per output) and overwrites ``Z`` with the
        weighted residuals ``R`` (``s_i (p_ik − y_ik)``).  Returns the summed loss,
        ``Rᵀ X`` and ``Rᵀ 1``.
        """
        X = self.X
        n_samples = X.shape[0]
        W = np.ascontiguousarray(W, dtype=self.dtype)
        b = np.asarray(b, dtype=self.dtype)[:, None]
        loss = 0.0
        grad_W = np.zeros(W.shape, dtype=np.float64)
        grad_b = np.zeros(W.shape[0], dtype=np.float64)
        for start in range(0, n_samples, self.block_rows):
            rows = slice(start, min(start + self.block_rows, n_samples))
            X_block = X[rows]
            if X_block.dtype != self.dtype:
                X_block = X_block.astype(self.dtype)
            Z = logits_by_output(X_block, W, self.row_major_logits)
            Z += b
            loss = loss + pointwise(Z, rows, outputs)
            if sparse.issparse(X_block):
                grad_W += (X_block.T @ Z.T).T
            else:
                grad_W += Z @ X_block
            grad_b += Z.sum(axis=1, dtype=np.float64)
        self.n_evaluations += 1
        return loss, grad_W, grad_b


class MultinomialLoss(_LinearObjective):
    """Softmax cross-entropy with L2 penalty, as a callable for ``scipy.optimize``.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Training data.
    targets : ndarray of shape (n_samples,) or (n_samples, n_classes)
        Integer class indices (hard labels, used by indexing, no one-hot matrix)
        or probability rows (soft labels, held transposed as ``(K, n)``).
    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights with a positive sum.
    C : float
        Inverse penalty strength.
    n_classes : int
        Number of classes ``K``.
    fit_intercept : bool
        Whether to fit ``b``.
    label_smoothing : float, default=0.0
        ``ε``: hard targets become ``(1 − ε) onehot + ε / K``.
    x_offset, x_scale, dtype
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
    ):
        super().__init__(X, n_classes, C, fit_intercept, x_offset, x_scale, dtype)
        self.sample_weight = np.asarray(sample_weight, dtype=np.float64)
        self.sw_sum = float(self.sample_weight.sum())
        self.label_smoothing = float(label_smoothing)
        if targets.ndim == 1:
            self.labels = np.asarray(targets, dtype=np.intp)
            self._Y_t = None
        else:
            self.labels = None
            self._Y_t = np.ascontiguousarray(targets.T, dtype=np.float64)

    @property
    def _sw(self):
        return _cast_cached(self, "sample_weight", self.dtype)

    @property
    def Y_t(self):
        return None if self._Y_t is None else _cast_cached(self, "_Y_t", self.dtype)

    def __call__(self, params):
        """Objective and its gradient at the flat solver parameters."""
        W, b = self.to_model(*self.unpack(params))
        loss, grad_W, grad_b = self.sums(W, b)
        return self._finish(W, loss, grad_W, grad_b)

    def objective(self, W, b):
        """Objective at model parameters ``W`` (n_classes, n_features), ``b``."""
        loss, _, _ = self.sums(np.asarray(W), np.asarray(b))
        return loss / self.sw_sum + self._penalty(W)

    def _penalty(self, W):
        if np.isinf(self.C):
            return 0.0
        return float(np.vdot(W, W)) / (2.0 * self.C * self.sw_sum)

    def _finish(self, W, loss, grad_W, grad_b):
        S = self.sw_sum
        objective = loss / S + self._penalty(W)
        grad_W /= S
        if not np.isinf(self.C):
            grad_W += W / (self.C * S)
        grad_b /= S
        grad_W = self._gradient_to_solver(grad_W, grad_b)
        if self.fit_intercept:
            return objective, np.concatenate([grad_W.ravel(), grad_b])
        return objective, grad_W.ravel()

    def _pointwise(self, Z, rows, outputs):
        # Z is (K, m). Per column i: loss_i = logsumexp(z_i) − Σ_k y_ik z_ik, and
        # the residual s_i (p_i − y_i) overwrites z_i.
        sw = self._sw[rows]
        n_classes, m = Z.shape
        if self.labels is not None:
            labels = self.labels[rows]
            columns = np.arange(m)
            target_dot_z = Z[labels, columns].astype(np.float64)
            eps = self.label_smoothing
            if eps:
                # (1 − ε) z_y + (ε / K) Σ_k z_k, the dot with the smoothed target.
                target_dot_z *= 1.0 - eps
                target_dot_z += (eps / n_classes) * Z.sum(axis=0, dtype=np.float64)
        else:
            Y = self.Y_t[:, rows]
            target_dot_z = np.einsum("km,km->m", Y, Z, dtype=np.float64)
        z_max = Z.max(axis=0)
        Z -= z_max
        np.exp(Z, out=Z)
        exp_sum = Z.sum(axis=0)
        log_sum_exp = np.log(exp_sum, dtype=np.float64) + z_max
        loss = float(np.dot(sw, log_sum_exp - target_dot_z))
        Z *= sw / exp_sum
        if self.labels is not None:
            eps = self.label_smoothing
            Z[labels, columns] -= (1.0 - eps) * sw
            if eps:
                Z -= (eps / n_classes) * sw
        else:
            Z -= Y * sw
        return loss


class BinomialLoss(_LinearObjective):
    """Independent sigmoid cross-entropies with L2 penalty, one per column.

    Each column ``l`` is its own binary problem with its own normalisation
    ``S_l`` (sample weights times that problem's class weights).  The columns
    can be evaluated in any subset with one pair of matrix products, so that
    several solvers can share passes over ``X``.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Training data.
    Y : ndarray of shape (n_samples, n_problems)
        Targets in [0, 1] (0/1 labels, or probabilities).
    sample_weight : ndarray of shape (n_samples,) or (n_samples, n_problems)
        Non-negative weights, shared by all problems or one column each.
    C : float
        Inverse penalty strength.
    fit_intercept : bool
        Whether to fit ``b``.
    x_offset, x_scale, dtype
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
    ):
        Y = np.asarray(Y)
        super().__init__(X, Y.shape[1], C, fit_intercept, x_offset, x_scale, dtype)
        self._Y_t = np.ascontiguousarray(Y.T, dtype=np.float64)
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        self._sw_t = np.ascontiguousarray(
            sample_weight.T if sample_weight.ndim == 2 else sample_weight[None, :]
        )
        self.sw_sum = np.broadcast_to(
            sample_weight.sum(axis=0), (self.n_outputs,)
        ).astype(np.float64)

    @property
    def Y_t(self):
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
        self._Y_t[columns] = Y_t
        if sw_t is None:
            self.sw_sum[columns] = self._sw_t[0].sum()
        else:
            self._sw_t[columns] = sw_t
            self.sw_sum[columns] = np.sum(sw_t, axis=1)
        self.__dict__.pop("_cast_cache", None)

    def evaluate(self, W_solver, b_solver, outputs=None):
        """Objectives and gradients of the problems ``outputs`` (default all).

        Parameters
        ----------
        W_solver : ndarray of shape (n_active, n_features)
            Solver coordinates of the active problems.
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
        if outputs is None:
            outputs = np.arange(self.n_outputs)
        W, b = self.to_model(W_solver, b_solver)
        loss, grad_W, grad_b = self.sums(W, b, outputs)
        S = self.sw_sum[outputs]
        losses = loss / S + self._penalties(W, S)
        grad_W /= S[:, None]
        if not np.isinf(self.C):
            grad_W += W / (self.C * S[:, None])
        grad_b /= S
        return losses, self._gradient_to_solver(grad_W, grad_b), grad_b

    def objectives(self, W, b):
        """Objective of every problem at model parameters ``W``, ``b``."""
        W = np.atleast_2d(np.asarray(W, dtype=np.float64))
        loss, _, _ = self.sums(W, np.asarray(b))
        return loss / self.sw_sum + self._penalties(W, self.sw_sum)

    def _penalties(self, W, S):
        if np.isinf(self.C):
            return np.zeros(W.shape[0])
        return np.einsum("ld,ld->l", W, W) / (2.0 * self.C * S)

    def _pointwise(self, Z, rows, outputs):
        # log(1 + e^z) − y z, written with e^{−|z|} ≤ 1 so nothing overflows:
        # log(1 + e^z) = max(z, 0) + log1p(e^{−|z|}).
        if outputs is None:
            Y = self.Y_t[:, rows]
            sw = self.sw_t[:, rows]
        else:
            Y = self.Y_t[outputs, rows]
            sw = self.sw_t[outputs if self.sw_t.shape[0] > 1 else [0], rows]
        # One exp serves the loss and the sigmoid (two transcendental passes,
        # not three: the few-feature pass is bound by them). With e = e^{−|z|},
        # σ(z) = ½ + sign(z) (½ − e / (1 + e)); the residual σ − y is then
        # exact to an absolute eps, as expit's is where σ is close to 1.
        # Measured 0.6–0.85× the exp/log1p/expit version on 10⁶ logits
        # (benchmarks/bench_binary_pointwise.py).
        e = np.abs(Z)
        np.negative(e, out=e)
        np.exp(e, out=e)
        losses = np.log1p(e)
        losses += np.maximum(Z, 0)
        losses -= Y * Z
        losses *= sw
        loss = losses.sum(axis=1, dtype=np.float64)
        np.add(e, 1.0, out=losses)
        np.divide(e, losses, out=e)
        np.subtract(0.5, e, out=e)
        np.copysign(e, Z, out=Z)
        Z += 0.5
        Z -= Y
        Z *= sw
        return loss
