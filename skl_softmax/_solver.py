"""The one solver: SciPy's L-BFGS-B with scikit-learn's settings.

Options match ``LogisticRegression(solver="lbfgs")`` so that iteration counts
can be compared one to one: ``maxiter=max_iter``, ``gtol=tol`` (stop when the
largest projected gradient component is at most ``tol``), ``maxls=50`` (the
default of 20 line-search steps is too few for badly scaled problems) and
``ftol=64·eps``, far enough above machine precision that the relative
decrease test rarely stops the solver before the gradient test does.
"""

import os
import sys
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import ThreadpoolController

_FTOL = 64 * np.finfo(float).eps
_MAXLS = 50


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
        if not np.isfinite(value):
            # A non-finite objective would send L-BFGS-B into an endless line
            # search or return NaN coefficients; it can only come from
            # non-finite data or parameters, which fit validates.
            raise FloatingPointError(f"objective is not finite ({value})")
        self.x, self.value, self.grad = x.copy(), value, grad
        return value, grad

    def grad_at(self, x):
        if self.x is not None and np.array_equal(x, self.x):
            return self.grad
        return self.fun(x)[1]


def _scipy_private_blas():
    """The BLAS thread pools SciPy loaded for itself, apart from NumPy's.

    Wheels of NumPy and SciPy each bundle an OpenBLAS.  When NumPy's matrix
    products and SciPy's L-BFGS-B alternate, the two pools' busy-waiting
    threads compete for the same cores; limiting only SciPy's pool to one
    thread (L-BFGS-B's vectors are tiny) removes that and leaves NumPy's
    products parallel.  Where both share one library (conda), nothing is
    selected.
    """
    controller = ThreadpoolController()
    scipy_only = [
        info["filepath"]
        for info in controller.info()
        if info["user_api"] == "blas"
        and "scipy" in os.path.basename(os.path.dirname(info["filepath"]))
        and "numpy" not in info["filepath"]
    ]
    return controller.select(filepath=scipy_only)


_SCIPY_BLAS = None


def _limit_scipy_blas():
    global _SCIPY_BLAS
    if _SCIPY_BLAS is None:
        _SCIPY_BLAS = _scipy_private_blas()
    return _SCIPY_BLAS.limit(limits=1)


def minimize_lbfgs(fun, x0, *, tol, max_iter, verbose=0, on_iteration=None):
    """Minimise ``fun`` (returning objective and gradient) from ``x0``.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (float, ndarray)``, the objective and its gradient.
    x0 : ndarray of shape (n_params,)
        Starting point.
    tol : float
        Stop when the largest gradient component is at most ``tol``.
    max_iter : int
        Maximum number of L-BFGS-B iterations.
    verbose : int, default=0
        If positive, print the objective and gradient after every iteration.
    on_iteration : callable, default=None
        Called as ``on_iteration(x)`` after every iteration.

    Returns
    -------
    result : LbfgsResult
    """
    cached = _CachedObjective(fun)
    loss_curve = []

    def callback(intermediate_result):
        x = intermediate_result.x
        loss_curve.append(float(intermediate_result.fun))
        if verbose:
            grad_max = float(np.max(np.abs(cached.grad_at(x)), initial=0.0))
            print(
                f"iteration {len(loss_curve):4d}   objective "
                f"{loss_curve[-1]:.12e}   max |gradient| {grad_max:.3e}",
                file=sys.stdout,
            )
        if on_iteration is not None:
            on_iteration(x)

    with _limit_scipy_blas():
        result = optimize.minimize(
            cached,
            np.asarray(x0, dtype=np.float64),
            method="L-BFGS-B",
            jac=True,
            callback=callback,
            options={
                "maxiter": max_iter,
                "maxls": _MAXLS,
                "gtol": tol,
                "ftol": _FTOL,
            },
        )
    grad_max = float(np.max(np.abs(cached.grad_at(result.x)), initial=0.0))
    return LbfgsResult(
        x=result.x,
        fun=float(result.fun),
        grad_max=grad_max,
        n_iter=int(min(result.nit, max_iter)),
        # A line search that fails once the gradient is already below tol
        # (round-off at the optimum) is a success.
        converged=bool(result.status == 0 or grad_max <= tol),
        message=str(result.message),
        loss_curve=loss_curve,
    )


def warn_if_not_converged(
    result, estimator_name, *, max_iter, tol, hint="", stacklevel=3
):
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
    stacklevel : int, default=3
        Passed to :func:`warnings.warn` so that the warning points at the
        user's call of ``fit``.
    """
    if result.converged:
        return
    if result.n_iter >= max_iter:
        what = f"reached max_iter={max_iter} iterations"
    else:
        what = (
            f"stopped after {result.n_iter} iterations because the line search "
            f"failed ({result.message.strip()})"
        )
    message = (
        f"{estimator_name}: L-BFGS-B {what}; the largest gradient component is "
        f"{result.grad_max:.3g}, above tol={tol:g}. Increase max_iter, scale the "
        "features (for example with sklearn.preprocessing.StandardScaler), or "
        "loosen tol."
    )
    if hint:
        message = f"{message} {hint}"
    warnings.warn(message, ConvergenceWarning, stacklevel=stacklevel + 1)
