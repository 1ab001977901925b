"""Writing the report folder all at once, or not at all.

Files are written into a hidden temporary folder beside the destination, which
is renamed into place only when everything is there. An existing report is
swapped out by two renames, so readers see the old report or the new one,
never a mixture. A non-empty folder that is not a skadv report is never
replaced: ``--out .`` must not wipe a working directory.
"""

import json
import os
import shutil
import tempfile
from pathlib import Path

from ._errors import ReportInputError

MARKER_KEY = "skadv_report"


def _nearest_existing(path):
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor)


def _is_report_folder(path):
    summary = path / "summary.json"
    try:
        with open(summary, encoding="utf-8") as handle:
            return MARKER_KEY in json.load(handle)
    except (OSError, ValueError):
        return False


def check_output_dir(out):
    """Fail early when `out` cannot receive a report.

    Probes the folder that will hold the temporary directory by creating and
    removing one, so a read-only location is caught before any work is done.

    Parameters
    ----------
    out : path-like
        Destination folder.

    Returns
    -------
    out : pathlib.Path
        The absolute destination.

    Raises
    ------
    ReportInputError
        When `out` is a file, a non-empty folder that is not a report, or
        lies somewhere that cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skadv.report import check_output_dir
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     check_output_dir(pathlib.Path(tmp) / "report").name
    'report'
    """
    out = Path(os.path.abspath(os.fspath(out)))
    if out.exists():
        if not out.is_dir():
            raise ReportInputError(f"output path {out} exists and is not a folder")
        if any(out.iterdir()) and not _is_report_folder(out):
            raise ReportInputError(
                f"output folder {out} is not empty and holds no skadv report; "
                "choose another --out"
            )
    anchor = _nearest_existing(out.parent)
    if not anchor.is_dir():
        raise ReportInputError(
            f"cannot write to output folder {out}: {anchor} is not a folder"
        )
    try:
        probe = tempfile.mkdtemp(prefix=".skadv-probe-", dir=anchor)
    except OSError as exc:
        raise ReportInputError(
            f"cannot write to output folder {out}: {exc.strerror or exc}"
        ) from exc
    os.rmdir(probe)
    return out


def write_report_folder(out, files):
    """Write `files` into the folder `out`, replacing a previous report.

    Parameters
    ----------
    out : pathlib.Path
        Destination, already checked by :func:`check_output_dir`.
    files : dict of str to bytes
        File name -> content.

    Raises
    ------
    ReportInputError
        When the file system refuses a write; nothing is left behind.
    """
    tmp = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
        for name, content in files.items():
            (tmp / name).write_bytes(content)
        os.chmod(tmp, 0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rmdir(old)
            os.rename(out, old)
            try:
                os.rename(tmp, out)
            except OSError:
                os.rename(old, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except OSError as exc:
        if tmp is not None and tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        raise ReportInputError(
            f"cannot write to output folder {out}: {exc.strerror or exc}"
        ) from exc
