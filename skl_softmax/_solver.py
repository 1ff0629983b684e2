"""The one solver: SciPy's L-BFGS-B with scikit-learn's settings.

Options match ``LogisticRegression(solver="lbfgs")`` so that iteration counts
can be compared one to one: ``maxiter=max_iter``, ``gtol=tol`` (stop when the
largest projected gradient component is at most ``tol``), ``maxls=50`` (the
default of 20 line-search steps is too few for badly scaled problems) and
``ftol=64·eps``, far enough above machine precision that the relative
decrease test rarely stops the solver before the gradient test does.

Where it does with the gradient measure still above ``tol`` in a fit that
works in other coordinates (badly scaled columns, whose path differs from
LogisticRegression's anyway), the objective no longer tells points apart but
the gradient still does: :func:`_finish_on_gradients` goes on from there.
"""

import contextlib
import contextvars
import functools
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize
from sklearn import get_config
from sklearn.exceptions import ConvergenceWarning

from ._compat import _fit_context

_FTOL = 64 * np.finfo(float).eps
# Steps of the gradient-judged finish without a smaller gradient before it ends.
# Three left 54 of 336 float64 finishes on badly scaled columns (tol 1e-6 to
# 1e-10) 4 to 4e6 times above tol, where the gradient rises for a few steps
# before it falls; six took all 336 to tol (benchmarks/results/2026-12-04-finish).
_FINISH_PATIENCE = 6
_MAXLS = 50
# Frames in files under this folder are the package's own (see warn).
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
# scikit-learn's wrapper around every fit (one code object for all of them).
_FIT_CONTEXT_WRAPPER = _fit_context(prefer_skip_nested_validation=True)(
    lambda estimator: None
).__code__


# Set around fits that run beside others in threads (the folds of the CV
# estimators with n_jobs): once the event is set (another fit failed, or the
# caller was interrupted), the fit stops at its next iteration. Per context,
# so per thread: nothing another fit sees.
cancel_event = contextvars.ContextVar("skl_softmax_cancel_event", default=None)


# Set around fits whose caller's frame is not on their stack (the folds of the
# CV estimators in joblib's workers): their warnings are collected here, and
# the caller issues them, pointing at the user's line. Per context as well.
deferred_warnings = contextvars.ContextVar(
    "skl_softmax_deferred_warnings", default=None
)


class Cancelled(Exception):
    """The fit stopped because a fit running beside it failed."""


def raise_if_cancelled():
    """Raise :class:`Cancelled` if this thread's fits were asked to stop."""
    event = cancel_event.get()
    if event is not None and event.is_set():
        raise Cancelled


@dataclass
class LbfgsResult:
    """What a fit needs to know about one L-BFGS-B run."""

    x: np.ndarray
    fun: float
    grad_max: float
    n_iter: int
    converged: bool
    message: str
    loss_curve: list = field(default_factory=list)
    stopped_by_callback: bool = False


class NonFiniteObjectiveError(FloatingPointError, ValueError):
    """The objective came out NaN or infinite at a point L-BFGS-B asked for.

    Fits validate that the data are finite, so on them this means that sums
    over the samples overflowed: a ``ValueError`` about the data's scale (and
    a ``FloatingPointError``, what it was before it said so).
    """


@contextlib.contextmanager
def naming_unchecked_data():
    """Re-raise a :class:`NonFiniteObjectiveError` that unchecked data explain.

    With scikit-learn's ``assume_finite=True`` (read in the fitting thread;
    the objective may run in a solver's worker thread) the data were not
    checked, and NaN or infinity in them is the likely cause, not overflow.
    Used as a decorator on the fits' solving methods.
    """
    try:
        yield
    except NonFiniteObjectiveError as error:
        if not get_config()["assume_finite"]:
            raise
        value = str(error).split("(", 1)[1].split(")", 1)[0]
        raise NonFiniteObjectiveError(
            f"objective is not finite ({value}). scikit-learn's assume_finite=True "
            "skipped the check that X, y and sample_weight are finite: NaN or "
            "infinity in them gives this. Check the data, or fit outside "
            "config_context(assume_finite=True) to have them checked."
        ) from None


class _CachedObjective:
    """Remember the last evaluation, so that per-iteration reports cost nothing.

    L-BFGS-B accepts the last point its line search evaluated, so at each
    iteration callback the gradient at the new iterate is the cached one.
    """

    def __init__(self, fun):
        self.fun = fun
        self.x = None
        self.value = None
        self.grad = None

    def __call__(self, x):
        value, grad = self.fun(x)
        if not math.isfinite(value):
            # A non-finite objective would send L-BFGS-B into an endless line
            # search or return NaN coefficients; it can only come from
            # non-finite data or parameters, which fit validates.
            raise NonFiniteObjectiveError(
                f"objective is not finite ({value}). Fits check that the data "
                "are finite, so a sum over the samples overflowed: features "
                "near the largest float (|x| times the number of samples beyond "
                f"{np.finfo(np.float64).max:.3g}) must be scaled first, e.g. with "
                "MaxAbsScaler or StandardScaler in a Pipeline."
            )
        self.x, self.value, self.grad = x.copy(), value, grad
        return value, grad

    def grad_at(self, x):
        # Not np.array_equal: its checks cost more than the comparison on
        # small problems, whose every iteration calls this.
        if self.x is not None and x.shape == self.x.shape and (x == self.x).all():
            return self.grad
        return self.fun(x)[1]


def _max_abs(grad):
    return float(np.abs(grad).max()) if grad.size else 0.0


def minimize_lbfgs(
    fun,
    x0,
    *,
    tol,
    max_iter,
    verbose=0,
    on_iteration=None,
    gradient_measure=None,
    iterations_before=0,
):
    """Minimise ``fun`` (returning objective and gradient) from ``x0``.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (float, ndarray)``, the objective and its gradient.
    x0 : ndarray of shape (n_params,)
        Starting point.
    tol : float
        Stop when the gradient measure is at most ``tol``.
    max_iter : int
        Maximum number of L-BFGS-B iterations.
    verbose : int, default=0
        If positive, print the objective and gradient after every iteration.
    on_iteration : callable, default=None
        Called as ``on_iteration(x)`` after every iteration.
    gradient_measure : callable, default=None
        ``gradient_measure(grad) -> float``, the size of a gradient that ``tol``
        bounds. ``None`` means the largest component, which L-BFGS-B tests
        itself; a custom measure (the gradient with respect to the model's
        parameters when the solver works in other coordinates) is tested after
        every iteration instead.
    iterations_before : int, default=0
        Iterations of an earlier phase of the same fit (the float64 finish of
        a float32 fit): the verbose lines go on counting from there.

    Returns
    -------
    result : LbfgsResult
    """
    cached = _CachedObjective(fun)
    loss_curve = []
    measure = _max_abs if gradient_measure is None else gradient_measure
    x0 = np.asarray(x0, dtype=np.float64)
    if max_iter == 0:
        # The starting point, evaluated: SciPy would still take one step.
        value, grad = cached(x0)
        return LbfgsResult(x0, value, measure(grad), 0, measure(grad) <= tol, "")
    if gradient_measure is not None and measure(cached(x0)[1]) <= tol:
        return LbfgsResult(x0, cached.value, measure(cached.grad), 0, True, "")
    stopped_by_callback = []

    def callback(intermediate_result):
        x = intermediate_result.x
        report(x, intermediate_result.fun)
        if gradient_measure is not None and measure(cached.grad_at(x)) <= tol:
            raise StopIteration

    def report(x, fun):
        raise_if_cancelled()
        loss_curve.append(float(fun))
        if verbose:
            print(
                f"iteration {iterations_before + len(loss_curve):4d}   objective "
                f"{loss_curve[-1]:.12e}   max |gradient| "
                f"{measure(cached.grad_at(x)):.3e}",
                file=sys.stdout,
            )
        if on_iteration is not None:
            try:
                on_iteration(x)
            except StopIteration:
                # A user's callback asked to stop: end as LogisticRegression
                # does (SciPy stops), and say so truthfully.
                stopped_by_callback.append(True)
                raise

    result = optimize.minimize(
        cached,
        x0,
        method="L-BFGS-B",
        jac=True,
        callback=callback,
        options={
            "maxiter": max_iter,
            "maxls": _MAXLS,
            # With a custom measure, the callback decides; 0 keeps
            # L-BFGS-B's own test on the solver's gradient from firing.
            "gtol": tol if gradient_measure is None else 0.0,
            "ftol": _FTOL,
        },
    )
    x, fun = result.x, float(result.fun)
    grad_max = measure(cached.grad_at(x))
    n_iter = int(min(result.nit, max_iter))
    del loss_curve[n_iter:]
    status, message = result.status, str(result.message)
    if (
        gradient_measure is not None
        and grad_max > tol
        and _on_flat_objective(result)
        and not stopped_by_callback
    ):
        iterates = _finish_on_gradients(
            cached, x, fun, result.hess_inv, tol, measure, max_iter - n_iter
        )
        for x_k, fun_k, grad_k in iterates:
            x, fun, grad_max = x_k, fun_k, grad_k
            n_iter += 1
            try:
                report(x, fun)
            except StopIteration:
                break
        if grad_max <= tol:
            status, message = 0, "CONVERGENCE: gradient at most tol"
    return LbfgsResult(
        x=x,
        fun=fun,
        grad_max=grad_max,
        n_iter=n_iter,
        # A line search that fails once the gradient is already below tol
        # (round-off at the optimum) is a success.
        converged=bool(status == 0 or grad_max <= tol),
        message=message,
        loss_curve=loss_curve,
        stopped_by_callback=bool(stopped_by_callback),
    )


def _on_flat_objective(result):
    """Whether L-BFGS-B stopped because the objective no longer told points apart.

    Its relative-decrease test (``ftol``), or a line search that failed: both
    happen where the objective's values differ in their last digits only,
    which on badly scaled data is far from the ``tol`` asked of the gradient.
    """
    # "REL_REDUCTION_OF_F_<=_FACTR*EPSMCH" in SciPy 1.15, spaces in later ones.
    message = str(result.message).replace("_", " ")
    return result.nit > 0 and ("REDUCTION OF F" in message or "ABNORMAL" in message)


def _finish_on_gradients(cached, x, fun, hess_inv, tol, measure, max_steps):
    """Quasi-Newton steps judged by the gradient, where the objective is flat.

    Each step goes along L-BFGS-B's own direction (its last inverse-Hessian
    approximation times the gradient) to where the slope along it vanishes (a
    secant step on the slope when the unit step leaves more than a tenth of
    it), while the objective does not rise beyond its rounding; its pair then
    joins the approximation. Each new smallest gradient measure ends an
    iteration; the steps stop when the measure is at most ``tol`` or has not
    shrunk in ``_FINISH_PATIENCE`` steps.

    Returns the iterations as ``(x, objective, measure)``, or an empty list
    when they did not reach ``tol``: where the gradient is rounding noise (features near
    1e300) a smaller measure is chance, and the fit stays where L-BFGS-B left
    it.
    """
    s_pairs, y_pairs = list(hess_inv.sk), list(hess_inv.yk)
    memory = max(len(s_pairs), 1)
    grad = cached.grad_at(x)
    iterates = []
    best = measure(grad)
    since_best = 0
    while len(iterates) < max_steps:
        if best <= tol or since_best == _FINISH_PATIENCE or not s_pairs:
            break
        inverse = optimize.LbfgsInvHessProduct(np.array(s_pairs), np.array(y_pairs))
        direction = -inverse.matvec(grad)
        slope = float(direction @ grad)
        if not slope < 0:
            break
        x_new = x + direction
        value, grad_new = cached(x_new)
        # The line search the objective can no longer do, on the slope: one
        # secant step to where it vanishes, unless the unit step nearly did.
        slope_new = float(direction @ grad_new)
        if slope_new - slope > 0 and abs(slope_new) > 0.1 * abs(slope):
            x_new = x + (slope / (slope - slope_new)) * direction
            value, grad_new = cached(x_new)
        if not value <= fun + _FTOL * max(abs(fun), 1.0):
            break
        s, y = x_new - x, grad_new - grad
        if s @ y > 0:
            s_pairs, y_pairs = (s_pairs + [s])[-memory:], (y_pairs + [y])[-memory:]
        x, fun, grad = x_new, value, grad_new
        size = measure(grad)
        if size < best:
            best, since_best = size, 0
            iterates.append((x, fun, size))
        else:
            since_best += 1
    return iterates if best <= tol else []


def stop_reason(result):
    """Why a run stopped before ``max_iter`` without converging, in words."""
    if result.stopped_by_callback:
        return "a callback raised StopIteration"
    return f"the line search failed ({result.message.strip()})"


def print_fit_summary(name, results, started):
    """One line at the end of a verbose fit: iterations, objective, gradient, time.

    ``results`` holds one ``LbfgsResult`` per problem (``None`` for a problem
    not solved); the objective is their sum, the gradient their largest.
    """
    solved = [result for result in results if result is not None]
    n_iter = [result.n_iter for result in solved]
    objective = sum(result.fun for result in solved)
    grad_max = max((result.grad_max for result in solved), default=0.0)
    converged = sum(result.converged for result in solved)
    iterations = (
        f"{n_iter[0]} iterations"
        if len(solved) == 1
        else f"{len(solved)} problems, {max(n_iter, default=0)} iterations at most "
        f"({sum(n_iter)} in all), {converged} converged"
    )
    print(
        f"{name}: {iterations}, objective {objective:.12e}, max |gradient| "
        f"{grad_max:.3e}, {time.perf_counter() - started:.3f} s",
        file=sys.stdout,
    )


def chain_results(first, second):
    """One result for two consecutive runs, the second started where the first ended."""
    return LbfgsResult(
        x=second.x,
        fun=second.fun,
        grad_max=second.grad_max,
        n_iter=first.n_iter + second.n_iter,
        converged=second.converged,
        message=second.message,
        loss_curve=first.loss_curve + second.loss_curve,
        stopped_by_callback=second.stopped_by_callback,
    )


def warn(message, category):
    """:func:`warnings.warn`, pointing at the line that called into this package.

    That is the caller of the outermost frame of the package (or of
    scikit-learn's ``_fit_context`` wrapper around a fit) on the stack, so a
    warning points at the user's ``fit`` from every path into it (a fit, a CV
    fit whose folds run through joblib, a Dask fit), on every supported
    Python, with no stack depth counted by hand at each call. Within
    :data:`deferred_warnings` the warning is collected instead.
    """
    deferred = deferred_warnings.get()
    if deferred is not None:
        deferred.append((message, category))
        return
    frame, level, outermost = sys._getframe(1), 2, 1
    while frame is not None:
        code = frame.f_code
        if code.co_filename.startswith(_PACKAGE) or code is _FIT_CONTEXT_WRAPPER:
            outermost = level
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=outermost + 1)


#: What every non-convergence warning says (``warn_if_not_converged``, and
#: ``OneVsRestLogistic``'s own, which names the labels).
NOT_CONVERGED = "lbfgs failed to converge"


def _warning_kind(message, category):
    """What :func:`warn_each` groups a warning by: one group for every fit that
    did not converge (their messages differ by the gradient), the message
    itself otherwise (the C=inf separation warning among them, which names
    the separated classes)."""
    if issubclass(category, ConvergenceWarning) and NOT_CONVERGED in message:
        return category, NOT_CONVERGED
    return category, message


def warn_each(collected, *, refit=True):
    """:func:`warn` each distinct ``(message, category)`` of ``collected`` once.

    Non-convergence is one warning however many fits report it (each fold's
    at each C, and the refit's, with their own gradients: 25 warnings for 5
    Cs and 5 folds otherwise): the first, with a count of the others. Other
    warnings, the C=inf separation warning (also a ConvergenceWarning)
    among them, are not merged into it: each distinct one comes once.
    ``refit`` says whether the fits counted include a refit.
    """
    groups = {}
    for message, category in collected:
        groups.setdefault(_warning_kind(message, category), []).append(message)
    among = "among its folds at each C" + (" and its refit" if refit else "")
    for (category, kind), messages in groups.items():
        message, n_others = messages[0], len(messages) - 1
        if kind == NOT_CONVERGED and n_others:
            fits = "fit" if n_others == 1 else "fits"
            message = (
                f"{message} ({n_others} more {fits} of this cross-validation, "
                f"{among}, did not converge either.)"
            )
        warn(message, category)


def warns_each_once(fit):
    """Decorate a CV ``fit``: its warnings come when it ends, each distinct one once.

    Each fold's fits along the Cs, and the refit, warn alike (a label constant
    in the training rows, at every C): one message would come folds × Cs + 1
    times (ten times for 3 folds and 3 Cs, where
    ``OneVsRestClassifier(LogisticRegressionCV())`` warns once). The count of
    the fits that did not converge names the refit where ``self.refit``.
    """

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        collected = []
        token = deferred_warnings.set(collected)
        try:
            result = fit(self, *args, **kwargs)
        except BaseException:
            deferred_warnings.reset(token)
            # A warning filtered into an error must not hide the fit's error.
            with contextlib.suppress(Warning):
                warn_each(collected, refit=self.refit)
            raise
        deferred_warnings.reset(token)
        warn_each(collected, refit=self.refit)
        return result

    return wrapper


def warn_if_not_converged(result, estimator_name, *, max_iter, tol, hint=""):
    """Issue a ConvergenceWarning that says what happened and what to do.

    Parameters
    ----------
    result : LbfgsResult
        The solver's report.
    estimator_name : str
        Used to start the message, and to name labels for one-vs-rest.
    max_iter, tol : int, float
        The settings the fit ran with.
    hint : str, default=""
        An extra sentence, such as the detection of badly scaled features.
    """
    if result.converged:
        return
    if result.n_iter >= max_iter:
        what = f"reached max_iter={max_iter} iterations"
    else:
        what = f"stopped after {result.n_iter} iterations because {stop_reason(result)}"
    message = (
        f"{estimator_name}: {NOT_CONVERGED}: L-BFGS-B {what}; the largest "
        f"gradient component is "
        f"{result.grad_max:.3g}, above tol={tol:g}. Increase max_iter, scale the "
        "features (for example with sklearn.preprocessing.StandardScaler), or "
        "loosen tol."
    )
    if hint:
        message = f"{message} {hint}"
    warn(message, ConvergenceWarning)
