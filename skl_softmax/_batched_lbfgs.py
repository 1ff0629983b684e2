"""Many independent L-BFGS-B problems whose objectives are evaluated together.

One-vs-rest fits ``K`` binary problems that share the data ``X``.  Each problem
keeps its own SciPy L-BFGS-B, so its iterates are exactly those of a separate
fit, but the objectives of the problems in flight are computed together: one
``X Wᵀ`` and one ``Rᵀ X`` for all of them, instead of a pass over ``X`` per
problem.

How: a small fixed set of worker threads (``n_workers``, chosen by the caller
from a memory budget) takes the problems one after another; each worker runs
one problem's ``scipy.optimize.minimize`` at a time, then takes the next.  A
problem's objective does not compute anything; it hands its point to a
barrier and waits.  When every problem in flight has a pending point, the
caller's thread takes them all, evaluates them in one batched call and hands
the results back: one *round*.  A problem that stops leaves the barrier and its
worker starts the next problem, so at most ``n_workers`` problems (and their
L-BFGS-B workspaces) are alive at once, whatever the number of problems.
With one worker, the caller's thread is that worker and evaluates each point
as it is submitted (:class:`_InlineRounds`): no thread is started.

The threads only run SciPy's L-BFGS-B bookkeeping and otherwise wait; every
matrix product runs in the caller's thread.

Nothing can hang: an exception in any thread (a non-finite objective, a
failing callback, ``KeyboardInterrupt`` in the caller) aborts the barrier,
every thread leaves, all are joined, and the first exception is raised in
the caller's thread.
"""

import threading

import numpy as np

from ._solver import minimize_lbfgs, raise_if_cancelled


class _Aborted(Exception):
    """Raised inside a problem's objective when the batch has been aborted."""


class _Barrier:
    """Hands problems to workers, collects their points, hands back results.

    All state is guarded by one lock; problems wait on ``_results_ready`` and
    the coordinating thread on ``_points_ready``.  A problem never leaves with
    a point pending, so "every problem in flight has a pending point" is
    ``len(pending) == len(running)``.
    """

    def __init__(self, n_problems, keep_iterations=True):
        self._lock = threading.Lock()
        # The completed iterations (each a copy of its point and gradient) are
        # kept for the monitor only: without one, nothing would ever take them.
        self._keep_iterations = keep_iterations
        self._points_ready = threading.Condition(self._lock)
        self._results_ready = threading.Condition(self._lock)
        self._pending = {}
        self._results = {}
        self._running = set()
        self._next = 0
        self._n_problems = n_problems
        self._n_finished = 0
        self._iterations = []
        self.error = None
        self.aborted = False
        # Set when a monitor raises StopIteration (a user's callback asking to
        # stop): every problem then stops at its next iteration, as a separate
        # fit's L-BFGS-B does when its callback raises StopIteration.
        self.stop_requested = False

    # -- called from a worker's thread ----------------------------------------------

    def take(self):
        """The next problem for a worker, or ``None`` when none is left."""
        with self._lock:
            if self.aborted or self._next == self._n_problems:
                return None
            problem = self._next
            self._next += 1
            self._running.add(problem)
            return problem

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
        if not self._keep_iterations:
            return
        with self._lock:
            self._iterations.append((problem, x, value, grad))

    def leave(self, problem, error=None):
        """Leave for good; an ``error`` aborts every other problem too."""
        with self._lock:
            self._running.discard(problem)
            self._n_finished += 1
            if error is not None:
                self._abort(error)
            self._points_ready.notify()

    # -- called from the coordinating thread ----------------------------------------

    def next_round(self):
        """Wait until every problem in flight has a pending point and take them.

        Returns ``(problems, points, iterations, n_finished)``: the problems of
        the round in increasing order, their points, the iterations completed
        since the previous round and how many problems have stopped.
        ``problems`` is empty once every problem has stopped.  Returns ``None``
        when aborted.
        """
        with self._lock:
            self._points_ready.wait_for(
                lambda: (
                    self.aborted
                    or self._n_finished == self._n_problems
                    or (self._pending and len(self._pending) == len(self._running))
                )
            )
            if self.aborted:
                return None
            problems = sorted(self._pending)
            points = [self._pending.pop(problem) for problem in problems]
            iterations, self._iterations = self._iterations, []
            return problems, points, iterations, self._n_finished

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


class _InlineRounds(_Barrier):
    """The barrier of one problem in flight: its rounds run on its own thread.

    Each point is evaluated where it is submitted, after the monitor has seen
    the iterations since the previous round, as the coordinating thread would
    have done: the iterates, the rounds and the monitor's calls are those of
    one worker thread, without the thread and its two hand-offs per round (a
    binary one-vs-rest fit on breast_cancer: 1.46x the time of the softmax fit
    of the same problem before, 1.22x since; benchmarks/bench_one_label.py).
    """

    def __init__(self, n_problems, evaluate, monitor):
        super().__init__(n_problems, keep_iterations=monitor is not None)
        self._evaluate = evaluate
        self._monitor = monitor
        self.n_rounds = 0

    def evaluate(self, problem, x):
        self.call_monitor([problem])
        raise_if_cancelled()
        values, grads = self._evaluate([problem], [x])
        self.n_rounds += 1
        return float(values[0]), grads[0]

    def call_monitor(self, in_flight):
        if self._monitor is None:
            return
        iterations, self._iterations = self._iterations, []
        try:
            self._monitor(iterations, self._n_finished, in_flight)
        except StopIteration:
            self.stop_requested = True


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
        if self.barrier.stop_requested:
            raise StopIteration


def minimize_lbfgs_batched(
    evaluate,
    x0s,
    *,
    tol,
    max_iter,
    monitor=None,
    gradient_measure=None,
    n_workers=None,
    on_result=None,
):
    """Minimise independent problems with one L-BFGS-B each, evaluated in batches.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(problems, points) -> (values, grads)``: the objectives of the
        problems with indices ``problems`` (increasing) at ``points`` (a list
        of flat vectors), as an array of shape (n_active,) and the gradients as
        an array of shape (n_active, n_params).  Called in the caller's thread;
        every problem in flight takes part in every round, so a problem absent
        from a round has stopped.
    x0s : sequence of ndarray
        One starting point per problem, read when the problem starts.
    tol : float
        Each problem stops when its largest gradient component is at most
        ``tol``.
    max_iter : int or sequence of int
        Maximum number of L-BFGS-B iterations, of every problem or of each.
    monitor : callable, default=None
        ``monitor(iterations, n_finished, in_flight)`` is called in the
        caller's thread before every round and once at the end: ``iterations``
        lists ``(problem, x, value, grad)`` for the iterations completed since
        the previous call, in order, ``n_finished`` is the number of problems
        that have stopped (problems start in increasing order) and
        ``in_flight`` the problems of the coming round (empty at the end).
        When it raises StopIteration, every problem in flight stops at its
        next iteration and the problems not started yet stay at their
        starting points (``n_iter`` 0), as the rest of a fit that a callback
        stops.
    gradient_measure : callable, default=None
        Passed to every problem's :func:`~skl_softmax._solver.minimize_lbfgs`.
    n_workers : int, default=None
        Number of worker threads, hence of problems in flight at once;
        ``None`` means one per problem. With one, the problems run one after
        another on the caller's thread, and no thread is started.
    on_result : callable, default=None
        ``on_result(problem, result)`` is called in the problem's worker
        thread when it stops, and the returned list then holds ``None`` for it:
        the caller keeps only what it needs of each result (one-vs-rest writes
        ``x`` into its coefficients).

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
    n_workers = n_problems if n_workers is None else min(n_workers, n_problems)
    results = [None] * n_problems
    n_evaluations = np.zeros(n_problems, dtype=np.intp)

    def work():
        while (index := barrier.take()) is not None:
            problem = _Problem(index, barrier)
            stopped = barrier.stop_requested  # before it started: no iteration
            try:
                result = minimize_lbfgs(
                    problem,
                    x0s[index],
                    tol=tol,
                    max_iter=0 if stopped else int(max_iters[index]),
                    on_iteration=problem.on_iteration,
                    gradient_measure=gradient_measure,
                )
                result.stopped_by_callback |= stopped and not result.converged
                if on_result is None:
                    results[index] = result
                else:
                    on_result(index, result)
            except _Aborted:
                barrier.leave(index)
                return
            except BaseException as error:
                barrier.leave(index, error)
                return
            n_evaluations[index] = problem.n_evaluations
            barrier.leave(index)

    if n_workers == 1:
        barrier = _InlineRounds(n_problems, evaluate, monitor)
        work()
        if barrier.error is not None:
            raise barrier.error
        barrier.call_monitor([])
        return results, barrier.n_rounds, n_evaluations
    barrier = _Barrier(n_problems, keep_iterations=monitor is not None)
    threads = [
        threading.Thread(target=work, name=f"skl_softmax-lbfgs-{i}", daemon=True)
        for i in range(n_workers)
    ]
    n_rounds = 0
    try:
        for thread in threads:
            thread.start()
        while True:
            batch = barrier.next_round()
            if batch is None:
                break
            active, points, iterations, n_finished = batch
            if monitor is not None:
                try:
                    monitor(iterations, n_finished, active)
                except StopIteration:
                    barrier.stop_requested = True
            if not active:
                break
            raise_if_cancelled()
            values, grads = evaluate(active, points)
            n_rounds += 1
            barrier.deliver(active, values, grads)
    except BaseException as error:
        barrier.abort(error)
    finally:
        # Releases every worker still waiting (after an error); after a normal
        # end every problem has stopped and this changes nothing.
        barrier.abort()
        for thread in threads:
            if thread.ident is not None:  # started (starting can fail)
                thread.join()
    if barrier.error is not None:
        raise barrier.error
    return results, n_rounds, n_evaluations
