"""Hostile input to ``skadv report`` and its helpers: one line, exit 2, no trace.

Every bad input must end in one ``skadv: error:`` line on stderr and status 2
before anything is written, and names that look like markup must be drawn as
written.
"""

import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from _small_models import report_frame as _frame

from skadv._cli import main
from skadv._report import ReportInputError, generate_report, load_table, select_epsilon
from skadv._report._figures import feature_impact_png, literal_text

MATH_NAME = r"$\frac$"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Data files, good and bad, shared by every case."""
    folder = tmp_path_factory.mktemp("inputs")
    good = _frame()
    frames = {
        "good": good,
        "header_only": good.iloc[:0],
        "nan_target": good.assign(label=np.nan),
        "one_class": good.assign(label="yes"),
        "huge": good.assign(x=good["x"] * 1e300),
        "newline": good.rename(columns={"noise": "no\nise"}),
    }
    paths = {}
    for name, frame in frames.items():
        paths[name] = folder / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    paths["binary"] = folder / "binary.csv"
    paths["binary"].write_bytes(bytes(range(256)) * 8)
    paths["empty"] = folder / "empty.csv"
    paths["empty"].write_bytes(b"")
    paths["folder"] = folder / "a_folder.csv"
    paths["folder"].mkdir()
    paths["missing"] = folder / "missing.csv"
    return paths


def _good(files, *extra):
    return ["--data", files["good"], "--target", "label", "--epsilon", "0.1", *extra]


def _data(files, name, *extra):
    return ["--data", files[name], "--target", "label", "--epsilon", "0.1", *extra]


# case -> (argv builder, fragment of the message)
CASES = {
    "header-only csv": (lambda f: _data(f, "header_only"), "has no values"),
    "all-nan target": (lambda f: _data(f, "nan_target"), "has no values"),
    "one-class target": (lambda f: _data(f, "one_class"), "a single class"),
    "test-size nan": (lambda f: _good(f, "--test-size", "nan"), "test_size"),
    "test-size 0": (lambda f: _good(f, "--test-size", "0"), "test_size"),
    "test-size 1": (lambda f: _good(f, "--test-size", "1"), "test_size"),
    "test-size tiny": (lambda f: _good(f, "--test-size", "0.01"), "test split"),
    "test-size most": (lambda f: _good(f, "--test-size", "0.97"), "too few rows"),
    "C nan": (lambda f: _good(f, "--C", "nan"), "C must be a finite number"),
    "C inf": (lambda f: _good(f, "--C", "inf"), "C must be a finite number"),
    "C zero": (lambda f: _good(f, "--C", "0"), "C must be a finite number"),
    "l1 nan": (lambda f: _good(f, "--l1-lambda", "nan"), "l1_lambda must be"),
    "l1 inf": (lambda f: _good(f, "--l1-lambda", "inf"), "l1_lambda must be"),
    "l1 negative": (lambda f: _good(f, "--l1-lambda", "-1"), "l1_lambda must be"),
    "l1 overflow": (lambda f: _good(f, "--l1-lambda", "1e308"), "positive finite"),
    "n-jobs 0": (lambda f: _good(f, "--n-jobs", "0"), "n_jobs must be"),
    "tolerance nan": (lambda f: _good(f, "--tolerance", "nan"), "tolerance must"),
    "tolerance inf": (lambda f: _good(f, "--tolerance", "inf"), "tolerance must"),
    "huge values": (lambda f: _data(f, "huge"), "holds values as large as"),
    "cv 0": (lambda f: _good(f, "--cv", "0"), "cv must be"),
    "cv negative": (lambda f: _good(f, "--cv", "-3"), "cv must be"),
    "cv above class count": (lambda f: _good(f, "--cv", "40"), "too few rows"),
    "cv not integer": (lambda f: _good(f, "--cv", "2.5"), "invalid int value"),
    "missing file": (lambda f: _data(f, "missing"), "data file not found"),
    "folder as data": (lambda f: _data(f, "folder"), "not a file"),
    "binary file": (lambda f: _data(f, "binary"), "could not read"),
    "empty file": (lambda f: _data(f, "empty"), "could not read"),
    "epsilon inf in a list": (
        lambda f: _good(f, "--epsilon", "0.1,inf"),
        "could not parse --epsilon",
    ),
    "epsilon negative": (lambda f: _good(f, "--epsilon", "-0.5"), "could not parse"),
    "categorical empty": (lambda f: _good(f, "--categorical", ""), "--categorical"),
    "categorical commas": (lambda f: _good(f, "--categorical", ",,"), "column names"),
    "both kinds": (
        lambda f: _good(f, "--categorical", "x", "--numeric", "x"),
        "both categorical and numeric",
    ),
    "unknown column": (lambda f: _good(f, "--numeric", "nope"), "unknown column"),
    "unknown column, newline names": (
        lambda f: _data(f, "newline", "--numeric", "nope"),
        "unknown column",
    ),
    "unknown target": (
        lambda f: ["--data", f["good"], "--target", "nope"],
        "unknown target",
    ),
    "random-state negative": (
        lambda f: _good(f, "--random-state", "-1"),
        "random_state must be",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_input_exits_2_with_one_line(case, files, tmp_path, capsys):
    build, fragment = CASES[case]
    out = tmp_path / "report"
    argv = ["report", *build(files), "--quiet", "--out", out]
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert status == 2, captured.err
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("skadv: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in captured.err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_progress_lines_then_one_error_line(files, tmp_path, capsys):
    argv = ["report", *_data(files, "header_only"), "--out", tmp_path / "r"]
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err.splitlines()
    assert [line.startswith("[skadv") for line in err] == [True] * (len(err) - 1) + [
        False
    ]
    assert err[-1].startswith("skadv: error: target column 'label' has no values")


def test_duplicate_column_names_in_a_frame():
    frame = _frame()
    frame.insert(1, "kind_", frame["noise"])
    frame.columns = ["x", "kind", "noise", "kind", "label"]
    with pytest.raises(ReportInputError, match="duplicate column names: 'kind'"):
        load_table(frame, target="label")
    # Names that collide only once made strings (1 and "1") are duplicates too.
    numbered = pd.DataFrame({1: [0.0, 1.0], "1": [1.0, 0.0], "y": [0, 1]})
    with pytest.raises(ReportInputError, match="duplicate column names: '1'"):
        load_table(numbered, target="y")


@pytest.mark.parametrize(
    "params, message",
    [
        ({"n_jobs": 0}, "n_jobs must be"),
        ({"n_jobs": 1.5}, "n_jobs must be"),
        ({"n_jobs": True}, "n_jobs must be"),
        ({"C": np.float64("nan")}, "C must be a finite number"),
        ({"test_size": math.inf}, "test_size must be"),
        ({"impact_threshold": math.nan}, "impact_threshold must be"),
    ],
)
def test_generate_report_rejects_bad_options_before_writing(params, message, tmp_path):
    with pytest.raises(ReportInputError, match=message):
        generate_report(_frame(), target="label", out=tmp_path / "r", **params)
    assert list(tmp_path.iterdir()) == []


# --- names matplotlib would read as mathtext -------------------------------------


def _text_png(text, **text_params):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 0.6), dpi=80)
    FigureCanvasAgg(fig)
    fig.text(0.02, 0.3, text, **text_params)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name", [MATH_NAME, "$x$ and $y$", "cost in $", r"a\$b", r"$\alpha", "plain"]
)
def test_literal_text_draws_exactly_what_is_written(name):
    # Oracle: matplotlib's own switch for drawing a string without mathtext.
    assert _text_png(literal_text(name)) == _text_png(name, parse_math=False)


def test_impact_figure_draws_markup_names_literally():
    from _report_summaries import make_summary

    summary = make_summary("binary")
    summary["dataset"]["name"] = "$costs$.csv"
    features = summary["feature_impact"]["features"]
    features[:2] = [MATH_NAME, "$x^2$"]
    assert feature_impact_png(summary).startswith(b"\x89PNG")


@pytest.fixture(scope="module")
def math_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("math")
    path = folder / "$prices$.csv"
    _frame().rename(columns={"noise": MATH_NAME}).to_csv(path, index=False)
    out = folder / "report"
    # A huge epsilon among the candidates as well: it must merely lose.
    argv = ["report", "--data", path, "--target", "label", "--epsilon", "0.1,1e300"]
    status = main([str(a) for a in argv + ["--quiet", "--out", out]])
    return status, out


def _no_constants(name):
    raise AssertionError(f"summary.json holds {name}, which is not JSON")


def test_report_with_a_mathtext_column_name_and_a_huge_epsilon(math_report):
    status, out = math_report
    assert status == 0
    summary = json.loads(
        (out / "summary.json").read_text(), parse_constant=_no_constants
    )
    assert MATH_NAME in summary["feature_impact"]["features"]
    assert MATH_NAME in (out / "index.html").read_text()
    assert summary["dataset"]["name"] == "$prices$.csv"
    assert summary["frontier"]["adversarial"]["values"] == [0.0, 0.1, 1e300]
    assert summary["epsilon"] < 1e300


# --- select_epsilon ------------------------------------------------------------


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (([], [], []), {"tolerance": 0.02}, "at least one candidate"),
        (([0, 0.1], [np.nan, np.nan], [0.5, 0.6]), {"tolerance": 0.02}, "accuracy"),
        (([0, 0.1], [0.9, 0.9], [np.nan, np.nan]), {"tolerance": 0.02}, "gini"),
        (([0, 0.1], [0.9], [0.5, 0.6]), {"tolerance": 0.02}, "differ in length"),
        (([0, np.nan], [0.9, 0.9], [0.5, 0.6]), {"tolerance": 0.02}, "finite"),
        (([0, 0.1], [0.9, 0.9], [0.5, 0.6]), {"tolerance": np.nan}, "tolerance"),
        (([0, 0.1], [0.9, 0.9], [0.5, 0.6]), {"tolerance": -0.1}, "tolerance"),
        (
            ([0, 0.1], [0.9, 0.9], [0.5, 0.6]),
            {"tolerance": 0.02, "fixed": 0.5},
            "not among the candidates",
        ),
        (([[0, 0.1]], [[0.9, 0.9]], [[0.5, 0.6]]), {"tolerance": 0.02}, "dimension"),
        ((["a", "b"], [0.9, 0.9], [0.5, 0.6]), {"tolerance": 0.02}, "numbers"),
    ],
)
def test_select_epsilon_rejects_unusable_scores(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        select_epsilon(*args, **kwargs)


def test_select_epsilon_skips_nan_scores():
    eps = [0.0, 0.1, 0.2, 0.3]
    # 0.3 has no accuracy, so it cannot be admissible; 0.2 has no Gini, so it
    # counts as the least concise. Left: 0 and 0.1, and 0.1 is sparser.
    acc = [0.90, 0.89, 0.90, np.nan]
    gini = [0.5, 0.7, np.nan, 0.99]
    assert select_epsilon(eps, acc, gini, tolerance=0.02) == 1
    # The same as dropping those candidates by hand.
    assert select_epsilon(eps[:2], acc[:2], gini[:2], tolerance=0.02) == 1
