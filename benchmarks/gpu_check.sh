#!/usr/bin/env bash
# Checks skadv on one CUDA GPU in under 8 minutes of wall time:
#   1. the CUDA tests of the suite (pytest -m needs_cuda);
#   2. python -m benchmarks.gpu_check --device cuda: a GPU-trained model pickled
#      and unpickled in a CPU-only subprocess, then the Madry CNN on MNIST at
#      eps = 0.3 on a shortened schedule (clean and PGD-40 robust accuracy, mean
#      Gini of IG), written to benchmarks/results/gpu_check.md.
# Each step runs under `timeout`; the second gets what is left of the total as
# its --budget, so that it shortens its adversarial training rather than being
# killed. Extra arguments go to the second step (e.g. --output, --data-home).
#
# Without a GPU (torch not importable, or torch.cuda.is_available() false) the
# script prints one line saying so and exits 0 without running anything.
#
# Usage, from anywhere in the checkout: benchmarks/gpu_check.sh [OPTIONS]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -x .venv/bin/python ]]; then
    PYTHON=.venv/bin/python
else
    PYTHON=python
fi

if ! "$PYTHON" -c "import sys, torch; sys.exit(not torch.cuda.is_available())" \
    2>/dev/null; then
    echo "gpu_check.sh: torch sees no CUDA device here (or is not installed); nothing was run."
    exit 0
fi

# Seconds: the whole script, the test step's share, and what the final write and
# interpreter exit are left.
TOTAL=465
TESTS_LIMIT=180
MARGIN=15

run_limited() {
    # run_limited SECONDS COMMAND...: the command's status; says so on a timeout
    local limit=$1 status=0
    shift
    timeout --kill-after=10 "$limit" "$@" || status=$?
    if ((status == 124 || status == 137)); then
        echo "gpu_check.sh: stopped after ${limit}s: $*" >&2
    fi
    return "$status"
}

echo "== CUDA tests (limit ${TESTS_LIMIT}s)"
run_limited "$TESTS_LIMIT" "$PYTHON" -m pytest -m needs_cuda -q -p no:cacheprovider tests/

LEFT=$((TOTAL - SECONDS))
BUDGET=$((LEFT - MARGIN))
if ((BUDGET < 60)); then
    echo "gpu_check.sh: only ${LEFT}s left of ${TOTAL}s; the MNIST check was not run" >&2
    exit 1
fi
echo "== python -m benchmarks.gpu_check (budget ${BUDGET}s, limit ${LEFT}s)"
run_limited "$LEFT" "$PYTHON" -m benchmarks.gpu_check --device cuda --budget "$BUDGET" "$@"
echo "gpu_check.sh: done in ${SECONDS}s"
