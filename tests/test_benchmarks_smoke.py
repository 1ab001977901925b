"""Every benchmark script still runs, on tiny inputs, so that none can rot.

Convention: each script is a module of the ``benchmarks`` package, run as
``python -m benchmarks.<script>`` from the repository root, and accepts
``--smoke`` (tiny sizes, seconds, meaningless numbers) and ``--output PATH``
(where to write its Markdown table). The tests pass a temporary path, so
committed tables are never overwritten. A script that does not exist yet is
skipped; one that exists must comply.

The scripts that train on MNIST-style images also accept ``--data-home`` and
``--checksums``: here they read tiny synthetic idx files that the test writes,
through the real loaders and parser, so no downloaded data is needed.
"""

import ast
import doctest
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _synthetic_idx import write_data_home

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
RESULTS = BENCHMARKS / "results"

SCRIPTS = [
    "bench_linear",
    "bench_ig",
    "bench_nets",
    "bench_frontier",
    "bench_report",
    "bench_dask",
    "reproduce_paper",
]
# scripts that read MNIST / Fashion-MNIST
IMAGE_SCRIPTS = {"bench_nets", "reproduce_paper"}
# scripts that need an optional extra, by the module it provides
OPTIONAL_MODULES = {"bench_dask": "distributed"}

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
        [sys.executable, "-m", f"benchmarks.{script}", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        cwd=ROOT,
    )


def _benchmarks_module(name, monkeypatch):
    """A module of the benchmarks package, imported from the repository root."""
    monkeypatch.syspath_prepend(str(ROOT))
    return importlib.import_module(f"benchmarks.{name}")


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


def test_benchmarks_is_a_package_that_edits_no_import_path():
    assert (BENCHMARKS / "__init__.py").is_file()
    sources = sorted(BENCHMARKS.glob("*.py"))
    siblings = {path.stem for path in sources}
    found = []
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "path"
                and isinstance(node.value, ast.Name)
                and node.value.id == "sys"
            ):
                found.append(f"{path.name}:{node.lineno}: sys.path")
            names = []
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            found += [
                f"{path.name}:{node.lineno}: import {name} (not package-relative)"
                for name in names
                if name.split(".")[0] in siblings
            ]
    assert not found, found


def test_command_line_and_environment_block_are_written_once():
    # every script gets them from benchmarks/_cli.py
    for path in sorted(BENCHMARKS.glob("*.py")):
        if path.name == "_cli.py":
            continue
        source = path.read_text(encoding="utf-8")
        for needle in ("ArgumentParser(", "platform.", "datetime.", "cpuinfo"):
            assert needle not in source, f"{path.name} has its own {needle}"


@pytest.mark.parametrize("name", ["_cli", "_paper_common", "_paper_constants"])
def test_helper_examples_run(name, monkeypatch):
    # benchmarks/ is outside the doctest paths of the suite
    failed, tried = doctest.testmod(_benchmarks_module(name, monkeypatch))
    assert tried and not failed


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_runs_on_tiny_inputs(script, tmp_path, data_home, monkeypatch):
    if not (BENCHMARKS / f"{script}.py").is_file():
        pytest.skip(f"benchmarks/{script}.py does not exist yet")
    if script in OPTIONAL_MODULES:
        pytest.importorskip(OPTIONAL_MODULES[script])
    before = _snapshot(RESULTS)
    output = tmp_path / "table.md"
    extra = []
    if script in IMAGE_SCRIPTS:
        home, md5sums = data_home
        extra += ["--data-home", str(home), "--checksums", str(md5sums)]
    if script == "reproduce_paper":
        extra += ["--figure", str(tmp_path / "figure.png")]
    result = _run(script, "--smoke", "--output", str(output), *extra)
    _check(result, output)
    assert _snapshot(RESULTS) == before, "a smoke run touched benchmarks/results/"
    text = output.read_text(encoding="utf-8")
    assert f"- command: `python -m benchmarks.{script} --smoke --output " in text
    if script == "reproduce_paper":
        assert "SMOKE" in text
        for dataset in ("Mushroom", "Spambase", "MNIST", "Fashion-MNIST"):
            assert f"| {dataset} |" in text, dataset
        assert (tmp_path / "figure.png").stat().st_size > 0
        # the report is a function of the raw results written beside it
        report = _benchmarks_module("_paper_report", monkeypatch)
        record = json.loads(output.with_suffix(".json").read_text(encoding="utf-8"))
        assert report.render_report(record) == text


def test_reproduce_paper_rejects_conflicting_modes():
    if not (BENCHMARKS / "reproduce_paper.py").is_file():
        pytest.skip("benchmarks/reproduce_paper.py does not exist yet")
    result = _run("reproduce_paper", "--quick", "--full")
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


def test_reproduce_paper_rejects_unknown_dataset():
    if not (BENCHMARKS / "reproduce_paper.py").is_file():
        pytest.skip("benchmarks/reproduce_paper.py does not exist yet")
    result = _run("reproduce_paper", "--smoke", "--datasets", "cifar")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


@pytest.mark.parametrize("script", sorted(IMAGE_SCRIPTS))
def test_image_scripts_check_published_md5_by_default(script, tmp_path, data_home):
    # without --checksums a copy that is not the published one is refused
    # before any training, and the message names the file
    home, _ = data_home
    extra = ["--datasets", "mnist"] if script == "reproduce_paper" else []
    result = _run(script, "--smoke", "--output", str(tmp_path / "t.md"),
                  "--data-home", str(home), *extra)  # fmt: skip
    assert result.returncode != 0
    assert "Checksum mismatch for train-images-idx3-ubyte.gz" in result.stderr
    assert not (tmp_path / "t.md").exists()


def test_checksum_file_is_read_in_md5sum_format(tmp_path, monkeypatch):
    image_data = _benchmarks_module("_image_data", monkeypatch)
    fetch_options, read_checksums = image_data.fetch_options, image_data.read_checksums

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
