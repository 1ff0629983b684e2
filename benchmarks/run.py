"""Benchmark skl_softmax against scikit-learn: same answer? and faster?

Usage::

    python benchmarks/run.py [--quick] [--case NAME ...] [--runs N] [--out DIR]

Every case runs all its competitors in this one process, alternated (A B C A B C
…): one warm-up each, then ``--runs`` counted runs (5 by default, 2 with
``--quick``), and reports medians. Every solution is scored by the one float64
objective of ``bench_objective.py``. Peak memory of each fit above its data is
measured afterwards in a child process with ``tracemalloc``. See README.md.
"""

import argparse
import contextlib
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path
from unittest import mock

import numpy as np
from bench_cases import SAME_OBJECTIVE, build_cases, select
from bench_objective import (
    binary_objective,
    multinomial_objective,
    one_hot,
    one_vs_rest_objective,
)
from bench_report import environment, write_reports
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

HERE = Path(__file__).resolve().parent
# Rows on which the two models' predict_proba are compared.
PROBA_ROWS = 200_000
# Rows of the warm-up fit the memory worker runs before measuring, so that lazy
# imports and first-call caches are not counted as the fit's memory.
MEMORY_WARMUP_ROWS = 1_000
# Limits of the search for the iterations scikit-learn needs in (g): wall-clock
# seconds and iterations. When it does not get there, it is timed at the most
# iterations tried, and its true time to our objective is longer still.
TARGET_SEARCH_SECONDS = {"full": 600.0, "quick": 3.0}
TARGET_MAX_ITER = {"full": 3_200, "quick": 400}


# -- scoring -----------------------------------------------------------------------


def coef_intercept(estimator):
    """``W`` (n_outputs, d) and ``b`` of a linear model or a OneVsRestClassifier."""
    if hasattr(estimator, "estimators_"):
        fits = estimator.estimators_
        W = np.vstack([np.asarray(e.coef_).reshape(1, -1) for e in fits])
        b = np.concatenate([np.ravel(e.intercept_) for e in fits])
        return W, b
    return np.asarray(estimator.coef_), np.ravel(estimator.intercept_)


def iterations(estimator):
    """``n_iter_`` as an array: one entry per fit (per label for one-vs-rest)."""
    if hasattr(estimator, "estimators_"):
        return np.array([np.max(e.n_iter_) for e in estimator.estimators_])
    return np.atleast_1d(np.asarray(estimator.n_iter_))


def score(kind, estimator, problem):
    """The shared float64 objective at the estimator's solution."""
    W, b = coef_intercept(estimator)
    X, targets, C = problem["X64"], problem["targets"], problem["C"]
    if kind in ("multinomial", "predict"):
        if W.shape[0] == 1:
            raise ValueError("multinomial scoring needs one row of W per class")
        return multinomial_objective(X, targets, W, b, C)
    if kind == "binary":
        return binary_objective(X, targets, W, b, C)
    if kind == "ovr":
        return one_vs_rest_objective(X, one_hot(targets, W.shape[0]), W, b, C)
    if kind == "multilabel":
        return one_vs_rest_objective(X, targets, W, b, C)
    raise ValueError(f"unknown kind {kind!r}")


def relative_gap(value, reference):
    return (value - reference) / abs(reference)


# -- running one competitor once -----------------------------------------------------


def execute(competitor, problem):
    """Run the competitor once.

    Returns the fitted estimator (or the probabilities), the seconds taken and the
    number of ConvergenceWarnings raised.
    """
    X = problem[competitor.data]
    # Our fits no longer limit any thread pool (see skl_softmax/_threads.py), so
    # "same threads" is scikit-learn with its pools as they are, like ours.
    limit = contextlib.nullcontext
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if competitor.op == "fit":
            estimator = competitor.make()
            start = time.perf_counter()
            with limit():
                estimator.fit(X, problem["y"])
            seconds = time.perf_counter() - start
            result = estimator
        else:
            estimator = problem["models"][competitor.make]
            start = time.perf_counter()
            with limit():
                result = estimator.predict_proba(X)
            seconds = time.perf_counter() - start
    n_convergence = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    for w in caught:
        if not issubclass(w.category, ConvergenceWarning):
            name = w.category.__name__
            print(f"    warning ({competitor.label}): {name}: {w.message}")
    return result, seconds, n_convergence


@contextlib.contextmanager
def counting_evaluations():
    """Count the objective evaluations of our fits (one pass over X each)."""
    from skl_softmax import _loss

    counts = []
    base = getattr(_loss, "_LinearObjective", None)
    if base is None or not hasattr(base, "_pass"):
        yield None  # the package's internals changed: evaluations not counted
        return
    original = base._pass

    def counted(self, *args, **kwargs):
        counts.append(1)
        return original(self, *args, **kwargs)

    with mock.patch.object(base, "_pass", counted):
        yield counts


# -- the special measurements of (a), (a32) and (g) ------------------------------------


def blas_floor(X, n_outputs, repeats=5):
    """Median time of the two products ``X Wᵀ`` and ``Rᵀ X`` alone, with NumPy."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((n_outputs, X.shape[1])).astype(X.dtype)
    R = rng.standard_normal((X.shape[0], n_outputs)).astype(X.dtype)
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        Z = X @ W.T
        G = R.T @ X
        times.append(time.perf_counter() - start)
        del Z, G
    return float(np.median(times[1:]))


def objective_call_time(problem, n_classes, repeats=5):
    """Median time of one call of our objective and gradient, at small parameters."""
    from skl_softmax._loss import MultinomialLoss

    X, y = problem["X"], problem["y"]
    loss = MultinomialLoss(X, y, np.ones(X.shape[0]), 1.0, n_classes, True)
    params = np.random.default_rng(0).normal(0.0, 0.01, loss.n_params)
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        loss(params)
        times.append(time.perf_counter() - start)
    return float(np.median(times[1:]))


def iterations_to_reach(problem, kind, target, budget, max_iter):
    """The fewest L-BFGS iterations after which LogisticRegression's objective ≤ target.

    L-BFGS-B is deterministic and ``max_iter`` only truncates its path, so the
    objective after ``m`` iterations is non-increasing in ``m``: double ``m``
    until the target is reached, then bisect to 2 %. ``tol=0`` so that only
    ``max_iter`` stops it. Returns ``(m, m, objective)``, or ``(None, m, best
    objective)`` when the budget or ``max_iter`` runs out, or scikit-learn stops
    (line search) before the target; ``m`` is then the most iterations tried.
    """
    started = time.perf_counter()

    def objective_after(m):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = LogisticRegression(tol=0.0, max_iter=m).fit(
                problem["X"], problem["y"]
            )
        return score(kind, model, problem), int(iterations(model).max())

    low, high, best = 0, 100, np.inf
    while True:
        value, done = objective_after(high)
        best = min(best, value)
        if value <= target:
            break
        out_of_time = time.perf_counter() - started > budget
        if done < high or out_of_time or 2 * high > max_iter:
            return None, high, best
        low, high = high, 2 * high
    high_value = value
    while high - low > max(1, 0.02 * high) and time.perf_counter() - started < budget:
        middle = (low + high) // 2
        value, _ = objective_after(middle)
        if value <= target:
            high, high_value = middle, value
        else:
            low = middle
    return high, high, high_value


# -- one case ------------------------------------------------------------------------


def unavailable(case):
    if not case.needs:
        return None
    try:
        import skl_softmax

        getattr(skl_softmax, case.needs)
    except (ImportError, AttributeError) as error:
        return f"not available: skl_softmax.{case.needs} ({error})"
    return None


def run_case(case, *, runs, warmup, mode):
    """Time, score and compare the competitors of one case; return its result row."""
    row = {
        "case": case.name,
        "title": case.title,
        "settings": case.settings,
        "goal": case.goal,
        "status": "ok",
        "notes": [],
    }
    missing = unavailable(case)
    if missing:
        row["status"] = missing
        return row, {}

    started = time.perf_counter()
    problem = case.load()
    row["load_seconds"] = time.perf_counter() - started
    competitors = list(case.competitors)
    if case.name == "g":
        competitors.append(_target_competitor(case, problem, row, mode))

    times = {c.label: [] for c in competitors}
    warned = dict.fromkeys(times, 0)
    results = {}
    n_evaluations = None
    for run in range(warmup + runs):
        for competitor in competitors:
            count = (
                run == 0
                and competitor.role == "ours"
                and competitor.op == "fit"
                and case.kind == "multinomial"
            )
            with counting_evaluations() if count else contextlib.nullcontext() as calls:
                result, seconds, n_warn = execute(competitor, problem)
            if count and calls is not None:
                n_evaluations = len(calls)
            results[competitor.label] = result
            warned[competitor.label] += n_warn
            if run >= warmup:
                times[competitor.label].append(seconds)

    medians = {label: float(np.median(values)) for label, values in times.items()}
    row["times"] = times
    row["median"] = medians
    row["converged"] = {label: warned[label] == 0 for label in times}
    ours = medians["ours"]
    row["ratio_default"] = ours / medians["sklearn"]
    row["ratio_same_threads"] = (
        ours / medians["sklearn same threads"]
        if "sklearn same threads" in medians
        else float("nan")
    )
    row["converged_ours"] = row["converged"]["ours"]

    if case.kind == "predict":
        models = problem["models"]
        _compare(row, case, problem, models["ours"], models["sklearn"])
        P_ours, P_sklearn = results["ours"], results["sklearn"]
        row["max_dproba"] = float(np.max(np.abs(P_ours - P_sklearn)))
    else:
        _compare(row, case, problem, results["ours"], results["sklearn"])
        rows = slice(0, PROBA_ROWS)
        P_ours = results["ours"].predict_proba(problem["X"][rows])
        sklearn_X = problem[case.competitors[1].data]
        P_sklearn = results["sklearn"].predict_proba(sklearn_X[rows])
        row["max_dproba"] = float(np.max(np.abs(P_ours - P_sklearn)))

    if case.name.startswith("a-"):
        _blas_floor(row, problem, ours, n_evaluations)
    if case.name == "a32-default":
        _float64_same_tol_note(row, problem)
    if case.name == "a32-tol1e-8":
        _float32_stall_note(row, problem)
    if case.name == "g":
        row["ratio_target"] = ours / medians["sklearn to our objective"]
        row["gap_to_optimum"] = relative_gap(row["objective_ours"], row["optimum"])
        row["sklearn_gap_to_optimum"] = relative_gap(
            row["objective_sklearn"], row["optimum"]
        )
        row["notes"].append(
            f"optimum {row['optimum']:.12g} (best of tight fits); gap to it: ours "
            f"{row['gap_to_optimum']:.2e}, sklearn default "
            f"{row['sklearn_gap_to_optimum']:.2e}"
        )
    row["seconds"] = time.perf_counter() - started
    return row, results


def _compare(row, case, problem, ours, sklearn_estimator):
    row["objective_ours"] = score(case.kind, ours, problem)
    row["objective_sklearn"] = score(case.kind, sklearn_estimator, problem)
    row["gap"] = relative_gap(row["objective_ours"], row["objective_sklearn"])
    n_ours, n_sklearn = iterations(ours), iterations(sklearn_estimator)
    row["n_iter_ours"] = n_ours.tolist()
    row["n_iter_sklearn"] = n_sklearn.tolist()
    row["n_iter_ok"] = bool(
        n_ours.shape == n_sklearn.shape and np.all(np.abs(n_ours - n_sklearn) <= 2)
    )


def _blas_floor(row, problem, fit_seconds, n_evaluations):
    X = problem["X"]
    n_classes = int(np.max(problem["y"])) + 1
    floor = blas_floor(X, n_classes)
    try:
        call = objective_call_time(problem, n_classes)
    except (ImportError, TypeError) as error:  # the package's internals changed
        print(f"    objective call not timed: {error}")
        call = float("nan")
    row["blas_floor_seconds"] = floor
    row["objective_call_seconds"] = call
    row["n_evaluations"] = n_evaluations
    row["fit_seconds_per_evaluation"] = (
        fit_seconds / n_evaluations if n_evaluations else float("nan")
    )
    row["floor_ratio_call"] = call / floor
    row["floor_ratio_fit"] = row["fit_seconds_per_evaluation"] / floor


def _float64_same_tol_note(row, problem):
    """Where scikit-learn's float64 fit at the default tol ends, for scale.

    At the default tol both float32 fits stop early on a path that float32
    rounding perturbs; the float64 fit on the same values shows how large a gap
    that rounding alone makes.
    """
    model = LogisticRegression().fit(problem["X64"], problem["y"])
    gap = relative_gap(score("multinomial", model, problem), row["objective_sklearn"])
    row["sklearn_float64_gap"] = gap
    row["notes"].append(
        f"sklearn float64 at the same tol: {int(iterations(model).max())} iterations, "
        f"gap {gap:.2e} to sklearn float32 (the gap float32 rounding alone makes)"
    )


def _float32_stall_note(row, problem):
    """What scikit-learn's own float32 fit reaches at tol=1e-8 (it stops early)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = LogisticRegression(tol=1e-8, max_iter=1000).fit(
            problem["X"], problem["y"]
        )
    gap = relative_gap(score("multinomial", model, problem), row["objective_sklearn"])
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    row["sklearn_float32_gap"] = gap
    row["notes"].append(
        f"sklearn float32 at tol=1e-8: {int(iterations(model).max())} iterations, gap "
        f"{gap:.2e} to the float64 optimum, "
        + ("no ConvergenceWarning" if converged else "ConvergenceWarning")
    )


def _target_competitor(case, problem, row, mode):
    """(g): scikit-learn with just the iterations it needs to reach our objective."""
    from bench_cases import Competitor

    from skl_softmax import SoftmaxRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = SoftmaxRegression().fit(problem["X"], problem["y"])
        tight = SoftmaxRegression(tol=1e-10, max_iter=10_000).fit(
            problem["X"], problem["y"]
        )
    target_value = score(case.kind, ours, problem)
    target = target_value + SAME_OBJECTIVE * abs(target_value)
    started = time.perf_counter()
    reached_at, m, reached = iterations_to_reach(
        problem, case.kind, target, TARGET_SEARCH_SECONDS[mode], TARGET_MAX_ITER[mode]
    )
    row["optimum"] = min(score(case.kind, tight, problem), reached)
    row["target_search_seconds"] = time.perf_counter() - started
    row["target_reached"] = reached_at is not None
    if reached_at is None:
        row["notes"].append(
            f"sklearn did not reach our objective within max_iter={m} (best gap "
            f"{relative_gap(reached, target_value):.2e}); timed at max_iter={m}: its "
            "true time to our objective is longer, the ratio an upper bound"
        )
    else:
        row["notes"].append(
            f"sklearn reaches our objective (within 1e-8) after max_iter={m}"
        )
    row["target_max_iter"] = m
    return Competitor(
        "sklearn to our objective",
        "sklearn_to_objective",
        lambda: LogisticRegression(tol=0.0, max_iter=m),
    )


# -- memory, in a child process -------------------------------------------------------


def measure_memory(cases):
    """Peak traced allocations of each fit above what existed before it, in bytes."""
    peaks = {}
    for case in cases:
        if unavailable(case):
            continue
        peaks[case.name] = {}
        try:
            _measure_case_memory(case, peaks[case.name])
        except Exception as error:  # e.g. MemoryError: the other cases still count
            print(f"memory of {case.name} not measured: {error!r}", file=sys.stderr)
        finally:
            tracemalloc.stop()
            gc.collect()
        print(f"memory measured: {case.name}", file=sys.stderr, flush=True)
    return peaks


def _measure_case_memory(case, peaks):
    problem = case.load()
    tracemalloc.start()
    for competitor in case.competitors:
        if competitor.role not in ("ours", "sklearn"):
            continue
        _memory_warmup(competitor, problem)
        gc.collect()
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = execute(competitor, problem)[0]
        peaks[competitor.label] = tracemalloc.get_traced_memory()[1] - before
        del result
        gc.collect()


def _memory_warmup(competitor, problem):
    rows = slice(0, MEMORY_WARMUP_ROWS)
    small = dict(problem, y=problem["y"][rows])
    for key in ("X", "X64"):
        small[key] = problem[key][rows]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            execute(competitor, small)
        except ValueError:
            pass  # a slice missing a class: the imports are done all the same


def memory_in_child(case_names, mode, scale):
    command = [
        sys.executable,
        str(HERE / "run.py"),
        "--memory-worker",
        "--scale",
        str(scale),
        *(["--quick"] if mode == "quick" else []),
        "--case",
        *case_names,
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=HERE
    )
    if completed.returncode != 0:
        print(completed.stderr, file=sys.stderr)
        raise RuntimeError("the memory worker failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# -- main -----------------------------------------------------------------------------


def evaluate_goals(case, row):
    met, missed, unknown = [], [], []
    for text, check, key, _ in case.checks:
        outcome = check(row)
        if outcome is None:
            unknown.append(text)
        elif outcome:
            met.append(text)
        else:
            value = row.get(key)
            shown = f"{value:.3g}" if isinstance(value, float) else str(value)
            missed.append(f"{text} (got {shown})")
    row["goal_missed"] = missed
    row["goal_limits"] = {
        key: limit for _, _, key, limit in case.checks if key.startswith("ratio_")
    }
    row["goal_unmeasured"] = unknown
    if not case.checks:
        row["goal_met"] = "—"
    elif missed:
        row["goal_met"] = "missed"
    elif unknown:
        row["goal_met"] = "unmeasured"
    else:
        row["goal_met"] = "met"
    gap = row.get("gap", np.nan)
    if gap > SAME_OBJECTIVE:
        row["verdict"] = "not claimed: objective worse"
    elif row.get("ratio_default", np.nan) < 1:
        row["verdict"] = "faster"
    else:
        row["verdict"] = "slower"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a smoke run")
    parser.add_argument("--case", nargs="+", default=[], help="case names or groups")
    parser.add_argument("--runs", type=int, default=None, help="counted runs")
    parser.add_argument("--warmup", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help="output directory")
    parser.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--no-memory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--memory-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs is None:
        args.runs = 2 if args.quick else 5
    return args


def main(argv=None):
    args = parse_args(argv)
    mode = "quick" if args.quick else "full"
    cases = select(build_cases(mode, args.scale), args.case)
    if args.memory_worker:
        print(json.dumps(measure_memory(cases)))
        return 0

    out = args.out
    if out is None:
        out = (
            Path(tempfile.mkdtemp(prefix="skl_softmax_bench_"))
            if args.quick
            else HERE / "results"
        )
    out.mkdir(parents=True, exist_ok=True)
    env = environment(mode=mode, scale=args.scale, runs=args.runs, warmup=args.warmup)
    print(
        f"skl_softmax benchmark ({mode}, scale {args.scale:g}, {args.warmup} warm-up "
        f"+ {args.runs} runs), {env['machine']['cpu_model']}, "
        f"{env['machine']['cpus_available']} CPUs"
    )
    started = time.perf_counter()
    rows, failed = [], False
    for case in cases:
        print(f"[{time.perf_counter() - started:7.1f} s] {case.name}: {case.settings}")
        try:
            row, _ = run_case(case, runs=args.runs, warmup=args.warmup, mode=mode)
        except Exception as error:  # report and go on; the exit status says it
            failed = True
            row = {
                "case": case.name,
                "title": case.title,
                "settings": case.settings,
                "goal": case.goal,
                "status": f"error: {type(error).__name__}: {error}",
                "notes": [],
            }
            import traceback

            traceback.print_exc()
        rows.append(row)
        _print_row(row)

    measured = [row["case"] for row in rows if row["status"] == "ok"]
    if measured and not args.no_memory:
        print(f"[{time.perf_counter() - started:7.1f} s] memory (child process)")
        try:
            peaks = memory_in_child(measured, mode, args.scale)
        except Exception as error:
            failed = True
            print(f"memory measurement failed: {error}")
            peaks = {}
        for row in rows:
            case_peaks = peaks.get(row["case"], {})
            row["memory_ours"] = case_peaks.get("ours")
            row["memory_sklearn"] = case_peaks.get("sklearn")
            if row["memory_ours"] is not None and row["memory_sklearn"]:
                row["memory_ratio"] = row["memory_ours"] / row["memory_sklearn"]
    for case, row in zip(cases, rows, strict=True):
        if row["status"] == "ok":
            evaluate_goals(case, row)
    env["total_seconds"] = time.perf_counter() - started
    env["load_average_end"] = os.getloadavg()
    paths = write_reports(rows, env, out)
    print(f"[{env['total_seconds']:7.1f} s] done; wrote " + ", ".join(map(str, paths)))
    return 1 if failed else 0


def _print_row(row):
    if row["status"] != "ok":
        print(f"    {row['status']}")
        return
    medians = ", ".join(f"{k} {v:.3g} s" for k, v in row["median"].items())
    print(
        f"    {medians}; ratio {row['ratio_default']:.2f} "
        f"(same threads {row['ratio_same_threads']:.2f}); n_iter "
        f"{max(row['n_iter_ours'])}/{max(row['n_iter_sklearn'])}; gap "
        f"{row['gap']:.2e}; max|Δproba| {row['max_dproba']:.1e}; "
        f"{row['seconds']:.1f} s"
    )
    if "blas_floor_seconds" in row:
        print(
            f"    BLAS floor {row['blas_floor_seconds'] * 1e3:.2f} ms/evaluation; ours "
            f"{row['objective_call_seconds'] * 1e3:.2f} ms per call "
            f"({row['floor_ratio_call']:.2f}× floor), "
            f"{row['fit_seconds_per_evaluation'] * 1e3:.2f} ms per evaluation in fit "
            f"({row['floor_ratio_fit']:.2f}×, {row['n_evaluations']} evaluations)"
        )
    for note in row["notes"]:
        print(f"    {note}")


if __name__ == "__main__":
    sys.exit(main())
