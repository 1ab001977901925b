"""Suite-wide settings."""

import os

# The suite runs in one process per core; letting torch, numba and BLAS each start a
# thread per core on top of that oversubscribes the machine many times over.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
