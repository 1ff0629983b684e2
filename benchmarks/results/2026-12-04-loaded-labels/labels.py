"""1 000 one-vs-rest labels on 2 000 × 30: as is, then inside a one-thread limit.

Run beside CPU burners for the loaded figures (see README.md).
"""

import time
import warnings

import numpy as np
from sklearn.datasets import make_classification
from threadpoolctl import threadpool_limits

from skl_softmax import OneVsRestLogistic

warnings.simplefilter("ignore")
X, _ = make_classification(2000, 30, n_informative=10, n_classes=6, random_state=0)
Y = (np.random.default_rng(0).random((2000, 1000)) < 0.05).astype(int)
for limit in (None, 1):
    start = time.perf_counter()
    with threadpool_limits(limit):
        OneVsRestLogistic(max_iter=20).fit(X, Y)
    print(f"limit {limit}: {time.perf_counter() - start:.1f} s", flush=True)
