"""BLAS thread pools: why a fit never touches them, and how it avoids their cost.

What was measured (NumPy 2.4 and SciPy 1.17 wheels, each bundling its own
pthreads OpenBLAS, threadpoolctl 3.6, 2 cores):

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
concurrent fits in threads each run on their own thread. Large problems keep
threaded products, where threads pay.

What is lost: SciPy's L-BFGS-B calls its own BLAS on vectors of the
parameters' length, threaded from about a thousand parameters, and its pool
and NumPy's can no longer be kept apart on large problems. On a quiet machine
the cost is small next to the products; the benchmark table shows it.
"""

# A GEMM with fewer multiply-adds than this runs on the calling thread in
# OpenBLAS whatever its pool size (interface/gemm.c: one thread below
# SMP_THRESHOLD_MIN · GEMM_MULTITHREAD_THRESHOLD = 65 536 · 4 per thread, so
# below twice that with two or more threads).
_SINGLE_THREAD_PRODUCT = 2**19
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
    return max(1, (_SINGLE_THREAD_PRODUCT - 1) // work_per_row)
