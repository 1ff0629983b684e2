"""
========================================================
Choosing C: a grid search in a pipeline on digits
========================================================

``C`` is the inverse strength of the L2 penalty. Here a
:class:`~sklearn.model_selection.GridSearchCV` chooses it for a
:class:`~skl_softmax.SoftmaxRegression` that follows a
:class:`~sklearn.preprocessing.StandardScaler` in a
:class:`~sklearn.pipeline.Pipeline`, so the scaler is fitted on each training
fold only. The validation curve shows the usual picture: too small a ``C``
underfits (both scores low), too large a ``C`` overfits (the training score
keeps improving while the validation score falls back). Log-loss reacts more
sharply than accuracy, which is why it is used to choose.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skl_softmax import SoftmaxRegression

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

pipe = Pipeline(
    [("scale", StandardScaler()), ("clf", SoftmaxRegression(max_iter=1000))]
)
C_grid = np.logspace(-3, 2, 6)
search = GridSearchCV(
    pipe,
    {"clf__C": C_grid},
    scoring={"log-loss": "neg_log_loss", "accuracy": "accuracy"},
    refit="log-loss",
    cv=3,
    return_train_score=True,
)
search.fit(X_train, y_train)
print("best C:", search.best_params_["clf__C"])
best = search.best_estimator_
print(f"held-out accuracy {accuracy_score(y_test, best.predict(X_test)):.3f}")
print(f"held-out log-loss {log_loss(y_test, best.predict_proba(X_test)):.3f}")

# %%
# The validation curve
# --------------------
# Mean and standard deviation over the three folds, for both scores.
results = search.cv_results_
fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
for ax, metric, sign in [(axes[0], "log-loss", -1), (axes[1], "accuracy", 1)]:
    for split, style in [("train", "--"), ("test", "-")]:
        mean = sign * results[f"mean_{split}_{metric}"]
        std = results[f"std_{split}_{metric}"]
        label = "training folds" if split == "train" else "validation fold"
        ax.plot(C_grid, mean, style, marker="o", label=label)
        ax.fill_between(C_grid, mean - std, mean + std, alpha=0.2)
    ax.axvline(search.best_params_["clf__C"], color="grey", lw=1)
    ax.set(xscale="log", xlabel="C", ylabel=metric)
axes[0].set(title="Log-loss (lower is better)", yscale="log")
axes[1].set(title="Accuracy (higher is better)")
axes[0].legend()
plt.show()
