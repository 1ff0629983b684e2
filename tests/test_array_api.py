"""Array API: the objective, the fits and the predictions run in the data's namespace.

References are the NumPy fits of the same data (``tol=1e-8``): the device
fit must reach the same model, with every fitted array and every prediction
in the input's namespace and on its device. array-api-strict runs always (CI
installs it; its ``device1`` refuses any implicit conversion to NumPy);
PyTorch on CPU runs where it is installed.
"""

import warnings

import array_api_strict
import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse, special
from sklearn.metrics import get_scorer
from sklearn.model_selection import GridSearchCV

import skl_softmax._array_api as array_api_module
from skl_softmax import (
    OneVsRestLogistic,
    OneVsRestLogisticCV,
    SoftmaxRegression,
    SoftmaxRegressionCV,
    binary_cross_entropy,
    cross_entropy,
    entropy,
    kl_divergence,
    log_sigmoid,
    log_softmax,
    logsumexp,
    neg_cross_entropy,
    sigmoid,
    softmax,
    softmax_jacobian,
)
from skl_softmax._array_api import backend_of
from skl_softmax._compat import HAS_CALLBACKS
from skl_softmax._loss import BinomialLoss, MultinomialLoss

from _callbacks import TaskRecorder
from _devices import cuda_namespaces
from _separable import one_class_apart

TORCH_SKIP_REASON = (
    "PyTorch is not installed: it is a large download, so CI leaves it out and "
    "runs these tests with array-api-strict only"
)


def _strict():
    device = array_api_strict.Device("device1")
    return lambda a: array_api_strict.asarray(np.asarray(a), device=device)


def _torch(device="cpu"):
    torch = pytest.importorskip("torch", reason=TORCH_SKIP_REASON)
    return lambda a: torch.asarray(np.asarray(a), device=device)


def _cupy():
    import cupy

    return lambda a: cupy.asarray(np.asarray(a))


# The CUDA namespaces are collected only where a GPU is present
# (benchmarks/run_gpu.sh runs them on one); pytest's header says which.
NAMESPACES = ["array_api_strict", "torch", *cuda_namespaces()]
_TO_NAMESPACE = {
    "array_api_strict": _strict,
    "torch": _torch,
    "torch_cuda": lambda: _torch("cuda"),
    "cupy": _cupy,
}


@pytest.fixture(params=NAMESPACES)
def to_namespace(request):
    """A function moving a NumPy array to the namespace (on a non-default device
    for array-api-strict; on the GPU for PyTorch's ``cuda`` and CuPy)."""
    return _TO_NAMESPACE[request.param]()


@pytest.fixture
def dispatch():
    with sklearn.config_context(array_api_dispatch=True):
        yield


def _host(array):
    return backend_of(array).to_host(array)


def _assert_in_namespace_of(array, reference):
    """``array`` is of ``reference``'s namespace and on its device."""
    expected, got = backend_of(reference), backend_of(array)
    assert not got.is_numpy, type(array)
    assert got.xp is expected.xp
    assert got.device == expected.device


# -- the objective ------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("targets", ["labels", "smoothed", "soft"])
def test_multinomial_objective_matches_numpy(to_namespace, dtype, targets):
    rng = np.random.default_rng(0)
    n, d, K = 700, 6, 4
    X = rng.normal(size=(n, d)).astype(dtype)
    y = rng.integers(0, K, n) if targets != "soft" else rng.dirichlet(np.ones(K), n)
    sw = rng.uniform(0.5, 2.0, n)
    kwargs = dict(
        C=2.0,
        n_classes=K,
        fit_intercept=True,
        label_smoothing=0.1 if targets == "smoothed" else 0.0,
        x_offset=rng.normal(size=d),
        x_scale=rng.uniform(0.5, 2.0, d),
    )
    reference = MultinomialLoss(X, y, sw, **kwargs)
    Xd = to_namespace(X)
    ours = MultinomialLoss(
        Xd, to_namespace(y), to_namespace(sw), backend=backend_of(Xd), **kwargs
    )
    params = rng.normal(size=K * (d + 1))
    value, grad = ours(params)
    assert isinstance(value, float) and isinstance(grad, np.ndarray)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    expected_value, expected_grad = reference(params)
    assert_allclose(value, expected_value, rtol=rtol)
    assert_allclose(grad, expected_grad, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("per_problem_weights", [False, True])
def test_binomial_objective_matches_numpy(to_namespace, dtype, per_problem_weights):
    rng = np.random.default_rng(1)
    n, d, L = 700, 6, 3
    X = rng.normal(size=(n, d)).astype(dtype)
    Y = (rng.uniform(size=(n, L)) < 0.4).astype(float)
    sw = rng.uniform(0.5, 2.0, (n, L) if per_problem_weights else n)
    kwargs = dict(
        C=1.0, fit_intercept=True, x_offset=rng.normal(size=d), x_scale=np.ones(d) * 2
    )
    reference = BinomialLoss(X, Y, sw, **kwargs)
    Xd = to_namespace(X)
    ours = BinomialLoss(
        Xd, to_namespace(Y), to_namespace(sw), backend=backend_of(Xd), **kwargs
    )
    W, b, outputs = rng.normal(size=(2, d)), rng.normal(size=2), np.array([2, 0])
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    for got, expected in zip(
        ours.evaluate(W, b, outputs), reference.evaluate(W, b, outputs), strict=True
    ):
        assert isinstance(got, np.ndarray)
        assert_allclose(got, expected, rtol=rtol, atol=rtol)


def test_objective_does_not_overflow_on_the_device(to_namespace):
    # Logits of ±1e4: exp would overflow without the log-sum-exp shift and the
    # e^{−|z|} form of the sigmoid loss.
    X = np.array([[1e4], [-1e4], [3.0]])
    y = np.array([0, 1, 1])
    params = np.array([1.0, -1.0, 0.0, 0.0])
    Xd = to_namespace(X)
    for loss in (
        MultinomialLoss(
            Xd,
            to_namespace(y),
            to_namespace(np.ones(3)),
            1.0,
            2,
            True,
            backend=backend_of(Xd),
        ),
        BinomialLoss(
            Xd,
            to_namespace(y[:, None] * 1.0),
            to_namespace(np.ones(3)),
            1.0,
            True,
            backend=backend_of(Xd),
        ),
    ):
        reference = type(loss)(
            X,
            y if isinstance(loss, MultinomialLoss) else y[:, None] * 1.0,
            np.ones(3),
            1.0,
            *((2,) if isinstance(loss, MultinomialLoss) else ()),
            True,
        )
        p = params if isinstance(loss, MultinomialLoss) else params[::2]
        value, grad = loss(p)
        assert np.isfinite(value) and np.all(np.isfinite(grad))
        assert_allclose(value, reference(p)[0], rtol=1e-12)
        assert_allclose(grad, reference(p)[1], rtol=1e-12, atol=1e-12)


# -- the estimators against their NumPy fits ----------------------------------------


def _data(case, rng, n=240, d=5):
    X = rng.normal(size=(n, d))
    labels = np.argmax(X @ rng.normal(size=(d, 3)) + rng.normal(size=(n, 3)), axis=1)
    if case == "badly_scaled":
        X = X * np.logspace(-2, 3, d) + 50.0
    return X, labels


# (estimator, case, y kind, fit keyword arguments)
CASES = [
    ("softmax", "binary", "binary", {}),
    ("softmax", "multiclass", "multiclass", {}),
    ("softmax", "soft", "soft", {}),
    ("softmax", "label_smoothing", "multiclass", {"label_smoothing": 0.2}),
    ("softmax", "sample_weight", "multiclass", {}),
    ("softmax", "class_weight", "multiclass", {"class_weight": "balanced"}),
    ("softmax", "class_weight_dict", "binary", {"class_weight": {1: 3.0}}),
    ("softmax", "badly_scaled", "multiclass", {}),
    ("ovr", "binary", "binary", {}),
    ("ovr", "multiclass", "multiclass", {}),
    ("ovr", "multilabel", "multilabel", {}),
    ("ovr", "sample_weight", "multilabel", {}),
    ("ovr", "class_weight", "multilabel", {"class_weight": "balanced"}),
    ("ovr", "class_weight_dict", "multiclass", {"class_weight": {2: 3.0}}),
    ("ovr", "badly_scaled", "multiclass", {}),
]


def _targets(kind, labels, rng):
    if kind == "binary":
        return labels % 2
    if kind == "multiclass":
        return labels
    if kind == "soft":
        return 0.7 * np.eye(3)[labels] + 0.3 * rng.dirichlet(np.ones(3), len(labels))
    return np.column_stack([labels == 0, labels != 1, labels == 2]).astype(np.int64)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "estimator_name, case, kind, params", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_device_fit_matches_numpy_fit(
    to_namespace, dispatch, dtype, estimator_name, case, kind, params
):
    rng = np.random.default_rng(0)
    X, labels = _data(case, rng)
    X = X.astype(dtype)
    y = _targets(kind, labels, rng)
    sample_weight = rng.uniform(0.2, 3.0, X.shape[0]) if "weight" in case else None
    Estimator = SoftmaxRegression if estimator_name == "softmax" else OneVsRestLogistic
    with sklearn.config_context(array_api_dispatch=False):
        reference = Estimator(tol=1e-8, max_iter=1000, **params).fit(
            X, y, sample_weight
        )

    Xd = to_namespace(X)
    sw = None if sample_weight is None else to_namespace(sample_weight)
    model = Estimator(tol=1e-8, max_iter=1000, **params).fit(Xd, to_namespace(y), sw)

    atol = 1e-6 if dtype == np.float64 else 1e-4
    proba = model.predict_proba(Xd)
    _assert_in_namespace_of(proba, Xd)
    assert_allclose(_host(proba), reference.predict_proba(X), atol=atol, rtol=0)
    for name in ("coef_", "intercept_", "n_iter_", "classes_"):
        _assert_in_namespace_of(getattr(model, name), Xd)
    assert _host(model.coef_).dtype == dtype
    for method in ("decision_function", "predict_log_proba", "predict"):
        result = getattr(model, method)(Xd)
        _assert_in_namespace_of(result, Xd)
    predicted = _host(model.predict(Xd))
    agree = np.mean(
        np.all(
            predicted == reference.predict(X), axis=-1 if predicted.ndim > 1 else None
        )
    )
    assert agree >= 0.98
    if kind != "soft":
        assert 0.0 <= model.score(Xd, to_namespace(y)) <= 1.0


# (estimator, y kind, fit keyword arguments) for y in another namespace than X
TARGETS_BESIDE_X = [
    (SoftmaxRegression, "multiclass", {}),
    (SoftmaxRegression, "binary", {"class_weight": "balanced"}),
    (SoftmaxRegression, "soft", {}),
    (OneVsRestLogistic, "multiclass", {}),
    (OneVsRestLogistic, "binary", {}),
    (OneVsRestLogistic, "multiclass", {"class_weight": "balanced"}),
    (OneVsRestLogistic, "binary", {"class_weight": "balanced"}),
    (OneVsRestLogistic, "multilabel", {}),
]
TARGETS_BESIDE_X_IDS = [
    f"{Estimator.__name__}-{kind}{'-balanced' if params else ''}"
    for Estimator, kind, params in TARGETS_BESIDE_X
]


def _data_and_targets(kind, seed):
    rng = np.random.default_rng(seed)
    X, labels = _data("multiclass", rng)
    return X, _targets(kind, labels, rng)


@pytest.mark.parametrize(
    "Estimator, kind, params", TARGETS_BESIDE_X, ids=TARGETS_BESIDE_X_IDS
)
def test_numpy_X_beside_targets_of_another_namespace(
    to_namespace, dispatch, Estimator, kind, params
):
    # As LogisticRegression: the model of the NumPy fit, classes_ where y
    # lives. One-vs-rest raised AttributeError ("'Tensor' object has no
    # attribute 'astype'") on labels, SoftmaxRegression on soft targets
    # ("'torch.dtype' object has no attribute 'kind'").
    X, y = _data_and_targets(kind, seed=10)
    reference = Estimator(**params).fit(X, y)
    yd = to_namespace(y)
    model = Estimator(**params).fit(X, yd)
    assert isinstance(model.coef_, np.ndarray)
    assert_allclose(model.coef_, reference.coef_, rtol=1e-12, atol=1e-14)
    assert_allclose(model.intercept_, reference.intercept_, rtol=1e-12, atol=1e-14)
    _assert_in_namespace_of(model.classes_, yd)
    assert_array_equal(_host(model.classes_), reference.classes_)
    predicted = model.predict(X)
    assert isinstance(predicted, np.ndarray)
    assert_array_equal(predicted, reference.predict(X))


@pytest.mark.parametrize(
    "Estimator, kind, params", TARGETS_BESIDE_X, ids=TARGETS_BESIDE_X_IDS
)
def test_numpy_targets_beside_X_of_another_namespace(
    to_namespace, dispatch, Estimator, kind, params
):
    # classes_ stays in NumPy, where y lives: for soft targets it was put in
    # X's namespace, unlike for labels and indicators.
    X, y = _data_and_targets(kind, seed=11)
    Xd = to_namespace(X)
    model = Estimator(**params).fit(Xd, y)
    _assert_in_namespace_of(model.coef_, Xd)
    assert isinstance(model.classes_, np.ndarray)
    assert_array_equal(model.classes_, Estimator(**params).fit(X, y).classes_)
    _assert_in_namespace_of(model.predict(Xd), Xd)


def test_score_of_a_boolean_indicator_in_the_namespace(to_namespace, dispatch):
    # fit takes a boolean Y; score subtracted the integer predictions from it
    # (NotImplementedError on torch), and array-api-strict refused to compare
    # a boolean Y with 0 in fit (TypeError).
    X, labels = _data("multiclass", np.random.default_rng(12))
    Y = np.column_stack([labels == 0, labels != 1, labels == 2])
    expected = OneVsRestLogistic().fit(X, Y).score(X, Y)
    Xd, Yd = to_namespace(X), to_namespace(Y)
    model = OneVsRestLogistic().fit(Xd, Yd)
    assert model.score(Xd, Yd) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestLogistic])
def test_warm_start_on_the_device_matches_numpy(to_namespace, dispatch, Estimator):
    rng = np.random.default_rng(2)
    X, y = _data("multiclass", rng)
    with sklearn.config_context(array_api_dispatch=False):
        reference = Estimator(C=0.1, tol=1e-8, warm_start=True).fit(X, y)
        reference.set_params(C=10.0).fit(X, y)
    Xd, yd = to_namespace(X), to_namespace(y)
    model = Estimator(C=0.1, tol=1e-8, warm_start=True).fit(Xd, yd)
    model.set_params(C=10.0).fit(Xd, yd)
    assert_allclose(
        _host(model.predict_proba(Xd)), reference.predict_proba(X), atol=1e-6, rtol=0
    )
    _assert_in_namespace_of(model.coef_, Xd)


@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestLogistic])
def test_loss_curve_on_the_device(to_namespace, dispatch, Estimator):
    rng = np.random.default_rng(3)
    X, y = _data("multiclass", rng)
    model = Estimator(tol=1e-8).fit(to_namespace(X), to_namespace(y))
    curves = (
        model.loss_curve_
        if isinstance(model.loss_curve_, list)
        else [model.loss_curve_]
    )
    for curve in curves:
        _assert_in_namespace_of(curve, to_namespace(X))
        assert np.all(np.diff(_host(curve)) <= 1e-12)


def test_nothing_of_size_n_leaves_the_device(monkeypatch, dispatch):
    # array-api-strict's device1 refuses implicit conversion to NumPy; the
    # explicit exits all go through _array_api._to_numpy, counted here.
    sizes = []
    original = array_api_module._to_numpy

    def counting(array, xp):
        sizes.append(int(np.prod(array.shape)))
        return original(array, xp)

    monkeypatch.setattr(array_api_module, "_to_numpy", counting)
    to_strict = _strict()
    rng = np.random.default_rng(4)
    n, d = 3_000, 4
    X, labels = _data("multiclass", rng, n=n, d=d)
    Xd = to_strict(X)
    for model, y in [
        (SoftmaxRegression(tol=1e-8, class_weight="balanced"), labels),
        (SoftmaxRegression(label_smoothing=0.1), np.eye(3)[labels]),
        (
            OneVsRestLogistic(class_weight="balanced"),
            _targets("multilabel", labels, rng),
        ),
    ]:
        sizes.clear()
        model.fit(Xd, to_strict(y), sample_weight=to_strict(np.ones(n)))
        assert sizes, "the fit moved nothing: the count is not wired"
        # At most the flat gradient of three problems plus their losses.
        assert max(sizes) <= 3 * (d + 2) < n


def test_sparse_input_keeps_the_numpy_path(dispatch):
    rng = np.random.default_rng(5)
    X, y = _data("multiclass", rng)
    X_sparse = sparse.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    for Estimator in (SoftmaxRegression, OneVsRestLogistic):
        model = Estimator().fit(X_sparse, y)
        assert isinstance(model.coef_, np.ndarray)
        assert isinstance(model.predict_proba(X_sparse), np.ndarray)


@pytest.mark.parametrize("namespace", ["array_api_strict", "torch"])
def test_dispatch_off_converts_to_numpy(namespace):
    # Arrays that NumPy can read: array-api-strict's default device (its
    # device1 cannot be read by NumPy at all, nor can a GPU's arrays).
    rng = np.random.default_rng(6)
    X, y = _data("multiclass", rng)
    if namespace == "torch":
        Xd, yd = _torch()(X), _torch()(y)
    else:
        Xd, yd = array_api_strict.asarray(X), y
    model = SoftmaxRegression().fit(Xd, yd)
    assert isinstance(model.coef_, np.ndarray)
    assert isinstance(model.predict_proba(Xd), np.ndarray)


@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestLogistic])
def test_complex_tensors_are_refused_as_complex_numpy_data(dispatch, Estimator):
    # scikit-learn's check_array catches complex data only in NumPy arrays:
    # a complex tensor was fitted and predicted on its real part.
    torch = pytest.importorskip("torch", reason=TORCH_SKIP_REASON)
    X, y = _data("multiclass", np.random.default_rng(7))
    Xc = torch.asarray(X + 1j * np.ones_like(X))
    with pytest.raises(ValueError, match="Complex data not supported"):
        Estimator().fit(np.asarray(X) + 1j, y)  # the NumPy message, matched
    with pytest.raises(ValueError, match="Complex data not supported"):
        Estimator().fit(Xc, torch.asarray(y))
    model = Estimator().fit(torch.asarray(X), torch.asarray(y))
    with pytest.raises(ValueError, match="Complex data not supported"):
        model.predict_proba(Xc)
    # Complex weights were cast to their real part, with PyTorch's warning.
    weights = torch.asarray(np.ones(len(y)) + 1j)
    with pytest.raises(ValueError, match="Complex data not supported: sample_weight"):
        Estimator().fit(torch.asarray(X), torch.asarray(y), weights)
    strict = array_api_strict.asarray(X + 1j * np.ones_like(X))
    with pytest.raises(ValueError, match="Complex data not supported"):
        Estimator().fit(strict, array_api_strict.asarray(y))


def test_a_tensor_that_requires_grad_is_refused_by_fit_with_a_clear_error(dispatch):
    # It failed deep in the fit, reading the column statistics on the host.
    torch = pytest.importorskip("torch", reason=TORCH_SKIP_REASON)
    X, y = _data("multiclass", np.random.default_rng(7))
    X_grad = torch.tensor(X, requires_grad=True)
    with pytest.raises(ValueError, match=r"requires grad.*X\.detach\(\)"):
        SoftmaxRegression().fit(X_grad, torch.asarray(y))
    fitted = SoftmaxRegression().fit(X_grad.detach(), torch.asarray(y))
    reference = SoftmaxRegression().fit(X, y)
    assert_allclose(_host(fitted.coef_), reference.coef_, rtol=1e-12)


def test_special_function_arguments_in_two_namespaces_are_named():
    # NumPy logits beside labels, weights or q on a device NumPy cannot read
    # (array-api-strict's device1, as a CUDA tensor): a bare RuntimeError.
    to_namespace = _strict()
    other = to_namespace(np.array([0.5, 0.5]))
    match = "beside NumPy arguments"
    with pytest.raises(TypeError, match=f"^q .*{match}"):
        kl_divergence(np.array([0.9, 0.1]), other)
    with pytest.raises(TypeError, match=f"^y_true .*{match}"):
        binary_cross_entropy(other, np.zeros(2))
    with pytest.raises(TypeError, match=f"^y_true .*{match}"):
        cross_entropy(to_namespace(np.array([0, 1])), np.zeros((2, 2)))
    with pytest.raises(TypeError, match=f"^sample_weight .*{match}"):
        cross_entropy([0, 1], np.zeros((2, 2)), sample_weight=other)


def test_softmax_jacobian_of_confident_rows_in_the_namespace(to_namespace):
    # The diagonal p - p² cancelled for p near 1 (see test_special.py).
    gaps = np.array([20.0, 40.0, 700.0])
    logits = np.column_stack([gaps, np.zeros(3)])
    jacobian = _host(softmax_jacobian(to_namespace(logits)))
    entry = special.expit(gaps) * special.expit(-gaps)
    expected = entry[:, None, None] * np.array([[1.0, -1.0], [-1.0, 1.0]])
    assert_allclose(jacobian, expected, rtol=1e-14, atol=0)


def test_one_class_separated_warns_on_the_device(to_namespace, dispatch):
    from sklearn.exceptions import ConvergenceWarning

    X, y = one_class_apart()
    match = "class 0 is perfectly separated from the other classes"
    with pytest.warns(ConvergenceWarning, match=match):
        SoftmaxRegression(C=np.inf).fit(to_namespace(X), to_namespace(y))


def test_class_separation_bounds_in_the_namespace_match_numpy():
    # NumPy takes a path of its own (a class at a time, failed candidates
    # skipped); the namespace's masked reductions must find the same classes.
    from skl_softmax._softmax_regression import class_separation_bounds

    rng = np.random.default_rng(1)
    to_namespace = _strict()
    found = 0
    for _ in range(60):
        n_classes, n_samples = int(rng.integers(2, 12)), int(rng.integers(1, 300))
        Z = rng.standard_normal((n_samples, n_classes))
        y = rng.integers(n_classes, size=n_samples)
        weighted = rng.random(n_samples) > 0.3
        k = int(rng.integers(n_classes))
        Z[:, k] += np.where(y == k, 1.0, -1.0) * rng.uniform(0, 8)  # apart or not
        low, high = class_separation_bounds(Z, y, weighted)
        arrays = [to_namespace(a) for a in (Z, y, weighted)]
        low_ns, high_ns = map(
            _host, class_separation_bounds(*arrays, backend_of(arrays[0]))
        )
        assert_allclose(low_ns, low, rtol=1e-13)
        separated = np.any((low > 0) & (high < 0) & np.isfinite(low), axis=0)
        in_namespace = np.any(
            (low_ns > 0) & (high_ns < 0) & np.isfinite(low_ns), axis=0
        )
        assert_array_equal(in_namespace, separated)
        found += separated.any()
    assert 5 <= found <= 55  # the draws do separate classes, and not all


def test_predict_in_another_namespace_raises(dispatch):
    X, y = _data("multiclass", np.random.default_rng(7))
    model = SoftmaxRegression().fit(_strict()(X), _strict()(y))
    with pytest.raises(ValueError, match="same namespace"):
        model.predict(X)


@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestLogistic])
@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
def test_a_device_model_called_with_dispatch_off_says_what_to_do(
    to_namespace, Estimator, method
):
    # With dispatch off scikit-learn checks no namespace: a torch model
    # returned torch tensors for NumPy input (with NumPy's DeprecationWarning),
    # an array-api-strict one failed in array_api_strict ("Expected Array").
    from sklearn.utils._array_api import move_estimator_to

    X, y = _data("multiclass", np.random.default_rng(7))
    with sklearn.config_context(array_api_dispatch=True):
        model = Estimator().fit(to_namespace(X), to_namespace(y))
        expected = _host(
            getattr(model, method)(
                to_namespace(X), *([to_namespace(y)] if method == "score" else [])
            )
        )
    args = [y] if method == "score" else []
    with pytest.raises(ValueError, match="array_api_dispatch=True, which is off now"):
        getattr(model, method)(X, *args)
    # The way the message names works, and gives the device model's answer.
    on_host = move_estimator_to(model, np, "cpu")
    assert_allclose(getattr(on_host, method)(X, *args), expected, rtol=1e-6)


@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestLogistic])
@pytest.mark.parametrize(
    "fit_dtype, predict_dtype", [(np.float64, np.float32), (np.float32, np.float64)]
)
def test_predictions_promote_dtypes_as_numpy_does(
    to_namespace, dispatch, Estimator, fit_dtype, predict_dtype
):
    # torch's matmul refused a float32 X against a float64 fit ("expected m1
    # and m2 to have the same dtype"); NumPy and array-api-strict promote.
    X, y = _data("multiclass", np.random.default_rng(7))
    numpy_model = Estimator().fit(X.astype(fit_dtype), y)
    model = Estimator().fit(to_namespace(X.astype(fit_dtype)), to_namespace(y))
    X_new = X[:20].astype(predict_dtype)
    expected = numpy_model.predict_proba(X_new)
    got = model.predict_proba(to_namespace(X_new))
    _assert_in_namespace_of(got, to_namespace(X_new))
    assert _host(got).dtype == expected.dtype == np.float64
    assert_allclose(_host(got), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestLogistic])
def test_one_class_on_the_device_is_named_as_written(to_namespace, dispatch, Estimator):
    X, _ = _data("multiclass", np.random.default_rng(7))
    with pytest.raises(ValueError, match=r"only one class: 3\.$"):
        Estimator().fit(to_namespace(X), to_namespace(np.full(X.shape[0], 3)))


@pytest.mark.parametrize("Estimator", [SoftmaxRegressionCV, OneVsRestLogisticCV])
@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
def test_cv_estimators_refuse_another_namespace_after_a_numpy_fit(
    dispatch, Estimator, method
):
    # Every method, score too (one-vs-rest's default score returned a float).
    X, y = _data("multiclass", np.random.default_rng(7))
    model = Estimator(Cs=2, cv=2).fit(X, y)
    args = (_strict()(X),) if method != "score" else (_strict()(X), _strict()(y))
    with pytest.raises(ValueError, match="same namespace"):
        getattr(model, method)(*args)


def test_estimators_declare_array_api_support():
    for Estimator in (SoftmaxRegression, OneVsRestLogistic):
        assert Estimator().__sklearn_tags__().array_api_support
    for Estimator in (SoftmaxRegressionCV, OneVsRestLogisticCV):
        assert not Estimator().__sklearn_tags__().array_api_support


@pytest.mark.parametrize(
    "Estimator, Base",
    [
        (SoftmaxRegressionCV, SoftmaxRegression),
        (OneVsRestLogisticCV, OneVsRestLogistic),
    ],
)
def test_cv_estimators_say_what_to_do_with_device_arrays(
    to_namespace, dispatch, Estimator, Base
):
    # As LogisticRegressionCV, the CV estimators have no Array API support;
    # they say so and name the way that works (which a TypeError from inside
    # scikit-learn's validation did not).
    X, y = _data("multiclass", np.random.default_rng(7))
    with pytest.raises(TypeError, match="GridSearchCV over " + Base.__name__):
        Estimator(Cs=2).fit(to_namespace(X), to_namespace(y))
    search = GridSearchCV(Base(), {"C": [0.1, 10.0]}, cv=2)
    search.fit(to_namespace(X), to_namespace(y))
    assert backend_of(search.best_estimator_.coef_).xp is backend_of(to_namespace(X)).xp
    # NumPy input with dispatch on fits as ever.
    assert Estimator(Cs=2, cv=2).fit(X, y).coef_.shape[1] == X.shape[1]


# -- the public mathematics ---------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_special_functions_stay_in_the_namespace(to_namespace, dtype):
    rng = np.random.default_rng(8)
    z = (rng.normal(size=(5, 4)) * 30).astype(dtype)
    z[0, 0] = 800.0  # past exp's float32 and float64 range
    p = rng.dirichlet(np.ones(4), 5).astype(dtype)
    zd, pd, qd = to_namespace(z), to_namespace(p), to_namespace(p[::-1].copy())
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    pairs = [
        (softmax(zd), special.softmax(z, axis=-1)),
        (softmax(zd, axis=0), special.softmax(z, axis=0)),
        (log_softmax(zd), special.log_softmax(z, axis=-1)),
        (logsumexp(zd), special.logsumexp(z, axis=-1)),
        (
            logsumexp(zd, axis=0, keepdims=True),
            special.logsumexp(z, axis=0, keepdims=True),
        ),
        (sigmoid(zd), special.expit(z)),
        (log_sigmoid(zd), special.log_expit(z)),
        (softmax_jacobian(zd), softmax_jacobian(z)),
        (entropy(pd), np.sum(special.entr(p), axis=-1)),
        (kl_divergence(pd, qd), np.sum(special.rel_entr(p, p[::-1]), axis=-1)),
    ]
    for got, expected in pairs:
        _assert_in_namespace_of(got, zd)
        assert _host(got).dtype == dtype
        assert_allclose(_host(got), expected, rtol=rtol, atol=rtol)
    labels = np.array([0, 3, 1, 2, 2])
    assert_allclose(
        cross_entropy(to_namespace(labels), zd), cross_entropy(labels, z), rtol=rtol
    )
    assert_allclose(cross_entropy(pd, zd), cross_entropy(p, z), rtol=rtol)
    weights = np.arange(1.0, 6.0)
    y01 = (p > 0.25).astype(dtype)
    assert_allclose(
        binary_cross_entropy(
            to_namespace(y01), zd, sample_weight=to_namespace(weights)
        ),
        binary_cross_entropy(y01, z, sample_weight=weights),
        rtol=rtol,
    )


def test_special_functions_take_0d_arrays_of_the_namespace(to_namespace):
    x = to_namespace(np.asarray(3.0))
    for fun, expected in [
        (softmax, 1.0),
        (log_softmax, 0.0),
        (logsumexp, 3.0),
        (softmax_jacobian, 0.0),
        (sigmoid, special.expit(3.0)),
        (log_sigmoid, special.log_expit(3.0)),
    ]:
        result = fun(x)
        _assert_in_namespace_of(result, x)
        assert result.shape == ()
        assert_allclose(_host(result), expected, rtol=1e-15)
    assert cross_entropy(to_namespace(np.asarray(0)), x) == 0.0


def test_entropies_in_another_base_and_extremes_without_warnings(to_namespace):
    # ln(base) was a NumPy scalar, which array-api-strict refuses to mix with
    # its arrays; and strict arrays (NumPy inside) leaked NumPy's overflow
    # warnings that NumPy input does not give.
    p, q = np.array([0.5, 0.25, 0.25]), np.array([0.9, 0.05, 0.05])
    pd, qd = to_namespace(p), to_namespace(q)
    assert_allclose(
        _host(entropy(pd, base=2)), np.sum(special.entr(p)) / np.log(2), rtol=1e-15
    )
    assert_allclose(
        _host(kl_divergence(pd, qd, base=2)),
        np.sum(special.rel_entr(p, q)) / np.log(2),
        rtol=1e-15,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for z in ([1e308, -1e308], [np.inf, np.inf, -np.inf, 0.0]):
            zd = to_namespace(np.array(z))
            for fun in (softmax, log_softmax, logsumexp):
                assert_allclose(_host(fun(zd)), fun(np.array(z)), rtol=1e-15)


# Rows of p and q whose every entry takes another branch of SciPy's entr and
# rel_entr: NaN, negative, zero, subnormal, the largest floats.
_ENTROPY_P = [
    [np.nan, 0.5, 0.5],
    [1e308, 0.1, 0.0],
    [-0.1, 0.5, 0.6],
    [0.0, 0.5, 0.5],
    [-np.inf, 0.5, 0.5],  # −inf · log 1 warned on array-api-strict
]
_ENTROPY_Q = [[0.2, 0.3, 0.5], [np.nan, 0.5, 0.5], [1e-320, 1.0, 0.5], [-0.1, 0.5, 0.6]]


@pytest.mark.parametrize("namespace", ["array_api_strict", "torch", "longdouble"])
def test_entropies_follow_scipy_on_every_branch(namespace):
    # NaN became -inf (entropy) or +inf (kl_divergence) outside NumPy's
    # float64; p / q overflowed to inf for a subnormal q; 1e308 warned.
    convert = (
        (lambda a: np.asarray(a, dtype=np.longdouble))
        if namespace == "longdouble"
        else _strict()
        if namespace == "array_api_strict"
        else _torch()
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for p in _ENTROPY_P:
            expected = np.sum(special.entr(np.array(p)))
            assert_allclose(float(entropy(convert(p))), expected, rtol=1e-12)
            for q in _ENTROPY_Q:
                expected = np.sum(special.rel_entr(np.array(p), np.array(q)))
                got = float(kl_divergence(convert(p), convert(q)))
                assert_allclose(got, expected, rtol=1e-12, err_msg=f"{p}, {q}")


def test_logsumexp_over_every_axis_in_the_namespace(to_namespace):
    # axis=None failed outside NumPy (squeeze takes no axis=None there).
    z = np.array([[1.0, 2.0], [3.0, 1000.0]])
    got = logsumexp(to_namespace(z), axis=None)
    _assert_in_namespace_of(got, to_namespace(z))
    assert got.shape == ()
    assert_allclose(_host(got), special.logsumexp(z), rtol=1e-15)
    kept = logsumexp(to_namespace(z), axis=None, keepdims=True)
    assert_allclose(_host(kept), special.logsumexp(z, keepdims=True), rtol=1e-15)


def test_special_functions_reject_bad_input_in_the_namespace(to_namespace):
    z = to_namespace(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="class indices"):
        cross_entropy(to_namespace(np.array([0, 3])), z)
    with pytest.raises(ValueError, match="rows must sum to 1"):
        cross_entropy(to_namespace(np.full((2, 3), 0.5)), z)
    # Empty logits skipped the check of the axis (SciPy raises).
    # (NumPy's AxisError is an IndexError, as PyTorch's error.)
    for fun in (softmax, log_softmax, logsumexp):
        with pytest.raises(IndexError):
            fun(to_namespace(np.empty((0, 3))), axis=5)


def test_boolean_labels_in_the_namespace(to_namespace):
    # The Array API has no min of bools: array-api-strict raised TypeError.
    z = np.array([[0.0, 1.0], [2.0, 0.0]])
    labels = np.array([True, False])
    expected = cross_entropy(labels, z)
    assert_allclose(expected, np.mean(special.logsumexp(z, axis=1) - [1.0, 2.0]))
    got = cross_entropy(to_namespace(labels), to_namespace(z))
    assert_allclose(float(got), expected, rtol=1e-15)


@pytest.mark.parametrize(
    "Estimator, targets",
    [
        (SoftmaxRegression, "labels"),
        (SoftmaxRegression, "soft"),
        (OneVsRestLogistic, "labels"),
    ],
)
def test_neg_cross_entropy_scores_device_models(
    to_namespace, dispatch, Estimator, targets
):
    # It read y and sample_weight with NumPy: RuntimeError on a device
    # (array-api-strict's device1, as a GPU tensor), where neg_log_loss works.
    rng = np.random.default_rng(5)
    X, y = _data("multiclass", rng)
    if targets == "soft":
        y = rng.dirichlet(np.ones(3), size=X.shape[0])
    weights = rng.uniform(0.0, 2.0, size=X.shape[0])
    numpy_model = Estimator().fit(X, y)
    model = Estimator().fit(to_namespace(X), to_namespace(y))
    expected = neg_cross_entropy(numpy_model, X, y, sample_weight=weights)
    if targets == "labels":
        scorer = get_scorer("neg_log_loss")
        assert_allclose(
            expected, scorer(numpy_model, X, y, sample_weight=weights), rtol=1e-12
        )
    got = neg_cross_entropy(
        model, to_namespace(X), to_namespace(y), sample_weight=to_namespace(weights)
    )
    assert isinstance(got, float)
    assert_allclose(got, expected, rtol=1e-6)


class _RecordingCallback(TaskRecorder):
    """Records the reconstructed model of every iteration's end."""

    def __init__(self):
        self.fitted = []

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None, **kwargs):
        if context.task_name == "lbfgs-iter" and fitted_estimator is not None:
            self.fitted.append(fitted_estimator)


@pytest.mark.skipif(not HAS_CALLBACKS, reason="callbacks need scikit-learn >= 1.9")
@pytest.mark.parametrize("Estimator", [SoftmaxRegression, OneVsRestLogistic])
def test_callbacks_see_device_models(to_namespace, dispatch, Estimator):
    X, y = _data("multiclass", np.random.default_rng(9))
    Xd = to_namespace(X)
    callback = _RecordingCallback()
    model = Estimator(tol=1e-8).set_callbacks(callback).fit(Xd, to_namespace(y))
    assert len(callback.fitted) >= int(np.max(_host(model.n_iter_)))
    last = callback.fitted[-1]
    _assert_in_namespace_of(last.coef_, Xd)
    assert_allclose(_host(last.predict_proba(Xd)), _host(model.predict_proba(Xd)))


def test_importing_the_package_imports_no_array_library():
    # The Array API support costs nothing to NumPy users: the namespaces are
    # only ever reached through the arrays a user passes.
    import subprocess
    import sys

    code = (
        "import sys, skl_softmax; "
        "print([m for m in ('torch', 'array_api_strict', 'cupy') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
