"""Shared plumbing of the dataset loaders: locations, checksums and downloads.

Everything that touches the file system or the network lives here, so the
individual loaders only describe *what* they read and the safety rules (verify
before use, never leave a half-written file behind) are written once.
"""

import gzip
import hashlib
import http.client
import os
import shutil
import tempfile
import urllib.request
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import StrOptions

_DATA_HOME_ENV = "SKADV_DATA"
_DEFAULT_DATA_HOME = "~/skadv_data"
_CHUNK = 1 << 20
_USER_AGENT = "skadv-datasets"
_TIMEOUT_S = 60

# parameters shared by every fetch_* function
_FETCH_CONSTRAINTS = {
    "data_home": [str, os.PathLike, None],
    "download_if_missing": ["boolean"],
    "subset": [StrOptions({"train", "test", "all"})],
    "return_X_y": ["boolean"],
}


def _get_data_home(data_home=None):
    """Folder that holds the fetched datasets (not created here).

    Parameters
    ----------
    data_home : str, os.PathLike or None
        Explicit folder. When None, the ``SKADV_DATA`` environment variable is
        used, and when that is unset or empty, ``~/skadv_data``.

    Returns
    -------
    path : pathlib.Path
        The folder, with ``~`` expanded.
    """
    if data_home is None:
        data_home = os.environ.get(_DATA_HOME_ENV) or _DEFAULT_DATA_HOME
    return Path(data_home).expanduser()


def _file_digest(path, algorithm="md5"):
    """Hex digest of a file, read in chunks so large archives stay cheap."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _verify_md5(path, expected):
    """Raise OSError naming `path` when its md5 is not `expected`."""
    actual = _file_digest(path, "md5")
    if actual != expected:
        raise OSError(
            f"Checksum mismatch for {Path(path).name} at {path}: md5 is {actual}, "
            f"expected {expected}. The file is corrupted or truncated; delete it "
            "and fetch it again."
        )


def _stream_url(url, handle):
    """Copy the body served at `url` into the open binary file `handle`.

    This is the only function that talks to the network; tests replace it.
    """
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
        shutil.copyfileobj(response, handle, _CHUNK)


def _download(urls, path, md5):
    """Download `path` from the first url that serves a file with the right md5.

    The bytes go to a temporary file in the destination folder that is only
    renamed onto `path` once its checksum is right, so an interrupted or bad
    download never leaves a file that a later call would trust.

    Parameters
    ----------
    urls : sequence of str
        Full addresses of the file, tried in order.
    path : pathlib.Path
        Destination; its folder is created when missing.
    md5 : str
        Published md5 of the file.

    Raises
    ------
    OSError
        When no url delivered the file with the expected checksum.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for url in urls:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".part", dir=path.parent
        )
        try:
            with os.fdopen(fd, "wb") as handle:
                _stream_url(url, handle)
            _verify_md5(tmp_name, md5)
            # mkstemp files are private (0600); data files are meant to be shared
            os.chmod(tmp_name, 0o644)
            os.replace(tmp_name, path)
            return path
        except (OSError, ValueError, http.client.HTTPException) as exc:
            failures.append(f"{url}: {exc}")
        finally:
            if os.path.exists(tmp_name):
                os.remove(tmp_name)
    raise OSError(
        f"Could not download {path.name} to {path}. Attempts:\n  "
        + "\n  ".join(failures)
    )


def _ensure_file(path, urls, md5, download_if_missing):
    """Return `path` after making sure it exists and has the published md5.

    Parameters
    ----------
    path : pathlib.Path
        Where the file is expected.
    urls : sequence of str
        Where to download it from when missing.
    md5 : str
        Published md5 of the file.
    download_if_missing : bool
        Whether a missing file may be downloaded.

    Returns
    -------
    path : pathlib.Path
    """
    path = Path(path)
    if not path.is_file():
        if not download_if_missing:
            raise OSError(
                f"Data file {path.name} not found at {path}, and "
                "download_if_missing=False. Put the original file there or allow "
                "the download."
            )
        # _download only renames a file onto `path` once its md5 is right
        return _download(urls, path, md5)
    _verify_md5(path, md5)
    return path


def _read_gzip(path):
    """Decompressed bytes of a gzip file; a damaged stream names the file."""
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read()
    except (OSError, EOFError) as exc:
        raise ValueError(
            f"{Path(path).name} at {path} is not a complete gzip file: {exc}"
        ) from exc


def _read_bundled(name, sha256):
    """Decompressed bytes of a gzip file shipped in ``skadv/datasets/data``.

    The payload is checked against the sha256 of the original published file,
    which guards against a damaged installation.
    """
    resource = resources.files("skadv.datasets").joinpath("data", name)
    payload = gzip.decompress(resource.read_bytes())
    actual = hashlib.sha256(payload).hexdigest()
    if actual != sha256:
        raise OSError(
            f"Bundled data file {name} is damaged: sha256 {actual}, expected "
            f"{sha256}. Reinstall skadv."
        )
    return payload


def _load_descr(name):
    """Text of ``skadv/datasets/descr/<name>``."""
    resource = resources.files("skadv.datasets").joinpath("descr", name)
    return resource.read_text(encoding="utf-8")


def _bunch_or_tuple(
    data, target, frame, *, return_X_y, feature_names, target_names, descr
):
    """What a bundled loader returns: ``(data, target)`` or a Bunch."""
    if return_X_y:
        return data, target
    bunch = Bunch(
        data=data,
        target=target,
        feature_names=list(feature_names),
        target_names=np.array(target_names),
        DESCR=_load_descr(descr),
    )
    if frame is not None:
        bunch.frame = frame
    return bunch
