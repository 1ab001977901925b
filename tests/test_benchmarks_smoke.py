"""Every benchmark script still runs, on tiny inputs, so that none can rot.

Convention: each script in benchmarks/ accepts ``--smoke`` (tiny sizes, seconds,
meaningless numbers) and ``--output PATH`` (where to write its Markdown table).
The tests pass a temporary path, so committed tables are never overwritten.
A script that does not exist yet is skipped; one that exists must comply.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
RESULTS = BENCHMARKS / "results"

SCRIPTS = [
    "bench_linear.py",
    "bench_ig.py",
    "bench_nets.py",
    "reproduce_paper.py",
]

# Generous: the runners are small and may be shared; the point is that the
# scripts run at all, not how fast.
TIMEOUT = 900


def _run(script, *args):
    env = dict(os.environ)
    env.setdefault("MPLBACKEND", "Agg")
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
def test_benchmark_runs_on_tiny_inputs(script, tmp_path):
    if not (BENCHMARKS / script).is_file():
        pytest.skip(f"benchmarks/{script} does not exist yet")
    before = _snapshot(RESULTS)
    output = tmp_path / "table.md"
    extra = []
    if script == "reproduce_paper.py":
        extra = ["--figure", str(tmp_path / "figure.png")]
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
