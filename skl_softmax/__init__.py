"""Softmax and one-vs-rest logistic regression for scikit-learn, from first principles.

The estimators :class:`SoftmaxRegression` and :class:`OneVsRestLogistic`, their
cross-validated versions, and the mathematics they rest on (stable softmax,
sigmoid, their Jacobian and losses).
"""

from ._cv import OneVsRestLogisticCV, SoftmaxRegressionCV
from ._one_vs_rest import OneVsRestLogistic
from ._softmax_regression import SoftmaxRegression
from ._special import (
    binary_cross_entropy,
    cross_entropy,
    entropy,
    kl_divergence,
    log_sigmoid,
    log_softmax,
    logsumexp,
    sigmoid,
    softmax,
    softmax_jacobian,
)

__version__ = "0.1.0"

__all__ = [
    "OneVsRestLogistic",
    "OneVsRestLogisticCV",
    "SoftmaxRegression",
    "SoftmaxRegressionCV",
    "__version__",
    "binary_cross_entropy",
    "cross_entropy",
    "entropy",
    "kl_divergence",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "sigmoid",
    "softmax",
    "softmax_jacobian",
]
