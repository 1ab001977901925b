"""Helpers shared by the test-suite and the benchmarks."""

import os
from pathlib import Path


def shared_data_home():
    """Folder that holds the original MNIST-style idx files, or None.

    Looks at the ``SKADV_DATA`` environment variable first, then at the
    ``shared/data`` folder that sits beside a source checkout.

    Returns
    -------
    path : pathlib.Path or None
        The folder, or None when no copy of the data can be found.

    Examples
    --------
    >>> from skadv.utils._testing import shared_data_home
    >>> home = shared_data_home()
    >>> home is None or home.is_dir()
    True
    """
    candidates = []
    if os.environ.get("SKADV_DATA"):
        candidates.append(Path(os.environ["SKADV_DATA"]))
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidates.append(parent / "shared" / "data")
        candidates.append(parent.parent / "shared" / "data")
    for candidate in candidates:
        if (candidate / "mnist").is_dir():
            return candidate
    return None
