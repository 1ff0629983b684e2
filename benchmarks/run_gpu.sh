#!/usr/bin/env bash
# Everything that needs a GPU, in one command on one CUDA GPU, in under 8
# minutes: first the tests that only a GPU can run (scikit-learn's array-API
# estimator checks on `cuda`, and tests/test_array_api.py on PyTorch's `cuda`
# and on CuPy, each device fit against the NumPy fit of the same data), then
# the GPU cases of bench_array_api.py. The benchmark runs even when a test
# fails; the command then exits non-zero.
#
#   bash benchmarks/run_gpu.sh [--out DIR]            # full sizes (n = 1 000 000)
#   bash benchmarks/run_gpu.sh --quick [--out DIR]    # smoke run
#
# It needs a CUDA build of PyTorch (CuPy is optional: its tests run where it
# is installed). The package's dependencies and test extras are installed
# with pip; on a machine without a network, WHEELS=DIR installs wheels from
# DIR instead (made elsewhere with `pip download --only-binary=:all: -d DIR`
# for that machine's Python: scikit-learn, SciPy, threadpoolctl,
# array-api-strict and whatever else it lacks) into a folder of its own.
# Results: DIR/array_api_gpu.{json,md} (default benchmarks/results).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ -n "${WHEELS:-}" ]; then
    site="$(mktemp -d)"
    "$PYTHON" -m pip install --quiet --no-index --no-deps --target "$site" \
        "$WHEELS"/*.whl
    export PYTHONPATH="$site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
else
    "$PYTHON" -m pip install --quiet ".[test]"
fi
# SciPy reads it once, at import: scikit-learn's array-API path needs it.
export SCIPY_ARRAY_API=1
"$PYTHON" - <<'PY'
import importlib

import torch

assert torch.cuda.is_available(), "no CUDA device"
print("GPU:", torch.cuda.get_device_name(0))
for name in ("numpy", "scipy", "sklearn", "threadpoolctl", "array_api_strict",
             "torch", "cupy", "skl_softmax"):
    try:
        module = importlib.import_module(name)
    except ImportError:
        print(f"{name}: not installed")
    else:
        print(f"{name} {getattr(module, '__version__', '?')}: {module.__file__}")
PY
tests=0
# (At most 4 minutes: a test that hangs must not take the benchmark's time.
# pytest-benchmark, where installed, warns under pytest-xdist, and the suite
# makes warnings errors.)
timeout 240 "$PYTHON" -m pytest -p no:benchmark -n 4 -q -rs tests/test_array_api.py \
    tests/test_common.py -k "cuda or cupy" || tests=$?
echo "the GPU tests exited with status $tests"
timeout 470 "$PYTHON" benchmarks/bench_array_api.py --only-gpu --runs 5 "$@"
exit "$tests"
