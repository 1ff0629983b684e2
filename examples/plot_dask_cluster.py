"""
=====================================================================
Fitting on a Dask cluster: the same model as in memory
=====================================================================

:class:`~skl_softmax.SoftmaxRegression` fits Dask arrays where they live: the
chunks stay on the workers, each evaluation sends the parameters out and brings
one summed gradient back, and SciPy's L-BFGS-B runs on the client as in memory
(see :ref:`dask`). This example starts a small local cluster, fits the same
data in memory and as a chunked Dask array, and shows that the two fits take
the same iterations to the same optimum, while the predictions on the Dask
array stay lazy, chunk by chunk.
"""

import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client, LocalCluster
from sklearn.datasets import make_classification

from skl_softmax import SoftmaxRegression

X, y = make_classification(
    n_samples=20_000,
    n_features=20,
    n_informative=10,
    n_classes=4,
    random_state=0,
)

# A two-worker cluster in this process (threads); a real cluster is used the
# same way, through a Client connected to its scheduler.
cluster = LocalCluster(
    n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
)
client = Client(cluster)

in_memory = SoftmaxRegression(tol=1e-6).fit(X, y)

# Five uneven row chunks; the fit never gathers them to the client.
X_dask = da.from_array(X, chunks=((6_000, 4_000, 5_000, 4_999, 1), 20))
y_dask = da.from_array(y, chunks=X_dask.chunks[0])
on_dask = SoftmaxRegression(tol=1e-6).fit(X_dask, y_dask)

proba = on_dask.predict_proba(X_dask)  # lazy: one task per chunk
difference = np.abs(proba.compute() - in_memory.predict_proba(X)).max()
print(f"iterations: in memory {in_memory.n_iter_[0]}, on Dask {on_dask.n_iter_[0]}")
print(f"largest difference of the probabilities: {difference:.1e}")

client.close()
cluster.close()

fig, ax = plt.subplots(figsize=(6, 4))
optimum = min(in_memory.loss_curve_[-1], on_dask.loss_curve_[-1])
ax.semilogy(in_memory.loss_curve_ - optimum + 1e-16, "o-", label="in memory")
ax.semilogy(on_dask.loss_curve_ - optimum + 1e-16, "x--", label="Dask, 5 chunks")
ax.set_xlabel("L-BFGS-B iteration")
ax.set_ylabel("objective − final objective")
ax.set_title("The same iterations, in memory and on a cluster")
ax.legend()
fig.tight_layout()
plt.show()
