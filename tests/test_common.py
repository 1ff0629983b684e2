"""scikit-learn's estimator checks over several configurations, none xfailed."""

import numpy as np
from sklearn.utils.estimator_checks import parametrize_with_checks

from skl_softmax import SoftmaxRegression

ESTIMATORS = [
    SoftmaxRegression(),
    SoftmaxRegression(C=0.01, tol=1e-6),
    SoftmaxRegression(C=np.inf, max_iter=500),
    SoftmaxRegression(class_weight="balanced"),
    SoftmaxRegression(label_smoothing=0.1),
    SoftmaxRegression(warm_start=True),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
