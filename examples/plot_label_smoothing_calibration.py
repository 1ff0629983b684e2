"""
===========================================================
Soft labels, label smoothing and calibration
===========================================================

A model is *calibrated* when, among the predictions it makes with confidence
0.8, about 80 % are right. A reliability diagram plots the observed accuracy
against the predicted confidence; a calibrated model lies on the diagonal.

With a weak penalty and few training samples a softmax model separates its
training data and becomes over-confident. ``label_smoothing=ε`` trains
:class:`~skl_softmax.SoftmaxRegression` against soft targets
``(1 − ε) one_hot + ε / K`` instead of one-hot labels, which caps how confident
it can become (see :ref:`mathematics`). A little smoothing moves the curve
towards the diagonal; too much makes the model under-confident. Here the
top-label reliability diagram (confidence = largest predicted probability,
outcome = whether that class is right) is computed with
:func:`sklearn.calibration.calibration_curve` on held-out digits.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skl_softmax import SoftmaxRegression

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=300, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# Label smoothing is training on soft targets
# -------------------------------------------
# Soft targets can be passed directly as probability rows; ``label_smoothing``
# builds them from hard labels. The two fits reach the same model.
eps, n_classes = 0.03, 10
soft_targets = (1 - eps) * np.eye(n_classes)[y_train] + eps / n_classes
smoothed = SoftmaxRegression(C=1e4, label_smoothing=eps, max_iter=1000)
soft = SoftmaxRegression(C=1e4, max_iter=1000)
smoothed.fit(X_train, y_train)
soft.fit(X_train, soft_targets)
difference = np.abs(smoothed.predict_proba(X_test) - soft.predict_proba(X_test))
print(f"largest difference in probabilities: {difference.max():.1e}")

# %%
# Reliability diagrams
# --------------------
fig, (ax_curve, ax_hist) = plt.subplots(
    1, 2, figsize=(11, 4.5), layout="constrained", width_ratios=[1.3, 1]
)
ax_curve.plot([0, 1], [0, 1], ":", color="grey", label="perfectly calibrated")
for eps in [0.0, 0.03, 0.1]:
    model = SoftmaxRegression(C=1e4, label_smoothing=eps, max_iter=1000)
    proba = model.fit(X_train, y_train).predict_proba(X_test)
    confidence = proba.max(axis=1)
    correct = model.classes_[proba.argmax(axis=1)] == y_test
    accuracy, mean_confidence = calibration_curve(
        correct, confidence, n_bins=8, strategy="quantile"
    )
    label = f"ε = {eps:g}"
    print(
        f"{label:<9} accuracy {accuracy_score(y_test, model.predict(X_test)):.3f}  "
        f"mean confidence {confidence.mean():.3f}  "
        f"log-loss {log_loss(y_test, proba):.3f}"
    )
    ax_curve.plot(mean_confidence, accuracy, "o-", label=label)
    ax_hist.hist(confidence, bins=20, range=(0, 1), histtype="step", lw=2, label=label)
ax_curve.set(
    xlabel="mean predicted confidence (largest probability)",
    ylabel="fraction correct",
    title="Reliability diagram, held-out digits",
)
ax_curve.legend(loc="upper left")
ax_hist.set(
    xlabel="confidence", ylabel="test samples", yscale="log", title="Confidences"
)
ax_hist.legend(loc="upper left")
plt.show()

# %%
# Points below the diagonal are over-confident, points above it
# under-confident. Smoothing trades some accuracy and sharpness for honesty;
# choose ``ε`` (and ``C``) by log-loss on validation data, or recalibrate an
# existing model with :class:`~sklearn.calibration.CalibratedClassifierCV`.
