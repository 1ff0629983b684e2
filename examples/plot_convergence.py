"""
=====================================================================
Convergence: SoftmaxRegression next to LogisticRegression
=====================================================================

:class:`~skl_softmax.SoftmaxRegression` records its objective after every
L-BFGS-B iteration in ``loss_curve_``. For scikit-learn's
:class:`~sklearn.linear_model.LogisticRegression` we record the coefficients
after every iteration with a small scikit-learn 1.9 callback and evaluate the
same objective on them, with the package's public
:func:`~skl_softmax.cross_entropy`:

.. math::

   L(W, b) = \\frac{1}{n} \\sum_i \\big[\\operatorname{logsumexp}(z_i)
   - z_{i, y_i}\\big] + \\frac{\\lVert W \\rVert^2}{2 C n}.

Both minimise this objective with SciPy's L-BFGS-B and the same settings.
On standardised features (left) they take exactly the same steps. On the raw
wine features (right), whose scales range from about 0.1 to 1000,
``LogisticRegression`` crawls, while ``SoftmaxRegression`` solves the same
problem in standardised coordinates internally and converges as fast as on
standardised data (see :ref:`mathematics`). The optimum is the same; only the
path differs.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from skl_softmax import SoftmaxRegression, cross_entropy

X_raw, y = load_wine(return_X_y=True)
X_scaled = StandardScaler().fit_transform(X_raw)
C = 1.0


def objective(X, W, b):
    """The penalised mean cross-entropy both estimators minimise."""
    return cross_entropy(y, X @ W.T + b) + np.sum(W**2) / (2 * C * len(y))


class RecordIterates:
    """A scikit-learn 1.9 fit callback keeping ``coef_``, ``intercept_`` per
    iteration."""

    def __init__(self):
        self.iterates = []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None, **kw):
        if context.task_name == "lbfgs-iter" and fitted_estimator is not None:
            self.iterates.append((fitted_estimator.coef_, fitted_estimator.intercept_))
        return False


def lbfgs_objectives(X, max_iter):
    recorder = RecordIterates()
    model = LogisticRegression(C=C, tol=1e-6, max_iter=max_iter)
    model.set_callbacks(recorder)
    with warnings.catch_warnings():
        # On the raw features LogisticRegression is stopped early on purpose.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return np.array([objective(X, W, b) for W, b in recorder.iterates])


# %%
# Fit and record
# --------------
# The optimum ``L*`` comes from a tight fit; the curves show ``L - L*``.
curves = {}
for name, X, max_iter in [
    ("standardised features", X_scaled, 1000),
    ("raw features", X_raw, 100),
]:
    softmax = SoftmaxRegression(C=C, tol=1e-6, max_iter=1000).fit(X, y)
    reference = SoftmaxRegression(C=C, tol=1e-10, max_iter=10_000).fit(X, y)
    best = objective(X, reference.coef_, reference.intercept_)
    curves[name] = {
        "SoftmaxRegression": softmax.loss_curve_ - best,
        "LogisticRegression": lbfgs_objectives(X, max_iter) - best,
    }
    for model, curve in curves[name].items():
        print(f"{name:<22} {model:<18} {len(curve):>4} iterations,", end=" ")
        print(f"L - L* = {curve[-1]:.1e}")

# %%
# Objective against iteration
# ---------------------------
fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained", sharey=True)
for ax, (name, runs) in zip(axes, curves.items(), strict=True):
    for (model, curve), style in zip(runs.items(), ["-", "--"], strict=True):
        iterations = np.arange(1, len(curve) + 1)
        ax.plot(iterations, np.maximum(curve, 1e-16), style, label=model)
    ax.set(title=f"Wine, {name}", xlabel="L-BFGS-B iteration", yscale="log")
axes[0].set_ylabel("objective minus optimum, L - L*")
axes[1].annotate(
    "stopped at max_iter=100",
    (100, curves["raw features"]["LogisticRegression"][-1]),
    xytext=(-10, 20),
    textcoords="offset points",
    ha="right",
    arrowprops={"arrowstyle": "->"},
)
axes[0].legend()
plt.show()

# %%
# With a ``StandardScaler`` in front, as recommended for both estimators, the
# two are step for step the same algorithm.
