"""
===================================
Numerical stability of the softmax
===================================

The softmax :math:`p_k = e^{z_k} / \\sum_j e^{z_j}` written literally overflows
as soon as a logit passes about 709 (``exp`` is ``inf`` in float64), and the
quotient ``inf / inf`` is NaN. Subtracting the largest logit first changes
nothing mathematically (the softmax is shift invariant) but keeps every
exponent at most zero. Likewise ``log(softmax(z))`` returns ``-inf`` once a
probability underflows, while ``z - logsumexp(z)`` stays exact.

This example compares the naive and the stable formulas on two logits
``[t, 0]`` as ``t`` grows. See :ref:`mathematics` for the derivation.
"""

import matplotlib.pyplot as plt
import numpy as np

from skl_softmax import log_softmax, softmax


def naive_softmax(z):
    """The textbook formula, without the shift."""
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


# %%
# The worked numbers
# ------------------
# On moderate logits both formulas agree.
print(softmax([1.0, 2.0, 3.0]))
print(naive_softmax(np.array([1.0, 2.0, 3.0])))
print(softmax([-20.0, 10.0, 30.0]))

# %%
# Large logits: overflow
# ----------------------
# With ``t = 1000`` the naive formula computes ``inf / inf``.
with np.errstate(over="ignore", invalid="ignore"):
    print("naive :", naive_softmax(np.array([1000.0, 0.0])))
print("stable:", softmax([1000.0, 0.0]))

# %%
# Small probabilities: log of an underflow
# ----------------------------------------
# ``exp(-800)`` is below the smallest float64, so its log is ``-inf``.
with np.errstate(divide="ignore"):
    print("log(softmax):", np.log(softmax([-800.0, 0.0])))
print("log_softmax :", log_softmax([-800.0, 0.0]))

# %%
# Across a range of logits
# ------------------------
# Left: the probability of the larger logit, ``p = softmax([t, 0])[0]``, near
# the overflow point; the naive formula returns NaN (not plotted) from
# ``t ≈ 709.8``. Right: the log-probability of the smaller logit,
# ``log softmax([t, 0])[1] = -t - log(1 + e^{-t})``, computed through
# ``log(softmax)`` (falls to ``-inf`` near ``t ≈ 745``) and through
# ``log_softmax`` (exact).
t = np.linspace(0.0, 1000.0, 4001)
logits = np.column_stack([t, np.zeros_like(t)])
with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
    p_naive = naive_softmax(logits)[:, 0]
    log_p_via_softmax = np.log(softmax(logits)[:, 1])
p_stable = softmax(logits)[:, 0]
log_p_stable = log_softmax(logits)[:, 1]

fig, (ax_p, ax_log) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
near = t >= 650
ax_p.plot(t[near], p_stable[near], lw=4, alpha=0.4, label="stable: shift by max")
ax_p.plot(t[near], p_naive[near], "k--", label="naive: exp(z) / sum(exp(z))")
overflow = t[np.isnan(p_naive)].min()
ax_p.axvline(overflow, color="tab:red", lw=1)
ax_p.annotate(
    f"naive gives NaN\nfrom t = {overflow:.1f}",
    (overflow, 0.97),
    xytext=(10, 0),
    textcoords="offset points",
    color="tab:red",
)
ax_p.set(
    xlabel="t", ylabel="softmax([t, 0])[0]", ylim=(0.95, 1.01), title="Probability"
)
ax_p.legend(loc="lower left")

finite = np.isfinite(log_p_via_softmax)
ax_log.plot(t, log_p_stable, lw=4, alpha=0.4, label="log_softmax: z - logsumexp(z)")
ax_log.plot(t[finite], log_p_via_softmax[finite], "k--", label="log(softmax(z))")
underflow = t[~finite].min()
ax_log.axvline(underflow, color="tab:red", lw=1)
ax_log.annotate(
    f"-inf from t = {underflow:.1f}",
    (underflow, -300),
    xytext=(-10, 0),
    textcoords="offset points",
    ha="right",
    color="tab:red",
)
ax_log.set(
    xlabel="t", ylabel="log softmax([t, 0])[1]", title="Log-probability of the smaller"
)
ax_log.legend(loc="lower left")
plt.show()

# %%
# :func:`~skl_softmax.log_softmax` is exact across the whole range: it agrees
# with the closed form ``-t - log1p(exp(-t))`` to rounding, where
# ``log(softmax)`` has lost every digit.
closed_form = -t - np.log1p(np.exp(-t))
print("largest error of log_softmax  :", np.abs(log_p_stable - closed_form).max())
print("largest error of log(softmax) :", np.abs(log_p_via_softmax - closed_form).max())
