"""Every benchmark script still runs, on tiny inputs, so that none can rot.

Convention: each script in benchmarks/ accepts ``--smoke`` (tiny sizes, seconds,
meaningless numbers) and ``--output PATH`` (where to write its Markdown table).
The tests pass a temporary path, so committed tables are never overwritten.
A script that does not exist yet is skipped; one that exists must comply.

The scripts that train on MNIST-style images also accept ``--data-home`` and
``--checksums``: here they read tiny synthetic idx files that the test writes,
through the real loaders and parser, so no downloaded data is needed.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from _synthetic_idx import write_data_home

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
RESULTS = BENCHMARKS / "results"

SCRIPTS = [
    "bench_linear.py",
    "bench_ig.py",
    "bench_nets.py",
    "reproduce_paper.py",
]
# scripts that read MNIST / Fashion-MNIST
IMAGE_SCRIPTS = {"bench_nets.py", "reproduce_paper.py"}

# Generous: the runners are small and may be shared; the point is that the
# scripts run at all, not how fast.
TIMEOUT = 900


@pytest.fixture(scope="module")
def data_home(tmp_path_factory):
    """Synthetic MNIST and Fashion-MNIST and the MD5SUMS that vouches for them."""
    home = tmp_path_factory.mktemp("data_home")
    return home, write_data_home(home)


def _run(script, *args):
    env = dict(os.environ)
    env.setdefault("MPLBACKEND", "Agg")
    # only the data a test hands over explicitly may be read
    env.pop("SKADV_DATA", None)
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        cwd=BENCHMARKS.parent,
    )


def _snapshot(folder):
    if not folder.is_dir():
        return {}
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file()}


def _check(result, output):
    assert result.returncode == 0, (
        f"exit status {result.returncode}\n--- stdout\n{result.stdout[-3000:]}"
        f"\n--- stderr\n{result.stderr[-3000:]}"
    )
    assert output.is_file(), f"no table written to {output}"
    text = output.read_text(encoding="utf-8")
    assert "|" in text, "the output holds no Markdown table"


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_runs_on_tiny_inputs(script, tmp_path, data_home):
    if not (BENCHMARKS / script).is_file():
        pytest.skip(f"benchmarks/{script} does not exist yet")
    before = _snapshot(RESULTS)
    output = tmp_path / "table.md"
    extra = []
    if script in IMAGE_SCRIPTS:
        home, md5sums = data_home
        extra += ["--data-home", str(home), "--checksums", str(md5sums)]
    if script == "reproduce_paper.py":
        extra += ["--figure", str(tmp_path / "figure.png")]
    result = _run(script, "--smoke", "--output", str(output), *extra)
    _check(result, output)
    assert _snapshot(RESULTS) == before, "a smoke run touched benchmarks/results/"
    if script == "reproduce_paper.py":
        text = output.read_text(encoding="utf-8")
        assert "SMOKE" in text
        for dataset in ("Mushroom", "Spambase", "MNIST", "Fashion-MNIST"):
            assert f"| {dataset} |" in text, dataset
        assert (tmp_path / "figure.png").stat().st_size > 0


def test_reproduce_paper_rejects_conflicting_modes():
    if not (BENCHMARKS / "reproduce_paper.py").is_file():
        pytest.skip("benchmarks/reproduce_paper.py does not exist yet")
    result = _run("reproduce_paper.py", "--quick", "--full")
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


def test_reproduce_paper_rejects_unknown_dataset():
    if not (BENCHMARKS / "reproduce_paper.py").is_file():
        pytest.skip("benchmarks/reproduce_paper.py does not exist yet")
    result = _run("reproduce_paper.py", "--smoke", "--datasets", "cifar")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


@pytest.mark.parametrize("script", sorted(IMAGE_SCRIPTS))
def test_image_scripts_check_published_md5_by_default(script, tmp_path, data_home):
    # without --checksums a copy that is not the published one is refused
    # before any training, and the message names the file
    home, _ = data_home
    extra = ["--datasets", "mnist"] if script == "reproduce_paper.py" else []
    result = _run(script, "--smoke", "--output", str(tmp_path / "t.md"),
                  "--data-home", str(home), *extra)  # fmt: skip
    assert result.returncode != 0
    assert "Checksum mismatch for train-images-idx3-ubyte.gz" in result.stderr
    assert not (tmp_path / "t.md").exists()


def test_checksum_file_is_read_in_md5sum_format(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    from _image_data import fetch_options, read_checksums

    digest = "0123456789abcdef" * 2
    table = tmp_path / "MD5SUMS"
    table.write_text(
        f"{digest}  mnist/t10k-labels-idx1-ubyte.gz\n\n"
        f"{digest} *fashion-mnist/train-images-idx3-ubyte.gz\n"
    )
    assert read_checksums(table) == {
        "mnist/t10k-labels-idx1-ubyte.gz": digest,
        "fashion-mnist/train-images-idx3-ubyte.gz": digest,
    }
    options = fetch_options("fashion", tmp_path, table)
    assert options == {
        "data_home": tmp_path,
        "download_if_missing": False,
        "checksums": {"train-images-idx3-ubyte.gz": digest},
    }
    table.write_text("not a checksum line\n")
    with pytest.raises(ValueError, match="line 1: expected '<md5>  <path>'"):
        read_checksums(table)
