"""
=====================================================
Choosing C by cross-validation, and one C per label
=====================================================

:class:`~skl_softmax.SoftmaxRegressionCV` fits, for every fold, the whole
grid of ``C`` as one path from the strongest penalty to the weakest, each fit
starting from the previous solution. Its ``scores_`` are the held-out
log-likelihoods (the negative log-loss) of every fold and ``C``: the
validation curve comes for free. The chosen ``C_`` maximises their mean.

:class:`~skl_softmax.OneVsRestLogisticCV` does the same for one-vs-rest and
multi-label models, but every label chooses its own ``C`` by its own held-out
binary log-loss: a label that depends on many features wants a weak penalty,
a label that is mostly noise a strong one.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skl_softmax import OneVsRestLogisticCV, SoftmaxRegressionCV

# %%
# Held-out log-loss against C, per fold
# -------------------------------------
#
# Digits, standardised. Each thin line is one fold's path; the thick line is
# their mean, and the dot the chosen ``C``.

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
Cs = np.logspace(-3, 1, 6)
search = SoftmaxRegressionCV(Cs=Cs, cv=4).fit(X, y)

fig, ax = plt.subplots(figsize=(6, 4))
for i, fold_scores in enumerate(search.scores_):
    ax.semilogx(search.Cs_, -fold_scores, color="0.6", lw=1, label="folds" * (i == 0))
mean_loss = -search.scores_.mean(axis=0)
ax.semilogx(search.Cs_, mean_loss, color="C0", lw=2.5, label="mean over folds")
best = list(search.Cs_).index(search.C_)
ax.plot(search.C_, mean_loss[best], "o", color="C3", ms=8, label=f"C_ = {search.C_:g}")
ax.set_xlabel("C")
ax.set_ylabel("held-out log-loss")
ax.set_title("SoftmaxRegressionCV on digits")
ax.legend()
fig.tight_layout()

# %%
# Along each fold's path every fit starts where the previous one stopped, so
# the iterations per fit stay low even where the penalty is weak:

print("iterations per C, mean over folds:", search.n_iter_.mean(axis=0).round(1))

# %%
# One C per label on a multi-label problem
# ----------------------------------------
#
# Four labels: label 0 depends on all twenty features, label 1 on two of them,
# label 2 on one, and label 3 on none (it is a coin flip). Each label's curve
# is its own held-out binary log-loss, and each picks its own ``C``.

rng = np.random.default_rng(0)
n_samples, n_features = 600, 20
X = rng.standard_normal((n_samples, n_features))
logits = np.column_stack(
    [
        X @ rng.normal(0, 0.6, n_features),
        2.0 * X[:, 0] - 2.0 * X[:, 1],
        1.5 * X[:, 2],
        np.zeros(n_samples),
    ]
)
Y = (rng.random(logits.shape) < 1 / (1 + np.exp(-logits))).astype(int)
per_label = OneVsRestLogisticCV(Cs=np.logspace(-3, 1, 9), cv=4).fit(X, Y)

fig, ax = plt.subplots(figsize=(6, 4))
names = ["20 features", "2 features", "1 feature", "noise"]
for k, name in enumerate(names):
    curve = -per_label.scores_[k].mean(axis=0)
    ax.semilogx(per_label.Cs_, curve, color=f"C{k}", label=name)
    chosen = list(per_label.Cs_).index(per_label.C_[k])
    ax.plot(per_label.C_[k], curve[chosen], "o", color=f"C{k}", ms=8)
ax.set_xlabel("C")
ax.set_ylabel("held-out binary log-loss (mean over folds)")
ax.set_title("OneVsRestLogisticCV: each label its own C")
ax.legend(title="label depends on")
fig.tight_layout()
print("C_ per label:", dict(zip(names, per_label.C_.round(4).tolist(), strict=True)))

plt.show()
