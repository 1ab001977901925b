"""benchmarks/gpu_check.py and gpu_check.sh, exercised without a GPU.

The script runs once in ``--smoke`` mode on the CPU, on tiny synthetic MNIST
files read through the real loaders (as in test_benchmarks_smoke.py); its table
must hold a passed pickle check and the three MNIST models with numbers in
range. Without CUDA, ``--device cuda`` must be refused with exit status 2 and
the shell script must run nothing. The IG rule and the Gini convention that the
script reports are checked against the official formulas written out here.
"""

import importlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from _synthetic_idx import write_data_home
from sklearn.datasets import load_digits

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CUDA = torch.cuda.is_available()
MODEL_ROWS = ("natural", "L1 natural", "adversarial")


def _run(*args, command=None):
    env = dict(os.environ)
    # only the data a test hands over explicitly may be read
    env.pop("SKADV_DATA", None)
    command = command or [sys.executable, "-m", "benchmarks.gpu_check", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=600, env=env, cwd=ROOT
    )


def _results_snapshot():
    return {p.name: p.stat().st_mtime_ns for p in RESULTS.glob("*") if p.is_file()}


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    """``(completed process, table text)`` of one smoke run on the CPU."""
    home = tmp_path_factory.mktemp("data_home")
    md5sums = write_data_home(home, n_train=200, n_test=100)
    output = home / "gpu_check.md"
    before = _results_snapshot()
    result = _run(
        "--smoke",
        "--device",
        "cpu",
        "--output",
        str(output),
        "--data-home",
        str(home),
        "--checksums",
        str(md5sums),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert _results_snapshot() == before, "a smoke run touched benchmarks/results/"
    return result, output.read_text(encoding="utf-8")


def _cells(text, first):
    """The cells of the table rows of ``text`` whose first cell is ``first``."""
    rows = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] == first:
            rows.append(cells)
    return rows


def _percent(cell):
    match = re.fullmatch(r"(\d+\.\d\d)%", cell)
    assert match, f"not a percentage: {cell!r}"
    return float(match.group(1))


def test_smoke_table_has_the_three_models_with_numbers_in_range(smoke_run):
    _, text = smoke_run
    assert "- command: `python -m benchmarks.gpu_check --smoke --device cpu" in text
    assert "SMOKE" in text and "time budget: none" in text
    header = _cells(text, "model")[1]
    assert header[2:6] == [
        "clean accuracy (100)",
        "PGD-40 robust accuracy (20)",
        "mean Gini of IG (5)",
        "mean Gini, official +1e-07",
    ]
    for label in MODEL_ROWS:
        (cells,) = _cells(text, label)
        assert len(cells) == len(header), cells
        accuracy, robust = _percent(cells[2]), _percent(cells[3])
        assert 0.0 <= robust <= 100.0 and 0.0 <= accuracy <= 100.0
        gini, official = float(cells[4]), float(cells[5])
        # a positive offset on every entry moves the index towards uniform
        assert 0.0 < official <= gini < 1.0
        assert float(cells[6]) > 0 and float(cells[7]) > 0
    # the synthetic classes are separable: a trained network gets most right
    assert _percent(_cells(text, "natural")[0][2]) > 50.0
    adversarial = _cells(text, "adversarial")[0][1]
    assert "1 at ε=0.15, 1 at ε=0.3" in adversarial
    assert "time budget" not in adversarial


def test_smoke_pickle_check_passed_in_a_cpu_only_subprocess(smoke_run):
    result, text = smoke_run
    for name in ("MLP (64,), PGD training", "Madry CNN on 8x8, FGSM training"):
        (cells,) = _cells(text, name)
        assert cells[1:3] == ["cpu", "cpu"]
        assert cells[5] == "yes" and cells[7] == "passed"
        assert float(cells[6]) <= 1e-9
        assert int(cells[4].replace(",", "")) > 1000
    assert "FAILED" not in text and "FAILED" not in result.stdout


@pytest.mark.skipif(CUDA, reason="torch sees a CUDA device here")
def test_cuda_without_a_gpu_is_refused_with_status_2(tmp_path):
    output = tmp_path / "t.md"
    result = _run("--smoke", "--device", "cuda", "--output", str(output))
    assert result.returncode == 2
    assert "torch sees no CUDA device" in result.stderr
    assert "torch.cuda.is_available() is False" in result.stderr
    assert not output.exists()


@pytest.mark.skipif(CUDA, reason="torch sees a CUDA device here")
def test_shell_script_runs_nothing_without_a_gpu():
    before = _results_snapshot()
    script = ROOT / "benchmarks" / "gpu_check.sh"
    result = _run(command=["bash", str(script), "--smoke"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and "no CUDA device" in lines[0]
    assert "nothing was run" in lines[0]
    assert "CUDA tests" not in result.stdout
    assert _results_snapshot() == before


@pytest.fixture(scope="module")
def gpu_check():
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(ROOT))
        yield importlib.import_module("benchmarks.gpu_check")


def test_ig_rule_is_the_official_average_of_gradients(gpu_check):
    # the official code: IG = x * mean of grad F(k x / S) over k = 1..S-1, F
    # the logit of the label, from the zero baseline
    from skadv.inspection import integrated_gradients

    S = 7
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(5, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3)
    ).double()
    X = np.random.default_rng(0).uniform(size=(4, 5))
    y = np.array([0, 2, 1, 2])
    expected = np.zeros_like(X)
    for i in range(len(X)):
        for k in range(1, S):
            point = torch.tensor(k / S * X[i], requires_grad=True)
            module(point[None])[0, y[i]].backward()
            expected[i] += point.grad.numpy() / (S - 1)
    expected *= X
    alphas, weights = gpu_check.paper_ig_rule(S)
    assert alphas.shape == weights.shape == (S - 1,)
    assert gpu_check.IG_OUTPUT == "logit"
    got = integrated_gradients(
        module, X, y, output=gpu_check.IG_OUTPUT, method=(alphas, weights)
    )
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_official_gini_convention_is_the_offset_index(gpu_check):
    # the official gini(): |a| + 1e-7, sorted, sum((2i - n - 1) a_i) / (n sum a)
    from skadv.inspection import gini_index

    rng = np.random.default_rng(1)
    a = rng.standard_normal((6, 50)) * (rng.uniform(size=(6, 50)) < 0.3)
    for row in a:
        v = np.sort(np.abs(row) + 1e-7)
        n = len(v)
        official = np.sum((2 * np.arange(1, n + 1) - n - 1) * v) / (n * v.sum())
        ours = gini_index(np.abs(row) + gpu_check.GINI_OFFSET)
        assert ours == pytest.approx(official, rel=1e-12)


@pytest.mark.filterwarnings("ignore:Stopped after max_iter")
def test_adversarial_epochs_stop_at_the_deadline(gpu_check):
    X, y = load_digits(return_X_y=True)
    X, y = X[:120] / 16.0, y[:120]
    schedule = gpu_check.SCHEDULES["smoke"]
    natural = gpu_check.AdversarialMLPClassifier(
        epsilon=0.0,
        attack=None,
        hidden_layer_sizes=(8,),
        clip=(0.0, 1.0),
        max_iter=1,
        device="cpu",
        random_state=0,
    ).fit(X, y)
    past = time.perf_counter() - 1.0
    model, done = gpu_check.fit_adversarial(schedule, natural, X, y, past, 0.0, 0.0)
    assert done == [] and model is not natural
    np.testing.assert_array_equal(model.predict_proba(X), natural.predict_proba(X))
    assert "time budget: ran 0 of 2" in gpu_check.adversarial_setup(schedule, done)
    model, done = gpu_check.fit_adversarial(schedule, natural, X, y, None, 0.0, 0.0)
    assert done == list(schedule.adversarial_epochs)
    assert model.n_iter_ == natural.n_iter_ + len(done)
    assert model.epsilon == schedule.adversarial_epochs[-1]
    assert natural.n_iter_ == 1, "the natural model was trained further"
    assert "time budget" not in gpu_check.adversarial_setup(schedule, done)


def test_pickle_check_hides_cuda_from_its_subprocess(gpu_check, monkeypatch):
    # on a CPU-only machine the child would see no CUDA anyway: check that the
    # parent hides it, as it must on a GPU machine
    seen = []
    run = subprocess.run

    def spy(command, **kwargs):
        seen.append(kwargs["env"].get("CUDA_VISIBLE_DEVICES"))
        return run(command, **kwargs)

    monkeypatch.setattr(gpu_check.subprocess, "run", spy)
    rows, seconds = gpu_check.pickle_check(gpu_check.SCHEDULES["smoke"], "cpu")
    assert seen == [""]
    assert [row["passed"] for row in rows] == [True, True] and seconds > 0
