"""Suite-wide settings."""

import os

# The suite runs in one process per core; letting torch, numba and BLAS each start a
# thread per core on top of that oversubscribes the machine many times over. This is
# for speed only: test_common.py runs the network's batch-invariance checks once more
# in a subprocess with these variables unset, under torch's default threading.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
