"""The report's output folder: nothing but its own files is ever deleted.

The refusals are checked through the real command line, which stops before
any model is fitted. Replacing and interrupting use one real report whose
files a stand-in for ``generate_report`` writes again, so that each case costs
milliseconds instead of a fit.
"""

import json
import os
import shutil
import signal
import stat
import threading

import pytest
from _small_models import report_frame as _frame

import skadv._report
from skadv._cli import main
from skadv._report import ReportInputError, _output, _report, check_output_dir
from skadv._report._output import REPORT_FILES, write_report_folder

# Written out rather than imported: an independent statement of what a report is.
EXPECTED_FILES = {
    "index.html",
    "summary.json",
    "feature_impact.png",
    "frontier.png",
    "weights.png",
}

main_thread_only = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="Python delivers signals to the main thread only",
)


def snapshot(root):
    """Every path under `root` (itself included) -> (kind, mode, bytes)."""
    root = os.fspath(root)
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in [".", *dirs, *files]:
            path = os.path.normpath(os.path.join(folder, name))
            info = os.lstat(path)
            mode = stat.S_IMODE(info.st_mode)
            rel = os.path.relpath(path, root)
            if stat.S_ISLNK(info.st_mode):
                found[rel] = ("link", mode, os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[rel] = ("dir", mode, None)
            else:
                with open(path, "rb") as handle:
                    found[rel] = ("file", mode, handle.read())
    return found


def _run(argv, capsys):
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _assert_one_error_line(err, fragment):
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("skadv: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in err


@pytest.fixture(scope="module")
def data_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "small.csv"
    _frame().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def real_report(data_csv, tmp_path_factory):
    """One report made by the real command line: its folder and its files."""
    out = tmp_path_factory.mktemp("real") / "rep"
    argv = ["report", "--data", data_csv, "--target", "label"]
    status = main(
        [str(a) for a in argv + ["--epsilon", "0.1", "--quiet", "--out", out]]
    )
    assert status == 0
    files = {p.name: p.read_bytes() for p in out.iterdir()}
    return out, files


@pytest.fixture
def fake_generate(real_report, monkeypatch):
    """generate_report without the work: checks, then writes `new_files`."""
    _, files = real_report
    summary = json.loads(files["summary.json"])
    new_files = dict(files)
    new_files["index.html"] = files["index.html"] + b"<!-- new -->"

    def generate(data, *, out, **params):
        out = check_output_dir(out)
        write_report_folder(out, new_files)
        return summary

    monkeypatch.setattr(skadv._report, "generate_report", generate)
    return new_files


def _copy_report(real_report, destination):
    shutil.copytree(real_report[0], destination)
    return destination


def _argv(data_csv, out):
    return ["report", "--data", data_csv, "--target", "label", "--epsilon", "0.1"] + [
        "--quiet",
        "--out",
        out,
    ]


# --- the reported data loss ----------------------------------------------------


def test_report_files_constant_matches_what_a_report_writes(real_report):
    out, files = real_report
    assert set(files) == EXPECTED_FILES == set(REPORT_FILES)
    with pytest.raises(ValueError, match="exactly"):
        write_report_folder(out.parent / "other", {**files, "extra.txt": b"x"})
    assert not (out.parent / "other").exists()


def test_out_dot_in_folder_with_a_copied_summary_loses_nothing(
    real_report, data_csv, tmp_path, monkeypatch, capsys
):
    work = tmp_path / "work"
    _copy_report(real_report, work / "rep")
    shutil.copy(work / "rep" / "summary.json", work / "summary.json")
    (work / "notes.txt").write_text("my notes")
    (work / "sub").mkdir()
    (work / "sub" / "data.bin").write_bytes(bytes(range(256)))
    before = snapshot(tmp_path)
    monkeypatch.chdir(work)
    status, stdout, err = _run(_argv(data_csv, "."), capsys)
    assert status == 2
    assert stdout == ""
    _assert_one_error_line(err, "is the current folder")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("out", ["..", "../.."])
def test_parents_of_the_working_directory_are_refused(
    out, data_csv, tmp_path, monkeypatch, capsys
):
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    monkeypatch.chdir(inner)
    before = snapshot(tmp_path)
    status, _, err = _run(_argv(data_csv, out), capsys)
    assert status == 2
    _assert_one_error_line(err, "is a parent of the current folder")
    assert snapshot(tmp_path) == before


def test_empty_working_directory_is_refused_too(
    data_csv, tmp_path, monkeypatch, capsys
):
    # Replacing the working directory would leave the shell in a deleted folder.
    monkeypatch.chdir(tmp_path)
    status, _, err = _run(_argv(data_csv, "."), capsys)
    assert status == 2
    _assert_one_error_line(err, "current folder")
    assert list(tmp_path.iterdir()) == []


def _add_file(folder):
    (folder / "notes.txt").write_text("keep me")


def _add_hidden(folder):
    (folder / ".DS_Store").write_bytes(b"\0\1")


def _add_folder(folder):
    (folder / "figures").mkdir()
    (folder / "figures" / "mine.png").write_bytes(b"png")


def _replace_by_link(folder):
    target = folder.parent / "elsewhere.html"
    target.write_text("<p>mine</p>")
    (folder / "index.html").unlink()
    (folder / "index.html").symlink_to(target)


def _replace_by_folder(folder):
    (folder / "weights.png").unlink()
    (folder / "weights.png").mkdir()
    (folder / "weights.png" / "keep.txt").write_text("keep")


@pytest.mark.parametrize(
    "extra",
    [_add_file, _add_hidden, _add_folder, _replace_by_link, _replace_by_folder],
)
def test_previous_report_with_anything_else_is_refused(
    extra, real_report, data_csv, tmp_path, capsys
):
    out = _copy_report(real_report, tmp_path / "rep")
    extra(out)
    before = snapshot(tmp_path)
    status, stdout, err = _run(_argv(data_csv, out), capsys)
    assert status == 2
    assert stdout == ""
    _assert_one_error_line(err, "choose another --out")
    assert snapshot(tmp_path) == before


def test_folder_with_report_names_but_no_report_is_refused(data_csv, tmp_path, capsys):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>my home page</h1>")
    (site / "summary.json").write_text('{"title": "mine"}')
    before = snapshot(tmp_path)
    status, _, err = _run(_argv(data_csv, site), capsys)
    assert status == 2
    _assert_one_error_line(err, "holds no skadv report")
    assert snapshot(tmp_path) == before


# --- read-only locations ---------------------------------------------------------


@pytest.fixture
def read_only(request):
    """chmod a folder to 0o555 and restore it afterwards, so tmp can be cleaned."""
    chmodded = []

    def make(folder):
        os.chmod(folder, 0o555)
        chmodded.append(folder)
        return folder

    yield make
    for folder in chmodded:
        os.chmod(folder, 0o755)


def test_read_only_previous_report_is_left_alone(
    real_report, data_csv, tmp_path, read_only, capsys
):
    # Root may write into a 0o555 folder, so the test holds for root only if
    # the program reads the permission bits rather than trying to write.
    out = read_only(_copy_report(real_report, tmp_path / "rep"))
    before = snapshot(tmp_path)
    status, _, err = _run(_argv(data_csv, out), capsys)
    assert status == 2
    _assert_one_error_line(err, "is read-only")
    assert snapshot(tmp_path) == before


def test_read_only_parent_gets_nothing(data_csv, tmp_path, read_only, capsys):
    parent = tmp_path / "locked"
    parent.mkdir()
    (parent / "keep.txt").write_text("keep")
    read_only(parent)
    before = snapshot(tmp_path)
    status, _, err = _run(_argv(data_csv, parent / "new" / "rep"), capsys)
    assert status == 2
    _assert_one_error_line(err, "read-only")
    assert snapshot(tmp_path) == before


# --- folders that may be replaced ------------------------------------------------


def test_empty_folder_receives_the_report(fake_generate, data_csv, tmp_path, capsys):
    out = tmp_path / "rep"
    out.mkdir()
    status, stdout, err = _run(_argv(data_csv, out), capsys)
    assert status == 0, err
    assert snapshot(out) == snapshot_of_files(fake_generate)
    assert [p.name for p in tmp_path.iterdir()] == ["rep"]
    assert f"report: {out / 'index.html'}" in stdout


def snapshot_of_files(files):
    tree = {".": ("dir", 0o755, None)}
    tree.update(
        {name: ("file", _file_mode(), content) for name, content in files.items()}
    )
    return tree


def _file_mode():
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def test_previous_report_is_replaced(
    fake_generate, real_report, data_csv, tmp_path, capsys
):
    out = _copy_report(real_report, tmp_path / "rep")
    status, _, err = _run(_argv(data_csv, out), capsys)
    assert status == 0, err
    assert snapshot(out) == snapshot_of_files(fake_generate)
    assert [p.name for p in tmp_path.iterdir()] == ["rep"]


def test_missing_parents_are_created(fake_generate, data_csv, tmp_path, capsys):
    out = tmp_path / "a" / "b" / "rep"
    assert _run(_argv(data_csv, out), capsys)[0] == 0
    assert {p.name for p in out.iterdir()} == EXPECTED_FILES


def test_user_file_added_while_the_report_runs_is_kept(real_report, tmp_path):
    out = _copy_report(real_report, tmp_path / "rep")
    check_output_dir(out)
    (out / "added-later.txt").write_text("keep")
    before = snapshot(tmp_path)
    with pytest.raises(ReportInputError, match="other files"):
        write_report_folder(out, real_report[1])
    assert snapshot(tmp_path) == before


# --- failures and Ctrl-C while writing ---------------------------------------------


def test_ctrl_c_while_fitting_keeps_the_old_report(
    real_report, data_csv, tmp_path, monkeypatch, capsys
):
    out = _copy_report(real_report, tmp_path / "rep")
    before = snapshot(tmp_path)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_report, "sweep_paths", interrupted)
    status, stdout, err = _run(_argv(data_csv, out), capsys)
    assert status == 130
    assert stdout == ""
    assert len(err.splitlines()) == 1 and err.startswith("skadv: interrupted")
    assert snapshot(tmp_path) == before


def _signal_on_call(monkeypatch, owner, name, call):
    """Send a real SIGINT to this process on the `call`-th call of owner.name."""
    original = getattr(owner, name)
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(args)
        result = original(*args, **kwargs)
        if len(calls) == call:
            signal.raise_signal(signal.SIGINT)
        return result

    monkeypatch.setattr(owner, name, wrapper)
    return calls


@main_thread_only
@pytest.mark.parametrize("nested", [False, True])
def test_ctrl_c_while_writing_files_keeps_the_old_report(
    nested, fake_generate, real_report, data_csv, tmp_path, monkeypatch, capsys
):
    if nested:
        out = tmp_path / "a" / "b" / "rep"
    else:
        out = _copy_report(real_report, tmp_path / "rep")
    before = snapshot(tmp_path)
    calls = _signal_on_call(monkeypatch, _output, "_write_file", 2)
    status, stdout, err = _run(_argv(data_csv, out), capsys)
    assert len(calls) == len(EXPECTED_FILES)
    assert status == 130
    assert len(err.splitlines()) == 1 and err.startswith("skadv: interrupted")
    assert "Traceback" not in err
    # No temporary folder, no created parents, the previous report untouched.
    assert snapshot(tmp_path) == before


@main_thread_only
def test_ctrl_c_during_the_swap_leaves_the_complete_new_report(
    fake_generate, real_report, data_csv, tmp_path, monkeypatch, capsys
):
    out = _copy_report(real_report, tmp_path / "rep")
    # The first rename moves the old report aside; the new one must follow.
    _signal_on_call(monkeypatch, os, "rename", 1)
    status, _, err = _run(_argv(data_csv, out), capsys)
    assert status == 130
    assert len(err.splitlines()) == 1
    assert snapshot(out) == snapshot_of_files(fake_generate)
    assert [p.name for p in tmp_path.iterdir()] == ["rep"]


def test_failed_swap_restores_the_old_report(
    fake_generate, real_report, data_csv, tmp_path, monkeypatch, capsys
):
    out = _copy_report(real_report, tmp_path / "rep")
    before = snapshot(tmp_path)
    original = os.rename
    calls = []

    def rename(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return original(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    status, _, err = _run(_argv(data_csv, out), capsys)
    assert status == 2
    _assert_one_error_line(err, "No space left on device")
    assert len(calls) == 3  # aside, (refused) into place, back
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(not hasattr(signal, "SIGINT"), reason="needs POSIX signals")
def test_ctrl_c_from_the_terminal(real_report, data_csv, tmp_path):
    import subprocess
    import sys

    out = _copy_report(real_report, tmp_path / "rep")
    before = snapshot(tmp_path)
    command = [sys.executable, "-m", "skadv", *map(str, _argv(data_csv, out))]
    command.remove("--quiet")
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        seen = []
        for line in child.stderr:
            seen.append(line)
            if "sweeping eps" in line:
                break
        child.send_signal(signal.SIGINT)
        stdout, rest = child.communicate(timeout=120)
    finally:
        child.kill()
    err = "".join(seen) + rest
    assert child.returncode == 130, err
    assert stdout == ""
    lines = [line for line in err.splitlines() if not line.startswith("[skadv")]
    assert lines == ["skadv: interrupted; nothing half-written was left behind"]
    assert snapshot(tmp_path) == before
