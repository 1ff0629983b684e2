"""Array API benchmark: our estimators against scikit-learn's on the same tensors.

Usage::

    python benchmarks/bench_array_api.py [--quick] [--gpu] [--runs N] [--out DIR]

Cases (PyTorch, ``sklearn.set_config(array_api_dispatch=True)`` for both sides):

- ``a-torch-cpu``: case (a) of ``run.py`` (n = 200 000, d = 200, K = 10, float64,
  defaults) on CPU tensors, ``SoftmaxRegression`` against ``LogisticRegression``.
- ``e-torch-cpu``: the same data, one-vs-rest: ``OneVsRestLogistic`` against
  one ``LogisticRegression`` per class on the same tensors (what
  ``OneVsRestClassifier(LogisticRegression())`` fits; the wrapper itself does
  not accept tensors).
- with ``--gpu``, on ``cuda``: float32, n = 1 000 000, d = 200, K = 10,
  ``tol=1e-4``: ours against ``LogisticRegression`` on the same GPU, ours on
  the GPU against our NumPy fit of the same data on the host, and our time
  per evaluation against the two bare products ``W Xᵀ`` and ``R X`` on the GPU.
  Without a CUDA device these rows say "not measured".

Every solution is scored with the one float64 objective of ``bench_objective``
(on the host, after the fit), runs alternate between competitors (each after
the pause of ``run.py``'s ``SETTLE_SECONDS``), and the report gives medians
and ratios. ``--quick`` uses the quick sizes of
``run.py`` (a smoke run). Results go to ``DIR/array_api[_quick].{json,md}``
(default ``benchmarks/results``).
"""

import os

# SciPy reads this once, at import: scikit-learn's array-API path needs it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from unittest import mock  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import sklearn  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_data import dense_multiclass  # noqa: E402
from bench_objective import (  # noqa: E402
    multinomial_objective,
    one_hot,
    one_vs_rest_objective,
)
from run import SETTLE_SECONDS  # noqa: E402

from skl_softmax import (  # noqa: E402
    OneVsRestLogistic,
    SoftmaxRegression,
    _loss,  # noqa: E402
)

SIZES = {
    "full": dict(n=200_000, d=200, k=10),
    "quick": dict(n=3_000, d=20, k=5),
    "gpu": dict(n=1_000_000, d=200, k=10),
    "gpu-quick": dict(n=20_000, d=50, k=10),
}
C = 1.0


def _host(array):
    return array.detach().cpu().numpy() if hasattr(array, "detach") else array


@contextlib.contextmanager
def _counting_evaluations():
    counts = []
    original = _loss._LinearObjective._pass

    def counted(self, *args, **kwargs):
        counts.append(1)
        return original(self, *args, **kwargs)

    with mock.patch.object(_loss._LinearObjective, "_pass", counted):
        yield counts


def _synchronise(device):
    if str(device).startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def _timed(fit, device):
    _synchronise(device)
    # No run pays for the last one's spinning threads.
    time.sleep(SETTLE_SECONDS["full"])
    start = time.perf_counter()
    result = fit()
    _synchronise(device)
    return time.perf_counter() - start, result


def _alternate(competitors, runs, device):
    """Median time and the last result of each competitor, runs alternated."""
    times = {name: [] for name in competitors}
    results = {}
    names = list(competitors)
    for name in names:  # warm-up: kernels, caches, lazy imports
        _timed(competitors[name], device)
    for run in range(runs):
        for name in names if run % 2 == 0 else names[::-1]:
            elapsed, results[name] = _timed(competitors[name], device)
            times[name].append(elapsed)
    return {name: statistics.median(times[name]) for name in names}, results


def _multinomial_score(model, X, y):
    coef, intercept = _host(model.coef_), _host(model.intercept_)
    if coef.shape[0] == 1:  # never here: K >= 3
        raise AssertionError
    return multinomial_objective(X, y, coef, intercept, C)


def _ovr_score(coefs, intercepts, X, Y):
    return one_vs_rest_objective(X, Y, np.asarray(coefs), np.asarray(intercepts), C)


def case_a(torch, size, runs, device="cpu", dtype=np.float64, tol=1e-4, host=False):
    """Multinomial: ours against LogisticRegression on the same tensors."""
    X, y = dense_multiclass(size["n"], size["d"], size["k"], seed=0, dtype=dtype)
    Xt = torch.asarray(X, device=device)
    yt = torch.asarray(y, device=device)
    ours = SoftmaxRegression(C=C, tol=tol)
    theirs = LogisticRegression(C=C, tol=tol)
    competitors = {
        "ours": lambda: ours.fit(Xt, yt),
        "sklearn": lambda: theirs.fit(Xt, yt),
    }
    if host:
        ours_host = SoftmaxRegression(C=C, tol=tol)

        def fit_host():
            with sklearn.config_context(array_api_dispatch=False):
                return ours_host.fit(X, y)

        competitors["ours on the host (NumPy)"] = fit_host
    with sklearn.config_context(array_api_dispatch=True):
        with _counting_evaluations() as counts:
            ours.fit(Xt, yt)
        n_evaluations = len(counts)
        medians, results = _alternate(competitors, runs, device)
    row = {
        "times": medians,
        "objective": {
            name: _multinomial_score(model, X, y) for name, model in results.items()
        },
        "n_iter": {
            name: int(_host(model.n_iter_)[0]) for name, model in results.items()
        },
        "evaluations": n_evaluations,
        "time_per_evaluation": medians["ours"] / n_evaluations,
        "bare_products": _bare_products(torch, Xt, size["k"], runs, device),
    }
    return row


def case_e(torch, size, runs, device="cpu", tol=1e-4):
    """One-vs-rest: ours against one LogisticRegression per class, same tensors."""
    X, y = dense_multiclass(size["n"], size["d"], size["k"], seed=0)
    Y = one_hot(y, size["k"])
    Xt = torch.asarray(X, device=device)
    yt = torch.asarray(y, device=device)
    Yt = [
        torch.asarray(Y[:, k].astype(np.int64), device=device)
        for k in range(Y.shape[1])
    ]
    ours = OneVsRestLogistic(C=C, tol=tol)

    def sklearn_ovr():
        return [LogisticRegression(C=C, tol=tol).fit(Xt, yk) for yk in Yt]

    competitors = {"ours": lambda: ours.fit(Xt, yt), "sklearn": sklearn_ovr}
    with sklearn.config_context(array_api_dispatch=True):
        medians, results = _alternate(competitors, runs, device)
    theirs = results["sklearn"]
    return {
        "times": medians,
        "objective": {
            "ours": _ovr_score(_host(ours.coef_), _host(ours.intercept_), X, Y),
            "sklearn": _ovr_score(
                [_host(m.coef_)[0] for m in theirs],
                [_host(m.intercept_)[0] for m in theirs],
                X,
                Y,
            ),
        },
        "n_iter": {
            "ours": int(np.max(_host(ours.n_iter_))),
            "sklearn": int(max(int(_host(m.n_iter_)[0]) for m in theirs)),
        },
    }


def _bare_products(torch, Xt, n_outputs, runs, device):
    """Median time of ``W Xᵀ`` then ``R X``: the arithmetic floor of one evaluation."""
    W = torch.ones((n_outputs, Xt.shape[1]), dtype=Xt.dtype, device=device)
    times = []
    for _ in range(runs + 1):
        _synchronise(device)
        start = time.perf_counter()
        Z = W @ Xt.T
        Z @ Xt
        _synchronise(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def _versions(torch):
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "torch": torch.__version__,
        "torch threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "machine": platform.machine(),
    }


def _format(results):
    lines = [
        "# Array API benchmark (PyTorch, array_api_dispatch=True)",
        "",
        f"Versions: {json.dumps(results['versions'])}",
        "",
        "| case | ours (s) | reference (s) | ratio | objective ours − reference "
        "| n_iter ours / reference | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in results["cases"].items():
        if row.get("not_measured"):
            lines.append(
                f"| {name} | not measured | not measured | | | | {row['note']} |"
            )
            continue
        times, objective = row["times"], row["objective"]
        reference = row.get("reference", "sklearn")
        note = row.get("note", "")
        if "time_per_evaluation" in row:
            note += (
                f" time/evaluation {row['time_per_evaluation'] * 1e3:.2f} ms vs bare "
                f"products {row['bare_products'] * 1e3:.2f} ms "
                f"({row['time_per_evaluation'] / row['bare_products']:.1f}×)"
            )
        lines.append(
            f"| {name} | {times['ours']:.3g} | {times[reference]:.3g} "
            f"| {times['ours'] / times[reference]:.2f} "
            f"| {objective['ours'] - objective[reference]:.2e} "
            f"| {row['n_iter']['ours']} / {row['n_iter'].get(reference, '')} "
            f"| {note.strip()} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--gpu", action="store_true", help="also the CUDA cases")
    parser.add_argument(
        "--only-gpu", action="store_true", help="skip the CPU cases (run_gpu.sh)"
    )
    parser.add_argument("--runs", type=int, default=None, help="counted runs")
    parser.add_argument("--out", type=Path, default=None, help="output directory")
    args = parser.parse_args(argv)
    import torch

    if args.only_gpu:
        args.gpu = True
    runs = args.runs or (2 if args.quick else 5)
    size = SIZES["quick" if args.quick else "full"]
    cases = {}
    start = time.perf_counter()
    cpu_cases = [
        ("a-torch-cpu", lambda: case_a(torch, size, runs)),
        ("e-torch-cpu", lambda: case_e(torch, size, runs)),
    ]
    for name, run in [] if args.only_gpu else cpu_cases:
        cases[name] = run()
        print(f"[{time.perf_counter() - start:7.1f} s] {name}: {cases[name]['times']}")
    gpu_size = SIZES["gpu-quick" if args.quick else "gpu"]
    gpu_name = (
        f"gpu-float32: n={gpu_size['n']:,}, d={gpu_size['d']}, K={gpu_size['k']}, "
        "tol=1e-4"
    )
    if args.gpu and torch.cuda.is_available():
        gpu = case_a(
            torch,
            gpu_size,
            max(1, runs // 2 + 1),
            device="cuda",
            dtype=np.float32,
            host=True,
        )
        cases[f"{gpu_name} vs sklearn on the GPU"] = gpu
        host_row = dict(gpu)
        host_row["reference"] = "ours on the host (NumPy)"
        host_row["note"] = "ours on the GPU vs our NumPy fit on the host;"
        cases[f"{gpu_name} vs our NumPy fit"] = host_row
        print(f"[{time.perf_counter() - start:7.1f} s] gpu: {gpu['times']}")
    else:
        why = "no CUDA device" if args.gpu else "run with --gpu on a CUDA machine"
        for what in ("vs sklearn on the GPU", "vs our NumPy fit"):
            cases[f"{gpu_name} {what}"] = {"not_measured": True, "note": why}
    results = {"versions": _versions(torch), "runs": runs, "cases": cases}
    out = args.out or Path(__file__).resolve().parent / "results"
    out.mkdir(parents=True, exist_ok=True)
    stem = "array_api_quick" if args.quick else "array_api"
    if args.only_gpu:
        stem += "_gpu"
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2, default=str))
    (out / f"{stem}.md").write_text(_format(results))
    print(_format(results))
    print(f"wrote {out / stem}.json and .md")


if __name__ == "__main__":
    main()
