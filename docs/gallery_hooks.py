"""Hooks for sphinx-gallery, referenced by name from ``conf.py``.

sphinx-gallery shows a warning raised by an example in the rendered output but
does not fail the build. Our examples must not warn (``sphinx -W`` is the
documentation's contract, as ``filterwarnings = error`` is the test suite's), so
every example runs with warnings turned into errors.
"""

import warnings

# The catch_warnings context of the running example: entered before it runs,
# exited after, which restores the filters in force before.
_contexts = []


def warnings_are_errors(gallery_conf, fname, when):
    """Turn warnings into errors while an example runs (``reset_modules``)."""
    if fname is None:
        return
    if when == "before":
        context = warnings.catch_warnings()
        context.__enter__()
        _contexts.append(context)
        warnings.simplefilter("error")
        # plt.show() under the Agg backend sphinx-gallery selects: expected.
        warnings.filterwarnings(
            "ignore",
            category=UserWarning,
            message=".*(non-interactive|currently using agg)",
        )
    elif _contexts:
        _contexts.pop().__exit__(None, None, None)
