"""reproduce_paper.py --json: the tabular headline numbers as structured data."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("natural", "l1", "adversarial")
COLUMNS = ("published", "recipe", "exact")
FIELDS = ("accuracy", "gini", "gini_offset")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("paper")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    env.pop("SKADV_DATA", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.reproduce_paper",
            "--smoke",
            "--datasets",
            "mushroom",
            "spambase",
            "--output",
            str(out / "paper.md"),
            "--frontier-figure",
            str(out / "frontier.png"),
            "--json",
            str(out / "headline.json"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def headline(run):
    return json.loads((run / "headline.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def constants():
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks._paper_constants import PAPER_TABULAR
    finally:
        sys.path.remove(str(ROOT))
    return PAPER_TABULAR


def test_headline_json_has_every_dataset_model_and_column(headline):
    assert set(headline) == {"mushroom", "spambase"}
    for dataset in headline.values():
        assert set(dataset) == set(KINDS)
        for model in dataset.values():
            assert set(model) == set(COLUMNS)
            for column in model.values():
                assert set(column) == set(FIELDS)


def test_published_entries_use_the_offset_convention_only(headline, constants):
    for name, dataset in headline.items():
        for kind, model in dataset.items():
            accuracy, gini = constants[name][kind]
            assert model["published"] == {
                "accuracy": accuracy,
                "gini": None,
                "gini_offset": gini,
            }


def test_measured_entries_are_fractions(headline):
    for dataset in headline.values():
        for model in dataset.values():
            for column in ("recipe", "exact"):
                for field in FIELDS:
                    value = model[column][field]
                    assert isinstance(value, float) and math.isfinite(value)
                    assert 0.0 <= value <= 1.0, (column, field, value)


def test_json_numbers_are_those_of_the_raw_record(run, headline):
    record = json.loads((run / "paper.json").read_text(encoding="utf-8"))
    for r in record["results"]:
        column = {"official recipe, Adam": "recipe", "exact optimum": "exact"}
        key = next((v for k, v in column.items() if r["recipe"].startswith(k)), None)
        if key is None:
            continue
        entry = headline[r["dataset"]][r["kind"]][key]
        assert entry["accuracy"] == pytest.approx(
            sum(r["accuracy"]) / len(r["accuracy"])
        )
        offsets = r["extra"]["gini_offset"]
        assert entry["gini_offset"] == pytest.approx(sum(offsets) / len(offsets))


def test_report_and_frontier_figure(run):
    text = (run / "paper.md").read_text(encoding="utf-8")
    assert "## Sparser at equal accuracy?" in text
    assert "| Mushroom | adversarial (ε=0.1) | 98.5% / 0.977 |" in text
    assert (run / "frontier.png").stat().st_size > 0
    record = json.loads((run / "paper.json").read_text(encoding="utf-8"))
    for dataset in ("mushroom", "spambase"):
        assert set(record["frontier"][dataset]) == {
            "recipe_adam",
            "recipe_ftrl",
            "exact",
        }
