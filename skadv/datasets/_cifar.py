"""CIFAR-10, read from its binary distribution (never from pickles).

The binary version stores each image as one fixed-size record: a label byte
followed by 3072 pixel bytes, the 1024 red, then green, then blue values of a
32 x 32 image in row-major order.

No checksums of the individual batch files are published, only the archive's
md5. So the sha256 of every batch is recorded, as read from the verified
archive, in a manifest written next to the extracted folder, and each batch is
checked against it whenever it is read later.
"""

import hashlib
import os
import posixpath
import tarfile
import tempfile

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import validate_params

from skadv.datasets._base import (
    _FETCH_CONSTRAINTS,
    _ensure_file,
    _get_data_home,
    _load_descr,
)

_FOLDER = "cifar-10"
_ARCHIVE = "cifar-10-binary.tar.gz"
_URLS = ("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",)
# published md5 of cifar-10-binary.tar.gz
_ARCHIVE_MD5 = "c32a1d4ab5d03f1284b67883e8d87530"
_BATCH_DIR = "cifar-10-batches-bin"
_MANIFEST = f"{_BATCH_DIR}.sha256"
_MANIFEST_HEADER = (
    "# sha256 of the CIFAR-10 batches extracted from the archive with md5 "
)
_BATCHES = {
    "train": tuple(f"data_batch_{i}.bin" for i in range(1, 6)),
    "test": ("test_batch.bin",),
}
_CHANNELS = ("red", "green", "blue")
_SIDE = 32
_N_PIXELS = len(_CHANNELS) * _SIDE * _SIDE
_RECORD_SIZE = 1 + _N_PIXELS
_TARGET_NAMES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
    "ship", "truck",
)  # fmt: skip


def _check_member_name(name, archive):
    """Refuse archive members that would land outside the extraction folder."""
    normalized = name.replace("\\", "/")
    parts = normalized.split("/")
    if posixpath.isabs(normalized) or ".." in parts or (parts and ":" in parts[0]):
        raise ValueError(
            f"{archive.name} at {archive}: refusing unsafe member path {name!r}"
        )


def _extract_batches(archive, batch_dir, manifest):
    """Copy the six batch files out of the (md5-verified) archive.

    Only regular files with the expected names are read, each through a
    temporary file renamed into place, so links, devices and stray paths in
    the archive are never materialised and an interruption leaves nothing
    half-written. The manifest of their checksums is removed first and written
    last, so a partial extraction is never mistaken for a verified one.
    """
    wanted = {
        f"{_BATCH_DIR}/{name}": name for names in _BATCHES.values() for name in names
    }
    batch_dir.mkdir(parents=True, exist_ok=True)
    manifest.unlink(missing_ok=True)
    digests = {}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()
            for member in members:
                _check_member_name(member.name, archive)
            found = {m.name: m for m in members if m.name in wanted and m.isfile()}
            missing = sorted(set(wanted) - set(found))
            if missing:
                raise ValueError(
                    f"{archive.name} at {archive} lacks the regular files {missing}"
                )
            for member_name, name in wanted.items():
                digests[name] = _copy_member(tar, found[member_name], batch_dir / name)
    except (tarfile.TarError, EOFError) as exc:
        raise ValueError(
            f"{archive.name} at {archive} is not a valid tar.gz: {exc}"
        ) from exc
    lines = [_MANIFEST_HEADER + _ARCHIVE_MD5]
    lines += [f"{digest}  {name}" for name, digest in sorted(digests.items())]
    _write_atomically(manifest, ("\n".join(lines) + "\n").encode("ascii"))


def _temporary_next_to(path):
    return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)


def _publish(tmp_name, path):
    # mkstemp files are private (0600); data files are meant to be shared
    os.chmod(tmp_name, 0o644)
    os.replace(tmp_name, path)


def _copy_member(tar, member, path):
    """Copy one archive member to ``path``; return the sha256 of its bytes."""
    digest = hashlib.sha256()
    fd, tmp_name = _temporary_next_to(path)
    try:
        with os.fdopen(fd, "wb") as target, tar.extractfile(member) as source:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                digest.update(chunk)
                target.write(chunk)
        _publish(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.remove(tmp_name)
    return digest.hexdigest()


def _write_atomically(path, payload):
    fd, tmp_name = _temporary_next_to(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        _publish(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.remove(tmp_name)


def _read_manifest(manifest):
    """{batch name: sha256} recorded at extraction, or None when unusable.

    A manifest written for another archive (a different md5) or in any other
    form than :func:`_extract_batches` writes does not vouch for the batches.
    """
    try:
        lines = manifest.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if not lines or lines[0] != _MANIFEST_HEADER + _ARCHIVE_MD5:
        return None
    digests = {}
    for line in lines[1:]:
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            return None
        digests[name] = digest
    return digests


def _read_batch(path, payload):
    """(uint8 pixels (n, 3072), uint8 labels (n,)) of one binary batch file."""
    if not payload or len(payload) % _RECORD_SIZE:
        raise ValueError(
            f"{path.name} at {path} has {len(payload)} bytes, not a positive "
            f"multiple of the {_RECORD_SIZE}-byte CIFAR-10 record; the file is "
            "truncated or corrupted"
        )
    records = np.frombuffer(payload, dtype=np.uint8).reshape(-1, _RECORD_SIZE)
    labels = records[:, 0]
    if labels.max() >= len(_TARGET_NAMES):
        raise ValueError(
            f"{path.name} at {path} holds labels above {len(_TARGET_NAMES) - 1}; "
            "it is not a CIFAR-10 batch"
        )
    return records[:, 1:], labels


def _verified_payloads(paths, manifest):
    """Bytes of each batch file, or the reason they cannot be trusted.

    Returns ``(payloads, None)`` when every file matches the checksum recorded
    at extraction, else ``(None, reason)``. The bytes that are checked are the
    bytes that are parsed, so a file cannot change in between.
    """
    if not all(path.is_file() for path in paths):
        return None, "batch files are missing"
    digests = _read_manifest(manifest)
    if digests is None:
        return None, f"no valid checksum manifest {manifest.name} at {manifest}"
    payloads = []
    for path in paths:
        payload = path.read_bytes()
        actual = hashlib.sha256(payload).hexdigest()
        if digests.get(path.name) != actual:
            return None, (
                f"{path.name} at {path} has sha256 {actual}, not the "
                f"{digests.get(path.name)} recorded when it was extracted; the "
                "file is corrupted"
            )
        payloads.append(payload)
    return payloads, None


def _batch_payloads(data_home, subset, download_if_missing):
    """(path, bytes) of each batch file of `subset`, verified or re-extracted."""
    folder = _get_data_home(data_home) / _FOLDER
    batch_dir = folder / _BATCH_DIR
    manifest = folder / _MANIFEST
    splits = ("train", "test") if subset == "all" else (subset,)
    paths = [batch_dir / name for split in splits for name in _BATCHES[split]]
    payloads, reason = _verified_payloads(paths, manifest)
    if payloads is None:
        try:
            archive = _ensure_file(
                folder / _ARCHIVE, _URLS, _ARCHIVE_MD5, download_if_missing
            )
        except OSError as exc:
            if not any(path.exists() for path in paths):
                raise
            raise OSError(
                f"The extracted CIFAR-10 batches cannot be used ({reason}), and "
                f"the archive to extract them again is unavailable: {exc}"
            ) from exc
        _extract_batches(archive, batch_dir, manifest)
        payloads, reason = _verified_payloads(paths, manifest)
        if payloads is None:
            raise OSError(
                f"The CIFAR-10 batches changed while being extracted: {reason}"
            )
    return list(zip(paths, payloads))


@validate_params(_FETCH_CONSTRAINTS, prefer_skip_nested_validation=True)
def fetch_cifar10(
    *, data_home=None, download_if_missing=True, subset="train", return_X_y=False
):
    """Load CIFAR-10 (10 classes of 32 x 32 colour images).

    Reads the batch files of the binary distribution from
    ``data_home/cifar-10/cifar-10-batches-bin/``. When they are missing, they
    are extracted from ``data_home/cifar-10/cifar-10-binary.tar.gz``, which is
    downloaded first if needed and allowed; the archive is checked against its
    published md5 before anything is extracted from it, and members with
    absolute or parent-relative paths are refused. The sha256 of each batch is
    recorded at extraction in ``data_home/cifar-10/cifar-10-batches-bin.sha256``
    and checked at every later read: batches that are corrupted, or that were
    extracted without that record, are extracted again from the archive (an
    OSError when it is unavailable).

    =================   ==========================
    Classes                                     10
    Samples per class   5000 train, 1000 test
    Samples total       50000 train, 10000 test
    Dimensionality                            3072
    Features            float32 pixels in [0, 1]
    =================   ==========================

    Parameters
    ----------
    data_home : str or os.PathLike, default=None
        Folder of the datasets. By default the ``SKADV_DATA`` environment
        variable, and when that is unset ``~/skadv_data``.
    download_if_missing : bool, default=True
        If False, raise an OSError instead of downloading a missing archive.
    subset : {"train", "test", "all"}, default="train"
        Which split; "all" is the 50000 training images (batches 1 to 5 in
        order) followed by the 10000 test images.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples, 3072), dtype float32
            Pixel intensities scaled to [0, 1], channel-major: the 1024 red,
            then green, then blue values, each 32 x 32 plane row-major.
        images : ndarray of shape (n_samples, 3, 32, 32), dtype float32
            The same pixels as a view of ``data``.
        target : ndarray of shape (n_samples,), dtype int64
            Class index 0-9.
        feature_names : list of str
            ``"<channel>_<row>_<column>"``, e.g. ``"red_0_0"``.
        target_names : ndarray of str
            ``"airplane"``, ``"automobile"``, ... ``"truck"``.
        DESCR : str
            Description, provenance, citation and license.

    (data, target) : tuple if ``return_X_y`` is True
        The two arrays described above.

    Raises
    ------
    OSError
        When the archive is missing and cannot be downloaded, or its md5
        differs from the published one; or when an extracted batch no longer
        matches its recorded checksum and the archive is unavailable.
    ValueError
        When the archive or a batch file is malformed or truncated.

    Examples
    --------
    >>> from skadv.datasets import fetch_cifar10
    >>> cifar = fetch_cifar10(subset="test")  # doctest: +SKIP
    >>> cifar.data.shape, cifar.images.shape  # doctest: +SKIP
    ((10000, 3072), (10000, 3, 32, 32))
    >>> str(cifar.target_names[cifar.target[0]])  # doctest: +SKIP
    'cat'
    """
    parts = [
        _read_batch(path, payload)
        for path, payload in _batch_payloads(data_home, subset, download_if_missing)
    ]
    n_samples = sum(pixels.shape[0] for pixels, _ in parts)
    # scale batch by batch into one preallocated block, as for MNIST
    data = np.empty((n_samples, _N_PIXELS), dtype=np.float32)
    target = np.empty(n_samples, dtype=np.int64)
    start = 0
    for pixels, labels in parts:
        stop = start + pixels.shape[0]
        np.divide(pixels, 255, out=data[start:stop])
        target[start:stop] = labels
        start = stop
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        images=data.reshape(n_samples, len(_CHANNELS), _SIDE, _SIDE),
        target=target,
        feature_names=[
            f"{channel}_{r}_{c}"
            for channel in _CHANNELS
            for r in range(_SIDE)
            for c in range(_SIDE)
        ],
        target_names=np.array(_TARGET_NAMES),
        DESCR=_load_descr("cifar10.rst"),
    )
