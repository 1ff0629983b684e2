"""The only module that imports private or version-dependent scikit-learn names.

scikit-learn 1.9, the oldest version ``pyproject.toml`` admits, has the callback
API (``sklearn.callback``), used as it is. The stand-in below only keeps an
import on an older scikit-learn from failing; such versions are not tested.
The Array API helpers (scikit-learn's vendored ``array_api_compat`` and
``sklearn.utils._array_api``) are reached only through the names below.
"""

import inspect

from sklearn.base import _fit_context
from sklearn.externals.array_api_compat import (
    array_namespace,
    device,
    is_array_api_obj,
)
from sklearn.metrics import make_scorer
from sklearn.utils._array_api import _convert_to_numpy, get_namespace
from sklearn.utils._metadata_requests import _raise_for_params, _routing_enabled
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.validation import _check_method_params

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


def scorer_with_labels(scorer, classes):
    """``scorer`` told every class, for metrics that take ``labels``.

    A test fold may lack a class that the model knows (``log_loss`` would then
    count fewer classes than ``predict_proba`` has columns).
    ``LogisticRegressionCV`` rebuilds such scorers with ``labels=classes``
    (and ``pos_label=classes[-1]`` for two classes); this does the same, from
    the private attributes of scikit-learn's ``_Scorer``, where the user's
    scorer has not set them: ``make_scorer(f1_score, pos_label=0)`` keeps its
    ``pos_label`` (``LogisticRegressionCV`` raises "got multiple values").
    """
    score_func = getattr(scorer, "_score_func", None)
    if score_func is None:
        return scorer
    parameters = inspect.signature(score_func).parameters
    if "labels" not in parameters:
        return scorer
    kwargs = dict(getattr(scorer, "_kwargs", {}))
    kwargs.setdefault("labels", classes)
    if len(classes) <= 2 and "pos_label" in parameters:
        kwargs.setdefault("pos_label", classes[-1])
    return make_scorer(
        score_func,
        greater_is_better=scorer._sign == 1,
        response_method=scorer._response_method,
        **kwargs,
    )


__all__ = [
    "HAS_CALLBACKS",
    "CallbackSupportMixin",
    "Interval",
    "StrOptions",
    "_check_method_params",
    "_fit_context",
    "_convert_to_numpy",
    "_raise_for_params",
    "_routing_enabled",
    "array_namespace",
    "check_same_namespace",
    "device",
    "get_namespace",
    "is_array_api_obj",
    "scorer_with_labels",
    "validate_parameter_constraints",
]
