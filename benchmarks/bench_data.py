"""Synthetic data for the benchmark cases, each from a fixed seed.

Labels are drawn from a random linear model — softmax or sigmoid sampling, not the
arg-max — and a few are then replaced by random ones, so that no problem is
separable and every optimum is finite and well defined, as with real data.
"""

import numpy as np
from scipy import sparse
from scipy.special import expit, softmax

# Rows generated at once: bounds the temporaries of the data generation itself.
_BLOCK = 100_000


def correlated_normal(rng, n_samples, n_features, *, n_factors=10, dtype=np.float64):
    """Gaussian features sharing a few latent factors (column spreads ≈ 1.1).

    Independent columns would make every problem unrealistically well
    conditioned; shared factors give the correlated features real data has,
    while each column still has mean 0 and a spread close to 1 (so the data
    counts as standardised).
    """
    loadings = rng.standard_normal((n_factors, n_features)) * (0.5 / np.sqrt(n_factors))
    X = np.empty((n_samples, n_features), dtype=dtype)
    for start in range(0, n_samples, _BLOCK):
        stop = min(start + _BLOCK, n_samples)
        block = rng.standard_normal((stop - start, n_features))
        block += rng.standard_normal((stop - start, n_factors)) @ loadings
        X[start:stop] = block
    return X


def _random_model(rng, n_features, n_outputs, signal):
    """``W``, ``b`` of a random linear model whose scores have spread ≈ ``signal``."""
    W = rng.standard_normal((n_outputs, n_features)) * (signal / np.sqrt(n_features))
    return W, rng.normal(0.0, 0.5, n_outputs)


def _linear_scores(rng, X, n_outputs, signal):
    """Scores ``X Wᵀ + b`` of a random model (see :func:`_random_model`)."""
    W, b = _random_model(rng, X.shape[1], n_outputs, signal)
    return np.asarray(X @ W.T) + b


def _sample_classes(rng, scores, noise):
    """One class per row from softmax(scores), then a fraction ``noise`` relabelled."""
    P = softmax(scores, axis=1)
    u = rng.random(P.shape[0])[:, None]
    y = np.minimum((np.cumsum(P, axis=1) < u).sum(axis=1), P.shape[1] - 1)
    flip = rng.random(y.shape[0]) < noise
    y[flip] = rng.integers(0, P.shape[1], flip.sum())
    return y


def dense_multiclass(n_samples, n_features, n_classes, *, seed, dtype=np.float64):
    """Case (a): correlated Gaussian features, softmax-sampled labels, 5 % noise."""
    rng = np.random.default_rng(seed)
    X = correlated_normal(rng, n_samples, n_features, dtype=dtype)
    W, b = _random_model(rng, n_features, n_classes, signal=2.0)
    y = np.empty(n_samples, dtype=np.int64)
    for start in range(0, n_samples, _BLOCK):
        rows = slice(start, min(start + _BLOCK, n_samples))
        y[rows] = _sample_classes(rng, X[rows] @ W.T + b, noise=0.05)
    return X, y


def dense_binary(n_samples, n_features, *, seed):
    """Case (d): correlated Gaussian features, sigmoid-sampled labels, 5 % noise."""
    rng = np.random.default_rng(seed)
    X = correlated_normal(rng, n_samples, n_features)
    scores = _linear_scores(rng, X, 1, signal=2.0)[:, 0]
    y = (rng.random(n_samples) < expit(scores)).astype(np.int64)
    flip = rng.random(n_samples) < 0.05
    y[flip] = 1 - y[flip]
    return X, y


def dense_multilabel(n_samples, n_features, n_labels, *, seed):
    """Case (f): independent sigmoid labels with frequencies of about 8 to 40 %."""
    rng = np.random.default_rng(seed)
    X = correlated_normal(rng, n_samples, n_features)
    scores = _linear_scores(rng, X, n_labels, signal=2.0)
    scores += rng.uniform(-2.5, -0.5, n_labels)
    Y = (rng.random(scores.shape) < expit(scores)).astype(np.int64)
    flip = rng.random(Y.shape) < 0.02
    Y[flip] = 1 - Y[flip]
    return X, Y


def sparse_multiclass(n_samples, n_features, n_classes, nnz_per_row, *, seed):
    """Case (c): a tf-idf-like CSR matrix with softmax-sampled labels.

    Column popularity follows a Zipf-like law (a few frequent "words", a long
    tail), values are positive and every row has unit Euclidean norm, as
    ``TfidfVectorizer`` produces.
    """
    rng = np.random.default_rng(seed)
    counts = np.maximum(1, rng.poisson(nnz_per_row, n_samples))
    indptr = np.concatenate([[0], np.cumsum(counts)])
    popularity = 1.0 / (np.arange(n_features) + 10.0) ** 0.8
    popularity = rng.permutation(popularity / popularity.sum())
    indices = rng.choice(n_features, size=indptr[-1], p=popularity).astype(np.int32)
    data = rng.exponential(1.0, indptr[-1])
    X = sparse.csr_matrix((data, indices, indptr), shape=(n_samples, n_features))
    X.sum_duplicates()
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = sparse.csr_matrix(sparse.diags(1.0 / norms) @ X)
    X.sort_indices()
    W = rng.standard_normal((n_classes, n_features)) * 3.0
    scores = np.asarray(X @ W.T) + rng.normal(0.0, 0.5, n_classes)
    y = _sample_classes(rng, scores, noise=0.05)
    return X, y


def badly_scaled(n_samples, n_features, n_classes, *, seed):
    """Case (g): column scales from 1 to 1e4 and means of up to ±3 spreads.

    The labels come from the standardised features, so every column carries
    signal whatever its scale; only the units differ — as when one feature is
    in metres and another in millimetres.
    """
    rng = np.random.default_rng(seed)
    Z = correlated_normal(rng, n_samples, n_features)
    y = _sample_classes(rng, _linear_scores(rng, Z, n_classes, signal=2.0), noise=0.05)
    scales = rng.permutation(np.logspace(0, 4, n_features))
    means = scales * rng.uniform(-3.0, 3.0, n_features)
    return Z * scales + means, y


def digits_standardised(n_samples=None):
    """Case (b): the digits data set (or its first rows), columns standardised.

    Constant columns stay 0, as ``StandardScaler`` leaves them.
    """
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X, y = X[:n_samples], y[:n_samples]
    return StandardScaler().fit_transform(X), y


def sparse_text(n_samples, n_features, n_classes, nnz_per_row, *, seed):
    """A bag-of-words-like CSR matrix scaled by ``MaxAbsScaler``, as users scale it.

    Term counts (1 plus a Poisson number) in Zipf-like columns, each column then
    divided by its largest absolute value (``MaxAbsScaler``: sparsity kept,
    values in [0, 1]). Unlike (c)'s unit-norm rows, a row's squared norm here
    grows with its number of words, which is what makes the step sizes of
    sag/saga small. Labels are softmax-sampled from the scaled data.
    """
    from sklearn.preprocessing import MaxAbsScaler

    rng = np.random.default_rng(seed)
    counts = np.maximum(1, rng.poisson(nnz_per_row, n_samples))
    indptr = np.concatenate([[0], np.cumsum(counts)])
    popularity = 1.0 / (np.arange(n_features) + 10.0) ** 0.8
    popularity = rng.permutation(popularity / popularity.sum())
    indices = rng.choice(n_features, size=indptr[-1], p=popularity).astype(np.int32)
    data = 1.0 + rng.poisson(0.5, indptr[-1]).astype(np.float64)
    X = sparse.csr_matrix((data, indices, indptr), shape=(n_samples, n_features))
    X.sum_duplicates()
    X = sparse.csr_matrix(MaxAbsScaler().fit_transform(X))
    X.sort_indices()
    # Scores with a spread of about 2 whatever the typical row norm.
    row_norm = np.sqrt(np.mean(np.asarray(X.multiply(X).sum(axis=1)).ravel()))
    W = rng.standard_normal((n_classes, n_features)) * (2.0 / row_norm)
    scores = np.asarray(X @ W.T) + rng.normal(0.0, 0.5, n_classes)
    y = _sample_classes(rng, scores, noise=0.05)
    return X, y


def small_dataset(name):
    """``iris`` or ``breast_cancer``, columns standardised (as their docs advise)."""
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler

    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return StandardScaler().fit_transform(X), y
