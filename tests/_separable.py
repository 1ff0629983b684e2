"""Data whose class 0 alone is separable from the others (tests of C=inf)."""

import numpy as np


def one_class_apart(n_per_class=40, seed=0):
    """Class 0 apart from classes 1 and 2, which overlap (not separable)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3 * n_per_class, 2))
    y = np.repeat([0, 1, 2], n_per_class)
    X[y == 0, 0] += 8.0
    X[y == 2, 1] += 1.0
    return X, y
