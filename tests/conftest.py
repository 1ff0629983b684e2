"""Shared fixtures and test settings.

``SCIPY_ARRAY_API`` must be set before SciPy is first imported for
scikit-learn's array-API estimator check to run instead of being skipped; it
changes nothing for NumPy inputs.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# Property tests run a bounded number of examples; set
# SKL_SOFTMAX_HYPOTHESIS_EXAMPLES to a larger number to search harder. With CI
# set (.ci/run sets it) the examples are derived from each test, so that CI
# runs are reproducible; elsewhere each run draws new ones.
settings.register_profile(
    "skl_softmax",
    max_examples=int(os.environ.get("SKL_SOFTMAX_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
)
settings.load_profile("skl_softmax")

# Seeds swept by tests that take the `seed` fixture; SKL_SOFTMAX_SEEDS=all sweeps 20.
_SEEDS = range(20) if os.environ.get("SKL_SOFTMAX_SEEDS") == "all" else range(3)


@pytest.fixture(params=list(_SEEDS))
def seed(request):
    """A random seed; several per test, more with SKL_SOFTMAX_SEEDS=all."""
    return request.param


@pytest.fixture
def rng(seed):
    """A NumPy generator seeded by the `seed` fixture."""
    return np.random.default_rng(seed)


def pytest_collection_modifyitems(config, items):
    """Skip scikit-learn's CUDA array-API checks where CUDA cannot run.

    scikit-learn skips them only when PyTorch is built without CUDA; a CUDA
    build on a machine without a usable GPU driver would fail them with
    "CUDA driver version is insufficient" before any estimator code runs.
    """
    cuda_items = [
        item
        for item in items
        if "device_name=cuda" in item.name or "device='cuda'" in item.name
    ]
    if not cuda_items:
        return
    try:
        import torch
    except ImportError:
        return
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(
        reason="PyTorch is built with CUDA but no usable CUDA device is present"
    )
    for item in cuda_items:
        item.add_marker(skip)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's default distribution (``-n`` alone), with each
    ``xdist_group`` on one worker: the Dask tests then share one cluster."""
    if config.getvalue("dist") == "load":
        from xdist.scheduler import LoadGroupScheduling

        return LoadGroupScheduling(config, log)
    return None
