"""The one objective every competitor's solution is scored with.

Written here with plain NumPy/SciPy, independently of the package's loss code, and
always evaluated in float64 on float64 data (float32 data is cast exactly), so that
a float32 fit is judged against the float64 optimum. With ``S`` the number of
samples (no sample weights in the benchmark):

.. code-block:: text

    multinomial  L(W, b) = (1/S) Σ_i [logsumexp(z_i) − z_{i,y_i}] + ‖W‖² / (2 C S)
    binary       L(w, b) = (1/S) Σ_i [log(1 + e^{z_i}) − y_i z_i] + ‖w‖² / (2 C S)
    one-vs-rest  Σ_l L_l(w_l, b_l), each label its own binary objective

``C`` is scikit-learn's: for two classes ``SoftmaxRegression(C)`` solves the binary
problem with ``2 C`` (see its docstring), so the binary case scores both at
``LogisticRegression``'s ``C``.
"""

import numpy as np
from scipy import sparse
from scipy.special import logsumexp

# Rows scored at once: bounds the (rows, n_outputs) float64 temporaries.
_BLOCK = 200_000


def _as_float64(X):
    if sparse.issparse(X):
        return X.astype(np.float64) if X.dtype != np.float64 else X
    return np.asarray(X, dtype=np.float64)


def _scores(X, W, b, rows):
    return np.asarray(_as_float64(X[rows]) @ W.T) + b


def multinomial_objective(X, y, W, b, C):
    """Penalised mean softmax cross-entropy; ``W`` of shape (K, d), ``y`` in 0..K-1."""
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    n_samples = X.shape[0]
    total = 0.0
    for start in range(0, n_samples, _BLOCK):
        rows = slice(start, min(start + _BLOCK, n_samples))
        Z = _scores(X, W, b, rows)
        own = Z[np.arange(Z.shape[0]), y[rows]]
        total += float(np.sum(logsumexp(Z, axis=1) - own))
    return total / n_samples + float(np.sum(W * W)) / (2.0 * C * n_samples)


def binary_objectives(X, Y, W, b, C):
    """Penalised mean logistic loss of every column of ``Y`` (0/1), one per row of W."""
    W = np.atleast_2d(np.asarray(W, dtype=np.float64))
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    Y = np.asarray(Y, dtype=np.float64).reshape(X.shape[0], -1)
    n_samples = X.shape[0]
    total = np.zeros(W.shape[0])
    for start in range(0, n_samples, _BLOCK):
        rows = slice(start, min(start + _BLOCK, n_samples))
        Z = _scores(X, W, b, rows)
        total += np.sum(np.logaddexp(0.0, Z) - Y[rows] * Z, axis=0)
    return total / n_samples + np.sum(W * W, axis=1) / (2.0 * C * n_samples)


def binary_objective(X, y, w, b, C):
    """Penalised mean logistic loss, ``y`` in {0, 1}, ``w`` of shape (1, d) or (d,)."""
    return float(binary_objectives(X, np.asarray(y)[:, None], w, b, C)[0])


def one_vs_rest_objective(X, Y, W, b, C):
    """Sum over labels of the binary objectives; ``Y`` an (n, L) 0/1 matrix."""
    return float(np.sum(binary_objectives(X, Y, W, b, C)))


def one_hot(y, n_classes):
    """The (n, K) 0/1 matrix of class memberships: one-vs-rest targets."""
    Y = np.zeros((y.shape[0], n_classes), dtype=np.int8)
    Y[np.arange(y.shape[0]), y] = 1
    return Y
