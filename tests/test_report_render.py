"""The report's rendering: summary.json format 2, its schema, figures, page and text.

The summaries here are written by hand, for a binary and a 3-class table: these
tests check what the report shows of a summary, not how the numbers are made.
Every expectation is computed from the fixture in the test, not by the code
under test.
"""

import copy
import json
import re
from html import escape
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

jsonschema = pytest.importorskip("jsonschema")
pytest.importorskip("matplotlib")

from _report_summaries import (  # noqa: E402
    LEGEND_ADVERSARIAL,
    MARKUP,
    MODELS,
    PNG_SIGNATURE,
    make_summary,
    no_more_concise,
)

from skadv._report._figures import (  # noqa: E402
    FIGURES,
    clipped_errors,
    render_figures,
    shown_features,
    weight_magnitudes,
)
from skadv._report._html import render_html  # noqa: E402
from skadv._report._terminal import terminal_summary  # noqa: E402


@pytest.fixture(scope="module", params=["binary", "multiclass"])
def summary(request):
    return make_summary(request.param)


@pytest.fixture(scope="module")
def schema():
    text = resources.files("skadv._report").joinpath("summary.schema.json").read_text()
    return json.loads(text)


@pytest.fixture(scope="module")
def figures(summary):
    return render_figures(summary)


@pytest.fixture(scope="module")
def html(summary, figures):
    return render_html(summary, figures)


class _Tables(HTMLParser):
    """Every table of a page as lists of rows of cell text, markup decoded."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables_of(html):
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def _pct(value):
    return f"{100 * value:.2f}%"


# ------------------------------------------------------------------- schema


def test_fixtures_are_schema_valid(summary, schema):
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    # Through JSON and back, as summary.json is read.
    validator = jsonschema.Draft202012Validator(schema)
    for variant in (summary, no_more_concise(summary)):
        validator.validate(json.loads(json.dumps(variant)))
    apart = copy.deepcopy(summary)
    apart["frontier"]["equal_accuracy"]["feature_gini_difference_std"] = None
    validator.validate(apart)
    apart["frontier"]["equal_accuracy"] = None
    validator.validate(apart)


_DROP = object()


def _edit(path, value=_DROP):
    """A change at `path` of a summary: the key removed, or set to `value`."""

    def edit(summary):
        *parents, key = path
        for part in parents:
            summary = summary[part]
        if value is _DROP:
            del summary[key]
        else:
            summary[key] = value

    return edit


# fmt: off
@pytest.mark.parametrize("edit", [
    _edit(["frontier"]), _edit(["dataset", "task"]), _edit(["settings", "max_bars"]),
    _edit(["models", "l1"]), _edit(["frontier", "l1", "valid"]),
    _edit(["dataset", "n_train"], "300"), _edit(["models", "natural", "gini"], "high"),
    _edit(["frontier", "adversarial", "chosen_index"], 1.5),
    _edit(["no_more_concise"], "no"), _edit(["dataset", "task"], "regression"),
    _edit(["skadv_report"], 1), _edit(["models", "natural", "accuracy"], 1.2),
    _edit(["warnings"], [{"kind": "near_constant", "message": "m"}]),
    _edit(["unexpected"], 1),
])
# fmt: on
def test_schema_rejects_missing_keys_and_wrong_types(summary, schema, edit):
    broken = copy.deepcopy(summary)
    edit(broken)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema, cls=jsonschema.Draft202012Validator)


def test_schema_ships_with_the_package():
    setup = (Path(__file__).resolve().parents[1] / "setup.cfg").read_text()
    assert re.search(r"^skadv\._report = summary\.schema\.json$", setup, re.M)


# ------------------------------------------------------------------ figures


def test_figures_are_pngs(summary, figures):
    assert set(figures) == {"feature_impact.png", "frontier.png", "weights.png"}
    for content in figures.values():
        assert content.startswith(PNG_SIGNATURE)
        assert len(content) > 5000


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_legends_lie_outside_the_axes(summary, name):
    fig = FIGURES[name](summary)
    fig.canvas.draw()
    for ax in fig.axes:
        legend = ax.get_legend()
        assert legend is not None
        box, axes = legend.get_window_extent(), ax.get_window_extent()
        assert box.x0 >= axes.x1 or box.y1 <= axes.y0 or box.y0 >= axes.y1
        # And inside the figure, so that it is not cut off.
        assert box.x1 <= fig.bbox.x1 + 1


def test_impact_figure_shows_all_three_models(summary):
    fig = FIGURES["feature_impact.png"](summary)
    ax = fig.axes[0]
    index = shown_features(summary)
    assert len(ax.containers) == 3
    for container, name in zip(ax.containers, MODELS):
        widths = [patch.get_width() for patch in container]
        expected = np.asarray(summary["feature_impact"][name])[index]
        np.testing.assert_allclose(widths, expected)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Natural", "Natural + L1 (lambda = 0.01)", LEGEND_ADVERSARIAL]
    if summary["dataset"]["task"] == "multiclass":
        assert "mean over classes" in ax.get_xlabel()


def test_shown_features_by_brute_force(summary):
    impact = summary["feature_impact"]
    largest = max(max(impact[m]) for m in MODELS)
    kept = [
        i
        for i in range(len(impact["features"]))
        if max(impact[m][i] for m in MODELS) >= 0.05 * largest
    ]
    kept.sort(key=lambda i: (-impact["natural"][i], -impact["adversarial"][i]))
    assert shown_features(summary).tolist() == kept
    capped = copy.deepcopy(summary)
    capped["settings"]["max_bars"] = 2
    assert shown_features(capped).tolist() == kept[:2]


def test_clipped_errors_stay_in_range():
    rng = np.random.default_rng(3)
    mean, std = rng.uniform(0, 1, 50), rng.uniform(0, 0.5, 50)
    below, above = clipped_errors(mean, std)
    for m, s, lo, hi in zip(mean, std, below, above):
        assert m - lo == pytest.approx(max(m - s, 0.0))
        assert m + hi == pytest.approx(min(m + s, 1.0))


def _segments(ax):
    from matplotlib.collections import LineCollection

    ends = []
    for collection in ax.collections:
        if isinstance(collection, LineCollection):
            ends += [np.asarray(s) for s in collection.get_segments()]
    return ends


def test_frontier_error_bars_are_clipped_and_points_marked(summary):
    fig = FIGURES["frontier.png"](summary)
    ax = fig.axes[0]
    frontier = summary["frontier"]
    segments = _segments(ax)
    assert segments
    for segment in segments:
        assert segment.min() >= 0 and segment.max() <= 1
    # The near-perfect L1 accuracy (0.995 ± 0.012) stops at exactly 1.
    assert any(np.isclose(s[:, 0], 1.0).any() for s in segments)
    invalid = [
        (a, g)
        for path in (frontier["adversarial"], frontier["l1"])
        for a, g, v in zip(path["accuracy"], path["gini"], path["valid"])
        if not v
    ]
    hollow = [c for c in ax.collections if c.get_label().startswith("invalid")]
    assert len(hollow) == 1
    np.testing.assert_allclose(hollow[0].get_offsets(), invalid)
    chosen = [c for c in ax.collections if c.get_label().startswith("chosen")]
    expected = [
        (path["accuracy"][path["chosen_index"]], path["gini"][path["chosen_index"]])
        for path in (frontier["adversarial"], frontier["l1"])
    ]
    np.testing.assert_allclose([c.get_offsets()[0] for c in chosen], expected)
    majority = [line for line in ax.lines if line.get_label().startswith("majority")]
    assert list(majority[0].get_xdata()) == [0.70, 0.70]


def test_weights_figure_multiclass_uses_largest_weight_over_classes(summary):
    coef = summary["encoded_features"]["coef"]["natural"]
    expected = [max(abs(row[j]) for row in coef) for j in range(len(coef[0]))]
    assert weight_magnitudes(coef).tolist() == expected
    fig = FIGURES["weights.png"](summary)
    ax = fig.axes[0]
    total = sum(expected)
    np.testing.assert_allclose(
        ax.lines[0].get_ydata(), sorted((e / total for e in expected), reverse=True)
    )
    multiclass = summary["dataset"]["task"] == "multiclass"
    assert ("max |weight| over the 3 classes" in ax.get_title()) == multiclass


# --------------------------------------------------------------------- page


def test_page_shows_every_warning_escaped_at_the_top(summary, figures, html):
    assert html.index('<div class="warnings">') < html.index("Results on the test")
    for warning in summary["warnings"]:
        assert f"<li>{escape(warning['message'])}</li>" in html
    quiet = copy.deepcopy(summary)
    quiet["warnings"] = []
    assert 'class="warnings"' not in render_html(quiet, figures)


def test_page_shows_the_majority_rates(summary, html):
    majority = summary["majority_rate"]
    assert _pct(majority["test"]) in html and _pct(majority["cv"]) in html
    models = next(t for t in tables_of(html) if t[0][0] == "Model")
    column = models[0].index("Majority rate")
    assert models[0][column - 1] == "Accuracy"
    for row, name in zip(models[1:], MODELS):
        entry = summary["models"][name]
        assert row[column] == _pct(entry["majority_rate"])
        assert row[column - 1] == _pct(entry["accuracy"])
        assert row[models[0].index("Gini (features)")] == f"{entry['feature_gini']:.3f}"
    multiclass = summary["dataset"]["task"] == "multiclass"
    auc = "ROC AUC (macro OvR)" if multiclass else "ROC AUC"
    assert auc in models[0]
    assert models[2][models[0].index(auc)] == "n/a"


SENTENCE = "found no model more concise than the natural one"


def test_no_more_concise_sentence_only_when_set(summary, figures, html):
    assert SENTENCE not in html
    changed = no_more_concise(summary)
    assert SENTENCE in render_html(changed, figures)


def test_equal_accuracy_sentence(summary, figures, html):
    assert (
        "At equal accuracy (between 84.00% and 85.50%), adversarial training&#x27;s "
        "Gini index is 0.071 ± 0.018 higher than L1&#x27;s at the encoded level and "
        "0.042 ± 0.025 lower at the original-feature level."
    ) in html
    # A spread no fold defines is said to be undefined, not printed as a number.
    lone = copy.deepcopy(summary)
    lone["frontier"]["equal_accuracy"]["gini_difference_std"] = None
    assert "0.071 (spread over folds undefined) higher" in render_html(lone, figures)
    apart = copy.deepcopy(summary)
    apart["frontier"]["equal_accuracy"] = None
    page = render_html(apart, figures)
    assert "do not overlap" in page and "At equal accuracy" not in page


def test_path_tables(summary, html):
    for name, symbol in (("adversarial", "eps"), ("l1", "lambda")):
        path = summary["frontier"][name]
        table = next(
            t for t in tables_of(html) if t[0][0] == symbol and "Flags" in t[0]
        )
        assert [row[0] for row in table[1:]] == [f"{v:g}" for v in path["values"]]
        for i, row in enumerate(table[1:]):
            accuracy = _pct(path["accuracy"][i])
            assert row[1] == f"{accuracy} ± {_pct(path['accuracy_std'][i])}"
            assert row[-1] == ("chosen" if i == path["chosen_index"] else "")
            assert ("invalid" in row[-2]) == (not path["valid"][i])
            assert ("one class" in row[-2]) == path["single_class"][i]
            assert ("all zero" in row[-2]) == path["all_zero"][i]


def test_per_value_tables(summary, html):
    header = ["Feature", "Value", "Signed impact", "Direction"]
    tables = [t for t in tables_of(html) if t[0] == header]
    assert len(tables) == 3
    for table, name in zip(tables, MODELS):
        top = summary["models"][name]["top_values"]
        assert len(table) == 1 + len(top)
        for row, value in zip(table[1:], top):
            impact = f"{value['signed_impact']:+.4f}"
            assert row[:3] == [value["feature"], value["value"], impact]
            word = "towards" if value["signed_impact"] > 0 else "away from"
            assert row[3].endswith(f"{word} {value['class']}")


def test_confusion_matrices(summary, html):
    classes = summary["dataset"]["class_names"]
    tables = [t for t in tables_of(html) if t[0][0] == "true \\ predicted"]
    assert len(tables) == 3
    for table, name in zip(tables, MODELS):
        assert table[0][1:] == classes
        matrix = summary["models"][name]["confusion_matrix"]
        assert [row[0] for row in table[1:]] == classes
        assert [[int(c) for c in row[1:]] for row in table[1:]] == matrix


def test_multiclass_per_class_tables(summary, html):
    tables = tables_of(html)
    per_class = [t for t in tables if t[0][0] == "Class"]
    if summary["dataset"]["task"] == "binary":
        assert not per_class
        return
    classes = summary["dataset"]["class_names"]
    (gini,) = per_class
    for row, c in zip(gini[1:], classes):
        models = summary["models"]
        assert row == [c] + [f"{models[m]['class_gini'][c]:.3f}" for m in MODELS]
    impact = [t for t in tables if t[0] == ["Feature", *classes]]
    assert len(impact) == 3
    features = summary["feature_impact"]["features"]
    for table, name in zip(impact, MODELS):
        for row in table[1:]:
            i = features.index(row[0])
            values = summary["feature_impact"]["per_class"][name]
            assert row[1:] == [f"{values[c][i]:.4f}" for c in classes]


def test_page_escapes_user_strings_and_embeds_every_figure(summary, figures, html):
    assert "<script" not in html.lower()
    assert sorted(re.findall(r'data-file="([^"]+)"', html)) == sorted(figures)
    assert MARKUP not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "credit &lt;2024&gt;.csv" in html and "credit <2024>" not in html
    if summary["dataset"]["task"] == "multiclass":
        assert "high &amp; up" in html


def test_page_states_the_baseline_and_every_setting(summary, figures, html):
    assert "from the training mean of the encoded inputs" in html
    zero = copy.deepcopy(summary)
    zero["settings"]["baseline"] = "zero"
    page = render_html(zero, figures)
    assert "from the all-zero encoded input (the paper&#x27;s choice)" in page
    for key in summary["settings"]:
        assert f"<dt><code>{key}</code></dt>" in html
    assert "<dd>0, 0.01, 0.05, 0.1, 0.5</dd>" in html
    # The empty missing-value marker stays visible.
    assert "<dd>&quot;&quot;, &quot;?&quot;, &quot;NA&quot;</dd>" in html


# ----------------------------------------------------------------- terminal


def test_terminal_summary_lines(summary):
    out = Path("/tmp/report")
    lines = terminal_summary(summary, out).splitlines()
    assert lines[-1] == f"report: {out / 'index.html'}"
    header = lines[1].split()
    assert header[:3] == ["model", "accuracy", "majority"]
    assert "feat" in header
    for line, name in zip(lines[2:5], MODELS):
        entry = summary["models"][name]
        assert line.startswith(entry["title"])
        cells = line.split()
        assert _pct(entry["accuracy"]) in cells and f"{entry['gini']:.3f}" in cells
        assert _pct(entry["majority_rate"]) in cells
        assert f"{entry['feature_gini']:.3f}" in cells
    warnings = [line for line in lines if line.startswith("warning: ")]
    assert warnings == [f"warning: {w['message']}" for w in summary["warnings"]]
    assert not any(SENTENCE in line for line in lines)
    changed = terminal_summary(no_more_concise(summary), out).splitlines()
    assert sum(SENTENCE in line for line in changed) == 1
    assert changed[-1] == lines[-1]
    # A message quoting a column name with a line break stays on one line.
    broken = copy.deepcopy(summary)
    broken["warnings"] = [{"kind": "id_like", "column": "a\nb", "message": "col a\nb"}]
    assert "warning: col a b" in terminal_summary(broken, out).splitlines()
