"""The CV estimators on Dask data against the same fits in memory.

Usage::

    python benchmarks/bench_dask_cv.py [--quick] [--runs N] [--out DIR]
                                       [--one-vs-rest] [--load N]

Case (a)'s data (n=200 000, d=200, K=10), ``SoftmaxRegressionCV(Cs=10)`` with
5 stratified folds: fitted in memory, and on the data persisted on a 2-worker
``LocalCluster`` (processes, one thread each) in chunks of 25 000 rows. The
fits alternate (memory, Dask, memory, Dask …) after one warm-up each; the
medians, their ratio, the peak resident memory of the client during the Dask
fits (sampled) and the load average are reported, with the chosen C and the
largest difference of the held-out scores. ``--one-vs-rest`` adds
``OneVsRestLogisticCV`` on case (f)'s multi-label data at a tenth of its rows
(10 000 × 200, 20 labels). Results go to ``dask_cv.md`` and ``dask_cv.json``
in ``--out`` (default: ``benchmarks/results/``); ``--quick`` runs tiny sizes
and writes to a temporary directory unless ``--out`` is given. ``--load N``
runs N CPU burners (those of ``run.py``) beside the timings (the cluster and
its scheduler started before them); the outputs are then ``dask_cv_loaded.*``.
"""

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_dask import _PeakRSS  # noqa: E402
from bench_data import dense_multiclass, dense_multilabel  # noqa: E402
from bench_report import environment  # noqa: E402

from skl_softmax import OneVsRestLogisticCV, SoftmaxRegressionCV  # noqa: E402

SIZES = {
    "full": dict(n=200_000, d=200, k=10, chunk_rows=25_000, ovr_n=10_000, labels=20),
    "quick": dict(n=4_000, d=20, k=5, chunk_rows=1_000, ovr_n=2_000, labels=4),
}


def _case(name, Estimator, X, y, chunk_rows, runs):
    import dask
    import dask.array as da

    X_dask = da.from_array(X, chunks=(chunk_rows, -1))
    y_dask = da.from_array(y, chunks=(chunk_rows,) + y.shape[1:])
    X_dask, y_dask = dask.persist(X_dask, y_dask)
    fits = {
        "memory": lambda: Estimator().fit(X, y),
        "dask": lambda: Estimator().fit(X_dask, y_dask),
    }
    times = {side: [] for side in fits}
    models, peak = {}, 0
    for round_ in range(runs + 1):  # the first round is the warm-up
        for side, fit in fits.items():
            with _PeakRSS() as rss:
                start = time.perf_counter()
                models[side] = fit()
                elapsed = time.perf_counter() - start
            if side == "dask":
                peak = max(peak, rss.peak - rss.baseline)
            if round_:
                times[side].append(elapsed)
            print(f"{name} {side} round {round_}: {elapsed:.2f} s", flush=True)
    medians = {side: float(np.median(values)) for side, values in times.items()}
    return {
        "case": name,
        "shape": list(X.shape),
        "chunk_rows": chunk_rows,
        "times": times,
        "median_memory_s": medians["memory"],
        "median_dask_s": medians["dask"],
        "ratio_dask_to_memory": medians["dask"] / medians["memory"],
        "client_peak_rss_above_start_mib": peak / 2**20,
        "data_mib": X.nbytes / 2**20,
        "C_memory": np.round(models["memory"].C_, 6).tolist(),
        "C_dask": np.round(models["dask"].C_, 6).tolist(),
        "max_score_difference": float(
            np.max(np.abs(models["memory"].scores_ - models["dask"].scores_))
        ),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--one-vs-rest", action="store_true")
    parser.add_argument("--out", default=None)
    parser.add_argument("--load", type=int, default=0)
    args = parser.parse_args(argv)
    import distributed

    size = SIZES["quick" if args.quick else "full"]
    out = Path(
        args.out
        if args.out
        else (tempfile.mkdtemp() if args.quick else HERE / "results")
    )
    out.mkdir(parents=True, exist_ok=True)
    results = {
        "environment": environment(),
        "load_average_start": os.getloadavg()[0],
        "burners": args.load,
        "cases": [],
    }
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    load = contextlib.nullcontext()
    if args.load:
        from run import burners

        load = burners(args.load, 3_600)
    with distributed.Client(cluster), load:
        X, y = dense_multiclass(size["n"], size["d"], size["k"], seed=0)
        results["cases"].append(
            _case(
                "softmax (a), Cs=10, 5 folds",
                SoftmaxRegressionCV,
                X,
                y,
                size["chunk_rows"],
                args.runs,
            )
        )
        del X, y
        if args.one_vs_rest:
            X, Y = dense_multilabel(size["ovr_n"], size["d"], size["labels"], seed=0)
            results["cases"].append(
                _case(
                    "one-vs-rest (f)/10, Cs=10, 5 folds",
                    OneVsRestLogisticCV,
                    X,
                    Y,
                    size["chunk_rows"] // 5,
                    args.runs,
                )
            )
    cluster.close()
    results["load_average_end"] = os.getloadavg()[0]
    stem = "dask_cv_loaded" if args.load else "dask_cv"
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    markdown = _markdown(results)
    (out / f"{stem}.md").write_text(markdown)
    print(markdown)


def _markdown(results):
    lines = [
        "# CV estimators: in memory against Dask (2-worker LocalCluster)",
        "",
        f"{results.get('burners', 0)} CPU burners. Load average "
        f"{results['load_average_start']:.2f} at the start, "
        f"{results['load_average_end']:.2f} at the end.",
        "",
        "| case | n × d | memory (s) | Dask (s) | Dask / memory | client peak "
        "(MiB above start) | data (MiB) | C_ | max score diff |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for case in results["cases"]:
        same = case["C_memory"] == case["C_dask"]
        chosen = (
            f"equal ({len(np.atleast_1d(case['C_memory']))})"
            if same
            else f"{case['C_memory']} / {case['C_dask']}"
        )
        lines.append(
            f"| {case['case']} | {case['shape'][0]} × {case['shape'][1]} | "
            f"{case['median_memory_s']:.2f} | {case['median_dask_s']:.2f} | "
            f"{case['ratio_dask_to_memory']:.2f} | "
            f"{case['client_peak_rss_above_start_mib']:.0f} | "
            f"{case['data_mib']:.0f} | {chosen} | "
            f"{case['max_score_difference']:.1e} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
