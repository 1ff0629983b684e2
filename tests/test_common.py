"""scikit-learn's estimator checks over several configurations, none xfailed."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skl_softmax import OneVsRestLogistic, SoftmaxRegression

ESTIMATORS = [
    SoftmaxRegression(),
    SoftmaxRegression(C=0.01, tol=1e-6),
    # A weak rather than no penalty: on the checks' separable toy data C=inf
    # has no minimum, and the fit rightly warns so (tested in
    # test_reliability.py).
    SoftmaxRegression(C=1e4, max_iter=500),
    SoftmaxRegression(class_weight="balanced"),
    SoftmaxRegression(label_smoothing=0.1),
    SoftmaxRegression(warm_start=True),
    # OneVsRestLogistic declares the multi-label tag, so these also run
    # scikit-learn's multi-label checks (indicator y, list-of-lists y).
    OneVsRestLogistic(),
    OneVsRestLogistic(C=0.01, tol=1e-6),
    # Weak rather than no penalty: on the separable multi-label data of
    # check_classifier_multioutput, C=inf drives logits past 37, where the
    # sigmoid rounds to 1 in float64 and probability ranks tie (so would
    # OneVsRestClassifier(LogisticRegression(C=inf))).
    OneVsRestLogistic(C=10.0, max_iter=500),
    OneVsRestLogistic(class_weight="balanced"),
    OneVsRestLogistic(warm_start=True),
    # Not here, because the checks assume what these change on purpose (both
    # are tested against scikit-learn in test_one_vs_rest.py):
    # threshold != 0.5 (check_classifier_multioutput requires predict to be
    # decision_function > 0) and fit_intercept=False (check_class_weight_
    # classifiers needs an intercept on its off-centre blobs; SoftmaxRegression
    # and LogisticRegression fail it likewise).
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
