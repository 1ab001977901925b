"""MNIST and Fashion-MNIST, read from their original IDX files."""

import re
from collections.abc import Mapping

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import validate_params

from skadv.datasets._base import (
    _FETCH_CONSTRAINTS,
    _ensure_file,
    _get_data_home,
    _load_descr,
    _verify_md5,
)
from skadv.datasets._idx import _read_idx_gz

_SIDE = 28
_FILE_STEMS = {"train": "train", "test": "t10k"}

# subfolder of data_home, download mirrors (tried in order), published md5
# of every original .gz file, and the class names
_MNIST = {
    "folder": "mnist",
    "mirrors": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    "md5": {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "target_names": tuple(str(digit) for digit in range(10)),
    "descr": "mnist.rst",
}
_FASHION_MNIST = {
    "folder": "fashion-mnist",
    "mirrors": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    "md5": {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
    "target_names": (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),  # fmt: skip
    "descr": "fashion_mnist.rst",
}


_MD5_PATTERN = re.compile(r"[0-9a-f]{32}")
_FETCH_IDX_CONSTRAINTS = {**_FETCH_CONSTRAINTS, "checksums": [Mapping, None]}


def _local_checksums(spec, checksums):
    """The caller's md5 of local files, by file name, checked for sense."""
    if checksums is None:
        return {}
    known = spec["md5"]
    unknown = sorted(str(name) for name in checksums if name not in known)
    if unknown:
        raise ValueError(
            f"checksums names unknown file(s) {unknown}; expected some of "
            f"{sorted(known)}."
        )
    local = {}
    for name, md5 in checksums.items():
        if not isinstance(md5, str) or not _MD5_PATTERN.fullmatch(md5.lower()):
            raise ValueError(
                f"checksums[{name!r}] must be an md5 digest of 32 hexadecimal "
                f"digits, got {md5!r}."
            )
        local[name] = md5.lower()
    return local


def _load_split(spec, folder, split, download_if_missing, local_md5):
    """(uint8 images (n, 28, 28), uint8 labels (n,)) of one split."""
    arrays = []
    for kind, shape_tail in (("images-idx3", (_SIDE, _SIDE)), ("labels-idx1", ())):
        name = f"{_FILE_STEMS[split]}-{kind}-ubyte.gz"
        path = folder / name
        if name in local_md5 and path.is_file():
            _verify_md5(path, local_md5[name])
        else:
            # a download is only ever trusted with the published md5
            path = _ensure_file(
                path,
                [mirror + name for mirror in spec["mirrors"]],
                spec["md5"][name],
                download_if_missing,
            )
        arrays.append(_read_idx_gz(path, shape_tail=shape_tail))
    images, labels = arrays
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{split} split in {folder}: {images.shape[0]} images but "
            f"{labels.shape[0]} labels"
        )
    n_classes = len(spec["target_names"])
    if labels.size and labels.max() >= n_classes:
        raise ValueError(
            f"{split} labels in {folder} exceed the {n_classes} known classes"
        )
    return images, labels


def _fetch(spec, data_home, download_if_missing, subset, return_X_y, checksums):
    local_md5 = _local_checksums(spec, checksums)
    folder = _get_data_home(data_home) / spec["folder"]
    splits = ("train", "test") if subset == "all" else (subset,)
    parts = [
        _load_split(spec, folder, s, download_if_missing, local_md5) for s in splits
    ]
    n_samples = sum(images.shape[0] for images, _ in parts)
    # scale split by split into one preallocated block: no float64 or
    # concatenation temporaries of the full dataset
    data = np.empty((n_samples, _SIDE * _SIDE), dtype=np.float32)
    target = np.empty(n_samples, dtype=np.int64)
    start = 0
    for images, labels in parts:
        stop = start + images.shape[0]
        np.divide(images.reshape(images.shape[0], -1), 255, out=data[start:stop])
        target[start:stop] = labels
        start = stop
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        images=data.reshape(n_samples, _SIDE, _SIDE),
        target=target,
        feature_names=[f"pixel_{r}_{c}" for r in range(_SIDE) for c in range(_SIDE)],
        target_names=np.array(spec["target_names"]),
        DESCR=_load_descr(spec["descr"]),
    )


@validate_params(_FETCH_IDX_CONSTRAINTS, prefer_skip_nested_validation=True)
def fetch_mnist(
    *,
    data_home=None,
    download_if_missing=True,
    subset="train",
    return_X_y=False,
    checksums=None,
):
    """Load the MNIST handwritten digits (10 classes, 28 x 28 grey images).

    Reads the four original gzip-compressed IDX files from
    ``data_home/mnist/``, downloading the missing ones when allowed. Every
    file is checked against its published md5 before it is used, unless
    ``checksums`` gives the md5 of a local copy.

    =================   ==========================
    Classes                                     10
    Samples total       60000 train, 10000 test
    Dimensionality                             784
    Features            float32 pixels in [0, 1]
    =================   ==========================

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Folder of the datasets. By default the ``SKADV_DATA`` environment
        variable, and when that is unset ``~/skadv_data``.
    download_if_missing : bool, default=True
        If False, raise an OSError instead of downloading a missing file.
    subset : {"train", "test", "all"}, default="train"
        Which split; "all" is the 60000 training images followed by the
        10000 test images.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    checksums : mapping of str to str, default=None
        md5 digests of files of a local copy that is not the published one (a
        subset, a re-compressed or a synthetic stand-in), keyed by file name,
        e.g. ``{"t10k-labels-idx1-ubyte.gz": "..."}``. A file named here that
        is present is checked against the given digest instead of the
        published one; every other file, and any file that has to be
        downloaded, is checked against its published md5 as usual.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples, 784), dtype float32
            Pixel intensities scaled to [0, 1] (0 = background), rows of the
            28 x 28 images in row-major order.
        images : ndarray of shape (n_samples, 28, 28), dtype float32
            The same pixels as a view of ``data``.
        target : ndarray of shape (n_samples,), dtype int64
            Class index 0-9.
        feature_names : list of str
            ``"pixel_<row>_<column>"``.
        target_names : ndarray of str
            Name of each class.
        DESCR : str
            Description, provenance, citation and license.

    (data, target) : tuple if ``return_X_y`` is True
        The two arrays described above.

    Raises
    ------
    OSError
        When a file is missing and cannot be downloaded, or its md5 differs
        from the published one (or from the one given in ``checksums``).
    ValueError
        When a file passes the checksum but is still not the expected IDX, or
        ``checksums`` names an unknown file or holds something that is not an
        md5 digest.

    Examples
    --------
    >>> from skadv.datasets import fetch_mnist
    >>> mnist = fetch_mnist(subset="test")  # doctest: +SKIP
    >>> mnist.data.shape, mnist.images.shape  # doctest: +SKIP
    ((10000, 784), (10000, 28, 28))
    >>> mnist.data.dtype, float(mnist.data.max())  # doctest: +SKIP
    (dtype('float32'), 1.0)
    """
    return _fetch(_MNIST, data_home, download_if_missing, subset, return_X_y, checksums)


@validate_params(_FETCH_IDX_CONSTRAINTS, prefer_skip_nested_validation=True)
def fetch_fashion_mnist(
    *,
    data_home=None,
    download_if_missing=True,
    subset="train",
    return_X_y=False,
    checksums=None,
):
    """Load Fashion-MNIST (10 clothing classes, 28 x 28 grey images).

    Reads the four original gzip-compressed IDX files from
    ``data_home/fashion-mnist/``, downloading the missing ones when allowed.
    Every file is checked against its published md5 before it is used, unless
    ``checksums`` gives the md5 of a local copy.

    =================   ==========================
    Classes                                     10
    Samples per class   6000 train, 1000 test
    Samples total       60000 train, 10000 test
    Dimensionality                             784
    Features            float32 pixels in [0, 1]
    =================   ==========================

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Folder of the datasets. By default the ``SKADV_DATA`` environment
        variable, and when that is unset ``~/skadv_data``.
    download_if_missing : bool, default=True
        If False, raise an OSError instead of downloading a missing file.
    subset : {"train", "test", "all"}, default="train"
        Which split; "all" is the 60000 training images followed by the
        10000 test images.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    checksums : mapping of str to str, default=None
        md5 digests of files of a local copy that is not the published one (a
        subset, a re-compressed or a synthetic stand-in), keyed by file name,
        e.g. ``{"t10k-labels-idx1-ubyte.gz": "..."}``. A file named here that
        is present is checked against the given digest instead of the
        published one; every other file, and any file that has to be
        downloaded, is checked against its published md5 as usual.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples, 784), dtype float32
            Pixel intensities scaled to [0, 1] (0 = background), rows of the
            28 x 28 images in row-major order.
        images : ndarray of shape (n_samples, 28, 28), dtype float32
            The same pixels as a view of ``data``.
        target : ndarray of shape (n_samples,), dtype int64
            Class index 0-9.
        feature_names : list of str
            ``"pixel_<row>_<column>"``.
        target_names : ndarray of str
            Name of each class.
        DESCR : str
            Description, provenance, citation and license.

    (data, target) : tuple if ``return_X_y`` is True
        The two arrays described above.

    Raises
    ------
    OSError
        When a file is missing and cannot be downloaded, or its md5 differs
        from the published one (or from the one given in ``checksums``).
    ValueError
        When a file passes the checksum but is still not the expected IDX, or
        ``checksums`` names an unknown file or holds something that is not an
        md5 digest.

    Examples
    --------
    >>> from skadv.datasets import fetch_fashion_mnist
    >>> fashion = fetch_fashion_mnist(subset="test")  # doctest: +SKIP
    >>> fashion.data.shape  # doctest: +SKIP
    (10000, 784)
    >>> str(fashion.target_names[9])  # doctest: +SKIP
    'Ankle boot'
    """
    return _fetch(
        _FASHION_MNIST, data_home, download_if_missing, subset, return_X_y, checksums
    )
