"""
==============================================================
Two classes: the softmax is a sigmoid, and C becomes 2C
==============================================================

For two classes the softmax depends only on the difference of the two logits:
``softmax([z0, z1])[1] = sigmoid(z1 - z0)``. A two-class
:class:`~skl_softmax.SoftmaxRegression` is therefore a binary logistic
regression on ``w = w1 - w0``. Its penalty, though, still sees both rows:
``(|w0|² + |w1|²) / (2 C S)`` is smallest at ``w0 = -w1 = -w / 2``, where it
equals ``|w|² / (2 (2C) S)``. So ``SoftmaxRegression(C=C)`` has the optimum of
``LogisticRegression(C=2 * C)``, not of ``LogisticRegression(C=C)``. See
:ref:`mathematics` for the derivation.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from skl_softmax import SoftmaxRegression, sigmoid, softmax

# %%
# The identity
# ------------
# On a grid of logit pairs, the two-class softmax and the sigmoid of the
# difference agree to rounding.
rng = np.random.default_rng(0)
logits = rng.normal(scale=10.0, size=(1000, 2))
difference = softmax(logits)[:, 1] - sigmoid(logits[:, 1] - logits[:, 0])
print(f"largest difference: {np.abs(difference).max():.1e}")

# %%
# The factor of two in C
# ----------------------
# Fit on the (standardised) breast cancer data, tightly, and compare the
# coefficients with scikit-learn's at C and at 2C.
X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
C = 0.05
tight = {"tol": 1e-10, "max_iter": 10_000}
ours = SoftmaxRegression(C=C, **tight).fit(X, y)
same_C = LogisticRegression(C=C, **tight).fit(X, y)
double_C = LogisticRegression(C=2 * C, **tight).fit(X, y)
for name, reference in [
    ("LogisticRegression(C)", same_C),
    ("LogisticRegression(2C)", double_C),
]:
    gap = np.abs(ours.coef_ - reference.coef_).max()
    print(f"largest coefficient difference to {name:<22}: {gap:.1e}")

# %%
# Left: the sigmoid, which is the two-class softmax as a function of the logit
# difference, and its derivative ``σ(1 − σ)``, which is the Jacobian entry
# ``p₁(1 − p₁)``. Right: our coefficients against scikit-learn's; they lie on
# the diagonal only with ``2C``.
t = np.linspace(-8, 8, 401)
fig, (ax_sig, ax_coef) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
p = softmax(np.column_stack([np.zeros_like(t), t]))[:, 1]
ax_sig.plot(t, p, lw=4, alpha=0.4, label="softmax([0, t])[1]")
ax_sig.plot(t, sigmoid(t), "k--", label="sigmoid(t)")
ax_sig.plot(t, sigmoid(t) * (1 - sigmoid(t)), label="σ(t)(1 − σ(t)), the slope")
ax_sig.set(xlabel="logit difference t = z₁ − z₀", ylabel="probability of class 1")
ax_sig.legend(loc="upper left")

limit = np.abs(np.concatenate([ours.coef_, same_C.coef_, double_C.coef_])).max()
ax_coef.plot([-limit, limit], [-limit, limit], ":", color="grey")
ax_coef.scatter(ours.coef_, same_C.coef_, label=f"LogisticRegression(C={C:g})")
ax_coef.scatter(
    ours.coef_,
    double_C.coef_,
    marker="x",
    s=60,
    label=f"LogisticRegression(C={2 * C:g})",
)
ax_coef.set(
    xlabel=f"SoftmaxRegression(C={C:g}).coef_",
    ylabel="LogisticRegression coef_",
    title="Breast cancer, 30 coefficients",
)
ax_coef.legend(loc="upper left")
plt.show()
