"""Where the benchmarks read MNIST and Fashion-MNIST from.

By default the original idx files are looked up the way the test-suite does it
(the ``SKADV_DATA`` folder, else ``shared/data`` beside the checkout) and each
is checked against its published md5. ``--data-home DIR`` names another folder;
``--checksums FILE`` vouches for a local copy that is not the published one (a
subset, or the synthetic stand-in that the smoke tests write) with a file in
the format of ``md5sum``, paths relative to the data home::

    cd DIR && md5sum mnist/*.gz fashion-mnist/*.gz > MD5SUMS

Nothing is ever downloaded here: a missing file is an error that names it.
"""

from pathlib import Path

from skadv.datasets import fetch_fashion_mnist, fetch_mnist
from skadv.utils._testing import shared_data_home

# dataset -> (loader, subfolder of the data home)
LOADERS = {
    "mnist": (fetch_mnist, "mnist"),
    "fashion": (fetch_fashion_mnist, "fashion-mnist"),
}


def add_data_arguments(parser):
    """Add ``--data-home`` and ``--checksums`` to an argparse parser."""
    parser.add_argument(
        "--data-home",
        type=Path,
        default=None,
        help="folder holding mnist/ and fashion-mnist/ with the original idx "
        "files (default: $SKADV_DATA, else shared/data beside the checkout, "
        "else ~/skadv_data).",
    )
    parser.add_argument(
        "--checksums",
        type=Path,
        default=None,
        help="md5sum-style file with the digests of a local copy that is not "
        "the published one (paths relative to --data-home); by default every "
        "file must match its published md5.",
    )


def read_checksums(path):
    """``{relative path: md5}`` from a file in the output format of ``md5sum``.

    Raises
    ------
    ValueError
        When a line is not ``<32 hex digits>  <path>``.
    """
    table = {}
    text = Path(path).read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.partition(" ")
        # md5sum marks binary-mode lines with "*" and text mode with a space
        name = name[1:] if name[:1] in (" ", "*") else name
        if len(digest) != 32 or not name:
            raise ValueError(
                f"{path}, line {number}: expected '<md5>  <path>', got {line!r}"
            )
        table[Path(name).as_posix()] = digest
    return table


def fetch_options(name, data_home=None, checksums=None):
    """Keyword arguments of the loader of dataset `name` for one run.

    Parameters
    ----------
    name : {"mnist", "fashion"}
        The dataset.
    data_home : path-like or None
        Folder of the datasets; None looks where the test-suite looks.
    checksums : path-like or None
        md5sum-style file of a local copy (see the module docstring).

    Returns
    -------
    options : dict
        ``data_home``, ``download_if_missing=False`` and, when a checksum file
        is given, the ``checksums`` of this dataset's files.
    """
    _, folder = LOADERS[name]
    options = {
        "data_home": shared_data_home() if data_home is None else data_home,
        "download_if_missing": False,
    }
    if checksums is not None:
        prefix = folder + "/"
        options["checksums"] = {
            path[len(prefix) :]: digest
            for path, digest in read_checksums(checksums).items()
            if path.startswith(prefix)
        }
    return options


def load_split(name, subset, data_home=None, checksums=None):
    """``(X, y)`` of one split: float32 pixels in [0, 1] as flat rows."""
    loader, _ = LOADERS[name]
    return loader(
        subset=subset, return_X_y=True, **fetch_options(name, data_home, checksums)
    )
