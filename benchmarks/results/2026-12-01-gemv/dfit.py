import sys, time, os, warnings, importlib
import numpy as np
from sklearn.linear_model import LogisticRegression
sys.path.insert(0, sys.argv[1])
from skl_softmax import SoftmaxRegression
import skl_softmax; print(skl_softmax.__file__)
def data(n, d, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)); w = rng.standard_normal(d) / np.sqrt(d) * 2
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w)))).astype(int)
    return X, y
for n, d in [(500_000, 100), (1_000_000, 20), (1_000_000, 50)]:
    X, y = data(n, d)
    t = {"ours": [], "lr": []}
    for r in range(6):
        for k, est in (("ours", SoftmaxRegression(C=0.5)), ("lr", LogisticRegression(C=1.0))):
            s = time.perf_counter(); est.fit(X, y); el = time.perf_counter() - s
            if r: t[k].append(el)
    mo, ml = np.median(t["ours"]), np.median(t["lr"])
    print(f"{n}x{d} ours {mo:.3f}s lr {ml:.3f}s ratio {mo/ml:.2f}", flush=True)
print("load", os.getloadavg())
