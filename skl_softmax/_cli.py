"""The command-line main job: SoftmaxRegression next to LogisticRegression.

``python -m skl_softmax`` (or ``skl-softmax``) fits both on the bundled digits
data, standardised, and prints held-out accuracy, log-loss, fit time and
iterations side by side.
"""

import argparse
import sys
import time

from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from ._softmax_regression import SoftmaxRegression


def _parser():
    parser = argparse.ArgumentParser(
        prog="skl-softmax",
        description=(
            "Fit SoftmaxRegression and scikit-learn's LogisticRegression on the "
            "bundled digits data and compare them on a held-out quarter."
        ),
    )
    parser.add_argument(
        "--C", type=float, default=1.0, help="inverse penalty strength (default 1.0)"
    )
    return parser


def _evaluate(model, X_train, X_test, y_train, y_test):
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return {
        "accuracy": accuracy_score(y_test, model.predict(X_test)),
        "log-loss": log_loss(y_test, model.predict_proba(X_test)),
        "fit seconds": seconds,
        "iterations": int(model.n_iter_[0]),
    }


def main(argv=None):
    """Run the comparison and print the table; return the exit status."""
    args = _parser().parse_args(argv)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    models = {
        "SoftmaxRegression": SoftmaxRegression(C=args.C),
        "LogisticRegression": LogisticRegression(C=args.C),
    }
    rows = {
        name: _evaluate(model, X_train, X_test, y_train, y_test)
        for name, model in models.items()
    }
    print(
        f"digits: {X.shape[0]} samples, {X.shape[1]} features, 10 classes, C={args.C}"
    )
    print(f"{'model':<20}{'accuracy':>10}{'log-loss':>10}{'fit s':>9}{'iter':>6}")
    for name, row in rows.items():
        print(
            f"{name:<20}{row['accuracy']:>10.4f}{row['log-loss']:>10.4f}"
            f"{row['fit seconds']:>9.3f}{row['iterations']:>6d}"
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
