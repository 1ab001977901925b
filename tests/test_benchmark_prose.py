"""The prose of the paper reproduction says what its results say.

``benchmarks/results/paper.md`` is rendered by ``benchmarks/_paper_report.py``
from ``paper.json``, the raw record of the run that the file names: every
table, claim check and number of the discussion. The committed report must be
exactly what the record renders to, so a number edited by hand in paper.md
fails here; the discussion's templates may hold no number of their own; the
numbers that no table shows are recomputed here from the raw per-split results;
and a record that contradicts what the discussion says in words does not render.
"""

import copy
import importlib
import json
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


@pytest.fixture(scope="module")
def modules():
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(ROOT))
        yield (
            importlib.import_module("benchmarks._paper_report"),
            importlib.import_module("benchmarks._paper_discussion"),
        )


@pytest.fixture(scope="module")
def record():
    return json.loads((RESULTS / "paper.json").read_text(encoding="utf-8"))


def _discussion(text):
    return text.split("\n## Discussion\n", 1)[1]


def _flat(text):
    """Soft line breaks do not matter to Markdown; compare the words."""
    return " ".join(text.split())


def _result(record, dataset, recipe_start, kind):
    (found,) = [
        r
        for r in record["results"]
        if r["dataset"] == dataset
        and r["recipe"].startswith(recipe_start)
        and r["kind"] == kind
    ]
    return found


def test_committed_report_is_what_its_record_renders_to(modules, record):
    report, _ = modules
    committed = (RESULTS / "paper.md").read_text(encoding="utf-8")
    rendered = report.render_report(record)
    assert rendered == committed, (
        "benchmarks/results/paper.md differs from what benchmarks/results/"
        "paper.json renders to: edit benchmarks/_paper_discussion.py and run "
        "`python -m benchmarks.reproduce_paper --render "
        "benchmarks/results/paper.json`, never paper.md itself"
    )


def test_committed_report_names_the_command_of_its_record(record):
    committed = (RESULTS / "paper.md").read_text(encoding="utf-8")
    assert record["command"] == "python -m benchmarks.reproduce_paper --quick"
    assert f"- command: `{record['command']}`" in committed
    assert record["mode"] == "quick"


def test_discussion_templates_hold_no_number(modules):
    _, discussion = modules
    assert discussion.TEMPLATES
    for name, template in discussion.TEMPLATES.items():
        text = re.sub(r"\{[a-z_0-9]+\}", "", template)
        for reference in discussion.REFERENCES:
            text = text.replace(reference, "")
        # a digit that is not part of a name such as L1
        digits = re.findall(r".{0,20}(?<![A-Za-z_])[0-9].{0,20}", text)
        assert not digits, f"numbers typed into the {name!r} template: {digits}"


def _mean(values):
    return float(np.mean(values))


def _published_distance(record, recipe_start, published):
    """Mean |ours - published| of accuracy and official-convention Gini."""
    acc, gini = [], []
    for dataset, kinds in published.items():
        for kind, (pub_acc, pub_gini) in kinds.items():
            row = _result(record, dataset, recipe_start, kind)
            acc.append(abs(_mean(row["accuracy"]) - pub_acc))
            gini.append(abs(_mean(row["extra"]["gini_offset"]) - pub_gini))
    return 100 * np.mean(acc), np.mean(gini)


def test_numbers_no_table_shows_are_those_of_the_raw_results(modules, record):
    # the modules fixture puts the repository on sys.path
    published = importlib.import_module("benchmarks._paper_constants").PAPER_TABULAR
    # Independent of the discussion's code: the per-split facts it quotes,
    # recomputed from the raw results and looked for in the committed prose.
    prose = _flat(_discussion((RESULTS / "paper.md").read_text(encoding="utf-8")))
    expected = []
    adam_acc, adam_gini = _published_distance(
        record, "official recipe, Adam", published
    )
    ftrl_acc, ftrl_gini = _published_distance(
        record, "official recipe, Ftrl", published
    )
    expected.append(
        f"Adam is {adam_acc:.1f} points of accuracy and {adam_gini:.3f} of Gini "
        f"away, Ftrl {ftrl_acc:.1f} points and {ftrl_gini:.3f}"
    )
    accuracy = _result(record, "spambase", "official recipe, Adam", "adversarial")[
        "accuracy"
    ]
    low, high = 100 * np.min(accuracy), 100 * np.max(accuracy)
    expected.append(f"ranges from {low:.1f}% to {high:.1f}%")
    exact = record["frontier"]["spambase"]["exact"]["equal_accuracy"]["gini"]
    expected.append(
        f"{exact['difference']:+.3f} ± {exact['difference_std']:.3f} (Spambase, G)"
    )
    expected.append(f"This run took {record['minutes']:.1f} minutes")
    missing = [text for text in expected if text not in prose]
    assert not missing, f"not in the discussion of paper.md: {missing}"


def test_every_table_number_the_discussion_quotes_is_in_the_tables(record):
    # The rounded means of the headline table, as the discussion quotes them.
    text = (RESULTS / "paper.md").read_text(encoding="utf-8")
    prose = _flat(_discussion(text))
    for dataset, label in (("mushroom", "Mushroom"), ("spambase", "Spambase")):
        row = _result(record, dataset, "official recipe, Adam", "natural")
        acc, gini = np.mean(row["accuracy"]), np.mean(row["gini"])
        assert f"{100 * acc:.2f} ± " in text, label
        assert f"/ {gini:.3f} ± " in text, label
    mnist = {
        kind: _result(record, "mnist", "Madry CNN", kind)
        for kind in ("natural", "l1", "adversarial")
    }
    gini = [f"{np.mean(mnist[k]['gini']):.3f}" for k in ("adversarial", "natural")]
    assert f"{gini[0]} (adversarial) vs {gini[1]} (natural)" in prose
    robust = np.mean(mnist["adversarial"]["robust_accuracy"])
    assert f"is {100 * robust:.0f}% on MNIST" in prose


def test_a_hand_edited_number_is_caught(modules, record):
    report, _ = modules
    committed = (RESULTS / "paper.md").read_text(encoding="utf-8")
    discussion = _discussion(committed)
    number = re.search(r"\d+\.\d+", discussion).group()
    edited = committed.replace(
        discussion, discussion.replace(number, f"{float(number) + 0.1:.1f}", 1)
    )
    assert edited != committed
    assert report.render_report(record) != edited


def test_a_record_that_contradicts_the_discussion_does_not_render(modules, record):
    report, discussion = modules
    broken = copy.deepcopy(record)
    # The exact frontiers are said to differ by less than 0.01: widen one.
    cmp = broken["frontier"]["spambase"]["exact"]["equal_accuracy"]["gini"]
    cmp["difference"] = 0.05
    with pytest.raises(discussion.DiscussionMismatch, match="threshold"):
        report.render_report(broken)
    broken = copy.deepcopy(record)
    # Only Adam is said to come close to the published numbers.
    for kind in ("natural", "l1", "adversarial"):
        row = _result(broken, "mushroom", "official recipe, Adam", kind)
        row["accuracy"] = [a - 0.2 for a in row["accuracy"]]
    with pytest.raises(discussion.DiscussionMismatch, match="only Adam"):
        report.render_report(broken)
    broken = copy.deepcopy(record)
    row = _result(broken, "mnist", "Madry CNN", "adversarial")
    row["gini"] = [0.5]
    with pytest.raises(discussion.DiscussionMismatch, match="sparsest"):
        report.render_report(broken)


def test_other_modes_get_a_note_not_the_discussion(modules, record):
    report, _ = modules
    smoke = copy.deepcopy(record)
    smoke["mode"] = "smoke"
    text = report.render_report(smoke)
    assert "have not been discussed" in _flat(_discussion(text))
    assert "The published numbers were made with Adam" not in text
