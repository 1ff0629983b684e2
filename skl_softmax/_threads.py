"""BLAS thread pools during a solve: which are limited, and why.

Wheels of NumPy and SciPy each bundle an OpenBLAS with its own thread pool.
When NumPy's matrix products and SciPy's L-BFGS-B step alternate, the two
pools' busy-waiting threads compete for the same cores (measured on 2 cores:
``LogisticRegression`` loses 1.6× on 200 000 × 200 data and 10-27× on digits).
Limiting only SciPy's pool to one thread removes that and leaves NumPy's
products parallel; L-BFGS-B's vector updates gain little from threads.

On small problems the products themselves are too small for threads to pay
(digits, 1797 × 64 × 10: twice as fast on one thread), so every BLAS pool is
limited.  Sparse products do not use BLAS at all, so nothing is limited and
L-BFGS-B keeps its threads (they matter with a million parameters).

Limits are process-wide while fits may run in several threads at once
(joblib's threading backend).  Each library's limit is therefore counted: the
first fit to need it sets it and the last to leave restores the original, so
no fit restores another's limit midway.
"""

import os
import threading
from contextlib import contextmanager, nullcontext

from scipy import sparse
from threadpoolctl import ThreadpoolController

# Below this many multiply-adds per product (n_samples × n_features ×
# n_outputs) every BLAS pool runs on one thread.
_SMALL_PROBLEM = 2**23

_LOCK = threading.Lock()
_USERS = {}
_ORIGINAL = {}
_CONTROLLER = None


def _blas_libraries(scipy_only):
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    libraries = [lib for lib in _CONTROLLER.lib_controllers if lib.user_api == "blas"]
    if scipy_only:
        # SciPy's wheel keeps its OpenBLAS in "scipy.libs"; where SciPy and
        # NumPy share one library (conda), nothing is SciPy's alone.
        libraries = [
            lib
            for lib in libraries
            if "scipy" in os.path.basename(os.path.dirname(lib.filepath))
            and "numpy" not in lib.filepath
        ]
    return libraries


@contextmanager
def _one_thread(libraries):
    with _LOCK:
        for lib in libraries:
            if _USERS.get(lib.filepath, 0) == 0:
                _ORIGINAL[lib.filepath] = lib.num_threads
                lib.set_num_threads(1)
            _USERS[lib.filepath] = _USERS.get(lib.filepath, 0) + 1
    try:
        yield
    finally:
        with _LOCK:
            for lib in libraries:
                _USERS[lib.filepath] -= 1
                if _USERS[lib.filepath] == 0:
                    lib.set_num_threads(_ORIGINAL.pop(lib.filepath))


def _limit_scipy_blas():
    """SciPy's own BLAS pool on one thread (the benchmarks give scikit-learn this)."""
    return _one_thread(_blas_libraries(scipy_only=True))


def solver_threads(X, n_outputs):
    """The thread setting for solving a problem on ``X`` with ``n_outputs`` logits."""
    if sparse.issparse(X):
        return nullcontext()
    small = X.shape[0] * X.shape[1] * n_outputs < _SMALL_PROBLEM
    return _one_thread(_blas_libraries(scipy_only=not small))
