"""Report fits and solver iterations to scikit-learn's callbacks (1.9 and later).

The task tree is the one ``LogisticRegression(solver="lbfgs")`` builds: a root
"fit" task with one "lbfgs-iter" subtask per iteration, each carrying the
coefficients reached so that monitors such as ``ScoringMonitor`` can score the
model along the way.  On scikit-learn < 1.9 every method here does nothing.
"""

from ._compat import HAS_CALLBACKS


class FitCallbacks:
    """The callback context of one fit.

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted; it must inherit ``CallbackSupportMixin``.
    X, y : array-like
        The training data, passed on to the hooks.
    sample_weight : ndarray or None
        Passed on to the hooks as metadata.
    max_subtasks : int or None
        Upper bound on the number of iteration subtasks.
    """

    def __init__(self, estimator, X, y, sample_weight, max_subtasks):
        self.estimator = estimator
        self.X = X
        self.y = y
        self.metadata = (
            None if sample_weight is None else {"sample_weight": sample_weight}
        )
        self.context = None
        self.iteration_context = None
        if HAS_CALLBACKS:
            self.context = estimator._init_callback_context(max_subtasks=max_subtasks)
            self.context.call_on_fit_task_begin(
                estimator=estimator, X=X, y=y, metadata=self.metadata
            )

    @property
    def wanted(self):
        """Whether any callback listens, so that per-iteration work can be skipped."""
        return self.context is not None and hasattr(self.estimator, "_skl_callbacks")

    def _hook_arguments(self, attributes):
        return dict(
            estimator=self.estimator,
            X=self.X,
            y=self.y,
            metadata=self.metadata,
            reconstruction_attributes=attributes,
        )

    def begin_iteration(self, attributes):
        """Open the subtask of the next solver iteration."""
        if not self.wanted:
            return
        self.iteration_context = self.context.subcontext(task_name="lbfgs-iter")
        self.iteration_context.call_on_fit_task_begin(
            **self._hook_arguments(attributes)
        )

    def end_iteration(self, attributes):
        """Close the current iteration's subtask and open the next one."""
        if not self.wanted:
            return
        self.iteration_context.call_on_fit_task_end(**self._hook_arguments(attributes))
        self.begin_iteration(attributes)

    def end_fit(self):
        """Close the iteration that never ran and the fit task itself."""
        if self.context is None:
            return
        if self.iteration_context is not None:
            self.iteration_context.call_on_fit_task_end(estimator=self.estimator)
        self.context.call_on_fit_task_end(**self._hook_arguments(attributes={}))
