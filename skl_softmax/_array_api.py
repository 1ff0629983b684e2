"""How arrays of other libraries and devices are handled (the Array API backend).

This module says *how*, never *what*: it finds the namespace and device of the
data, moves small host arrays (the parameter vector, column statistics) onto
that device, and brings small results (the gradient and the loss) back for
SciPy's L-BFGS-B.  The formulas stay in :mod:`skl_softmax._loss` and
:mod:`skl_softmax._special`, which run on whatever namespace a
:class:`Backend` names.

NumPy input (and SciPy sparse input) always gets :data:`NUMPY`, whose
namespace is the ``numpy`` module itself: the NumPy path runs exactly the
code, and the in-place fast paths, it ran before the Array API support.

scikit-learn (its vendored ``array_api_compat``) is imported only when an
array of another library is seen, so that ``_special`` and ``_loss``, which
use this module, stay free of scikit-learn for NumPy input.
"""

import numpy as np
from scipy import sparse

# NumPy dtypes seen by Backend.dtype_name, with their names.
_NUMPY_DTYPE_NAMES = {}


class Backend:
    """An array namespace ``xp`` and a device: where the arithmetic runs.

    Parameters
    ----------
    xp : module
        The Array API namespace (``numpy`` itself for NumPy data).
    device : object
        The device of the data (``None`` for NumPy).
    """

    def __init__(self, xp, device):
        self.xp = xp
        self.device = device
        self.is_numpy = xp is np

    def __reduce__(self):
        # Estimators keep the backend of their fit: pickle it by the module's
        # name, never the module.
        return (_backend_named, (self.xp.__name__, self.device))

    def dtype(self, dtype):
        """The namespace's dtype named like the NumPy dtype ``dtype``."""
        if self.is_numpy:
            return np.dtype(dtype)
        if not isinstance(dtype, (str, type, np.dtype)):
            return dtype  # already one of the namespace's dtypes
        return getattr(self.xp, np.dtype(dtype).name)

    def dtype_name(self, dtype):
        """``"float32"``, ``"float64"``…: the NumPy name of a namespace dtype."""
        if self.is_numpy:
            # Asked at every evaluation: ``np.dtype(…).name`` costs 10 µs, a
            # tenth of an evaluation of a small fit (breast_cancer).
            try:
                return _NUMPY_DTYPE_NAMES[dtype]
            except (KeyError, TypeError):  # not seen yet, or unhashable
                name = np.dtype(dtype).name
            if isinstance(dtype, np.dtype) and dtype.isnative:
                _NUMPY_DTYPE_NAMES[dtype] = name
            return name
        for name in ("float32", "float64", "float16"):
            # (A NumPy dtype compared with None is compared with float64.)
            if hasattr(self.xp, name) and dtype == getattr(self.xp, name):
                return name
        return str(dtype)

    def asarray(self, array, dtype=None):
        """``array`` (host or namespace, small) in this namespace and on this device.

        Used for the parameter vector once per evaluation and for arrays of
        ``n_features`` or ``n_outputs`` entries; never for data of size ``n``.
        """
        if self.is_numpy:
            return np.asarray(array, dtype=dtype)
        dtype = None if dtype is None else self.dtype(dtype)
        return self.xp.asarray(array, dtype=dtype, device=self.device)

    def to_host(self, array):
        """A NumPy copy of a small array of this namespace (gradients, losses)."""
        if self.is_numpy or isinstance(array, (np.ndarray, np.generic, float)):
            return np.asarray(array)
        return _to_numpy(array, self.xp)


NUMPY = Backend(np, None)


def _backend_named(name, device):
    import importlib

    return NUMPY if name == "numpy" else Backend(importlib.import_module(name), device)


def _to_numpy(array, xp):
    # The one place where arrays leave a device: tests count what crosses here.
    from ._compat import _convert_to_numpy

    return _convert_to_numpy(array, xp)


def is_host_array(array):
    """Whether ``array`` is handled by the NumPy path (NumPy, SciPy sparse, scalars)."""
    return (
        array is None
        or isinstance(array, (np.ndarray, np.generic, int, float, list, tuple))
        or sparse.issparse(array)
    )


def is_foreign_array(array):
    """Whether ``array`` is an array of an Array API namespace other than NumPy
    (on any device); lists, pandas objects and NumPy arrays are not."""
    from ._compat import is_array_api_obj

    return not is_host_array(array) and is_array_api_obj(array)


def on_host(array):
    """``array`` as NumPy when it belongs to another namespace (on any device);
    other array-likes (lists, pandas objects) unchanged."""
    if not is_foreign_array(array):
        return array
    return backend_of(array).to_host(array)


def backend_of(*arrays):
    """The :class:`Backend` of ``arrays``: :data:`NUMPY` unless one is not NumPy.

    Estimators call it on validated data, which scikit-learn leaves in its
    own namespace only when ``array_api_dispatch`` is on (and converts to
    NumPy otherwise).
    """
    others = [array for array in arrays if not is_host_array(array)]
    if not others:
        return NUMPY
    from ._compat import array_namespace, device

    xp = array_namespace(*others)
    if xp.__name__ in ("numpy", "array_api_compat.numpy") or xp.__name__.endswith(
        "array_api_compat.numpy"
    ):
        return NUMPY
    return Backend(xp, device(others[0]))


def to_backend(array, backend, dtype=None):
    """``array`` (any namespace) moved to ``backend``: ``y`` and weights follow ``X``.

    Arrays of ``n`` entries cross here only before a fit (``y``,
    ``sample_weight``) when they arrive in another namespace than ``X``,
    as scikit-learn's convention moves them.
    """
    if array is None:
        return None
    source = backend_of(array)
    if source.is_numpy and backend.is_numpy:
        return np.asarray(array, dtype=dtype)
    if not source.is_numpy and source.xp is backend.xp and not backend.is_numpy:
        array = backend.xp.asarray(array, device=backend.device)
        if dtype is not None:
            array = backend.xp.astype(array, backend.dtype(dtype))
        return array
    if not source.is_numpy:
        array = source.to_host(array)
    return backend.asarray(array, dtype=dtype)
