"""Writing the report folder all at once, or not at all.

Files are written into a hidden temporary folder beside the destination, which
is renamed into place only when everything is there. An existing report is
swapped out by two renames, so readers see the old report or the new one,
never a mixture.

The report deletes or replaces only files it wrote itself. An existing folder
is replaced only when it is empty or holds a previous report and nothing else:
no other file, no subfolder, no link. The working directory and its parents are
never replaced, and a folder without write permission (for anyone, so that the
rule also holds for root) is left alone. Ctrl-C while the folder is written
is held back until the folder is in a consistent state; before the swap it
discards the new files and keeps the old report.
"""

import contextlib
import json
import os
import signal
import stat
import tempfile
import threading
from pathlib import Path

from ..utils._warnings import warn_caller
from ._errors import ReportInputError
from ._figures import FIGURES

MARKER_KEY = "skadv_report"
SUMMARY_FILE = "summary.json"
PAGE_FILE = "index.html"

#: Every file a report writes; a folder holding anything else is never replaced.
REPORT_FILES = frozenset({SUMMARY_FILE, PAGE_FILE, *FIGURES})

_MAX_LISTED = 5
_MAX_SUMMARY_BYTES = 64 * 2**20


def _resolved(out):
    return Path(os.path.realpath(os.path.abspath(os.fspath(out))))


def _nearest_existing(path):
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path(path.anchor)


def _writable(path):
    """Whether `path` may be written, by permission bits as well as access.

    ``os.access`` says yes to root for any folder; a folder whose mode grants
    write permission to nobody was protected on purpose and counts as
    read-only for everyone.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return bool(stat.S_IMODE(mode) & 0o222) and os.access(path, os.W_OK | os.X_OK)


def _is_report_folder(path):
    summary = path / SUMMARY_FILE
    try:
        # A report's summary is kilobytes; a huge file is not one, unread.
        if summary.stat().st_size > _MAX_SUMMARY_BYTES:
            return False
        with open(summary, encoding="utf-8") as handle:
            content = json.load(handle)
    except (OSError, ValueError):
        return False
    return isinstance(content, dict) and MARKER_KEY in content


def _refuse_working_dir(out):
    try:
        cwd = _resolved(os.getcwd())
    except OSError:
        return
    if out == cwd or out in cwd.parents:
        where = "the current folder" if out == cwd else "a parent of the current folder"
        raise ReportInputError(
            lambda spell: (
                f"output folder {out} is {where}; choose a new folder "
                f"for the report, such as {spell('out', 'report')}"
            ),
            parameter="out",
        )


def _check_replaceable(out):
    """Refuse an existing folder that holds anything a report does not write."""
    try:
        entries = list(os.scandir(out))
    except OSError as exc:
        raise ReportInputError(
            f"cannot read output folder {out}: {exc.strerror or exc}"
        ) from exc
    if not _writable(out):
        raise ReportInputError(
            lambda spell: (
                f"output folder {out} is read-only; choose another {spell('out')}"
            ),
            parameter="out",
        )
    if not entries:
        return
    if not _is_report_folder(out):
        raise ReportInputError(
            lambda spell: (
                f"output folder {out} is not empty and holds no skadv "
                f"report; choose another {spell('out')}"
            ),
            parameter="out",
        )
    foreign = sorted(
        entry.name
        for entry in entries
        if entry.name not in REPORT_FILES or not entry.is_file(follow_symlinks=False)
    )
    if foreign:
        shown = ", ".join(repr(name) for name in foreign[:_MAX_LISTED])
        more = len(foreign) - _MAX_LISTED
        shown += f" and {more} more" if more > 0 else ""
        raise ReportInputError(
            lambda spell: (
                f"output folder {out} holds a skadv report and other "
                f"files ({shown}) that a new report would delete; move them or "
                f"choose another {spell('out')}"
            ),
            parameter="out",
        )


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
        The absolute destination, links resolved.

    Raises
    ------
    ReportInputError
        When `out` is a file, the working directory or one of its parents, a
        read-only folder, a non-empty folder holding anything but a previous
        report, or lies somewhere that cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skadv._report import check_output_dir
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     check_output_dir(pathlib.Path(tmp) / "report").name
    'report'
    """
    out = _resolved(out)
    _refuse_working_dir(out)
    if os.path.lexists(out):
        if not out.is_dir():
            raise ReportInputError(f"output path {out} exists and is not a folder")
        _check_replaceable(out)
    anchor = _nearest_existing(out.parent)
    if not anchor.is_dir():
        raise ReportInputError(
            f"cannot write to output folder {out}: {anchor} is not a folder"
        )
    if not _writable(anchor):
        raise ReportInputError(
            f"cannot write to output folder {out}: {anchor} is read-only"
        )
    probe = None
    try:
        probe = tempfile.mkdtemp(prefix=".skadv-probe-", dir=anchor)
    except OSError as exc:
        raise ReportInputError(
            f"cannot write to output folder {out}: {exc.strerror or exc}"
        ) from exc
    finally:
        if probe is not None:
            os.rmdir(probe)
    return out


@contextlib.contextmanager
def _interrupts_held():
    """Hold Ctrl-C back during the block; yield a callable: did one arrive?

    The signal is delivered again, to the handler that was in place, once the
    block is left. Signals can only be handled in the main thread; elsewhere
    the block runs unprotected.
    """
    received = []
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous in (
        signal.SIG_IGN,
        None,
    ):
        yield lambda: False
        return
    signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield lambda: bool(received)
    except KeyboardInterrupt:
        # The block already answered the interrupt; do not deliver it twice.
        received.clear()
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            signal.raise_signal(signal.SIGINT)


def _write_file(path, content):
    with open(path, "xb") as handle:
        handle.write(content)


def _remove_written(folder, names):
    """Delete the files of `names` in `folder`, then the folder if empty."""
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(folder / name)
    os.rmdir(folder)


def _make_parents(folder):
    """Create `folder` and missing parents; return those created, deepest last."""
    missing = []
    for candidate in (folder, *folder.parents):
        if os.path.lexists(candidate):
            break
        missing.append(candidate)
    created = []
    for path in reversed(missing):
        os.mkdir(path)
        created.append(path)
    return created


def _discard_old(old):
    try:
        _remove_written(old, REPORT_FILES)
    except OSError:
        # Something appeared in the old report after it was checked: keep it.
        warn_caller(
            f"the previous report was moved to {old} and kept there, because "
            "it now holds files that the report did not write",
            UserWarning,
        )


def _swap_into_place(tmp, out):
    if not os.path.lexists(out):
        os.rename(tmp, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(old)
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    _discard_old(old)


def write_report_folder(out, files):
    """Write `files` into the folder `out`, replacing a previous report.

    The destination is checked again first, since it may have changed while
    the report was computed.

    Parameters
    ----------
    out : path-like
        Destination, already checked by :func:`check_output_dir`.
    files : dict of str to bytes
        File name -> content, for exactly the names of ``REPORT_FILES``.

    Raises
    ------
    ReportInputError
        When the destination is no longer acceptable or the file system
        refuses a write; nothing is left behind and a previous report stays.
    KeyboardInterrupt
        On Ctrl-C; the previous report stays unless the new one was already
        being moved into place, in which case the new one is complete.
    """
    if set(files) != REPORT_FILES:
        raise ValueError(
            f"a report folder holds exactly {sorted(REPORT_FILES)}; got {sorted(files)}"
        )
    out = check_output_dir(out)
    with _interrupts_held() as interrupted:
        created, tmp = [], None
        try:
            created = _make_parents(out.parent)
            tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
            for name, content in files.items():
                _write_file(tmp / name, content)
            os.chmod(tmp, 0o755)
            if interrupted():
                raise KeyboardInterrupt
            _swap_into_place(tmp, out)
            tmp = None
        except BaseException as exc:
            with contextlib.suppress(OSError):
                if tmp is not None:
                    _remove_written(tmp, files)
                for path in reversed(created):
                    os.rmdir(path)
            if isinstance(exc, OSError):
                raise ReportInputError(
                    f"cannot write to output folder {out}: {exc.strerror or exc}"
                ) from exc
            raise
