"""
================================================
Multi-label: the precision–recall threshold
================================================

When a sample can carry several labels at once (topics of an article, tags of
a photo), each label needs its own sigmoid:
:class:`~skl_softmax.OneVsRestLogistic` fitted on a 0/1 indicator matrix
``Y`` of shape ``(n_samples, n_labels)`` does that, all labels in one solve.

``predict`` returns every label whose probability is at least ``threshold``
(0.5 by default, as :class:`~sklearn.multiclass.OneVsRestClassifier`). The
threshold trades precision for recall: lower it and more labels are predicted,
so fewer true labels are missed but more predicted ones are wrong. This example
sweeps it on held-out data and marks the threshold with the best F1 score.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_multilabel_classification
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skl_softmax import OneVsRestLogistic

X, Y = make_multilabel_classification(
    n_samples=1500, n_features=20, n_classes=6, n_labels=2, random_state=0
)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)
print("labels per sample in training:", np.bincount(Y_train.sum(axis=1)))

model = make_pipeline(StandardScaler(), OneVsRestLogistic(C=1.0)).fit(X_train, Y_train)
proba = model.predict_proba(X_test)  # one independent probability per label
print("first test sample, probabilities:", proba[0].round(2))
print("                   predicted:     ", model.predict(X_test)[0])
print("                   true:          ", Y_test[0])

# %%
# Sweeping the threshold
# ----------------------
# Micro-averaged scores pool every (sample, label) decision. Changing the
# threshold needs no refit: ``set_params(threshold=t)`` changes ``predict``
# only; here we threshold the probabilities directly, which is the same.
thresholds = np.linspace(0.05, 0.95, 37)
scores = {"precision": [], "recall": [], "F1": []}
for t in thresholds:
    Y_pred = (proba >= t).astype(int)
    scores["precision"].append(precision_score(Y_test, Y_pred, average="micro"))
    scores["recall"].append(recall_score(Y_test, Y_pred, average="micro"))
    scores["F1"].append(f1_score(Y_test, Y_pred, average="micro"))
best = thresholds[np.argmax(scores["F1"])]

default = model.predict(X_test)
assert np.array_equal(default, (proba >= 0.5).astype(int))
print(f"threshold 0.5:  micro F1 {f1_score(Y_test, default, average='micro'):.3f}")
print(f"threshold {best:.3f}: micro F1 {max(scores['F1']):.3f}")

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
for name, values in scores.items():
    ax.plot(thresholds, values, label=name, lw=2 if name == "F1" else 1.5)
ax.axvline(0.5, color="grey", ls=":", label="default threshold 0.5")
ax.axvline(best, color="k", ls="--", lw=1, label=f"best F1 at {best:.3f}")
ax.set(xlabel="threshold", ylabel="micro-averaged score", ylim=(0, 1.02))
ax.set_title("Held-out precision, recall and F1 against the threshold")
ax.legend(loc="lower center")
plt.show()

# %%
# The sweep here runs on the held-out quarter for illustration. In practice,
# choose the threshold on validation data (or by cross-validation) and report
# the scores on a separate test set; per-label thresholds (an array compared
# with ``predict_proba``) are a simple extension when labels differ in
# frequency or cost.
