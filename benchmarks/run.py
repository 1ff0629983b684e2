"""Benchmark skl_softmax against scikit-learn: same answer? and faster?

Usage::

    python benchmarks/run.py [--quick] [--case NAME ...] [--runs N] [--load N]
                             [--out DIR]

Every case runs all its competitors in this one process, alternated (A B C A B C
…): one warm-up each, then ``--runs`` counted runs (5 by default, 2 with
``--quick``), and reports medians. Every solution is scored by the one float64
objective of ``bench_objective.py``. Cases that list scikit-learn solvers first
race each of them to our objective (``race_solver``); the fastest to get there is
then timed with the others. With ``--load N`` (default: one per available CPU)
each case is timed once more with N CPU-burning processes beside it, its own
column. Peak memory of each fit above its data is measured afterwards in a child
process with ``tracemalloc``. See README.md.
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
from bench_cases import SAME_OBJECTIVE, Competitor, build_cases, select
from bench_objective import (
    binary_objective,
    multinomial_objective,
    one_hot,
    one_vs_rest_objective,
)
from bench_report import environment, read_run, update_readme, write_reports
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from threadpoolctl import ThreadpoolController

HERE = Path(__file__).resolve().parent
# Rows on which the two models' predict_proba are compared.
PROBA_ROWS = 200_000
# Rows of the warm-up fit the memory worker runs before measuring, so that lazy
# imports and first-call caches are not counted as the fit's memory.
MEMORY_WARMUP_ROWS = 1_000
# Limits of the search for the iterations scikit-learn needs in (g): wall-clock
# seconds and iterations. When it does not get there, it is timed at the most
# iterations tried, and its true time to our objective is longer still.
TARGET_MAX_ITER = {"full": 3_200, "quick": 400}

# The race of every scikit-learn solver to our objective (see race_solver).
# A solver "did not reach" when one fit of it takes longer than the cap without
# getting there: RACE_CAP_OVER_OURS times our own fit time, within
# [RACE_CAP_MIN, RACE_CAP_MAX] seconds. A solver that slow is at least that many
# times slower than ours, which is all the table needs to say about it.
RACE_CAP_OVER_OURS = 10.0
RACE_CAP_MIN = {"full": 5.0, "quick": 0.2}
RACE_CAP_MAX = {"full": 40.0, "quick": 1.0}
RACE_MAX_ITER = {"full": 20_000, "quick": 2_000}
# Bisection stops when the bracket is within this fraction of max_iter: the
# time reported for a solver exceeds its true time to the objective by at most
# about this much (a bias against scikit-learn of ≤ 5 %).
RACE_PRECISION = 0.05
# First max_iter tried: about what each solver needs on an easy problem.
RACE_START = {"lbfgs": 8, "newton-cg": 2, "newton-cholesky": 2, "sag": 4, "saga": 4}
# newton-cholesky builds the dense Hessian, about n·P² multiply-adds per
# iteration for P parameters; beyond this it is not run (on 2 cores one
# iteration would take minutes, and its P² memory may not fit). Nor on sparse
# X with more parameters than this: its Hessian products there took 20 s for
# 4 000 parameters on 2 000 rows (measured on the quick case).
NEWTON_CHOLESKY_MAX_WORK = 2e10
NEWTON_CHOLESKY_MAX_SPARSE_PARAMS = 1_000

# The counted rounds of a case (every competitor once) are cut to fit this many
# seconds, down to MIN_RUNS (see time_competitors).
ROUND_BUDGET = {"full": 150.0, "quick": np.inf}
MIN_RUNS = 3
# Cases timed more often than this (small fits) skip the garbage collection
# and the settling pause before each run.
MANY_RUNS = 20
# Seconds each run of the other cases (and each fit of the race) waits first.
# OpenBLAS's idle workers busy-wait for about 0.1 s after their last product
# (the CPU time of NumPy's and SciPy's pool workers right after a
# LogisticRegression fit on digits: 110 and 100 ms, /proc/self/task), so a run
# started at once shares the cores with the previous competitor's spinning
# threads and pays for them: on digits, our fit took 47 ms right after lbfgs
# and 60 ms right after newton-cg against 25.5 ms after a pause, and newton-cg
# 65.5 ms right after ours against 31 ms (medians of 12, /tmp script,
# 2026-12-03). Waiting longer than the spin times each run from the same idle
# state. The loaded column measures running beside other work. A --quick run,
# whose times are a smoke test's, does not wait: with the pauses every case
# took 114 s in CI, without them 36 s (quiet machine, 2026-12-03).
SETTLE_SECONDS = {"full": 0.2, "quick": 0.0}
# Loaded mode: counted runs (after one warm-up) and the longest a burner lives.
LOADED_RUNS = {"full": 2, "quick": 1}
BURNER_SECONDS = {"full": 1_800, "quick": 120}
# A CPU-burning process: pure-Python arithmetic until its deadline or until its
# parent is gone (so that none outlives a killed benchmark).
BURNER = (
    "import os, sys, time\n"
    "end = time.monotonic() + float(sys.argv[1])\n"
    "parent = int(sys.argv[2])\n"
    "x = 0.0\n"
    "while time.monotonic() < end and os.getppid() == parent:\n"
    "    for _ in range(100_000):\n"
    "        x = x * 0.5 + 1.0\n"
)


@contextlib.contextmanager
def limit_scipy_blas():
    """SciPy's private OpenBLAS pool on one thread ("same threads" competitors).

    What the package's solver did before its thread model changed: NumPy's and
    SciPy's wheels each bundle an OpenBLAS, whose busy-waiting threads fight
    when NumPy's products and SciPy's L-BFGS-B alternate. Process-wide, which
    is fine in the benchmark (nothing else runs).
    """
    controller = ThreadpoolController()
    scipy_pools = [
        lib
        for lib in controller.lib_controllers
        if lib.user_api == "blas"
        and "scipy" in os.path.basename(os.path.dirname(lib.filepath))
        and "numpy" not in lib.filepath
    ]
    original = [lib.num_threads for lib in scipy_pools]
    for lib in scipy_pools:
        lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, threads in zip(scipy_pools, original, strict=True):
            lib.set_num_threads(threads)


@contextlib.contextmanager
def burners(n, seconds):
    """``n`` CPU-burning processes for at most ``seconds``, always ended."""
    processes = []
    try:
        for _ in range(n):
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-c", BURNER, str(seconds), str(os.getpid())]
                )
            )
        time.sleep(0.2)  # let them start before anything is timed
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# -- scoring -----------------------------------------------------------------------


def coef_intercept(estimator):
    """``W`` (n_outputs, d) and ``b`` of a linear model or a OneVsRestClassifier."""
    estimator = getattr(estimator, "best_estimator_", estimator)
    if hasattr(estimator, "estimators_"):
        fits = estimator.estimators_
        W = np.vstack([np.asarray(e.coef_).reshape(1, -1) for e in fits])
        b = np.concatenate([np.ravel(e.intercept_) for e in fits])
        return W, b
    return np.asarray(estimator.coef_), np.ravel(estimator.intercept_)


def iterations(estimator):
    """``n_iter_`` as an array: one entry per fit (per label for one-vs-rest)."""
    estimator = getattr(estimator, "best_estimator_", estimator)
    if hasattr(estimator, "estimators_"):
        return np.array([np.max(e.n_iter_) for e in estimator.estimators_])
    return np.atleast_1d(np.asarray(estimator.n_iter_))


def score(kind, estimator, problem):
    """The shared float64 objective at the estimator's solution."""
    W, b = coef_intercept(estimator)
    X, targets, C = problem["X64"], problem["targets"], problem["C"]
    # A grid search is scored at the C it chose.
    C = getattr(estimator, "best_params_", {}).get("C", C)
    if kind in ("multinomial", "predict", "grid"):
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


def execute(competitor, problem, collect=True, settle=SETTLE_SECONDS["full"]):
    """Run the competitor once.

    Returns the fitted estimator (or the probabilities), the seconds taken and the
    number of ConvergenceWarnings raised. ``collect``: run the garbage collector
    first (not between the hundreds of runs of a small case, where it would cost
    more than the runs themselves) and wait ``settle`` seconds.
    """
    X = problem[competitor.data]
    limit = limit_scipy_blas if competitor.same_threads else contextlib.nullcontext
    if collect:
        gc.collect()
        time.sleep(settle)
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
    name = next((n for n in ("_pass", "sums") if hasattr(base, n)), None)
    if name is None:
        yield None  # the package's internals changed: evaluations not counted
        return
    original = getattr(base, name)

    def counted(self, *args, **kwargs):
        counts.append(1)
        return original(self, *args, **kwargs)

    with mock.patch.object(base, name, counted):
        yield counts


# -- the special measurements of (a), (a32) and (g) ------------------------------------


def blas_floor(X, n_outputs, repeats=5):
    """Median time of the two products ``X Wᵀ`` and ``Rᵀ X`` alone, with NumPy."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((n_outputs, X.shape[1])).astype(X.dtype)
    R = rng.standard_normal((X.shape[0], n_outputs)).astype(X.dtype)
    if n_outputs == 1:  # matrix-vector products, as the binary fits run them
        W, R = W[0], R[:, 0]
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        Z = X @ W.T
        G = R.T @ X
        times.append(time.perf_counter() - start)
        del Z, G
    return float(np.median(times[1:]))


def objective_call_time(problem, n_outputs, repeats=5):
    """Median time of one call of our objective and gradient, at small parameters.

    ``n_outputs`` 1: the binary loss of the labels ``y == 1``.
    """
    from skl_softmax._loss import BinomialLoss, MultinomialLoss

    X, y = problem["X"], problem["y"]
    rng = np.random.default_rng(0)
    if n_outputs == 1:
        loss = BinomialLoss(X, (y == 1)[:, None], np.ones(X.shape[0]), 1.0, True)
        W, b = rng.normal(0.0, 0.01, (1, X.shape[1])), np.zeros(1)

        def call():
            loss.evaluate(W, b)
    else:
        loss = MultinomialLoss(X, y, np.ones(X.shape[0]), 1.0, n_outputs, True)
        params = rng.normal(0.0, 0.01, loss.n_params)

        def call():
            loss(params)

    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.median(times[1:]))


# -- every scikit-learn solver, raced to our objective ---------------------------------


def solver_skipped(case, problem, solver):
    """Why ``solver`` is not raced on this case, or None."""
    X = problem["X"]
    if solver in ("sag", "saga") and not case.scaled:
        return "not run: data not scaled (sag/saga need scaled features)"
    if solver == "newton-cholesky":
        n_outputs = 1 if case.kind == "binary" else int(np.max(problem["y"])) + 1
        n_params = (X.shape[1] + 1) * n_outputs
        work = X.shape[0] * float(n_params) ** 2
        if work > NEWTON_CHOLESKY_MAX_WORK:
            return f"not run: dense Hessian, n·P² = {work:.1e} per iteration"
        if sparse.issparse(X) and n_params > NEWTON_CHOLESKY_MAX_SPARSE_PARAMS:
            return f"not run: dense Hessian of {n_params:,} parameters on sparse X"
    return None


def race_solver(make, problem, kind, target, cap, max_iter, start, settle):
    """The fewest iterations after which a scikit-learn solver reaches ``target``.

    ``make(m)`` is the solver with ``tol=0`` and ``max_iter=m``, so that only
    ``max_iter`` stops it: the least work any ``tol`` could give it, hence a
    calibration in scikit-learn's favour. Each solver here is deterministic
    (sag/saga with a fixed ``random_state``) and ``max_iter`` only truncates its
    path, so its objective after ``m`` iterations (epochs for sag/saga) falls
    with ``m`` (up to the noise of sag/saga): double ``m`` from ``start`` until
    the target is reached, then bisect to ``RACE_PRECISION``. It "did not
    reach" when one fit takes longer than ``cap`` seconds, or ``max_iter``
    runs out, or the solver stops on its own (line search) short of the target.

    Returns a dict: ``status`` ("reached" or why not), ``max_iter``, ``seconds``
    (of the one fit at that ``max_iter``), ``objective``, ``search_seconds``.
    """
    started = time.perf_counter()
    tried = {}

    def fit(m):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = make(m)
            time.sleep(settle)  # as before every timed run
            begin = time.perf_counter()
            model.fit(problem["X"], problem["y"])
            seconds = time.perf_counter() - begin
        tried[m] = (score(kind, model, problem), int(iterations(model).max()), seconds)
        return tried[m]

    def result(status, m):
        value, _, seconds = tried[m]
        return dict(
            status=status,
            max_iter=m,
            seconds=seconds,
            objective=value,
            gap=relative_gap(value, target),
            search_seconds=time.perf_counter() - started,
        )

    low, high = 0, start
    while True:
        value, done, seconds = fit(high)
        if value <= target:
            break
        if done < high:
            return result(f"stopped by itself after {done} iterations", high)
        if seconds > cap:
            return result(f"did not reach in {cap:.3g} s", high)
        if 2 * high > max_iter:
            return result(f"did not reach in max_iter={high}", high)
        low, high = high, 2 * high
    while high - low > max(1, RACE_PRECISION * high):
        if time.perf_counter() - started > 2 * cap:
            break  # the bracket is good enough for a solver this slow
        middle = (low + high) // 2
        value, _, _ = fit(middle)
        if value <= target:
            high = middle
        else:
            low = middle
    return result("reached", high)


def race(case, problem, row, mode):
    """Race every solver of the case; return the competitors to time alongside.

    Our target is the objective of our fit as the case runs it, plus the
    harness's threshold ``SAME_OBJECTIVE`` (relative). The fastest solver to get
    there becomes "sklearn best"; lbfgs, when it gets there and is not the
    fastest, "sklearn lbfgs to objective".
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours, ours_seconds, _ = execute(
            case.competitors[0], problem, settle=SETTLE_SECONDS[mode]
        )
    target_value = score(case.kind, ours, problem)
    target = target_value + SAME_OBJECTIVE * abs(target_value)
    cap = min(
        RACE_CAP_MAX[mode], max(RACE_CAP_MIN[mode], RACE_CAP_OVER_OURS * ours_seconds)
    )
    row["race_cap_seconds"] = cap
    row["race_target"] = target_value
    solvers = {}
    for solver in case.solvers:
        skipped = solver_skipped(case, problem, solver)
        if skipped:
            solvers[solver] = dict(status=skipped)
            continue

        def make(m, solver=solver):
            return LogisticRegression(
                **case.sklearn_params,
                solver=solver,
                tol=0.0,
                max_iter=m,
                random_state=0,
            )

        solvers[solver] = race_solver(
            make,
            problem,
            case.kind,
            target,
            cap,
            RACE_MAX_ITER[mode],
            RACE_START[solver],
            SETTLE_SECONDS[mode],
        )
        print(f"    race {solver}: {_race_text(solvers[solver])}", flush=True)
    row["solvers"] = solvers
    reached = {s: r for s, r in solvers.items() if r["status"] == "reached"}
    competitors = []
    if reached:
        best = min(reached, key=lambda s: reached[s]["seconds"])
        row["best_solver"] = best
        competitors.append(_solver_competitor("sklearn best", case, best, reached))
        if "lbfgs" in reached and best != "lbfgs":
            competitors.append(
                _solver_competitor("sklearn lbfgs to objective", case, "lbfgs", reached)
            )
    else:
        ran = [r for r in solvers.values() if "seconds" in r]
        row["best_solver"] = None
        if ran:
            row["best_lower_bound_seconds"] = min(r["seconds"] for r in ran)
        row["notes"].append(
            "no scikit-learn solver reached our objective within the cap; ratio vs "
            "best: ours / the fastest solver's longest fit tried, an upper bound"
        )
    return competitors


def _solver_competitor(label, case, solver, reached):
    params = dict(
        case.sklearn_params,
        solver=solver,
        tol=0.0,
        max_iter=reached[solver]["max_iter"],
        random_state=0,
    )
    return Competitor(label, "sklearn_solver", lambda: LogisticRegression(**params))


def _race_text(result):
    if "seconds" not in result:
        return result["status"]
    if result["status"] == "reached":
        return f"{result['seconds']:.3g} s (max_iter={result['max_iter']})"
    return (
        f"{result['status']} (gap {result['gap']:.1e} at max_iter={result['max_iter']})"
    )


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


def time_competitors(
    competitors,
    problem,
    runs,
    warmup,
    count_evaluations=False,
    budget=np.inf,
    settle=SETTLE_SECONDS["full"],
):
    """Alternated runs; returns (times per label, first times, warnings, results).

    When one round of the warm-up shows that ``runs`` rounds would take longer
    than ``budget`` seconds, fewer rounds are counted, never fewer than
    ``MIN_RUNS``: the long cases (sparse, tight tolerances) then take minutes, not
    a quarter of an hour, and their medians still rest on three runs or more.
    """
    collect = runs <= MANY_RUNS
    gc.collect()
    times = {c.label: [] for c in competitors}
    first = {}
    warned = dict.fromkeys(times, 0)
    results = {}
    n_evaluations = None
    run = 0
    while run < warmup + runs:
        if warmup and run == warmup and np.isfinite(budget):
            round_seconds = sum(first.values())
            affordable = int(budget // max(round_seconds, 1e-9))
            runs = max(min(runs, MIN_RUNS), min(runs, affordable))
        for competitor in competitors:
            count = run == 0 and count_evaluations and competitor.role == "ours"
            with counting_evaluations() if count else contextlib.nullcontext() as calls:
                result, seconds, n_warn = execute(competitor, problem, collect, settle)
            if count and calls is not None:
                n_evaluations = len(calls)
            results[competitor.label] = result
            warned[competitor.label] += n_warn
            if run == 0:
                first[competitor.label] = seconds
            if run >= warmup:
                times[competitor.label].append(seconds)
        run += 1
    return times, first, warned, results, n_evaluations


def run_case(case, *, runs, warmup, mode, load=0):
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
    runs = case.runs or runs
    competitors = list(case.competitors)
    if case.solvers:
        competitors += race(case, problem, row, mode)
    predicting = case.competitors[0].op == "predict_proba"

    times, _, warned, results, n_evaluations = time_competitors(
        competitors,
        problem,
        runs,
        warmup,
        count_evaluations=case.kind in ("multinomial", "binary") and not predicting,
        budget=ROUND_BUDGET[mode],
        settle=SETTLE_SECONDS[mode],
    )
    medians = {label: float(np.median(values)) for label, values in times.items()}
    row["times"] = times
    row["runs"] = len(times["ours"])
    if row["runs"] < runs:
        row["notes"].append(
            f"{row['runs']} counted runs (not {runs}): the round of runs takes "
            f"long, see ROUND_BUDGET"
        )
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
    _best_ratios(row, medians)

    if predicting:
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
    if case.kind == "grid":
        row["best_C"] = [
            results["ours"].best_params_["C"],
            results["sklearn"].best_params_["C"],
        ]
        row["same_best_C"] = row["best_C"][0] == row["best_C"][1]
        row["notes"].append(
            f"best C ours / sklearn: {row['best_C'][0]:g} / {row['best_C'][1]:g}; "
            "best cross-validated accuracy "
            f"{results['ours'].best_score_:.4f} / {results['sklearn'].best_score_:.4f}"
        )

    if case.kind == "grid":
        _worker_fold_note(row, problem, settle=SETTLE_SECONDS[mode])
    small = case.name.startswith("small-")
    if n_evaluations and not (sparse.issparse(problem["X"]) or small):
        _blas_floor(row, problem, ours, n_evaluations, case.kind == "binary")
    if case.name == "a32-default":
        _float64_same_tol_note(row, problem)
    if case.name == "a32-tol1e-8":
        _float32_stall_note(row, problem)
    if case.name == "g":
        _optimum_note(row, case, problem)
    if load:
        _loaded(row, case, problem, competitors, runs, load, mode)
    row["seconds"] = time.perf_counter() - started
    return row, results


def _best_ratios(row, medians):
    """Ratios against the fastest solver to our objective, and lbfgs's."""
    ours = medians["ours"]
    if "sklearn best" in medians:
        row["ratio_best"] = ours / medians["sklearn best"]
    elif row.get("best_lower_bound_seconds"):
        row["ratio_best"] = ours / row["best_lower_bound_seconds"]
    if "solvers" not in row:
        return
    lbfgs = row["solvers"].get("lbfgs", {})
    if row.get("best_solver") == "lbfgs":
        row["ratio_target"] = row["ratio_best"]
    elif "sklearn lbfgs to objective" in medians:
        row["ratio_target"] = ours / medians["sklearn lbfgs to objective"]
    elif "seconds" in lbfgs:
        # Not reached: its longest fit tried is shorter than its time to our
        # objective, so this ratio is an upper bound.
        row["ratio_target"] = ours / lbfgs["seconds"]
    if "seconds" in lbfgs:
        row["target_reached"] = lbfgs["status"] == "reached"
        row["target_max_iter"] = lbfgs["max_iter"]


def _loaded(row, case, problem, competitors, runs, load, mode):
    """The same competitors, timed with ``load`` CPU burners running beside them.

    Ours, LogisticRegression as users run it and the fastest solver to our
    objective (its calibration kept from the quiet race). No warm-up (the
    process is warm from the quiet runs); the first loaded fit of each is
    recorded too: the first fit after load arrives is where busy-waiting BLAS
    threads hurt most.
    """
    chosen = [c for c in competitors if c.label in ("ours", "sklearn", "sklearn best")]
    loaded_runs = max(LOADED_RUNS[mode], runs // 2) if case.runs else LOADED_RUNS[mode]
    with burners(load, BURNER_SECONDS[mode]):
        times, first, _, _, _ = time_competitors(
            chosen, problem, loaded_runs, 0, settle=SETTLE_SECONDS[mode]
        )
        row["load_average_loaded"] = os.getloadavg()[0]
    medians = {label: float(np.median(values)) for label, values in times.items()}
    row["loaded_median"] = medians
    row["loaded_first"] = first
    row["ratio_loaded"] = medians["ours"] / medians["sklearn"]
    if "sklearn best" in medians:
        row["ratio_loaded_best"] = medians["ours"] / medians["sklearn best"]
    row["loaded_slowdown_ours"] = medians["ours"] / row["median"]["ours"]
    row["loaded_slowdown_sklearn"] = medians["sklearn"] / row["median"]["sklearn"]


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


def _blas_floor(row, problem, fit_seconds, n_evaluations, binary=False):
    X = problem["X"]
    n_outputs = 1 if binary else int(np.max(problem["y"])) + 1
    floor = blas_floor(X, n_outputs)
    try:
        call = objective_call_time(problem, n_outputs)
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


def _worker_fold_note(row, problem, settle, repeats=3):
    """The grid's fits as its workers run them: one training fold, their threads.

    joblib gives each worker process of ``GridSearchCV(n_jobs=2)``
    ``cpu_count // 2`` BLAS threads (one on two CPUs); both fits, each
    evaluation the two products ``X Wᵀ`` and ``Rᵀ X``, run within that limit,
    and the products alone are timed beside them.
    """
    from joblib import cpu_count
    from sklearn.model_selection import StratifiedKFold

    from skl_softmax import SoftmaxRegression

    X, y = problem["X"], problem["y"]
    train = next(StratifiedKFold(problem["cv"]).split(X, y))[0]
    fold = dict(X=X[train], y=y[train])
    C = problem["C"]
    competitors = [
        Competitor("ours", "ours", lambda: SoftmaxRegression(C=C)),
        Competitor("sklearn", "sklearn", lambda: LogisticRegression(C=C)),
    ]
    threads = max(1, cpu_count() // 2)
    with ThreadpoolController().limit(limits=threads):
        # Alternated after one warm-up, our evaluations counted on it.
        times, _, _, results, n_evaluations = time_competitors(
            competitors, fold, repeats, 1, count_evaluations=True, settle=settle
        )
        floor = blas_floor(fold["X"], int(np.max(y)) + 1)
    seconds = {label: float(np.median(t)) for label, t in times.items()}
    n_evaluations = n_evaluations or float("nan")
    row["worker_iterations"] = {
        label: int(iterations(model).max()) for label, model in results.items()
    }
    row["worker_fit_seconds"] = seconds
    row["worker_ratio"] = seconds["ours"] / seconds["sklearn"]
    row["worker_floor_seconds"] = floor
    row["worker_evaluations"] = n_evaluations
    row["worker_threads"] = threads
    ours_per_call = seconds["ours"] / n_evaluations
    needed = 0.5 * seconds["sklearn"] / n_evaluations
    row["notes"].append(
        f"one training fold ({train.size:,} rows) at C={C:g} on "
        f"{threads} BLAS thread(s), as each of the search's two workers runs it: ours "
        f"{seconds['ours']:.3f} s, sklearn {seconds['sklearn']:.3f} s "
        f"({row['worker_ratio']:.2f}×; iterations "
        f"{row['worker_iterations']['ours']} / "
        f"{row['worker_iterations']['sklearn']}); ours "
        f"{1e3 * ours_per_call:.1f} ms of fit per evaluation ({n_evaluations}) "
        "against "
        f"{1e3 * floor:.1f} ms for the two bare products on as many threads "
        f"({ours_per_call / floor:.2f}×); 0.5× in these evaluations needs "
        f"{1e3 * needed:.1f} ms each"
        + (", less than the products alone" if needed < floor else "")
    )


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


def _optimum_note(row, case, problem):
    """(g): both fits' gaps to the optimum (the best of tight fits)."""
    from skl_softmax import SoftmaxRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        tight = SoftmaxRegression(tol=1e-10, max_iter=10_000).fit(
            problem["X"], problem["y"]
        )
    reached = [
        r["objective"] for r in row.get("solvers", {}).values() if "objective" in r
    ]
    row["optimum"] = min([score(case.kind, tight, problem), *reached])
    row["gap_to_optimum"] = relative_gap(row["objective_ours"], row["optimum"])
    row["sklearn_gap_to_optimum"] = relative_gap(
        row["objective_sklearn"], row["optimum"]
    )
    row["notes"].append(
        f"optimum {row['optimum']:.12g} (best of tight fits); gap to it: ours "
        f"{row['gap_to_optimum']:.2e}, sklearn default "
        f"{row['sklearn_gap_to_optimum']:.2e}"
    )


# -- memory, in a child process -------------------------------------------------------


def measure_memory(cases):
    """Peak traced allocations of each fit above what existed before it, in bytes."""
    peaks = {}
    for case in cases:
        if unavailable(case) or not case.memory:
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
        key: limit
        for _, _, key, limit in case.checks
        if key.startswith("ratio_") and limit is not None
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
    parser.add_argument(
        "--load",
        type=int,
        default=None,
        help="CPU burners beside the loaded timings (default: one per available "
        "CPU; 0: no loaded column)",
    )
    parser.add_argument(
        "--readme-from",
        type=Path,
        nargs="+",
        default=None,
        metavar="DIR",
        help="run nothing: rebuild the README's table from the results of "
        "earlier runs (--out DIR) of subsets of the cases on one machine",
    )
    parser.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--no-memory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--memory-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs is None:
        args.runs = 1 if args.quick else 5
    if args.load is None:
        args.load = (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else (os.cpu_count() or 1)
        )
    return args


def main(argv=None):
    args = parse_args(argv)
    mode = "quick" if args.quick else "full"
    cases = select(build_cases(mode, args.scale), args.case)
    if args.readme_from:
        return readme_from(args.readme_from, cases)
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
    env = environment(
        mode=mode, scale=args.scale, runs=args.runs, warmup=args.warmup, load=args.load
    )
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
            row, _ = run_case(
                case, runs=args.runs, warmup=args.warmup, mode=mode, load=args.load
            )
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
    if out.resolve() == (HERE / "results").resolve() and not args.case:
        paths.append(update_readme([(rows, env)], HERE.parent / "README.md"))
    print(f"[{env['total_seconds']:7.1f} s] done; wrote " + ", ".join(map(str, paths)))
    return 1 if failed else 0


def machine_kind(env):
    """What must match for runs to share a table: CPU, CPUs, OpenBLAS's kernels.

    Two machines that both report "AMD EPYC" with 2 CPUs differed by AVX-512,
    which OpenBLAS shows as the kernels it picked (SkylakeX against Haswell),
    and so did their timings (``results/2026-12-02-epyc-avx512/``).
    """
    machine = env["machine"]
    kernels = sorted(
        {
            pool["architecture"]
            for pool in env.get("threadpools", [])
            if pool.get("internal_api") == "openblas" and pool.get("architecture")
        }
    )
    return (
        machine["cpu_model"],
        machine.get("cpus_available", machine.get("cpus")),
        "/".join(kernels),
    )


def readme_from(directories, cases):
    """The README's table from runs of subsets of ``cases`` on one machine.

    Each case is taken from the last run that has it; the table lists them in
    the runs' order and names the cases that no run has.
    """
    runs = [read_run(directory) for directory in directories]
    seen = set()
    for rows, _ in reversed(runs):
        rows[:] = [row for row in rows if row["case"] not in seen]
        seen.update(row["case"] for row in rows)
    kinds = {machine_kind(env) for _, env in runs}
    if len(kinds) > 1:
        raise SystemExit(f"the runs are of different machines: {sorted(kinds)}")
    not_run = [case.name for case in cases if case.name not in seen]
    path = update_readme(
        [run for run in runs if run[0]], HERE.parent / "README.md", not_run
    )
    print(f"wrote {path} from {len(seen)} cases of {len(runs)} runs")
    return 0


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
    if "ratio_best" in row:
        print(
            f"    vs best sklearn solver to our objective ({row.get('best_solver')}): "
            f"{row['ratio_best']:.2f}"
        )
    if "ratio_loaded" in row:
        medians = ", ".join(f"{k} {v:.3g} s" for k, v in row["loaded_median"].items())
        print(
            f"    loaded (load average {row['load_average_loaded']:.1f}): {medians}; "
            f"ratio {row['ratio_loaded']:.2f}"
        )
    for note in row["notes"]:
        print(f"    {note}")


if __name__ == "__main__":
    sys.exit(main())
