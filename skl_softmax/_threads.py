"""BLAS thread pools: why a fit never touches them, and how it avoids their cost.

What was measured (NumPy 2.4 and SciPy 1.17 wheels, each bundling its own
pthreads OpenBLAS, threadpoolctl 3.8, 2 cores):

- Every OpenBLAS thread limit is process-wide. ``openblas_set_num_threads_local``
  exists in both builds, but in a pthreads build it sets the global count too
  (set in one thread, read back in another). Nothing per thread exists.
- threadpoolctl obeys only the first thread that ever sets an OpenBLAS limit
  while it lives (its "controlling thread"); after one limited fit in the main
  thread, ``threadpool_limits`` in every other thread silently does nothing.
- Limits counted across concurrent fits still show one fit's limit to every
  other thread of the process, and fits overlapping in two threads could leave
  both pools pinned at one thread.

So no limit can be made safe, and a fit sets none: it leaves every pool as it
found it and obeys whatever limits the user set (``threadpool_limits`` in any
thread), as ``LogisticRegression`` does.

What the limits bought, and what replaces them. On small problems the products
are too small for threads to pay: waking a pool costs more than the product
(digits, 1797 × 64 × 10: a fit 10-30× slower on a busy 2-core machine when
the product runs threaded), and a pool's threads that spin after a product
compete with everything else. OpenBLAS itself runs a GEMM on the calling
thread when ``m · n · k`` is below ``2**19`` (its ``SMP_THRESHOLD_MIN`` of
65 536 times ``GEMM_MULTITHREAD_THRESHOLD`` = 4, halved by its rule for two
threads), whatever the pool size. The loss therefore cuts small dense problems
into row blocks whose products stay below that size
(:func:`single_thread_rows`): the pools are never woken, nothing is set, and
concurrent fits in threads each run on their own thread.

Large problems need threads, and get the fit's own. Left to OpenBLAS, a large
pass runs every block's two products on NumPy's pool, whose threads
meet at a barrier after each product: one thread that loses its core (another
process, or SciPy's pool spinning after L-BFGS-B's step, which a fit cannot
stop without a process-wide limit) stalls them all. Measured on 2 cores, one
pass of 200 000 × 200 × 10 took 103 ms on NumPy's pool, 175 ms right after an
L-BFGS-B step and 350 ms beside one CPU-bound process; split as below, 84, 104
and 136 ms. So large dense passes on NumPy are cut into chunks of blocks that
a few threads of the fit take in turn (:func:`run_chunks`, dynamic, so a
thread that loses its core delays only its chunk), and every product of a
block is cut into pieces below OpenBLAS's single-thread size: no pool is ever
woken. How many threads: the CPUs this process may really use (affinity and
cgroup CPU quota, :func:`available_cpus`) and never more than the BLAS
limit in force (``threadpool_limits`` or ``OPENBLAS_NUM_THREADS``, read, never
set: :func:`product_threads`). One output (a binary problem) of up to 300
features is multiplied by matrix-vector products, whose pieces OpenBLAS runs
on the calling thread up to a larger size (:func:`vector_piece_rows`). One
exception, measured in ``skl_softmax._loss``: with that limit at one thread (a
joblib or Dask worker) there is no pool to wake, and one thread multiplies
whole blocks of up to 300 features.

Sparse passes share the same threads: SciPy's sparse products run on the
calling thread and release the GIL, so a large CSR matrix is cut into one
chunk of rows per thread (CSR views, never copies; skl_softmax._loss).

The same holds around the pass: ``W μ`` and ``‖W‖²`` run on the calling
thread (through ``einsum`` from the size at which OpenBLAS would thread them,
``skl_softmax._loss._matvec``), and the weighted loss sum of a block (all rows
of sparse data) is a NumPy sum, not a dot product. Predictions on dense NumPy
data multiply ``X Wᵀ`` in the passes' pieces too
(``skl_softmax._loss.prediction_logits``), as does the check of a ``C=inf``
fit for separated classes: the CV estimators score held-out rows between
fits, and a pool woken by a score spun beside the next fit.
OpenBLAS threads a dot product from 10 000 elements and a GEMV from 460 800
(NumPy sends a single row times a vector, one label's ``w μ``, to the dot
product), and the pool such a product wakes spins beside the next L-BFGS-B
step: on sparse case (c), 20 × 50 000 parameters, that step took 51-60 ms per
call after them and 38-41 ms without (benchmarks/bench_sparse.py).

What is left: SciPy's L-BFGS-B (C since SciPy 1.15) calls LAPACK's ``dtrtrs``
at every iteration with several right-hand sides (``formk``), and OpenBLAS runs
``dtrtrs`` on its pool whatever the size (``dtrtrs_UTN_parallel``, two jobs,
seen with gdb at 10 parameters). The worker it wakes spins for about 0.1 s,
beside our next evaluation, and only a process-wide limit would stop it. It
costs more than the barriers above suggest: with SciPy's pool limited to one
thread from outside, a default fit of 200 000 × 200 × 10 took 0.69× its time
(3.40 s to 2.35 s; ``LogisticRegression`` 0.77×), 0.48× on PyTorch CPU tensors
(``benchmarks/bench_lbfgsb_pool.py``). On a busy machine each L-BFGS-B
iteration costs 0.5-4 ms more (load 10 to 20; 0.1-0.5 ms with SciPy's pool on
one thread), the same as for ``LogisticRegression``. The user guide shows how
a program limits SciPy's pool around its own fits.
"""

import math
import os
import threading

# A GEMM with fewer multiply-adds than this runs on the calling thread in
# OpenBLAS whatever its pool size (interface/gemm.c: one thread below
# SMP_THRESHOLD_MIN · GEMM_MULTITHREAD_THRESHOLD = 65 536 · 4 per thread, so
# below twice that with two or more threads).
_SINGLE_THREAD_PRODUCT = 2**19
# A GEMV (matrix-vector product) with fewer elements than this runs on the
# calling thread in OpenBLAS whatever its pool size (interface/gemv.c:
# 115 200 · GEMM_MULTITHREAD_THRESHOLD = 4, since OpenBLAS 0.3.27, the one in
# NumPy 2.1's wheels; measured the same in NumPy 2.4's 0.3.31: no other thread
# ran below 460 800 elements, the pool ran from 470 000).
_SINGLE_THREAD_VECTOR_PRODUCT = 460_800
# A dot product of up to this many elements runs on the calling thread
# (kernel/x86_64/ddot.c).
_SINGLE_THREAD_DOT = 10_000
# Problems (n_samples × n_features × n_outputs multiply-adds per product) below
# this size are cut into such blocks: at most 16 blocks, whose Python overhead
# (about 20 µs each) stays small next to the products.
_SMALL_PROBLEM = 2**23


def single_thread_rows(n_samples, n_features, n_outputs):
    """Rows per block so that a small dense problem's products never use a pool.

    Parameters
    ----------
    n_samples, n_features, n_outputs : int
        The shape of the products ``W Xᵀ`` and ``R X``.

    Returns
    -------
    rows : int or None
        A number of rows whose products run on the calling thread, or ``None``
        for problems large enough that threaded products pay.
    """
    work_per_row = max(1, n_features * n_outputs)
    if n_samples * work_per_row >= _SMALL_PROBLEM:
        return None
    # One output multiplies by a vector: a GEMV (OpenBLAS sends a GEMM with a
    # dimension of one there too), threaded from a smaller size than a GEMM.
    # Blocks of 5 000 × 100 woke NumPy's pool at every product.
    if n_outputs == 1:
        return vector_piece_rows(n_features)
    return max(1, (_SINGLE_THREAD_PRODUCT - 1) // work_per_row)


# The threads of one pass never exceed this, whatever the machine.
_MAX_THREADS = 8
_CONTROLLER = None
_CONTROLLER_LOCK = threading.Lock()


def available_cpus():
    """CPUs this process may use: its affinity, within its cgroup CPU quota."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    try:
        with open("/sys/fs/cgroup/cpu.max") as file:
            quota, period = file.read().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cpus)


def blas_threads():
    """The thread count of the BLAS that NumPy's products use, as now set.

    Read (never set) through threadpoolctl, whose controller is built once: a
    ``threadpool_limits`` of the user's, in any thread, or an
    ``OPENBLAS_NUM_THREADS`` shows here. ``None`` when no BLAS is found.
    """
    global _CONTROLLER
    with _CONTROLLER_LOCK:
        if _CONTROLLER is None:
            from threadpoolctl import ThreadpoolController

            _CONTROLLER = ThreadpoolController()
    blas = [lib for lib in _CONTROLLER.lib_controllers if lib.user_api == "blas"]
    numpy_blas = [lib for lib in blas if "numpy" in lib.filepath]
    counts = [lib.num_threads for lib in (numpy_blas or blas)]
    return min(counts) if counts else None


def product_threads():
    """Threads a large dense pass may use (see the module docstring)."""
    limit = blas_threads()
    cpus = available_cpus()
    return max(1, min(_MAX_THREADS, cpus, cpus if limit is None else limit))


def piece_rows(n_features, n_outputs):
    """Rows of a product piece that OpenBLAS runs on its calling thread.

    For the matrix products ``W X_pieceᵀ`` and ``R X_piece`` of ``n_outputs``
    (at least 2) rows of ``W``.
    """
    return max(1, (_SINGLE_THREAD_PRODUCT - 1) // max(1, n_features * n_outputs))


def vector_piece_rows(n_features):
    """Rows of a matrix-vector product piece that OpenBLAS runs on its calling thread.

    For the products ``X_piece w`` and ``rᵀ X_piece`` of one output.
    """
    return max(1, (_SINGLE_THREAD_VECTOR_PRODUCT - 1) // max(1, n_features))


def run_chunks(work, n_chunks, n_threads):
    """``[work(0), …, work(n_chunks - 1)]``, the chunks shared by ``n_threads``.

    The caller's thread works too, beside at most ``n_threads - 1`` helpers
    that live for this call only; each takes the next chunk not yet taken, so
    a thread that loses its core delays one chunk, not the others. The first
    exception of any chunk is raised in the caller's thread once every thread
    has stopped taking chunks. The result does not depend on ``n_threads``.
    """
    results = [None] * n_chunks
    n_helpers = min(n_threads, n_chunks) - 1
    if n_helpers <= 0:
        return [work(i) for i in range(n_chunks)]
    lock = threading.Lock()
    state = {"next": 0, "error": None}

    def take_chunks():
        while True:
            with lock:
                index = state["next"]
                if index >= n_chunks or state["error"] is not None:
                    return
                state["next"] = index + 1
            try:
                results[index] = work(index)
            except BaseException as error:
                with lock:
                    if state["error"] is None:
                        state["error"] = error
                return

    helpers = [
        threading.Thread(target=take_chunks, name=f"skl_softmax-pass-{i}", daemon=True)
        for i in range(n_helpers)
    ]
    try:
        for helper in helpers:
            helper.start()
        take_chunks()
    finally:
        with lock:
            # Nothing more is taken after an interruption of the caller.
            state["next"] = n_chunks
        for helper in helpers:
            if helper.ident is not None:
                helper.join()
    if state["error"] is not None:
        raise state["error"]
    return results
