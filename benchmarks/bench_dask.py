"""In-memory against Dask fits, and against dask-ml, on a two-worker LocalCluster.

Measures, on the same machine and data:

1. Case (a) (n=200 000, d=200, K=10): ``SoftmaxRegression`` fitted in memory
   and on a Dask array persisted on a 2-worker ``LocalCluster``; the ratio
   Dask / in-memory (goal ≤ 1.5), the time per evaluation of each, the time of
   the two bare products ``X Wᵀ`` and ``Rᵀ X`` of one evaluation in memory,
   and the per-evaluation overhead of the cluster round trip (an evaluation on
   the same number of chunks holding one row each).
2. Large (a) (n=4 000 000, 6.4 GB in float64), generated on the workers: the
   Dask fit's time and the peak resident memory of the client process during
   it (goal: O(n_features × n_outputs), far below the data). ``--large`` runs
   it (the lead's quiet machine); the in-memory fit of the same data runs with
   ``--large-in-memory`` only (it needs the 6.4 GB on the client).
3. Against ``dask_ml.linear_model.LogisticRegression`` (binary, lbfgs,
   ``fit_intercept=False``) on the same cluster and data. dask-glm minimises
   ``Σ_i ℓ_i + ‖β‖² / (2 C_dm)`` (``lamduh = 1 / C``, regulariser
   ``‖β‖²/2``), and stops when the largest component of that sum's gradient
   is below ``tol`` (SciPy's ``pgtol``). A two-class ``SoftmaxRegression(C)``
   minimises ``(1/n) [Σ_i ℓ_i + ‖β‖² / (2 · 2C)]``, the same divided by ``n``
   when ``C = C_dm / 2``; its gradient is theirs divided by ``n``, so
   ``tol = tol_dm / n`` is the same stopping rule. Both final objectives are
   evaluated by one lazy formula on the cluster and reported (goal: our time
   ≤ 0.5 × theirs at an objective at least as low).

``--quick`` runs tiny sizes (a smoke test, seconds). Results go to
``benchmarks/results/dask.md`` and ``dask.json`` (``--out`` elsewhere; a quick
run writes to a temporary directory unless ``--out`` is given). Times are
medians of ``--runs`` fits after one warm-up.
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skl_softmax import SoftmaxRegression  # noqa: E402
from skl_softmax import _dask as skl_dask  # noqa: E402

SIZES = {
    "full": dict(n=200_000, d=200, k=10, large_n=4_000_000, chunk_rows=25_000),
    "quick": dict(n=20_000, d=20, k=5, large_n=200_000, chunk_rows=5_000),
}


def _data(n, d, k, seed=0):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_data import dense_multiclass

    return dense_multiclass(n, d, k, seed=seed)


def _lazy_data(n, d, k, chunk_rows, seed=0):
    """Case (a)'s distribution generated chunk by chunk on the workers."""
    import dask.array as da

    rng = np.random.default_rng(seed)
    W = rng.standard_normal((k, d)) * (2.0 / np.sqrt(d))
    X = da.random.default_rng(seed).standard_normal((n, d), chunks=(chunk_rows, d))

    def labels(block, block_info=None):
        start = block_info[0]["array-location"][0][0]
        scores = block @ W.T
        noise = np.random.default_rng([seed, start]).gumbel(size=scores.shape)
        return np.argmax(scores + noise, axis=1)

    y = X.map_blocks(labels, drop_axis=1, dtype=np.int64)
    return X, y


class _EvaluationTimer:
    """Times every cluster evaluation of the Dask objective (wraps its sums)."""

    def __init__(self):
        self.times = []
        self._sums = skl_dask._ChunkedSums.sums

    def __enter__(self):
        timer = self

        def timed(objective, W, b, outputs=None):
            start = time.perf_counter()
            result = timer._sums(objective, W, b, outputs)
            timer.times.append(time.perf_counter() - start)
            return result

        skl_dask._ChunkedSums.sums = timed
        return self

    def __exit__(self, *exc):
        skl_dask._ChunkedSums.sums = self._sums


class _PeakRSS:
    """Peak resident memory of this process while the block runs (sampled)."""

    def __enter__(self):
        import psutil

        self._process = psutil.Process()
        self.baseline = self._process.memory_info().rss
        self.peak = self.baseline
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while self._running:
            self.peak = max(self.peak, self._process.memory_info().rss)
            time.sleep(0.02)

    def __exit__(self, *exc):
        self._running = False
        self._thread.join()


def _median_time(fit, runs):
    fit()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        model = fit()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), model


def _bare_products(X, k, repeats=5):
    """Median time of ``W Xᵀ`` plus ``R X`` on the whole of ``X``."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((k, X.shape[1]))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        R = W @ X.T
        R @ X
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _round_trip(client, n_chunks, d, k):
    """Per-evaluation time of a fit whose chunks hold one row each: the overhead."""
    import dask.array as da

    X = da.ones((n_chunks, d), chunks=(1, d))
    y = da.from_array(np.arange(n_chunks) % k, chunks=1)
    with _EvaluationTimer() as timer:
        SoftmaxRegression(max_iter=20, tol=0).fit(X, y)
    return float(np.median(timer.times))


def _binary_objective(X, y, beta, C_dm):
    """dask-glm's objective divided by n, on the cluster: one formula for both."""
    import dask.array as da

    z = X @ beta
    loss = da.logaddexp(0, z) - y * z
    return float(loss.mean().compute()) + float(beta @ beta) / (2 * C_dm * X.shape[0])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--large", action="store_true", help="run the 4M-row case")
    parser.add_argument("--large-in-memory", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads-per-worker", type=int, default=None)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)

    import dask
    import dask.array as da
    import distributed

    sizes = SIZES["quick" if args.quick else "full"]
    n, d, k, chunk_rows = sizes["n"], sizes["d"], sizes["k"], sizes["chunk_rows"]
    threads = args.threads_per_worker or max(1, (os.cpu_count() or 2) // args.workers)
    results = {
        "mode": "quick" if args.quick else "full",
        "python": platform.python_version(),
        "dask": dask.__version__,
        "distributed": distributed.__version__,
        "cpu_count": os.cpu_count(),
        "workers": args.workers,
        "threads_per_worker": threads,
        "load_average_start": os.getloadavg()[0],
    }
    cluster = distributed.LocalCluster(
        n_workers=args.workers,
        threads_per_worker=threads,
        processes=True,
        dashboard_address=":0",
    )
    client = distributed.Client(cluster)
    try:
        # -- 1. case (a): in memory against Dask -----------------------------------
        X, y = _data(n, d, k)
        params = dict(C=1.0, tol=1e-4, max_iter=500)
        t_memory, memory_model = _median_time(
            lambda: SoftmaxRegression(**params).fit(X, y), args.runs
        )
        X_dask = da.from_array(X, chunks=(chunk_rows, d))
        y_dask = da.from_array(y, chunks=chunk_rows)
        X_dask, y_dask = dask.persist(X_dask, y_dask)
        distributed.wait([X_dask, y_dask])
        with _EvaluationTimer() as timer:
            t_dask, dask_model = _median_time(
                lambda: SoftmaxRegression(**params).fit(X_dask, y_dask), args.runs
            )
        n_evaluations = len(timer.times) // (args.runs + 1)
        memory_evaluations = memory_model.loss_curve_.shape[0]
        results["a"] = {
            "n": n,
            "d": d,
            "k": k,
            "chunks": len(X_dask.chunks[0]),
            "in_memory_s": t_memory,
            "dask_s": t_dask,
            "ratio_dask_over_memory": t_dask / t_memory,
            "n_iter_memory": int(memory_model.n_iter_[0]),
            "n_iter_dask": int(dask_model.n_iter_[0]),
            "dask_evaluations_per_fit": n_evaluations,
            "dask_ms_per_evaluation": 1e3 * float(np.median(timer.times)),
            "memory_ms_per_iteration": 1e3 * t_memory / max(memory_evaluations, 1),
            "bare_products_ms": 1e3 * _bare_products(X, k),
            "round_trip_overhead_ms": 1e3
            * _round_trip(client, len(X_dask.chunks[0]), d, k),
            "max_abs_coef_difference": float(
                np.abs(memory_model.coef_ - dask_model.coef_).max()
            ),
        }

        # -- 3. against dask-ml, binary, no intercept ----------------------------
        try:
            from dask_ml.linear_model import LogisticRegression as DaskMLLogistic
        except ImportError:
            results["dask_ml"] = "dask-ml not installed"
        else:
            y_binary = (y == 0).astype(np.float64)
            Xb = da.from_array(X, chunks=(chunk_rows, d))
            yb = da.from_array(y_binary, chunks=chunk_rows)
            Xb, yb = dask.persist(Xb, yb)
            C_dm, tol_dm = 1.0, 1e-4
            t_theirs, theirs = _median_time(
                lambda: DaskMLLogistic(
                    C=C_dm,
                    fit_intercept=False,
                    solver="lbfgs",
                    tol=tol_dm,
                    max_iter=500,
                ).fit(Xb, yb),
                args.runs,
            )
            t_ours, ours = _median_time(
                lambda: SoftmaxRegression(
                    C=C_dm / 2, fit_intercept=False, tol=tol_dm / n, max_iter=500
                ).fit(Xb, yb),
                args.runs,
            )
            results["dask_ml"] = {
                "mapping": "SoftmaxRegression(C=C_dm/2, tol=tol_dm/n) == "
                "dask_ml LogisticRegression(C=C_dm, solver='lbfgs', tol=tol_dm)",
                "C_dm": C_dm,
                "tol_dm": tol_dm,
                "dask_ml_s": t_theirs,
                "ours_s": t_ours,
                "ratio_ours_over_dask_ml": t_ours / t_theirs,
                "objective_dask_ml": _binary_objective(Xb, yb, theirs.coef_, C_dm),
                "objective_ours": _binary_objective(Xb, yb, ours.coef_[0], C_dm),
            }

        # -- 2. large (a), generated on the workers ------------------------------
        if args.large or args.quick:
            large_n = sizes["large_n"]
            X_large, y_large = _lazy_data(large_n, d, k, chunk_rows)
            with _PeakRSS() as memory:
                start = time.perf_counter()
                model = SoftmaxRegression(**params).fit(X_large, y_large)
                t_large = time.perf_counter() - start
            results["large"] = {
                "n": large_n,
                "data_bytes": int(X_large.nbytes),
                "dask_s": t_large,
                "n_iter": int(model.n_iter_[0]),
                "client_peak_rss_increase_bytes": int(memory.peak - memory.baseline),
                "parameter_bytes": 8 * k * (d + 1),
            }
            if args.large_in_memory:
                X_np, y_np = dask.compute(X_large, y_large)
                start = time.perf_counter()
                SoftmaxRegression(**params).fit(X_np, y_np)
                results["large"]["in_memory_s"] = time.perf_counter() - start
                results["large"]["ratio_dask_over_memory"] = (
                    t_large / results["large"]["in_memory_s"]
                )
    finally:
        client.close()
        cluster.close()
    results["load_average_end"] = os.getloadavg()[0]
    out = Path(args.out) if args.out else None
    if out is None:
        out = (
            Path(tempfile.mkdtemp(prefix="bench_dask_"))
            if args.quick
            else Path(__file__).resolve().parent / "results"
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / "dask.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "dask.md").write_text(_markdown(results))
    print(_markdown(results))
    print(f"written to {out}")


def _markdown(results):
    lines = [
        f"# Dask benchmark ({results['mode']})",
        "",
        f"dask {results['dask']}, distributed {results['distributed']}, "
        f"{results['workers']} workers × {results['threads_per_worker']} threads, "
        f"{results['cpu_count']} CPUs, load average {results['load_average_start']:.1f}"
        f" → {results.get('load_average_end', float('nan')):.1f}.",
        "",
    ]
    a = results["a"]
    lines += [
        f"## Case (a): n={a['n']}, d={a['d']}, K={a['k']}, {a['chunks']} chunks",
        "",
        "| measure | value |",
        "|---|---|",
        f"| in-memory fit (s) | {a['in_memory_s']:.3f} |",
        f"| Dask fit (s) | {a['dask_s']:.3f} |",
        f"| ratio Dask / in-memory (goal ≤ 1.5) | {a['ratio_dask_over_memory']:.2f} |",
        f"| iterations in memory / Dask | {a['n_iter_memory']} / {a['n_iter_dask']} |",
        f"| Dask: ms per evaluation | {a['dask_ms_per_evaluation']:.1f} |",
        f"| in memory: ms per iteration | {a['memory_ms_per_iteration']:.1f} |",
        f"| the two bare products, in memory (ms) | {a['bare_products_ms']:.1f} |",
        "| cluster round trip per evaluation (ms) | "
        f"{a['round_trip_overhead_ms']:.1f} |",
        f"| max abs coef_ difference | {a['max_abs_coef_difference']:.2e} |",
        "",
    ]
    dm = results.get("dask_ml")
    if isinstance(dm, dict):
        lines += [
            "## Against dask-ml (binary, no intercept, lbfgs)",
            "",
            f"Mapping: {dm['mapping']}.",
            "",
            "| | time (s) | objective |",
            "|---|---|---|",
            f"| dask-ml | {dm['dask_ml_s']:.3f} | {dm['objective_dask_ml']:.12g} |",
            f"| skl_softmax | {dm['ours_s']:.3f} | {dm['objective_ours']:.12g} |",
            f"| ratio (goal ≤ 0.5) | {dm['ratio_ours_over_dask_ml']:.2f} | |",
            "",
        ]
    large = results.get("large")
    if large:
        lines += [
            f"## Large (a): n={large['n']} ({large['data_bytes'] / 1e9:.2f} GB), "
            "generated on the workers",
            "",
            f"- Dask fit: {large['dask_s']:.2f} s, {large['n_iter']} iterations",
            "- client peak RSS increase during the fit: "
            f"{large['client_peak_rss_increase_bytes'] / 1e6:.1f} MB "
            f"(parameters: {large['parameter_bytes'] / 1e3:.1f} kB)",
        ]
        if "in_memory_s" in large:
            lines.append(
                f"- in memory: {large['in_memory_s']:.2f} s, ratio "
                f"{large['ratio_dask_over_memory']:.2f}"
            )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
