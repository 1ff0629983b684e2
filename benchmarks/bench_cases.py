"""The benchmark cases: data, competitors, how solutions are scored, and the goals.

Each case names its competitors in a fixed order — ours first, then scikit-learn as
users run it, then scikit-learn with the same thread settings as ours (the fit
inside the limit of SciPy's private BLAS pool to one thread that our solver
applies, through the very same function) — plus, for (g), scikit-learn given as
many iterations as it needs to reach our objective.

The goals are those of issue 4; ``checks`` turn each into a predicate on a result
row so that the report can say met or missed with the numbers.
"""

from dataclasses import dataclass, field

import numpy as np
from bench_data import (
    badly_scaled,
    correlated_normal,
    dense_binary,
    dense_multiclass,
    dense_multilabel,
    digits_standardised,
    sparse_multiclass,
)
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from skl_softmax import SoftmaxRegression

# Full sizes are those of the issue; quick sizes keep a smoke run under a minute.
SIZES = {
    "full": {
        "a": dict(n=200_000, d=200, k=10),
        "c": dict(n=100_000, d=50_000, k=20, nnz=50),
        "d": dict(n=500_000, d=100),
        "f": dict(n=100_000, d=200, k=20),
        "b": dict(n=1_797),
        "g": dict(n=20_000, d=50, k=5),
        "h": dict(n=1_000_000, d=200, k=10, n_train=20_000),
    },
    "quick": {
        "a": dict(n=3_000, d=20, k=5),
        "b": dict(n=600),
        "c": dict(n=2_000, d=1_000, k=4, nnz=10),
        "d": dict(n=5_000, d=20),
        "f": dict(n=2_000, d=20, k=4),
        "g": dict(n=2_000, d=8, k=3),
        "h": dict(n=50_000, d=20, k=5, n_train=3_000),
    },
}

# Objectives closer than this (relative) count as equal: "faster" is never
# claimed when ours is worse by more.
SAME_OBJECTIVE = 1e-8
# At tol=1e-8 the solvers should agree far more closely than that.
TIGHT_OBJECTIVE = 1e-10
# Per-label (or per-fit) iteration counts count as identical within this.
ITER_SLACK = 2
# Iterations allowed at tol=1e-8, for every competitor alike: the default 100
# would stop both before the tolerance is reached.
TIGHT_MAX_ITER = 1000


def one_vs_rest_logistic():
    """Our OneVsRestLogistic, imported when a case needs it (it may not exist yet)."""
    from skl_softmax import OneVsRestLogistic

    return OneVsRestLogistic


@dataclass
class Competitor:
    """One contender of a case.

    ``make()`` returns the estimator: unfitted for ``op="fit"``, fitted for
    ``op="predict_proba"``. ``data`` is the key of the problem's array it runs
    on; ``same_threads`` wraps the call in our solver's SciPy-BLAS limit.
    """

    label: str
    role: str
    make: object
    data: str = "X"
    same_threads: bool = False
    op: str = "fit"


@dataclass
class Case:
    name: str
    title: str
    settings: str
    kind: str
    load: object
    competitors: list
    goal: str
    checks: list = field(default_factory=list)
    needs: str = ""


# -- goal predicates on a result row (None: not measured) ---------------------------


def _at_most(key, limit):
    def check(row):
        value = row.get(key)
        return None if value is None or np.isnan(value) else value <= limit

    return (f"{key} ≤ {limit:g}", check, key, limit)


def _below(key, limit):
    def check(row):
        value = row.get(key)
        return None if value is None or np.isnan(value) else value < limit

    return (f"{key} < {limit:g}", check, key, limit)


def _true(key, text):
    def check(row):
        value = row.get(key)
        return None if value is None else bool(value)

    return (text, check, key, None)


# -- the problems ----------------------------------------------------------------------


def _scaled(size, scale):
    size = dict(size)
    size["n"] = max(1_000, int(round(size["n"] * scale)))
    return size


def _multiclass_problem(size, dtype=np.float64):
    def load():
        X, y = dense_multiclass(size["n"], size["d"], size["k"], seed=0)
        X = X.astype(dtype, copy=False)
        return dict(X=X, X64=X.astype(np.float64, copy=False), y=y, targets=y, C=1.0)

    return load


def _fit_pair(ours, sklearn_estimator, problem_key="X", extra=None):
    """The three standard competitors of a fit case."""
    return [
        Competitor("ours", "ours", ours),
        Competitor("sklearn", "sklearn", sklearn_estimator, data=problem_key),
        Competitor(
            "sklearn same threads",
            "sklearn_same_threads",
            sklearn_estimator,
            data=problem_key,
            same_threads=True,
        ),
        *(extra or []),
    ]


def build_cases(mode="full", scale=1.0):
    """All cases, in report order, at ``mode`` sizes with ``n`` times ``scale``."""
    sizes = {
        name: size if name == "b" else _scaled(size, scale)
        for name, size in SIZES[mode].items()
    }
    a, b, c, d, f, g, h = (sizes[key] for key in "abcdfgh")
    a_text = f"n={a['n']:,}, d={a['d']}, K={a['k']}"
    cases = []

    speed_a = [
        _at_most("ratio_default", 0.6),
        _at_most("ratio_same_threads", 0.8),
        _true("n_iter_ok", f"n_iter within ±{ITER_SLACK}"),
        _at_most("memory_ratio", 0.3),
    ]
    for tol, max_iter in ((1e-4, 100), (1e-8, TIGHT_MAX_ITER)):
        gap_check = (
            _below("gap", TIGHT_OBJECTIVE)
            if tol == 1e-8
            else _at_most("gap", SAME_OBJECTIVE)
        )
        cases.append(
            Case(
                name=f"a-tol{tol:.0e}".replace("e-0", "e-"),
                title="(a) dense float64",
                settings=f"{a_text}, tol={tol:g}, max_iter={max_iter}",
                kind="multinomial",
                load=_multiclass_problem(a),
                competitors=_fit_pair(
                    lambda tol=tol, m=max_iter: SoftmaxRegression(tol=tol, max_iter=m),
                    lambda tol=tol, m=max_iter: LogisticRegression(tol=tol, max_iter=m),
                ),
                goal=(
                    "≤0.6× sklearn, ≤0.8× same threads, n_iter ±2, memory ≤0.3×"
                    + (", gap <1e-10" if tol == 1e-8 else ", objective no worse")
                ),
                checks=[*speed_a, gap_check],
            )
        )

    cases.append(
        Case(
            name="a32-default",
            title="(a32) dense float32",
            settings=f"{a_text}, float32, tol=1e-4 (sklearn float32)",
            kind="multinomial",
            load=_multiclass_problem(a, np.float32),
            competitors=_fit_pair(SoftmaxRegression, LogisticRegression),
            goal="≤0.5× sklearn float32, objective no worse",
            checks=[_at_most("ratio_default", 0.5), _at_most("gap", SAME_OBJECTIVE)],
        )
    )
    cases.append(
        Case(
            name="a32-tol1e-8",
            title="(a32) dense float32, tight",
            settings=(
                f"{a_text}, ours on float32, sklearn on the same data in float64, "
                f"tol=1e-8, max_iter={TIGHT_MAX_ITER}"
            ),
            kind="multinomial",
            load=_multiclass_problem(a, np.float32),
            competitors=_fit_pair(
                lambda: SoftmaxRegression(tol=1e-8, max_iter=TIGHT_MAX_ITER),
                lambda: LogisticRegression(tol=1e-8, max_iter=TIGHT_MAX_ITER),
                problem_key="X64",
            ),
            goal="float64 optimum to <1e-10, faster than sklearn float64 at tol 1e-8",
            checks=[_below("gap", TIGHT_OBJECTIVE), _below("ratio_default", 1.0)],
        )
    )

    def load_digits():
        X, y = digits_standardised(b["n"])
        return dict(X=X, X64=X, y=y, targets=y, C=1.0)

    cases.append(
        Case(
            name="b",
            title="(b) digits",
            settings=f"load_digits standardised, n={b['n']:,}, d=64, K=10, defaults",
            kind="multinomial",
            load=load_digits,
            competitors=_fit_pair(SoftmaxRegression, LogisticRegression),
            goal="≤0.3× sklearn",
            checks=[_at_most("ratio_default", 0.3), _at_most("gap", SAME_OBJECTIVE)],
        )
    )

    def load_sparse():
        X, y = sparse_multiclass(c["n"], c["d"], c["k"], c["nnz"], seed=2)
        return dict(X=X, X64=X, y=y, targets=y, C=1.0)

    cases.append(
        Case(
            name="c",
            title="(c) sparse CSR",
            settings=(
                f"n={c['n']:,}, d={c['d']:,}, ~{c['nnz']} non-zeros per row, "
                f"K={c['k']}, defaults"
            ),
            kind="multinomial",
            load=load_sparse,
            competitors=_fit_pair(SoftmaxRegression, LogisticRegression),
            goal="≤0.8× sklearn",
            checks=[_at_most("ratio_default", 0.8), _at_most("gap", SAME_OBJECTIVE)],
        )
    )

    def load_binary():
        X, y = dense_binary(d["n"], d["d"], seed=3)
        return dict(X=X, X64=X, y=y, targets=y, C=1.0)

    cases.append(
        Case(
            name="d",
            title="(d) binary",
            settings=(
                f"n={d['n']:,}, d={d['d']}; SoftmaxRegression(C=0.5) vs "
                "LogisticRegression(C=1): the same problem (binary softmax ≡ logistic "
                "with 2C)"
            ),
            kind="binary",
            load=load_binary,
            competitors=_fit_pair(
                lambda: SoftmaxRegression(C=0.5), lambda: LogisticRegression(C=1.0)
            ),
            goal="≤0.6× sklearn",
            checks=[_at_most("ratio_default", 0.6), _at_most("gap", SAME_OBJECTIVE)],
        )
    )

    ovr_checks = [
        _at_most("ratio_default", 0.4),
        _true("n_iter_ok", f"per-label n_iter within ±{ITER_SLACK}"),
        _at_most("gap", SAME_OBJECTIVE),
    ]

    def ovr_pair():
        return _fit_pair(
            lambda: one_vs_rest_logistic()(),
            lambda: OneVsRestClassifier(LogisticRegression()),
        )

    cases.append(
        Case(
            name="e",
            title="(e) one-vs-rest",
            settings=(
                f"(a) data, {a_text}: OneVsRestLogistic vs "
                "OneVsRestClassifier(LogisticRegression()), defaults"
            ),
            kind="ovr",
            load=_multiclass_problem(a),
            competitors=ovr_pair(),
            goal="≤0.4× OneVsRestClassifier, per-label n_iter ±2",
            checks=ovr_checks,
            needs="OneVsRestLogistic",
        )
    )

    def load_multilabel():
        X, Y = dense_multilabel(f["n"], f["d"], f["k"], seed=5)
        return dict(X=X, X64=X, y=Y, targets=Y, C=1.0)

    cases.append(
        Case(
            name="f",
            title="(f) multi-label",
            settings=f"n={f['n']:,}, d={f['d']}, {f['k']} labels, same competitors",
            kind="multilabel",
            load=load_multilabel,
            competitors=ovr_pair(),
            goal="≤0.4× OneVsRestClassifier, per-label n_iter ±2",
            checks=ovr_checks,
            needs="OneVsRestLogistic",
        )
    )

    def load_badly_scaled():
        X, y = badly_scaled(g["n"], g["d"], g["k"], seed=6)
        return dict(X=X, X64=X, y=y, targets=y, C=1.0)

    cases.append(
        Case(
            name="g",
            title="(g) badly scaled",
            settings=(
                f"n={g['n']:,}, d={g['d']}, K={g['k']}, column scales 1 to 1e4, means "
                "up to ±3 spreads; defaults; plus sklearn given the iterations it "
                "needs to reach our objective (tol=0, max_iter found by bisection)"
            ),
            kind="multinomial",
            load=load_badly_scaled,
            competitors=_fit_pair(SoftmaxRegression, LogisticRegression),
            goal=(
                "ours within 1e-8 of the optimum; ≤0.2× sklearn's time to our objective"
            ),
            checks=[
                _at_most("gap_to_optimum", SAME_OBJECTIVE),
                _true("converged_ours", "ours converged"),
                _at_most("ratio_target", 0.2),
            ],
        )
    )

    def load_predict():
        X_train, y_train = dense_multiclass(h["n_train"], h["d"], h["k"], seed=0)
        X = correlated_normal(np.random.default_rng(7), h["n"], h["d"])
        # Both models fitted to the same tight tolerance, so that the difference
        # of their probabilities measures the two predict_proba implementations.
        ours = SoftmaxRegression(tol=1e-8, max_iter=TIGHT_MAX_ITER)
        theirs = LogisticRegression(tol=1e-8, max_iter=TIGHT_MAX_ITER)
        ours.fit(X_train, y_train)
        theirs.fit(X_train, y_train)
        return dict(
            X=X,
            X64=X_train,
            y=y_train,
            targets=y_train,
            C=1.0,
            models={"ours": ours, "sklearn": theirs},
        )

    cases.append(
        Case(
            name="h",
            title="(h) predict_proba",
            settings=(
                f"{h['n']:,} rows, d={h['d']}, K={h['k']}; models fitted on "
                f"{h['n_train']:,} rows of (a)-like data at tol=1e-8"
            ),
            kind="predict",
            load=load_predict,
            competitors=[
                Competitor("ours", "ours", "ours", op="predict_proba"),
                Competitor("sklearn", "sklearn", "sklearn", op="predict_proba"),
            ],
            goal="(none set)",
            checks=[],
        )
    )
    return cases


def select(cases, names):
    """Cases named exactly, or by their group (``a`` selects ``a-tol1e-4`` …)."""
    if not names:
        return cases
    wanted = set(names)
    chosen = [
        case
        for case in cases
        if case.name in wanted or case.name.split("-")[0] in wanted
    ]
    unknown = (
        wanted
        - {case.name for case in chosen}
        - {case.name.split("-")[0] for case in chosen}
    )
    if unknown:
        known = ", ".join(case.name for case in cases)
        raise SystemExit(f"unknown case(s) {sorted(unknown)}; known: {known}")
    return chosen
