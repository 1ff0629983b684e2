#!/usr/bin/env bash
# The CUDA cases of bench_array_api.py in one command, on one GPU, in under
# 8 minutes: installs what it needs (the package's runtime dependencies and a
# CUDA build of PyTorch, only if missing), then runs the GPU cases only (the
# CPU cases are bench_array_api.py without --only-gpu).
# Results: benchmarks/results/array_api_gpu.{json,md}.
#
#   bash benchmarks/run_gpu.sh            # full sizes (n = 1 000 000 on the GPU)
#   bash benchmarks/run_gpu.sh --quick    # smoke run
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
"$PYTHON" -m pip install --quiet "numpy>=1.24" "scipy>=1.11" "scikit-learn>=1.8" \
    threadpoolctl array-api-strict
"$PYTHON" -c "import torch" 2>/dev/null || "$PYTHON" -m pip install --quiet torch
"$PYTHON" -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; \
print('GPU:', torch.cuda.get_device_name(0))"
export SCIPY_ARRAY_API=1
# Three counted runs on the GPU; the 1e6-row host fit dominates the time.
timeout 470 "$PYTHON" benchmarks/bench_array_api.py --only-gpu --runs 3 "$@"
