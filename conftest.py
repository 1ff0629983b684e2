"""pytest settings for every folder, the documentation's doctests among them.

``SCIPY_ARRAY_API`` must be set before SciPy is first imported: the user
guide's "On the GPU" doctest turns ``array_api_dispatch`` on, which needs it,
and scikit-learn's array-API estimator check runs instead of being skipped. It
changes nothing for NumPy inputs.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")
