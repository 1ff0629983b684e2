"""Where a GPU fit's time goes: SoftmaxRegression against LogisticRegression.

Run on the H200 of this folder's README (PyTorch CUDA tensors, float32,
n = 1 000 000, d = 200, K = 10, tol = 1e-4, ``array_api_dispatch`` on), from
the repository root with ``SCIPY_ARRAY_API=1``::

    python benchmarks/results/2026-12-04-gpu/profile.py > profile.txt

Prints the fit times (medians of 5, synchronised), the fits stopped after 0
and 1 iterations (the fixed costs), each pass over the data of one fit timed
alone, the two bare products, a cProfile of one fit (host time) and PyTorch's
profiler tables of one fit of each (kernel time), then the bare products in
four layouts. ``N`` and ``DEV`` (environment) shrink it to a smoke run on
the CPU.
"""

import cProfile
import io
import os
import pstats
import statistics
import sys
import time
import warnings

os.environ.setdefault("SCIPY_ARRAY_API", "1")
sys.path[:0] = ["benchmarks", "."]

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import torch  # noqa: E402
from bench_data import dense_multiclass  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402

from skl_softmax import SoftmaxRegression, _loss  # noqa: E402

warnings.simplefilter("ignore")  # the fits stopped after 0 and 1 iterations
N = int(os.environ.get("N", 1_000_000))
DEV = os.environ.get("DEV", "cuda")
X, y = dense_multiclass(N, 200, 10, seed=0, dtype=np.float32)
Xt = torch.asarray(X, device=DEV)
yt = torch.asarray(y, device=DEV)


def sync():
    if DEV == "cuda":
        torch.cuda.synchronize()


def timed(fit, n=3):
    times = []
    for _ in range(n):
        sync()
        start = time.perf_counter()
        fit()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def ours(**params):
    return SoftmaxRegression(tol=1e-4, **params).fit(Xt, yt)


def theirs(**params):
    return LogisticRegression(tol=1e-4, **params).fit(Xt, yt)


sklearn.set_config(array_api_dispatch=True)
ours()
theirs()
print("ours fit", timed(ours, 5))
print("sklearn fit", timed(theirs, 5))
print("ours max_iter=0", timed(lambda: ours(max_iter=0)))
print("ours max_iter=1", timed(lambda: ours(max_iter=1)))
print("sklearn max_iter=1", timed(lambda: theirs(max_iter=1)))

passes = []
original = _loss._LinearObjective._pass


def timed_pass(self, *args, **kwargs):
    sync()
    start = time.perf_counter()
    result = original(self, *args, **kwargs)
    sync()
    passes.append(time.perf_counter() - start)
    return result


_loss._LinearObjective._pass = timed_pass
ours()
_loss._LinearObjective._pass = original
print(
    "passes",
    len(passes),
    "median ms",
    1e3 * statistics.median(passes),
    "sum ms",
    1e3 * sum(passes),
)
W = torch.ones((10, 200), dtype=Xt.dtype, device=DEV)


def bare():
    Z = W @ Xt.T
    Z @ Xt


print("bare products", timed(bare, 10))

profiler = cProfile.Profile()
sync()
profiler.enable()
ours()
sync()
profiler.disable()
for order in ("tottime", "cumulative"):
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(40)
    print(text.getvalue()[:9000])
for fit in (ours, theirs):
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        fit()
        sync()
    print(
        prof.key_averages().table(
            sort_by="cuda_time_total", row_limit=30, max_name_column_width=60
        )
    )

print("=== product layouts (median of 20, ms)")
Zc = W @ Xt.T
Zr = Xt @ W.T
layouts = {
    "W@X.T, Z@X": lambda: (W @ Xt.T) @ Xt,
    "X@W.T, Z.T@X": lambda: (Xt @ W.T).T @ Xt,
    "X@W.T, (X.T@Z).T": lambda: (Xt.T @ (Xt @ W.T)).T,
    "W@X.T, X.T@Z.T": lambda: Xt.T @ (W @ Xt.T).T,
    "forward only W@X.T": lambda: W @ Xt.T,
    "forward only X@W.T": lambda: Xt @ W.T,
    "backward only Z@X": lambda: Zc @ Xt,
    "backward only Z.T@X (Z n×K)": lambda: Zr.T @ Xt,
    "backward only X.T@Z": lambda: Xt.T @ Zr,
}
for name, product in layouts.items():
    product()
    print(name, 1e3 * timed(product, 20)[0])
