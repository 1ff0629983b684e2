"""The record of a benchmark run: environment, Markdown table, CSV and figure.

Everything a reader sees is generated from the rows of one run: ``results.md``
(which the documentation converts into its comparison page), the README's table
between its ``bench-table`` markers, the CSV, the JSON and the figure.
"""

import csv
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
)


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_total():
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _git(*args):
    try:
        return subprocess.run(
            ["git", *args],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def environment(**settings):
    """Versions, BLAS libraries and thread counts, machine, date, run settings."""
    import scipy
    import scipy.optimize  # noqa: F401  (loads SciPy's own BLAS, to be listed)
    import sklearn
    import threadpoolctl

    import skl_softmax

    status = _git("status", "--porcelain")
    return {
        "date_utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "settings": settings,
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
            "threadpoolctl": threadpoolctl.__version__,
            "skl_softmax": skl_softmax.__version__,
        },
        "git": {
            "commit": _git("rev-parse", "HEAD"),
            "dirty": bool(status) if status is not None else None,
        },
        "machine": {
            "platform": platform.platform(),
            "cpu_model": _cpu_model(),
            "cpus": os.cpu_count(),
            "cpus_available": len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count(),
            "memory_bytes": _memory_total(),
            "load_average_start": os.getloadavg(),
        },
        "threadpools": threadpoolctl.threadpool_info(),
        "thread_variables": {name: os.environ.get(name) for name in THREAD_VARIABLES},
    }


# -- formatting -----------------------------------------------------------------------


def _seconds(value):
    if value is None or np.isnan(value):
        return "—"
    return f"{value:.3g}"


def _ratio(value):
    if value is None or np.isnan(value):
        return "—"
    return f"{value:.2f}×"


def _gap(value):
    if value is None or np.isnan(value):
        return "—"
    return f"{value:+.1e}"


def _iterations(row):
    ours, theirs = row.get("n_iter_ours"), row.get("n_iter_sklearn")
    if ours is None:
        return "—"
    if len(ours) == 1 and len(theirs) == 1:
        text = f"{ours[0]} / {theirs[0]}"
    else:
        text = f"max {max(ours)} / {max(theirs)}"
    return text + ("" if row["n_iter_ok"] else " (≠)")


def _converged(row):
    converged = row.get("converged")
    if not converged:
        return "—"
    ours = "yes" if converged["ours"] else "NO"
    theirs = "yes" if converged["sklearn"] else "NO"
    return f"{ours} / {theirs}"


def _goal_cell(row):
    state = row.get("goal_met", "—")
    if state == "missed":
        return "**missed**: " + "; ".join(row["goal_missed"])
    if state == "unmeasured":
        return "unmeasured: " + "; ".join(row["goal_unmeasured"])
    return state


def _best_cell(row):
    solvers = row.get("solvers")
    if not solvers:
        return "—"
    best = row.get("best_solver")
    if best is None:
        return "none reached"
    return f"{_seconds(row['median'].get('sklearn best'))} ({best})"


def _loaded_cell(row):
    medians = row.get("loaded_median")
    if not medians:
        return "—"
    return f"{_seconds(medians['ours'])} / {_seconds(medians['sklearn'])}"


COLUMNS = [
    "case",
    "settings",
    "ours (s)",
    "sklearn (s)",
    "sklearn same threads (s)",
    "ratio vs sklearn",
    "ratio vs same threads",
    "best sklearn solver to our objective (s)",
    "ratio vs best",
    "loaded: ours / sklearn (s)",
    "loaded ratio",
    "verdict",
    "n_iter ours / sklearn",
    "objective gap",
    "converged ours / sklearn",
    "max Δproba",
    "memory ratio",
    "goal",
    "met",
]


def _table_row(row):
    if row["status"] != "ok":
        return [row["case"], row["settings"], *["—"] * 15, row["goal"], row["status"]]
    median = row["median"]
    return [
        row["title"].split(")")[0] + f") `{row['case']}`",
        row["settings"],
        _seconds(median["ours"]),
        _seconds(median["sklearn"]),
        _seconds(median.get("sklearn same threads")),
        _ratio(row["ratio_default"]),
        _ratio(row["ratio_same_threads"]),
        _best_cell(row),
        _ratio(row.get("ratio_best")),
        _loaded_cell(row),
        _ratio(row.get("ratio_loaded")),
        row.get("verdict", "—"),
        _iterations(row),
        _gap(row.get("gap")),
        _converged(row),
        f"{row['max_dproba']:.1e}",
        _ratio(row.get("memory_ratio")),
        row["goal"],
        _goal_cell(row),
    ]


def markdown(rows, env):
    """The results page: what ran where, the table, the BLAS floor, the notes."""
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items())
    machine = env["machine"]
    pools = "; ".join(
        f"{pool['internal_api']} {pool.get('version')} ({Path(pool['filepath']).name}, "
        f"{pool['num_threads']} threads)"
        for pool in env["threadpools"]
    )
    settings = env["settings"]
    lines = [
        "# skl_softmax against scikit-learn",
        "",
        f"Run {env['date_utc']} on {machine['cpu_model']}, "
        f"{machine['cpus_available']} CPUs available of {machine['cpus']}, load "
        "average at start/end "
        f"{machine['load_average_start'][0]:.1f}/{env['load_average_end'][0]:.1f}; "
        f"{versions}; git {str(env['git']['commit'])[:10]}"
        + (" (uncommitted changes)" if env["git"]["dirty"] else "")
        + ".",
        "",
        f"BLAS: {pools}.",
        "",
        f"Mode {settings['mode']}"
        + (f" (rows scaled by {settings['scale']:g})" if settings["scale"] != 1 else "")
        + f": {settings['warmup']} warm-up + {settings['runs']} counted runs per "
        "competitor, alternated; medians. Ratios are ours / scikit-learn (below 1: "
        "we are faster). *sklearn* is `LogisticRegression` as users run it (lbfgs); "
        "*same threads* is the same fit with SciPy's private BLAS pool on one "
        "thread. *Best sklearn solver to our objective*: the fastest of the "
        "scikit-learn solvers raced to our fit's objective (table below), timed "
        "alongside. *Loaded*: the same fits with "
        f"{settings.get('load', 0)} CPU-burning processes beside them "
        "(load average in the loaded table). The objective gap is (ours − sklearn) / "
        "|sklearn| of one shared float64 objective (negative: ours is lower). "
        "*faster* is never claimed when our objective is worse by more than 1e-8. "
        "Memory: peak traced allocations during the fit above the data, ours / "
        "scikit-learn's.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for row in rows:
        cells = [str(cell).replace("|", "\\|") for cell in _table_row(row)]
        lines.append("| " + " | ".join(cells) + " |")

    floors = [row for row in rows if "blas_floor_seconds" in row]
    if floors:
        lines += [
            "",
            "## Per evaluation against the BLAS floor",
            "",
            "The floor is the time NumPy's BLAS takes for the two products `X Wᵀ` and "
            "`Rᵀ X` alone (matrix-vector products for one output) at each dense "
            "case's shapes; one evaluation of the objective and gradient needs both. "
            "Goal for (a): within 1.2× of the floor.",
            "",
            "| case | floor (ms) | one objective call (ms) | ratio | fit time / "
            "evaluations (ms) | ratio | evaluations |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in floors:
            lines.append(
                f"| {row['case']} | {row['blas_floor_seconds'] * 1e3:.2f} | "
                f"{row['objective_call_seconds'] * 1e3:.2f} | "
                f"{row['floor_ratio_call']:.2f}× | "
                f"{row['fit_seconds_per_evaluation'] * 1e3:.2f} | "
                f"{row['floor_ratio_fit']:.2f}× | {row['n_evaluations']} |"
            )
    lines += _solver_table(rows) + _loaded_table(rows, settings.get("load", 0))
    notes = [(row["case"], note) for row in rows for note in row.get("notes", [])]
    if notes:
        lines += ["", "## Notes", ""]
        lines += [f"- `{case}`: {note}" for case, note in notes]
    lines += [
        "",
        "Raw times of every run: `results.csv`; versions and thread pools: "
        "`env.json`; figure: `time_ratio.png`.",
        "",
    ]
    return "\n".join(lines)


def _race_cell(result):
    if result is None:
        return "—"
    if "seconds" not in result:
        return result["status"]
    if result["status"] == "reached":
        return f"{result['seconds']:.3g} s ({result['max_iter']} it.)"
    return (
        f"**{result['status']}** (gap {result['gap']:.0e} after "
        f"{result['max_iter']} it., {result['seconds']:.3g} s)"
    )


def _solver_table(rows):
    raced = [row for row in rows if row.get("solvers")]
    if not raced:
        return []
    names = list(dict.fromkeys(name for row in raced for name in row["solvers"]))
    lines = [
        "",
        "## Every scikit-learn solver to our objective",
        "",
        "Each solver runs with `tol=0` and the fewest iterations (epochs for "
        "sag/saga, `random_state=0`) after which its objective is within 1e-8 "
        "(relative) of our fit's, found by doubling `max_iter` and bisecting to 5 % "
        "(the least work any `tol` could give it; the time shown may exceed its "
        "true time to our objective by up to about 5 %). One fit's time each; the "
        "fastest is then timed alongside ours in the main table. A solver *did not "
        "reach* when one fit took longer than the cap (10× our fit time, within 5 "
        "to 40 s) first, or it stopped on its own short of the target. sag/saga "
        "run only on scaled data, as their documentation requires; "
        "newton-cholesky only where its dense Hessian is affordable.",
        "",
        "| case | cap (s) | ours (s) | " + " | ".join(names) + " | fastest |",
        "|" + "---|" * (len(names) + 4),
    ]
    for row in raced:
        cells = [_race_cell(row["solvers"].get(name)) for name in names]
        lines.append(
            f"| {row['case']} | {row['race_cap_seconds']:.3g} | "
            f"{_seconds(row['median']['ours'])} | "
            + " | ".join(c.replace("|", "\\|") for c in cells)
            + f" | {row.get('best_solver') or 'none'} |"
        )
    return lines


def _loaded_table(rows, load):
    loaded = [row for row in rows if row.get("loaded_median")]
    if not loaded:
        return []
    lines = [
        "",
        "## On a loaded machine",
        "",
        f"The same fits with {load} CPU-burning processes running beside the "
        "benchmark (no warm-up: the process is warm from the quiet runs; medians). "
        "*First fit*: the first of each after the burners started. Slowdown: loaded "
        "/ quiet median. Goals: ours ≤ 1× scikit-learn loaded, and our loaded ratio "
        "≤ 1.5× our quiet ratio.",
        "",
        "| case | load average | ours (s) | sklearn (s) | sklearn best (s) | ratio | "
        "ratio vs best | quiet ratio | slowdown ours / sklearn | first fit ours / "
        "sklearn (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in loaded:
        medians, first = row["loaded_median"], row["loaded_first"]
        lines.append(
            f"| {row['case']} | {row['load_average_loaded']:.1f} | "
            f"{_seconds(medians['ours'])} | {_seconds(medians['sklearn'])} | "
            f"{_seconds(medians.get('sklearn best'))} | "
            f"{_ratio(row['ratio_loaded'])} | {_ratio(row.get('ratio_loaded_best'))} | "
            f"{_ratio(row['ratio_default'])} | "
            f"{row['loaded_slowdown_ours']:.2f}× / "
            f"{row['loaded_slowdown_sklearn']:.2f}× | "
            f"{_seconds(first.get('ours'))} / {_seconds(first.get('sklearn'))} |"
        )
    return lines


README_START = "<!-- bench-table-start: generated by benchmarks/run.py -->"
README_END = "<!-- bench-table-end -->"


def readme_table(runs, not_run=()):
    """The README's short table: one line per case, from the rows of ``runs``.

    ``runs`` lists ``(rows, env)`` pairs: one complete run, or runs of subsets
    of the cases on one machine (``run.py --readme-from``), whose header then
    says when, at which load and at which commit each ran. ``not_run`` names the
    cases none of them ran.
    """
    machine = runs[0][1]["machine"]
    several = len(runs) > 1
    heads = [
        f"{env['date_utc']} ("
        + (f"{', '.join(row['case'] for row in rows)}; " if several else "")
        + "load "
        f"average {env['machine']['load_average_start'][0]:.1f}/"
        f"{env['load_average_end'][0]:.1f} at start/end; git "
        f"{str(env['git']['commit'])[:10]}; loaded columns with "
        f"{env['settings'].get('load', 0)} CPU burners)"
        for rows, env in runs
    ]
    header = (
        f"Run {heads[0]}"
        if not several
        else f"Runs on one machine, in turn: {'; '.join(heads)}"
    )
    lines = [
        README_START,
        f"{header}. {machine['cpu_model']}, {machine['cpus_available']} CPUs."
        + (f" Not run: {', '.join(not_run)}." if not_run else ""),
        "",
        "| case | ours (s) | scikit-learn (s) | ratio | best solver to our objective "
        "(ratio) | loaded ratio | memory ratio | goal met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in (row for rows, _ in runs for row in rows):
        if row["status"] != "ok":
            lines.append(
                f"| `{row['case']}` | — | — | — | — | — | — | {row['status']} |"
            )
            continue
        best = row.get("best_solver")
        best_text = (
            f"{best} ({_ratio(row.get('ratio_best'))})"
            if best
            else ("none reached" if row.get("solvers") else "—")
        )
        state = row.get("goal_met", "—")
        lines.append(
            f"| {row['title'].split(')')[0]}) `{row['case']}` | "
            f"{_seconds(row['median']['ours'])} | "
            f"{_seconds(row['median']['sklearn'])} | {_ratio(row['ratio_default'])} | "
            f"{best_text} | {_ratio(row.get('ratio_loaded'))} | "
            f"{_ratio(row.get('memory_ratio'))} | "
            + ("**missed**" if state == "missed" else state)
            + " |"
        )
    lines.append(README_END)
    return "\n".join(lines)


def update_readme(runs, path, not_run=()):
    """Replace the README's table between its markers with that of ``runs``."""
    text = Path(path).read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise ValueError(f"{path} has no {README_START!r} … {README_END!r} markers")
    table = readme_table(runs, not_run)
    Path(path).write_text(
        text[:start] + table + text[end + len(README_END) :], encoding="utf-8"
    )
    return Path(path)


def read_run(directory):
    """``(rows, env)`` of a run written by :func:`write_reports`."""
    directory = Path(directory)
    rows = json.loads((directory / "results.json").read_text(encoding="utf-8"))
    env = json.loads((directory / "env.json").read_text(encoding="utf-8"))
    return rows, env


CSV_FIELDS = [
    "case",
    "status",
    "settings",
    "competitor",
    "median_seconds",
    "times",
    "converged",
    "ratio_default",
    "ratio_same_threads",
    "ratio_target",
    "ratio_best",
    "best_solver",
    "ratio_loaded",
    "ratio_loaded_best",
    "load_average_loaded",
    "verdict",
    "n_iter_ours",
    "n_iter_sklearn",
    "n_iter_ok",
    "objective_ours",
    "objective_sklearn",
    "gap",
    "max_dproba",
    "memory_ours",
    "memory_sklearn",
    "memory_ratio",
    "goal",
    "goal_met",
    "goal_missed",
]


def write_csv(rows, path):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            base = {
                key: row.get(key)
                for key in CSV_FIELDS
                if not isinstance(row.get(key), (list, dict))
            }
            base["n_iter_ours"] = " ".join(map(str, row.get("n_iter_ours", [])))
            base["n_iter_sklearn"] = " ".join(map(str, row.get("n_iter_sklearn", [])))
            base["goal_missed"] = "; ".join(row.get("goal_missed", []))
            if row["status"] != "ok":
                writer.writerow(base)
                continue
            for label, times in row["times"].items():
                writer.writerow(
                    {
                        **base,
                        "competitor": label,
                        "median_seconds": row["median"][label],
                        "times": " ".join(f"{t:.6g}" for t in times),
                        "converged": row["converged"][label],
                    }
                )


def write_figure(rows, path):
    """Bars of the time ratio per case, with each case's goal as a line."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    rows = [row for row in rows if row["status"] == "ok"]
    if not rows:
        return False
    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(rows) + 2), 4.8))
    width = 0.2
    series = [
        ("ratio_default", "vs scikit-learn (defaults)", "#1f77b4"),
        ("ratio_same_threads", "vs scikit-learn (same threads)", "#aec7e8"),
        ("ratio_best", "vs the fastest solver to our objective", "#2ca02c"),
        ("ratio_loaded", "vs scikit-learn, loaded machine", "#ff7f0e"),
    ]
    offsets = {key: (i - 1.5) * width for i, (key, _, _) in enumerate(series)}
    for key, label, colour in series:
        values = [row.get(key, np.nan) for row in rows]
        if not np.all(np.isnan(values)):
            ax.bar(x + offsets[key], values, width, label=label, color=colour)
    for i, row in enumerate(rows):
        for key, limit in row.get("goal_limits", {}).items():
            if key not in offsets:
                continue
            at = i + offsets[key]
            ax.hlines(limit, at - 0.12, at + 0.12, colors="crimson", linewidth=2)
        if row.get("gap", 0) > 1e-8:
            ax.annotate("objective\nworse", (i - 0.4, 1.1), fontsize=7, color="crimson")
    ax.plot([], [], color="crimson", linewidth=2, label="goal")
    ax.axhline(1.0, color="grey", linewidth=0.8, linestyle="--")
    ax.set_yscale("log")
    ax.set_xticks(x, [row["case"] for row in rows], rotation=30, ha="right")
    ax.set_ylabel("time ours / scikit-learn (log scale)")
    ax.set_title("skl_softmax vs scikit-learn: time ratio per case (lower is faster)")
    fig.legend(fontsize=8, loc="lower center", ncol=4, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    return value


def write_reports(rows, env, out):
    """Write results.md, results.csv, results.json, env.json and time_ratio.png."""
    out = Path(out)
    paths = [out / "results.md", out / "results.csv", out / "env.json"]
    paths[0].write_text(markdown(rows, env))
    write_csv(rows, paths[1])
    paths[2].write_text(json.dumps(_jsonable(env), indent=2) + "\n")
    raw = out / "results.json"
    raw.write_text(json.dumps(_jsonable(rows), indent=2, default=str) + "\n")
    paths.append(raw)
    figure = out / "time_ratio.png"
    if write_figure(rows, figure):
        paths.append(figure)
    else:
        print("matplotlib is not installed: no figure (pip install '.[bench]')")
    return paths
