"""pytest runs every ``>>>`` example of the ``.rst`` pages here as a doctest.

Each page runs top to bottom in one namespace, as a reader would type it
(``--doctest-glob="*.rst"`` in ``pyproject.toml``). Nothing else in this folder
is a test: the Sphinx configuration, the gallery hooks, the check of the built
site, and the folders Sphinx and sphinx-gallery generate (which hold copies of
the example scripts that must not be imported).
"""

import os

# The user guide's "On the GPU" example turns array_api_dispatch on, which
# needs SciPy's Array API support, read once when SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

collect_ignore = ["conf.py", "gallery_hooks.py", "check_built.py"]
collect_ignore_glob = [
    "_build",
    "_generated_bench",
    "auto_examples",
    "gen_modules",
    "generated",
]
