"""
=====================================================
Decision regions on iris: softmax versus one-vs-rest
=====================================================

Both models score each class with a linear function of the features. The
softmax (:class:`~skl_softmax.SoftmaxRegression`) turns the three scores into
one probability distribution, fitted jointly; one-vs-rest
(:class:`~skl_softmax.OneVsRestLogistic`) fits three independent "class
against the rest" sigmoids and renormalises them afterwards.

On the two petal measurements of the iris data the two models predict almost
the same classes (both decide by the largest linear score, so both draw
straight boundaries), but their probabilities differ. The contours show the
probability of the predicted class: the softmax's run parallel to the
boundaries, because only score differences matter; one-vs-rest's bend, because
each sigmoid was fitted without regard to the others and the renormalisation
mixes them. Its log-loss is correspondingly worse.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris
from sklearn.metrics import accuracy_score, log_loss
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skl_softmax import OneVsRestLogistic, SoftmaxRegression

iris = load_iris()
X = iris.data[:, 2:]  # petal length and width, in cm
y = iris.target
feature_names = iris.feature_names[2:]

models = {
    "SoftmaxRegression": make_pipeline(StandardScaler(), SoftmaxRegression(C=10.0)),
    "OneVsRestLogistic": make_pipeline(StandardScaler(), OneVsRestLogistic(C=10.0)),
}

# %%
# Fit both and compare them on the training data.
for name, model in models.items():
    model.fit(X, y)
    proba = model.predict_proba(X)
    print(
        f"{name:<18} accuracy {accuracy_score(y, model.predict(X)):.3f}"
        f"  log-loss {log_loss(y, proba):.3f}"
    )

# %%
# Regions and probability contours
# --------------------------------
# The background colour is the predicted class; the lines are contours of the
# largest predicted probability.
x_min, x_max = X[:, 0].min() - 0.5, X[:, 0].max() + 0.5
y_min, y_max = X[:, 1].min() - 0.5, X[:, 1].max() + 0.5
xx, yy = np.meshgrid(np.linspace(x_min, x_max, 300), np.linspace(y_min, y_max, 300))
grid = np.column_stack([xx.ravel(), yy.ravel()])
colors = np.array(["tab:blue", "tab:orange", "tab:green"])

fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained", sharey=True)
for ax, (name, model) in zip(axes, models.items(), strict=True):
    proba = model.predict_proba(grid)
    region = proba.argmax(axis=1).reshape(xx.shape)
    confidence = proba.max(axis=1).reshape(xx.shape)
    ax.contourf(xx, yy, region, levels=[-0.5, 0.5, 1.5, 2.5], colors=colors, alpha=0.15)
    lines = ax.contour(
        xx, yy, confidence, levels=[0.4, 0.5, 0.6, 0.7, 0.8, 0.9], cmap="Greys"
    )
    ax.clabel(lines, fontsize=8)
    for k, species in enumerate(iris.target_names):
        ax.scatter(
            *X[y == k].T, s=18, color=colors[k], edgecolor="k", lw=0.4, label=species
        )
    ax.set(title=name, xlabel=feature_names[0])
axes[0].set_ylabel(feature_names[1])
axes[0].legend(loc="upper left")
plt.show()

# %%
# The two models disagree most where *versicolor* meets its neighbours. With
# mutually exclusive classes such as these, the softmax is the model that
# matches the data's structure; one-vs-rest is the classic alternative (see
# :ref:`user_guide`).
