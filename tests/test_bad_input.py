"""Bad input, one table, every public method of both estimators.

Each row is one kind of bad input: the call that receives it, the exception
type and a regular expression the message must match. The expression names the
parameter or the offending value, so a bare "invalid input" would fail. The
table covers NaN and infinity in ``X``, ``y`` and ``sample_weight``; wrong
shapes and lengths; 3-D arrays; strings and objects in ``X``; feature counts and
names not seen in ``fit``; negative, NaN and all-zero sample weights; invalid
values of every constructor parameter; soft targets that do not sum to 1 or are
negative; and use before ``fit``.
"""

import re
import warnings
from functools import partial

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from scipy import sparse
from sklearn.exceptions import NotFittedError

from skl_softmax import (
    OneVsRestLogistic,
    OneVsRestLogisticCV,
    SoftmaxRegression,
    SoftmaxRegressionCV,
    neg_cross_entropy,
)

ESTIMATORS = [SoftmaxRegression, OneVsRestLogistic]
PREDICT_METHODS = ["predict", "predict_proba", "predict_log_proba", "decision_function"]
METHODS = ["fit", *PREDICT_METHODS, "score"]

N_SAMPLES, N_FEATURES = 30, 4


def make_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    y = np.arange(N_SAMPLES) % 3
    return X, y


def with_value(X, value, dtype=None):
    X = X.astype(dtype if dtype is not None else X.dtype)
    X[1, 2] = value
    return X


@pytest.fixture(scope="module", params=ESTIMATORS, ids=lambda cls: cls.__name__)
def fitted(request):
    X, y = make_data()
    return request.param().fit(X, y)


def call(estimator, method, X, y=None, sample_weight=None):
    """Call ``method`` the way a user would, with ``y`` where it takes one."""
    if y is None:
        y = make_data()[1][: X.shape[0] if hasattr(X, "shape") else len(X)]
    if method == "fit":
        return estimator.fit(X, y, sample_weight=sample_weight)
    if method == "score":
        return estimator.score(X, y, sample_weight=sample_weight)
    return getattr(estimator, method)(X)


# -- X, in every method ---------------------------------------------------------------

X_CASES = {
    "nan": (lambda X: with_value(X, np.nan), ValueError, r"Input X contains NaN"),
    "inf": (lambda X: with_value(X, np.inf), ValueError, r"Input X contains infinity"),
    "-inf": (
        lambda X: with_value(X, -np.inf),
        ValueError,
        r"Input X contains infinity",
    ),
    "nan_float32": (
        lambda X: with_value(X, np.nan, np.float32),
        ValueError,
        r"Input X contains NaN",
    ),
    "nan_csr": (
        lambda X: sparse.csr_matrix(with_value(X, np.nan)),
        ValueError,
        r"Input X contains NaN",
    ),
    "inf_csr": (
        lambda X: sparse.csr_array(with_value(X, np.inf)),
        ValueError,
        r"Input X contains infinity",
    ),
    "1d": (lambda X: X[:, 0], ValueError, r"Expected 2D array, got 1D array"),
    "3d": (
        lambda X: X.reshape(N_SAMPLES, 2, 2),
        ValueError,
        r"Found array with dim 3",
    ),
    "strings": (
        lambda X: np.full(X.shape, "spam"),
        ValueError,
        r"could not convert string to float: .*spam",
    ),
    "string_in_object_array": (
        lambda X: with_value(X, "spam", object),
        ValueError,
        r"could not convert string to float: .*spam",
    ),
    "dict_in_object_array": (
        lambda X: with_value(X, {"a": 1}, object),
        TypeError,
        r"not 'dict'",
    ),
    "complex": (lambda X: X + 1j, ValueError, r"[Cc]omplex data not supported"),
    "ragged_list": (
        lambda X: [list(row[: 3 if i == 5 else None]) for i, row in enumerate(X)],
        ValueError,
        r"^X has rows of different lengths \(row 0 has length 4, row 5 has length 3\)",
    ),
    "no_samples": (lambda X: X[:0], ValueError, r"0 sample\(s\)"),
    "no_features": (lambda X: X[:, :0], ValueError, r"0 feature\(s\)"),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", list(X_CASES))
def test_bad_X_is_rejected_by_every_method(fitted, method, case):
    make_bad, error, match = X_CASES[case]
    X, _ = make_data()
    X_bad = make_bad(X)
    estimator = type(fitted)() if method == "fit" else fitted
    with pytest.raises(error, match=match):
        call(estimator, method, X_bad)


@pytest.mark.parametrize("method", METHODS[1:])
@pytest.mark.parametrize("container", ["ndarray", "csr"])
def test_unseen_feature_count_is_rejected_at_prediction(fitted, method, container):
    X, _ = make_data()
    X_wide = np.c_[X, X[:, 0]]
    if container == "csr":
        X_wide = sparse.csr_matrix(X_wide)
    name = type(fitted).__name__
    with pytest.raises(
        ValueError, match=rf"X has 5 features, but {name} is expecting 4 features"
    ):
        call(fitted, method, X_wide)


@pytest.mark.parametrize("method", METHODS[1:])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_unseen_feature_names_are_rejected_at_prediction(Estimator, method):
    X, y = make_data()
    estimator = Estimator().fit(pd.DataFrame(X, columns=["a", "b", "c", "d"]), y)
    renamed = pd.DataFrame(X, columns=["a", "b", "c", "e"])
    with pytest.raises(
        ValueError, match=r"(?s)feature names should match.*unseen at fit time:\n- e"
    ):
        call(estimator, method, renamed)


# -- y, in fit and score --------------------------------------------------------------


def y_with(value):
    _, y = make_data()
    y = y.astype(np.float64)
    y[3] = value
    return y


Y_CASES = {
    "nan": (["fit", "score"], lambda: y_with(np.nan), r"Input y contains NaN"),
    "inf": (["fit", "score"], lambda: y_with(np.inf), r"Input y contains infinity"),
    "too_short": (
        ["fit", "score"],
        lambda: make_data()[1][:-1],
        r"inconsistent numbers of samples: \[(30, 29|29, 30)\]",
    ),
    "3d": (
        ["fit", "score"],
        lambda: make_data()[1].reshape(N_SAMPLES, 1, 1),
        r"Found array with dim 3",
    ),
    "one_class": (["fit"], lambda: np.zeros(N_SAMPLES), r"only one class: .*0"),
    "continuous": (
        ["fit"],
        lambda: np.linspace(0, 1, N_SAMPLES),
        r"Unknown label type: .*continuous",
    ),
}


@pytest.mark.parametrize(
    "method, case",
    [(method, case) for case, (methods, *_) in Y_CASES.items() for method in methods],
)
def test_bad_y_is_rejected(fitted, method, case):
    _, make_bad, match = Y_CASES[case]
    X, _ = make_data()
    estimator = type(fitted)() if method == "fit" else fitted
    with pytest.raises(ValueError, match=match):
        call(estimator, method, X, y=make_bad())


def soft_rows(row):
    return np.tile(np.asarray(row, dtype=np.float64), (N_SAMPLES, 1))


# Two-dimensional y that is neither valid soft targets (SoftmaxRegression) nor a
# 0/1 indicator matrix (OneVsRestLogistic); the message names the offending value.
Y_2D_CASES = {
    "rows_sum_to_1.2": (
        soft_rows([0.4, 0.4, 0.4]),
        {
            SoftmaxRegression: r"rows summing to 1\. Got a row summing to 1\.2",
            OneVsRestLogistic: r"indicator matrix of 0s and 1s.*\[0\.4\]",
        },
    ),
    "negative": (
        soft_rows([1.5, -0.5, 0.0]),
        {
            SoftmaxRegression: r"non-negative probabilities\. Got a minimum of -0\.5",
            OneVsRestLogistic: r"indicator matrix of 0s and 1s.*-0\.5",
        },
    ),
    "nan": (
        soft_rows([np.nan, 0.5, 0.5]),
        {cls: r"Input y contains NaN" for cls in ESTIMATORS},
    ),
    "strings": (
        np.full((N_SAMPLES, 2), "spam"),
        {
            SoftmaxRegression: r"soft targets.*Got dtype <U4",
            OneVsRestLogistic: r"indicator matrix of 0s and 1s.*spam",
        },
    ),
    "multi_label_to_softmax": (
        soft_rows([1, 1, 0]) * (np.arange(N_SAMPLES)[:, None] % 2 == 0)
        + soft_rows([0, 1, 1]) * (np.arange(N_SAMPLES)[:, None] % 2 == 1),
        {SoftmaxRegression: r"multi-label.*Use skl_softmax\.OneVsRestLogistic"},
    ),
}


@pytest.mark.parametrize(
    "Estimator, case",
    [
        pytest.param(Estimator, case, id=f"{Estimator.__name__}-{case}")
        for case, (_, matches) in Y_2D_CASES.items()
        for Estimator in matches
    ],
)
def test_bad_two_dimensional_y_is_rejected(Estimator, case):
    Y, matches = Y_2D_CASES[case]
    X, _ = make_data()
    with pytest.raises(ValueError, match=matches[Estimator]):
        Estimator().fit(X, Y)


# -- sample_weight, in fit and score --------------------------------------------------


def weights_with(value):
    sample_weight = np.ones(N_SAMPLES)
    sample_weight[5] = value
    return sample_weight


SAMPLE_WEIGHT_CASES = {
    "nan": (weights_with(np.nan), ValueError, r"sample_weight must be finite"),
    "inf": (weights_with(np.inf), ValueError, r"sample_weight must be finite"),
    "negative": (
        weights_with(-1.0),
        ValueError,
        r"sample_weight must be non-negative\. Got a minimum of -1",
    ),
    "all_zero": (
        np.zeros(N_SAMPLES),
        ValueError,
        r"sample_weight must have a positive sum",
    ),
    "too_short": (
        np.ones(N_SAMPLES - 1),
        ValueError,
        r"sample_weight must have shape \(30,\).*Got shape \(29,\)",
    ),
    "2d": (
        np.ones((N_SAMPLES, 1)),
        ValueError,
        r"sample_weight must have shape \(30,\).*Got shape \(30, 1\)",
    ),
    "strings": (
        np.full(N_SAMPLES, "spam"),
        TypeError,
        r"sample_weight must be numeric.*spam",
    ),
    # NumPy kept the real part, with a ComplexWarning (LogisticRegression
    # refuses complex weights).
    "complex": (
        np.ones(N_SAMPLES) + 1j,
        ValueError,
        r"Complex data not supported: sample_weight must be real",
    ),
}


@pytest.mark.parametrize("case", list(SAMPLE_WEIGHT_CASES))
@pytest.mark.parametrize("method", ["fit", "score"])
def test_bad_sample_weight_is_rejected(fitted, method, case):
    sample_weight, error, match = SAMPLE_WEIGHT_CASES[case]
    X, y = make_data()
    estimator = type(fitted)() if method == "fit" else fitted
    with pytest.raises(error, match=match):
        call(estimator, method, X, y=y, sample_weight=sample_weight)


# -- constructor parameters, checked by fit -------------------------------------------

# Values that scikit-learn's parameter validation rejects, for every parameter.
INVALID_PARAMS = {
    "C": [0, -1.0, np.nan, "1", None],
    "fit_intercept": ["yes", 1, None],
    "tol": [-1e-4, np.nan, "small"],
    "max_iter": [-1, 1.5, np.inf, "100"],
    "class_weight": ["bal", 3, ["balanced"]],
    "label_smoothing": [-0.1, 1.5, np.nan, "0.1"],
    "threshold": [-0.1, 1.5, np.nan, "0.5"],
    "warm_start": [2, "no", None],
    "verbose": [-1, "loud", 0.5],
}


def invalid_param_cases():
    for Estimator in ESTIMATORS:
        for name in Estimator().get_params():
            for value in INVALID_PARAMS.get(name, []):
                yield pytest.param(
                    Estimator, name, value, id=f"{Estimator.__name__}-{name}={value!r}"
                )


@pytest.mark.parametrize("Estimator, name, value", list(invalid_param_cases()))
def test_invalid_parameter_is_named_in_the_error(Estimator, name, value):
    X, y = make_data()
    estimator = Estimator(**{name: value})
    match = (
        rf"The '{name}' parameter of {Estimator.__name__} must be .*"
        rf"Got {re.escape(repr(value))} instead"
    )
    # InvalidParameterError derives from both ValueError and TypeError.
    with pytest.raises(ValueError, match=match):
        estimator.fit(X, y)
    assert not hasattr(estimator, "coef_")


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_every_parameter_has_invalid_values_in_the_table(Estimator):
    # A new constructor parameter must come with its bad-input cases.
    missing = set(Estimator().get_params()) - set(INVALID_PARAMS)
    assert not missing


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "class_weight",
    [
        {0: -1.0, 1: 1.0, 2: 1.0},
        {0: np.inf, 1: 1.0, 2: 1.0},
        {0: np.nan, 1: 1.0, 2: 1.0},
    ],
    ids=["negative", "inf", "nan"],
)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_invalid_class_weight_values_are_named(Estimator, class_weight, n_classes):
    # A negative class weight would make the objective unbounded below, an
    # infinite one NaN: both are rejected before the solve.
    X, y = make_data()
    y = y % n_classes
    with pytest.raises(
        ValueError, match=r"class_weight must .*finite, non-negative weight"
    ):
        Estimator(class_weight=class_weight).fit(X, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("value", [None, [1, 2], "2"], ids=["None", "list", "str"])
def test_class_weight_values_that_are_not_numbers_are_named(Estimator, value):
    # NumPy's messages came from deep inside ("setting an array element with
    # a sequence", "float() argument must be ..."), naming neither.
    X, y = make_data()
    with pytest.raises(TypeError, match=r"class_weight must map each class to a num"):
        Estimator(class_weight={0: value}).fit(X, y % 3)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_warm_start_with_a_different_feature_count_is_named(Estimator):
    X, y = make_data()
    estimator = Estimator(warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match=r"warm_start needs the previous coef_"):
        estimator.fit(np.c_[X, X[:, 0]], y)


# -- use before fit -------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS[1:])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_unfitted_use_raises_not_fitted_error(Estimator, method):
    X, _ = make_data()
    with pytest.raises(
        NotFittedError, match=rf"This {Estimator.__name__} instance is not fitted yet"
    ):
        call(Estimator(), method, X)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_rejected_call_leaves_a_fitted_model_unchanged(Estimator):
    X, y = make_data()
    estimator = Estimator().fit(X, y)
    coef, proba = estimator.coef_.copy(), estimator.predict_proba(X)
    for method in METHODS:
        with pytest.raises(ValueError):
            call(estimator, method, with_value(X, np.nan))
    assert_array_equal_bitwise(estimator.coef_, coef)
    assert_array_equal_bitwise(estimator.predict_proba(X), proba)


@pytest.mark.parametrize(
    "Estimator",
    [*ESTIMATORS, partial(SoftmaxRegressionCV, Cs=2, cv=3)],
    ids=["SoftmaxRegression", "OneVsRestLogistic", "SoftmaxRegressionCV"],
)
def test_a_refused_refit_leaves_the_fitted_model_as_it_was(Estimator):
    # fit reset classes_ and n_features_in_ before it checked the weights:
    # the old coef_ then predicted the new labels, or predict failed.
    X, y = make_data()
    estimator = Estimator().fit(X, y)
    proba = estimator.predict_proba(X)
    negative = -np.ones(N_SAMPLES)
    refused = [
        (X, np.zeros(N_SAMPLES, dtype=int), None),  # one class
        (X, np.array(list("abc"))[y], negative),
        (X[:, :2], y, negative),
    ]
    for X_new, y_new, sample_weight in refused:
        with pytest.raises(ValueError):
            estimator.fit(X_new, y_new, sample_weight=sample_weight)
        assert_array_equal(estimator.classes_, [0, 1, 2])
        assert estimator.n_features_in_ == N_FEATURES
        assert_array_equal_bitwise(estimator.predict_proba(X), proba)


def assert_array_equal_bitwise(actual, expected):
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    assert actual.tobytes() == expected.tobytes()


@pytest.mark.parametrize(
    "Estimator",
    [SoftmaxRegression, OneVsRestLogistic, SoftmaxRegressionCV, OneVsRestLogisticCV],
)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_unchecked_non_finite_data_is_named_under_assume_finite(Estimator, bad):
    # assume_finite=True skips scikit-learn's check; the error then said that
    # the data were checked and blamed overflow of huge features.
    import sklearn

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    y = np.arange(60) % 3
    X[3, 1] = bad
    with sklearn.config_context(assume_finite=True), warnings.catch_warnings():
        # An infinite column's statistics (inf - inf) warn before the error.
        warnings.simplefilter("ignore", RuntimeWarning)
        model = Estimator(Cs=2, cv=2) if "CV" in Estimator.__name__ else Estimator()
        with pytest.raises(ValueError, match="assume_finite=True skipped the check"):
            model.fit(X, y)
    with pytest.raises(ValueError, match="Input X contains"):
        Estimator().fit(X, y)


@pytest.mark.parametrize(
    "Estimator",
    [SoftmaxRegression, OneVsRestLogistic, SoftmaxRegressionCV, OneVsRestLogisticCV],
)
@pytest.mark.parametrize("dtype", ["string", "Int64", "object", "category"])
def test_missing_labels_of_every_pandas_dtype_are_named(Estimator, dtype):
    # A "string" column's pd.NA met scikit-learn's check as "TypeError: boolean
    # value of NA is ambiguous"; the other dtypes got "Input y contains NaN."
    X = np.random.default_rng(0).standard_normal((30, 2))
    labels = ["a", "b", "c"] if dtype != "Int64" else [1, 2, 3]
    y = pd.Series(labels * 10, dtype=dtype)
    y[3] = pd.NA if dtype in ("string", "Int64") else np.nan
    with pytest.raises(ValueError, match="Input y contains NaN"):
        Estimator().fit(X, y)


@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestLogistic])
@pytest.mark.parametrize("dtype", ["string", "Int64", "object", "category"])
def test_missing_labels_are_named_by_score_and_the_scorer(Estimator, dtype):
    # score and neg_cross_entropy met a "string" column's pd.NA with
    # "TypeError: boolean value of NA is ambiguous", from inside pandas.
    X = np.random.default_rng(0).standard_normal((30, 2))
    labels = ["a", "b", "c"] if dtype != "Int64" else [1, 2, 3]
    y = pd.Series(labels * 10, dtype=dtype)
    model = Estimator().fit(X, y)
    y[3] = pd.NA if dtype in ("string", "Int64") else np.nan
    with pytest.raises(ValueError, match="Input y contains NaN"):
        model.score(X, y)
    with pytest.raises(ValueError, match="Input y contains NaN"):
        neg_cross_entropy(model, X, y)


def test_score_refuses_probability_rows_that_fit_refuses():
    # score took any matrix of n_classes columns as soft targets and scored
    # it against its arg-maxes: 0.475 for rows with negative entries.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    P = rng.dirichlet(np.ones(3), size=40)
    model = SoftmaxRegression().fit(X, P)
    for bad, match in [
        (P - 0.5, "non-negative probabilities"),
        (5 * P, "rows (must sum|summing) to 1"),
    ]:
        with pytest.raises(ValueError, match=match):
            SoftmaxRegression().fit(X, bad)
        with pytest.raises(ValueError, match=match):
            model.score(X, bad)
    expected = np.mean(model.predict(X) == np.argmax(P, axis=1))
    assert model.score(X, P) == pytest.approx(expected)


@pytest.mark.parametrize("method", ["fit", "score"])
@pytest.mark.parametrize(
    "Estimator",
    [
        SoftmaxRegression,
        OneVsRestLogistic,
        partial(SoftmaxRegressionCV, Cs=2, cv=3),
        partial(OneVsRestLogisticCV, Cs=2, cv=3),
    ],
    ids=["SoftmaxRegression", "OneVsRestLogistic", "SoftmaxRegressionCV", "OvRCV"],
)
def test_lists_of_labels_are_named_with_the_indicator_matrix(Estimator, method):
    # The label lists OneVsRestClassifier refuses by name ("legacy multi-label
    # data representation") met NumPy's "inhomogeneous shape" error here.
    X, y = make_data()
    Y = [[int(label)] for label in y]
    Y[7] = [0, 2]
    estimator = Estimator() if method == "fit" else Estimator().fit(X, y)
    with pytest.raises(
        ValueError,
        match=r"^y has rows of different lengths \(row 0 has length 1, row 7 has "
        r"length 2\).*MultiLabelBinarizer",
    ):
        getattr(estimator, method)(X, Y)


@pytest.mark.parametrize(
    "y, rows",
    [
        (
            [np.array([0, 1]), np.array([1]), np.array([0, 1])],
            "length 2, row 1 has length 1",
        ),
        ([[0, 1], 1, [0, 1]], "length 2, row 1 has one value"),
    ],
    ids=["arrays", "a value among lists"],
)
def test_ragged_rows_of_arrays_or_values_are_named(y, rows):
    X = np.random.default_rng(0).standard_normal((3, 2))
    with pytest.raises(ValueError, match=rf"^y has rows .*\(row 0 has {rows}\)"):
        OneVsRestLogistic().fit(X, y)
