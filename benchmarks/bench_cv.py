"""Choosing C by cross-validation: the CV estimators against scikit-learn's searches.

Usage::

    python benchmarks/bench_cv.py [--quick] [--runs N] [--out DIR]
                                  [--cases NAME ...] [--no-grid-search] [--load N]

Two cases (issue 12), every competitor given the same folds and the same Cs:

- ``softmax``: case (a)'s data (n=200 000, d=200, K=10), ``Cs=10``, 5 stratified
  folds: ``SoftmaxRegressionCV`` against ``LogisticRegressionCV`` (goal ≤ 0.3×)
  and against ``GridSearchCV(SoftmaxRegression(), {"C": Cs}, cv=5)`` (goal ≤ 0.6×,
  the gain of the warm-started path). ``SoftmaxRegressionCV(n_jobs=1)`` fits
  the folds apart (each fold's path on its own rows), the default fits them
  together: both are reported.
- ``one_vs_rest``: case (f)'s multi-label data (n=100 000, d=200, 20 labels), 5
  folds: ``OneVsRestLogisticCV`` against
  ``OneVsRestClassifier(LogisticRegressionCV(scoring="neg_log_loss"))`` (goal ≤ 0.2×).

Competitors run alternated (A B C A B C …), one warm-up each in full mode, and
the medians are reported with their ratios. Every refitted model is scored with
the one float64 objective of ``bench_objective.py`` at the C it chose (in
``LogisticRegression``'s units), so that equal choices can be seen to reach the
same optimum. The total L-BFGS iterations of the folds' fits are reported for
the warm-started paths and for the cold starts of ``GridSearchCV`` (counted by
its scorer, which sees every fitted fold model). Every competitor runs with the
thread pools as they are (our fits set no limits, see ``_threads.py``).
``--quick`` runs tiny sizes, writes ``cv_quick.*`` and asserts nothing about
time; the full run writes ``cv.*``. ``--cases`` runs some cases only,
``--no-grid-search`` leaves ``GridSearchCV`` out (its cold starts take twice
the rest), and ``--load N`` runs N CPU burners (those of ``run.py``) beside the
timings, for the loaded machine of issue 15; the outputs are then
``cv_loaded.*``. With ``--cases`` their names end with the cases
(``cv_softmax.*``).
"""

import argparse
import contextlib
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from bench_data import dense_multiclass, dense_multilabel
from bench_objective import binary_objectives, multinomial_objective
from bench_report import environment
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import get_scorer
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier

from skl_softmax import OneVsRestLogisticCV, SoftmaxRegression, SoftmaxRegressionCV

HERE = Path(__file__).resolve().parent
SIZES = {
    "full": {
        "softmax": dict(n=200_000, d=200, k=10),
        "one_vs_rest": dict(n=100_000, d=200, k=20),
    },
    "quick": {
        "softmax": dict(n=4_000, d=20, k=10),
        "one_vs_rest": dict(n=3_000, d=20, k=20),
    },
}
N_CS = 10
N_FOLDS = 5
GOALS = {
    ("softmax", "LogisticRegressionCV"): 0.3,
    ("softmax", "GridSearchCV(SoftmaxRegression)"): 0.6,
    ("one_vs_rest", "OneVsRestClassifier(LogisticRegressionCV)"): 0.2,
}


class _IterationCountingScorer:
    """neg_log_loss, recording the iterations of every fold model it scores."""

    def __init__(self):
        self.iterations = []
        self._scorer = get_scorer("neg_log_loss")

    def __call__(self, estimator, X, y):
        self.iterations.append(int(np.sum(estimator.n_iter_)))
        return self._scorer(estimator, X, y)


def _softmax_competitors(folds, Cs):
    counting = _IterationCountingScorer()
    return {
        "SoftmaxRegressionCV": lambda: SoftmaxRegressionCV(Cs=Cs, cv=folds),
        "SoftmaxRegressionCV(n_jobs=1)": lambda: SoftmaxRegressionCV(
            Cs=Cs, cv=folds, n_jobs=1
        ),
        # For K ≥ 3 the same C means the same model.
        "LogisticRegressionCV": lambda: LogisticRegressionCV(
            Cs=Cs,
            cv=folds,
            scoring="neg_log_loss",
            use_legacy_attributes=False,
            l1_ratios=(0.0,),
        ),
        "GridSearchCV(SoftmaxRegression)": lambda: GridSearchCV(
            SoftmaxRegression(), {"C": Cs}, cv=folds, scoring=counting
        ),
    }, counting


def _one_vs_rest_competitors(folds, Cs):
    return {
        "OneVsRestLogisticCV": lambda: OneVsRestLogisticCV(Cs=Cs, cv=folds),
        "OneVsRestClassifier(LogisticRegressionCV)": lambda: OneVsRestClassifier(
            LogisticRegressionCV(
                Cs=Cs,
                cv=folds,
                scoring="neg_log_loss",
                use_legacy_attributes=False,
                l1_ratios=(0.0,),
            )
        ),
    }, None


def _chosen(name, model):
    """Chosen C (per label for one-vs-rest), W, b and the folds' iterations."""
    if name.startswith("GridSearchCV"):
        best = model.best_estimator_
        return best.C, best.coef_, best.intercept_, None
    if name.startswith("OneVsRestClassifier"):
        estimators = model.estimators_
        return (
            np.array([e.C_ for e in estimators]),
            np.vstack([e.coef_ for e in estimators]),
            np.concatenate([e.intercept_ for e in estimators]),
            int(sum(e.n_iter_.sum() for e in estimators)),
        )
    return model.C_, model.coef_, model.intercept_, int(model.n_iter_.sum())


def _objective(case, X, y, C, W, b):
    if case == "softmax":
        return multinomial_objective(X, y, W, b, C)
    return float(np.sum(binary_objectives(X, y, W, b, np.asarray(C))))


def run_case(case, size, runs, warmup, grid_search=True):
    if case == "softmax":
        X, y = dense_multiclass(size["n"], size["d"], size["k"], seed=0)
        folds = list(StratifiedKFold(N_FOLDS, shuffle=True, random_state=0).split(X, y))
        competitors, counting = _softmax_competitors(folds, np.logspace(-4, 4, N_CS))
        if not grid_search:
            del competitors["GridSearchCV(SoftmaxRegression)"]
    else:
        X, y = dense_multilabel(size["n"], size["d"], size["k"], seed=5)
        folds = list(KFold(N_FOLDS, shuffle=True, random_state=0).split(X))
        competitors, counting = _one_vs_rest_competitors(
            folds, np.logspace(-4, 4, N_CS)
        )
    times = {name: [] for name in competitors}
    fitted = {}
    warnings_seen = {name: 0 for name in competitors}
    for round_ in range(warmup + runs):
        for name, make in competitors.items():
            if counting is not None and name.startswith("GridSearchCV"):
                counting.iterations.clear()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                start = time.perf_counter()
                model = make().fit(X, y)
                seconds = time.perf_counter() - start
            warnings_seen[name] = sum(
                issubclass(w.category, ConvergenceWarning) for w in caught
            )
            if round_ >= warmup:
                times[name].append(seconds)
            fitted[name] = model
            print(f"  {case:12s} {name:45s} {seconds:9.2f} s", flush=True)
    rows = []
    ours_name = next(iter(competitors))
    ours_median = float(np.median(times[ours_name]))
    for name in competitors:
        C, W, b, folds_iterations = _chosen(name, fitted[name])
        if name == "GridSearchCV(SoftmaxRegression)":
            folds_iterations = int(sum(counting.iterations))
        # The shared objective takes LogisticRegression's C: for K ≥ 3 the same.
        objective = _objective(case, X, y, C, W, b)
        median = float(np.median(times[name]))
        rows.append(
            {
                "case": case,
                "competitor": name,
                "size": size,
                "times_s": times[name],
                "median_s": median,
                "ours_over_this": ours_median / median,
                "goal": GOALS.get((case, name)),
                "chosen_C": np.atleast_1d(C).tolist(),
                "objective_at_chosen_C": objective,
                "fold_iterations": folds_iterations,
                "convergence_warnings": warnings_seen[name],
            }
        )
    return rows


def markdown(rows, env):
    lines = [
        "# Choosing C by cross-validation: benchmark",
        "",
        f"{env['date_utc']}, commit {env['git']['commit']}, "
        f"{env['machine']['cpus_available']} CPUs, load average at start "
        f"{env['machine']['load_average_start']}, at the end "
        f"{env['load_average_end']}. Mode: {env['settings']['mode']}; "
        f"{env['settings']['burners']} CPU burners beside the timings.",
        "",
        "| case | competitor | median s | ours / this (goal) | chosen C | "
        "objective at chosen C | fold iterations | ConvergenceWarnings |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        goal = "" if row["goal"] is None else f" (≤ {row['goal']})"
        Cs = row["chosen_C"]
        chosen = f"{Cs[0]:.3g}" if len(Cs) == 1 else f"{len(set(Cs))} distinct"
        lines.append(
            f"| {row['case']} | {row['competitor']} | {row['median_s']:.2f} | "
            f"{row['ours_over_this']:.3f}{goal} | {chosen} | "
            f"{row['objective_at_chosen_C']:.10g} | {row['fold_iterations']} | "
            f"{row['convergence_warnings']} |"
        )
    lines += [
        "",
        "Fold iterations: total L-BFGS iterations of the folds' fits (not the "
        "refit): warm-started paths for the CV estimators, cold starts for "
        "GridSearchCV. Objective: the shared float64 objective of "
        "bench_objective.py at each competitor's chosen C (summed over labels "
        "for one-vs-rest).",
        "",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--cases", nargs="+", choices=sorted(SIZES["full"]))
    parser.add_argument("--no-grid-search", action="store_true")
    parser.add_argument("--load", type=int, default=0)
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    runs = args.runs or (2 if args.quick else 3)
    warmup = 0 if args.quick else 1
    env = environment(
        mode=mode, runs=runs, warmup=warmup, n_cs=N_CS, folds=N_FOLDS, burners=args.load
    )
    rows = []
    load = contextlib.nullcontext()
    if args.load:
        from run import burners

        load = burners(args.load, 6 * 3_600)
    with load:
        for case, size in SIZES[mode].items():
            if args.cases is None or case in args.cases:
                rows += run_case(case, size, runs, warmup, not args.no_grid_search)
    env["load_average_end"] = os.getloadavg()
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "cv_quick" if args.quick else "cv_loaded" if args.load else "cv"
    if args.cases:
        stem = "_".join([stem, *sorted(args.cases)])
    (args.out / f"{stem}.json").write_text(
        json.dumps({"environment": env, "rows": rows}, indent=2, default=str)
    )
    report = markdown(rows, env)
    (args.out / f"{stem}.md").write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
