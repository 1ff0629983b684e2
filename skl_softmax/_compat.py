"""The only module that imports private or version-dependent scikit-learn names.

scikit-learn 1.9, the oldest version ``pyproject.toml`` admits, has the callback
API (``sklearn.callback``), used as it is. The stand-in below only keeps an
import on an older scikit-learn from failing; such versions are not tested.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

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
]
