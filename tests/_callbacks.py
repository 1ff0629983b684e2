"""A callback that records the names of the tasks that end, for the tests.

Subclasses override ``on_fit_task_end`` to record more (the reconstructed
models, the iterations).
"""


class TaskRecorder:
    """Records the name of every task end in ``ends``."""

    def __init__(self):
        self.ends = []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, **kwargs):
        self.ends.append(context.task_name)
