"""The only module that imports private or version-dependent scikit-learn names.

scikit-learn 1.6 is the oldest version supported; its callback API
(``sklearn.callback``) only exists from 1.9 on, where it is used as it is.
The Array API helpers (scikit-learn's vendored ``array_api_compat`` and
``sklearn.utils._array_api``) are reached only through the names below.
"""

from sklearn.base import _fit_context
from sklearn.externals.array_api_compat import array_namespace, device
from sklearn.utils._array_api import _convert_to_numpy, get_namespace
from sklearn.utils._param_validation import Interval, StrOptions

try:  # scikit-learn >= 1.9
    from sklearn.utils._array_api import check_same_namespace
except ImportError:  # pragma: no cover - exercised on scikit-learn < 1.9 only

    def check_same_namespace(X, estimator, *, attribute, method):
        """Stand-in for scikit-learn < 1.9, which does not check namespaces."""


try:  # scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin

    HAS_CALLBACKS = True
except ImportError:  # pragma: no cover - exercised on scikit-learn < 1.9 only

    class CallbackSupportMixin:
        """Stand-in for scikit-learn < 1.9, where estimators have no callbacks."""

    HAS_CALLBACKS = False

__all__ = [
    "HAS_CALLBACKS",
    "CallbackSupportMixin",
    "Interval",
    "StrOptions",
    "_fit_context",
    "_convert_to_numpy",
    "array_namespace",
    "check_same_namespace",
    "device",
    "get_namespace",
]
