"""Many independent L-BFGS-B problems whose objectives are evaluated together.

One-vs-rest fits ``K`` binary problems that share the data ``X``.  Each problem
keeps its own SciPy L-BFGS-B, so its iterates are exactly those of a separate
fit, but the objectives of all problems are computed together: one
``X Wᵀ`` and one ``Rᵀ X`` for all the problems still running, instead of a pass
over ``X`` per problem.

How: every problem's ``scipy.optimize.minimize`` runs in its own thread.  Its
objective does not compute anything; it hands its point to a barrier and
waits.  When every problem still running has a pending point, the caller's
thread takes them all, evaluates them in one batched call and hands the
results back: one *round*.  A problem that stops leaves the barrier, so the
party count shrinks as problems converge, and the number of rounds is the
largest number of evaluations of any one problem, not their sum.

The threads only run SciPy's L-BFGS-B bookkeeping and otherwise wait; every
matrix product runs in the caller's thread.  There is one thread per problem,
so thousands of labels mean thousands of (mostly sleeping) threads.

Nothing can hang: an exception in any thread (a non-finite objective, a
failing callback, ``KeyboardInterrupt`` in the caller) aborts the barrier,
every thread leaves, all are joined, and the first exception is raised in
the caller's thread.
"""

import threading

import numpy as np

from ._solver import minimize_lbfgs


class _Aborted(Exception):
    """Raised inside a problem's objective when the batch has been aborted."""


class _Barrier:
    """Collects one pending point per running problem, hands back their results.

    All state is guarded by one lock; problems wait on ``_results_ready`` and
    the coordinating thread on ``_points_ready``.  A problem never leaves with
    a point pending, so "every running problem has a pending point" is
    ``len(pending) == len(running)``.
    """

    def __init__(self, n_problems):
        self._lock = threading.Lock()
        self._points_ready = threading.Condition(self._lock)
        self._results_ready = threading.Condition(self._lock)
        self._pending = {}
        self._results = {}
        self._running = set(range(n_problems))
        self._iterations = []
        self.error = None
        self.aborted = False

    # -- called from a problem's thread ---------------------------------------------

    def evaluate(self, problem, x):
        """Submit ``x`` for ``problem``, wait for the round, return its result."""
        with self._lock:
            if self.aborted:
                raise _Aborted
            self._pending[problem] = x
            self._points_ready.notify()
            self._results_ready.wait_for(
                lambda: self.aborted or problem in self._results
            )
            if self.aborted:
                raise _Aborted
            return self._results.pop(problem)

    def record_iteration(self, problem, x, value, grad):
        with self._lock:
            self._iterations.append((problem, x, value, grad))

    def leave(self, problem, error=None):
        """Leave for good; an ``error`` aborts every other problem too."""
        with self._lock:
            self._running.discard(problem)
            if error is not None:
                self._abort(error)
            self._points_ready.notify()

    # -- called from the coordinating thread ----------------------------------------

    def next_round(self):
        """Wait until every running problem has a pending point and take them.

        Returns ``(problems, points, iterations, running)``: the problems of the
        round in increasing order, their points, the iterations completed since
        the previous round and the problems still running.  ``problems`` is
        empty once every problem has stopped.  Returns ``None`` when aborted.
        """
        with self._lock:
            self._points_ready.wait_for(
                lambda: self.aborted or len(self._pending) == len(self._running)
            )
            if self.aborted:
                return None
            problems = sorted(self._pending)
            points = [self._pending.pop(problem) for problem in problems]
            iterations, self._iterations = self._iterations, []
            return problems, points, iterations, frozenset(self._running)

    def deliver(self, problems, values, grads):
        with self._lock:
            for i, problem in enumerate(problems):
                self._results[problem] = (float(values[i]), grads[i])
            self._results_ready.notify_all()

    def abort(self, error=None):
        with self._lock:
            self._abort(error)

    def _abort(self, error):
        if error is not None and self.error is None:
            self.error = error
        self.aborted = True
        self._results_ready.notify_all()
        self._points_ready.notify_all()


class _Problem:
    """The objective one problem's L-BFGS-B sees: a trip through the barrier."""

    def __init__(self, index, barrier):
        self.index = index
        self.barrier = barrier
        self.n_evaluations = 0
        self.x = None
        self.value = None
        self.grad = None

    def __call__(self, x):
        value, grad = self.barrier.evaluate(self.index, x)
        self.n_evaluations += 1
        self.x, self.value, self.grad = x.copy(), value, grad
        return value, grad

    def on_iteration(self, x):
        # L-BFGS-B accepts the last point its line search evaluated, so the
        # value and gradient at the new iterate are normally those just
        # received; otherwise they are computed (one more trip).
        if self.x is None or not np.array_equal(x, self.x):
            self(x)
        self.barrier.record_iteration(self.index, self.x, self.value, self.grad)


def minimize_lbfgs_batched(
    evaluate, x0s, *, tol, max_iter, monitor=None, gradient_measure=None
):
    """Minimise independent problems with one L-BFGS-B each, evaluated in batches.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(problems, points) -> (values, grads)``: the objectives of the
        problems with indices ``problems`` (increasing) at ``points`` (a list
        of flat vectors), as an array of shape (n_active,) and the gradients as
        an array of shape (n_active, n_params).  Called in the caller's thread.
    x0s : list of ndarray
        One starting point per problem.
    tol : float
        Each problem stops when its largest gradient component is at most
        ``tol``.
    max_iter : int or sequence of int
        Maximum number of L-BFGS-B iterations, of every problem or of each.
    monitor : callable, default=None
        ``monitor(iterations, running)`` is called in the caller's thread
        before every round and once at the end: ``iterations`` lists
        ``(problem, x, value, grad)`` for the iterations completed since the
        previous call, in order, and ``running`` is the set of problems that
        have not stopped.
    gradient_measure : callable, default=None
        Passed to every problem's :func:`~skl_softmax._solver.minimize_lbfgs`.

    Returns
    -------
    results : list of LbfgsResult
        One per problem, as :func:`skl_softmax._solver.minimize_lbfgs` returns.
    n_rounds : int
        Number of batched evaluations.
    n_evaluations : ndarray of shape (n_problems,)
        Number of evaluations of each problem (the number of rounds it took
        part in).
    """
    n_problems = len(x0s)
    max_iters = np.broadcast_to(np.asarray(max_iter, dtype=np.intp), (n_problems,))
    barrier = _Barrier(n_problems)
    problems = [_Problem(index, barrier) for index in range(n_problems)]
    results = [None] * n_problems

    def run(problem, x0):
        try:
            results[problem.index] = minimize_lbfgs(
                problem,
                x0,
                tol=tol,
                max_iter=int(max_iters[problem.index]),
                on_iteration=None if monitor is None else problem.on_iteration,
                gradient_measure=gradient_measure,
            )
        except _Aborted:
            barrier.leave(problem.index)
        except BaseException as error:
            barrier.leave(problem.index, error)
        else:
            barrier.leave(problem.index)

    threads = [
        threading.Thread(
            target=run,
            args=(problem, x0),
            name=f"skl_softmax-lbfgs-{problem.index}",
            daemon=True,
        )
        for problem, x0 in zip(problems, x0s, strict=True)
    ]
    n_rounds = 0
    try:
        for thread in threads:
            thread.start()
        while True:
            batch = barrier.next_round()
            if batch is None:
                break
            active, points, iterations, running = batch
            if monitor is not None:
                monitor(iterations, running)
            if not active:
                break
            values, grads = evaluate(active, points)
            n_rounds += 1
            barrier.deliver(active, values, grads)
    except BaseException as error:
        barrier.abort(error)
    finally:
        if barrier.error is None and any(result is None for result in results):
            barrier.abort()
        for thread in threads:
            if thread.ident is not None:  # started (starting can fail)
                thread.join()
    if barrier.error is not None:
        raise barrier.error
    return (
        results,
        n_rounds,
        np.array([problem.n_evaluations for problem in problems]),
    )
