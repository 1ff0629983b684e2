"""Round trip per evaluation and a small Dask CV fit, for one checkout (argv[1])."""

import json
import os
import sys
import time

root = sys.argv[1]
sys.path.insert(0, root)
sys.path.insert(0, os.path.join(root, "benchmarks"))
import numpy as np  # noqa: E402

if __name__ == "__main__":
    import dask.array as da
    import distributed
    from bench_dask import _round_trip

    import skl_softmax
    from skl_softmax import OneVsRestLogisticCV, SoftmaxRegressionCV

    assert skl_softmax.__file__.startswith(root), skl_softmax.__file__
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    load = os.getloadavg()[0]
    _round_trip(client, 8, 200, 10)  # warm-up
    rts = [_round_trip(client, 8, 200, 10) for _ in range(3)]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((900, 6))
    y = np.argmax(X @ rng.standard_normal((3, 6)).T + rng.gumbel(size=(900, 3)), 1)
    Xd = da.from_array(X, chunks=(200, -1))
    yd = da.from_array(y, chunks=200)
    cv = []
    for Est in (
        SoftmaxRegressionCV,
        OneVsRestLogisticCV,
        SoftmaxRegressionCV,
        OneVsRestLogisticCV,
    ):
        t = time.perf_counter()
        Est(Cs=[1e-2, 0.3, 10.0], cv=3, tol=1e-8, max_iter=1000).fit(Xd, yd)
        cv.append(time.perf_counter() - t)
    print(
        json.dumps(
            {
                "root": root,
                "load": load,
                "round_trip_ms": [1e3 * r for r in rts],
                "softmax_cv_s": cv[0::2],
                "ovr_cv_s": cv[1::2],
            }
        )
    )
    client.close()
    cluster.close()
