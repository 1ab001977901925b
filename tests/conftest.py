"""Suite-wide settings."""

import os
from pathlib import Path

import pytest

# The suite runs in one process per core; letting torch, numba and BLAS each start a
# thread per core on top of that oversubscribes the machine many times over. This is
# for speed only: test_common.py runs the network's batch-invariance checks once more
# in a subprocess with these variables unset, under torch's default threading.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


def _rst_python_blocks(path):
    """The ``.. code-block:: python`` blocks of an rst file, dedented."""
    blocks, lines = [], Path(path).read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if line.strip() != ".. code-block:: python":
            continue
        body = []
        for item in lines[index + 1 :]:
            if item.strip() and not item.startswith("    "):
                break
            body.append(item[4:])
        blocks.append("\n".join(body).strip("\n"))
    return blocks


@pytest.fixture(scope="session")
def rst_python_blocks():
    """A function giving the python code blocks of an rst file (README, docs)."""
    return _rst_python_blocks


def pytest_runtest_setup(item):
    if item.get_closest_marker("needs_cuda") is None:
        return
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")


@pytest.fixture(scope="module")
def one_torch_thread():
    """torch on one intra-op thread for a module of tiny networks.

    Extra threads only add synchronisation cost on such small tensors; the
    previous setting comes back after the module.
    """
    torch = pytest.importorskip("torch")
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def blobs():
    """The suite's small three-class table, 120 rows scaled into [0, 1]."""
    from _small_models import scaled_blobs

    return scaled_blobs()


@pytest.fixture(scope="module")
def client():
    """A client of an in-process LocalCluster of 2 workers of 1 thread each.

    Module-scoped: the dask tests of a module share it. Skips where
    ``distributed`` is not installed.
    """
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
