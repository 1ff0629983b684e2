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
def batched_labels(monkeypatch):
    """The labels of a one-vs-rest fit batched in worker threads, whatever the data.

    On small NumPy data they run one at a time in the calling thread
    (``_label_problems._MIN_BATCHED_ENTRIES``); the tests of the batched
    solve's rounds, threads and failures take it on small data.
    """
    from skl_softmax import _label_problems

    monkeypatch.setattr(_label_problems, "_MIN_BATCHED_ENTRIES", 0)


@pytest.fixture
def rng(seed):
    """A NumPy generator seeded by the `seed` fixture."""
    return np.random.default_rng(seed)


def pytest_report_header(config):
    """Whether test_array_api.py collects its CUDA namespaces (only on a GPU)."""
    from _devices import cuda_namespaces

    found = cuda_namespaces()
    return "CUDA namespaces of test_array_api.py: " + (
        ", ".join(found) if found else "none (no CUDA device), not collected"
    )


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


# Modules whose tests pytest-xdist runs on one worker: the Dask tests then
# share one session cluster (one per worker, each with its processes, took CPU
# from the tests beside them), and the CLI's module-scoped runs (6-7 s each on
# a busy machine) are made once. By module, not by ``xdist_group`` marks: with
# pytest 9.2 pytest-xdist 3.8 no longer adds a mark's group to the node ids
# that its scheduler reads, so ``--dist loadgroup`` split these modules too.
_ONE_WORKER_MODULES = {"tests/test_dask.py", "tests/test_cli.py"}


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's default distribution (``-n`` alone), each module of
    ``_ONE_WORKER_MODULES`` on one worker."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModulesOnOneWorker(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            module = nodeid.split("::", 1)[0]
            return module if module in _ONE_WORKER_MODULES else nodeid

    return ModulesOnOneWorker(config, log)
