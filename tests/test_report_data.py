"""What a real CSV needs before a report: reading, tidying, column checks, options.

Every check compares against what the test itself wrote into the table: the
generator below keeps the clean values it padded, hid behind ``?`` or made
near-constant, so the expectations never come from the code under test.
"""

import argparse
import io
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import skadv._report
import skadv._report._terminal
from skadv._cli import REPORT_STAGES, build_parser, main
from skadv._report import ReportInputError, load_table, make_preprocessor
from skadv._report._data import DEFAULT_NA_VALUES
from skadv._report._preprocess import MAX_CATEGORIES
from skadv.inspection._grouping import model_grouping

N_ROWS = 200
LABEL_MISSING = (7, 77, 177)
N_SOUTH = 6  # rows of the near-constant column's other value
N_TOWNS = 40  # above MAX_CATEGORIES, below half the rows


def _clean_table(n=N_ROWS, seed=0):
    """The table as it should read: NaN where the file says '?'."""
    rng = np.random.default_rng(seed)
    rows = np.arange(n)
    size = rng.normal(size=n).round(2)
    colour = rng.choice(["red", "green", "blue"], size=n).astype(object)
    label = np.select([size < -0.4, size > 0.4], ["low", "high"], "mid")
    frame = pd.DataFrame(
        {
            "row": rows + 1,
            "customer": [f"c{i:04d}" for i in rows],
            "region": np.where(rows < N_SOUTH, "south", "north"),
            "colour": colour,
            "town": [f"t{i % N_TOWNS}" for i in rows],
            "size": size,
            "label": label.astype(object),
        }
    )
    frame.loc[rows % 17 == 0, "colour"] = np.nan
    frame.loc[rows % 23 == 5, "size"] = np.nan
    frame.loc[[i for i in LABEL_MISSING if i < n], "label"] = np.nan
    return frame


def _cell(value, pad):
    if isinstance(value, float) and np.isnan(value):
        return f"{pad}?"
    return f"{pad}{value}{pad}"


def _write(frame, path, sep=";"):
    """`frame` as text with padded names and cells, '?' for the gaps."""
    lines = [sep.join(f" {c} " for c in frame.columns)]
    for i, record in enumerate(frame.itertuples(index=False)):
        lines.append(sep.join(_cell(v, " " * (i % 3)) for v in record))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def messy(tmp_path):
    frame = _clean_table()
    return frame, _write(frame, tmp_path / "messy.csv")


def _kept(frame):
    return frame[frame["label"].notna()].reset_index(drop=True)


# --- reading ---------------------------------------------------------------------


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_the_separator_is_sniffed(sep, tmp_path):
    frame = _clean_table()
    path = _write(frame, tmp_path / "t.csv", sep=sep)
    table = load_table(path, target="label")
    assert table.settings["sep"] == sep
    assert list(table.X.columns) == ["region", "colour", "town", "size"]


def test_a_given_separator_is_used_as_given(messy):
    _, path = messy
    with pytest.raises(ReportInputError, match="unknown target column"):
        load_table(path, target="label", sep=",")
    assert load_table(path, target="label", sep=";").settings["sep"] == ";"


def test_strings_are_stripped_and_question_marks_are_missing(messy):
    frame, path = messy
    table = load_table(path, target="label")
    expected = _kept(frame)
    assert table.n_dropped == len(LABEL_MISSING)
    got = table.X["colour"]
    assert got.isna().sum() == expected["colour"].isna().sum()
    present = expected["colour"].notna()
    assert got[present].tolist() == expected.loc[present, "colour"].tolist()
    assert table.numeric == ["size"]
    np.testing.assert_array_equal(table.X["size"], expected["size"].to_numpy())
    assert table.settings["na_values"] == list(DEFAULT_NA_VALUES)


def test_extra_missing_markers_and_none(tmp_path):
    frame = pd.DataFrame({"x": [" 1", "-", "3 ", "?"] * 10, "y": ["a", "b"] * 20})
    path = tmp_path / "m.csv"
    frame.to_csv(path, index=False)
    table = load_table(path, target="y", na_values=["-"])
    assert table.numeric == []  # "?" is a value now, so x is text
    assert table.X["x"].isna().sum() == 10
    assert set(table.X["x"].dropna()) == {"1", "3", "?"}
    table = load_table(path, target="y", na_values=["-", "?"])
    assert table.numeric == ["x"] and table.X["x"].isna().sum() == 20


def test_frames_are_stripped_and_markers_missing():
    frame = pd.DataFrame(
        {
            "x": [1.5, "?", 2.5, 3.5] * 10,
            "c": [" a", "b ", " ? ", "a"] * 10,
            " y ": ["no", "yes"] * 20,
        }
    )
    table = load_table(frame, target=" y")
    assert table.target == "y" and table.numeric == ["x"]
    assert table.X["x"].isna().sum() == 10
    assert table.X["c"].tolist()[:4] == ["a", "b", np.nan, "a"]
    assert table.settings["sep"] is None


# --- the target ----------------------------------------------------------------


def test_multiclass_codes_into_sorted_class_names(messy):
    frame, path = messy
    table = load_table(path, target="label")
    labels = _kept(frame)["label"].to_numpy(dtype=str)
    assert table.class_names == sorted(set(labels)) == ["high", "low", "mid"]
    assert table.y.dtype == np.int64
    np.testing.assert_array_equal(table.y, np.searchsorted(table.class_names, labels))
    assert table.task == "multiclass" and table.positive_class is None


def test_positive_class_moves_last():
    frame = pd.DataFrame({"x": np.arange(40.0) % 7, "y": [" no", "yes "] * 20})
    table = load_table(frame, target="y")
    assert table.class_names == ["no", "yes"] and table.positive_class == "yes"
    swapped = load_table(frame, target="y", positive_class=" no ")
    assert swapped.class_names == ["yes", "no"]
    np.testing.assert_array_equal(swapped.y, 1 - table.y)
    bundled = load_table("mushroom", positive_class="poisonous")
    assert bundled.class_names == ["edible", "poisonous"]
    np.testing.assert_array_equal(bundled.y, 1 - load_table("mushroom").y)


def test_numeric_labels_sort_by_value():
    frame = pd.DataFrame({"x": np.arange(30.0) % 4, "y": [10, 2, 1] * 10})
    table = load_table(frame, target="y")
    assert table.class_names == ["1", "2", "10"]
    np.testing.assert_array_equal(table.y, [2, 1, 0] * 10)


@pytest.mark.parametrize(
    "positive, fragment",
    [("maybe", "labels are: no, yes"), (None, "applies to binary targets")],
)
def test_bad_positive_class(positive, fragment, messy):
    frame = pd.DataFrame({"x": np.arange(40.0) % 7, "y": ["no", "yes"] * 20})
    data = frame if positive else messy[1]
    with pytest.raises(ReportInputError, match=fragment) as raised:
        load_table(
            data, target="y" if positive else "label", positive_class=positive or "low"
        )
    assert raised.value.parameter == "positive_class"
    assert "positive_class=" in str(raised.value)


def test_more_than_fifty_classes_is_not_a_class_label():
    x = np.random.default_rng(0).normal(size=100)
    frame = pd.DataFrame({"x": x, "price": np.arange(100) * 1.5})
    with pytest.raises(ReportInputError, match="does not look like a class") as raised:
        load_table(frame, target="price")
    assert raised.value.parameter == "target"
    assert "target=" in str(raised.value)
    labels = np.arange(100) % 50  # exactly 50 classes are fine
    assert len(load_table(frame.assign(price=labels), target="price").class_names) == 50


# --- the columns ---------------------------------------------------------------


def _kinds(table, column):
    return [note["kind"] for note in table.notes if note["column"] == column]


def test_id_columns_are_dropped_with_a_note(messy):
    _, path = messy
    table = load_table(path, target="label")
    assert table.dropped == [
        {"column": "row", "reason": "id_like"},
        {"column": "customer", "reason": "id_like"},
    ]
    assert "row" not in table.X and "customer" not in table.X
    assert _kinds(table, "row") == _kinds(table, "customer") == ["id_like"]
    message = next(n["message"] for n in table.notes if n["column"] == "customer")
    assert f"{N_ROWS - len(LABEL_MISSING)} distinct values" in message


def test_kept_id_columns_stay_and_are_collapsed(messy):
    _, path = messy
    table = load_table(path, target="label", keep=["customer"])
    assert "customer" in table.X and "row" not in table.X
    assert _kinds(table, "customer") == ["id_like_kept", "high_cardinality"]
    n_rows = N_ROWS - len(LABEL_MISSING)
    assert {"column": "customer", "n_categories": n_rows} in table.collapsed


def test_near_constant_column_is_noted_and_kept(messy):
    frame, path = messy
    table = load_table(path, target="label")
    region = _kept(frame)["region"]
    share = (region == "north").mean()
    assert share >= 0.95 and "region" in table.X
    note = next(n for n in table.notes if n["kind"] == "near_constant")
    assert note["column"] == "region"
    assert f"one value ('north') in {share:.1%} of rows" in note["message"]


def test_high_cardinality_is_collapsed_to_max_categories(messy):
    frame, path = messy
    table = load_table(path, target="label")
    assert table.collapsed == [{"column": "town", "n_categories": N_TOWNS}]
    assert _kinds(table, "town") == ["high_cardinality"]
    collapse = [c["column"] for c in table.collapsed]
    pre = make_preprocessor(
        table.categorical, table.numeric, impute_numeric=True, collapse=collapse
    ).fit(table.X)
    kept = _kept(frame)
    # Missing counts as a category of its own in the plain encoder.
    plain = sum(
        kept[c].nunique(dropna=False) for c in table.categorical if c not in collapse
    )
    assert pre.transform(table.X).shape[1] == plain + MAX_CATEGORIES + 1
    names = list(pre.get_feature_names_out())
    assert names[-2] == "town_(infrequent)" and names[-1] == "size"
    # The other categoricals are encoded as without a collapsed column.
    alone = make_preprocessor([c for c in table.categorical if c != "town"], [])
    assert names[:plain] == list(alone.fit(table.X).get_feature_names_out())
    unseen = table.X.iloc[:1].assign(town="nowhere")
    row = pre.transform(unseen)[0]
    assert row[names.index("town_(infrequent)")] == 1.0


def test_collapsed_columns_group_under_their_feature(messy):
    _, path = messy
    table = load_table(path, target="label")
    pre = make_preprocessor(
        table.categorical, table.numeric, impute_numeric=True, collapse=["town"]
    )
    model = make_pipeline(pre, LogisticRegression(max_iter=200))
    model.fit(table.X, table.y)
    encoded, parents, features = model_grouping(model, model[-1].coef_.shape[1])
    town = list(features).index("town")
    assert np.sum(parents == town) == MAX_CATEGORIES


def test_collapse_must_name_categorical_columns():
    with pytest.raises(ValueError, match="not categorical"):
        make_preprocessor(["a"], ["x"], collapse=["x"])


@pytest.mark.parametrize(
    "drop, fragment", [(["nope"], "unknown column 'nope'"), (["label"], "target")]
)
def test_bad_drop(drop, fragment, messy):
    with pytest.raises(ReportInputError, match=fragment) as raised:
        load_table(messy[1], target="label", drop=drop)
    assert raised.value.parameter == "drop" and "drop=" in str(raised.value)


def test_drop_removes_columns_first(messy):
    table = load_table(messy[1], target="label", drop=["town", "customer"])
    assert "town" not in table.X and "customer" not in table.X
    assert table.dropped[:2] == [
        {"column": "town", "reason": "requested"},
        {"column": "customer", "reason": "requested"},
    ]
    assert table.collapsed == []


def test_unknown_keep(messy):
    with pytest.raises(ReportInputError, match="keep= names unknown") as raised:
        load_table(messy[1], target="label", keep=["nope"])
    assert raised.value.parameter == "keep"


# --- the test file -------------------------------------------------------------


def test_test_data_is_read_by_the_same_rules(messy, tmp_path):
    frame, path = messy
    held = _clean_table(n=50, seed=1)
    test_path = _write(held, tmp_path / "held.csv")
    table = load_table(path, target="label", test_data=test_path)
    assert table.test_source == "file" and table.test_file == str(test_path)
    assert list(table.X_test.columns) == list(table.X.columns)
    kept = _kept(held)
    assert table.n_dropped_test == len(held) - len(kept)
    labels = kept["label"].to_numpy(dtype=str)
    np.testing.assert_array_equal(
        table.y_test, np.searchsorted(table.class_names, labels)
    )
    np.testing.assert_array_equal(table.X_test["size"], kept["size"].to_numpy())
    assert table.X_test["colour"].isna().sum() == kept["colour"].isna().sum()


def test_test_data_needs_the_same_columns(messy, tmp_path):
    held = _clean_table(n=50).drop(columns=["town"])
    other = _write(held.assign(extra=1), tmp_path / "other.csv")
    with pytest.raises(ReportInputError, match="missing town; extra extra") as raised:
        load_table(messy[1], target="label", test_data=other)
    assert raised.value.parameter == "test_data"
    assert str(raised.value).startswith("test_data= has other columns than")
    # A column dropped from the training data is not required in the test file.
    fewer = _write(held, tmp_path / "fewer.csv")
    table = load_table(messy[1], target="label", drop=["town"], test_data=fewer)
    assert list(table.X_test.columns) == list(table.X.columns)


def test_test_data_labels_must_be_known(messy, tmp_path):
    held = _clean_table(n=50)
    held.loc[:1, "label"] = "huge"
    test_path = _write(held, tmp_path / "held.csv")
    with pytest.raises(ReportInputError, match="not in the training data: 'huge'"):
        load_table(messy[1], target="label", test_data=test_path)


def test_test_data_numbers_must_be_numbers(messy, tmp_path):
    held = _clean_table(n=50).astype({"size": object})
    held.loc[3, "size"] = "big"
    test_path = _write(held, tmp_path / "held.csv")
    with pytest.raises(ReportInputError, match="numeric but holds 'big'") as raised:
        load_table(messy[1], target="label", test_data=test_path)
    assert str(raised.value).startswith("test_data= file: column 'size'")


def test_test_data_not_found_names_the_parameter(messy, tmp_path):
    with pytest.raises(ReportInputError, match="test_data= file not found") as raised:
        load_table(messy[1], target="label", test_data=tmp_path / "none.csv")
    assert raised.value.parameter == "test_data"


def test_bundled_data_refuses_sep_and_test_data(messy):
    with pytest.raises(ReportInputError, match="sep= applies to text"):
        load_table("mushroom", sep=";")
    with pytest.raises(ReportInputError, match="test_data= applies to data files"):
        load_table("mushroom", test_data=messy[1])


# --- the command line ----------------------------------------------------------


def _report_parser():
    parser = build_parser()
    action = next(
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
    )
    return action.choices["report"]


def test_every_option_shows_its_default():
    report = _report_parser()
    for action in report._actions:
        if action.option_strings and action.dest != "help":
            assert "default" in (action.help or ""), action.option_strings
    text = " ".join(report.format_help().split())
    for shown in ("(default: 0.3)", "(default: mean)", "(default: auto)"):
        assert shown in text
    assert "%(default)" not in text


def test_new_options_parse():
    args = build_parser().parse_args(
        ["report", "--sep", "tab", "--na-values", "?,,NA", "--drop", "a, b"]
        + ["--keep", "id", "--positive-class", "yes", "--test-data", "t.csv"]
        + ["--baseline", "zero", "--quiet"]
    )
    assert (args.sep, args.na_values, args.drop, args.keep) == (
        "\t",
        ["?", "", "NA"],
        ["a", "b"],
        ["id"],
    )
    assert (args.positive_class, args.test_data, args.baseline, args.quiet) == (
        "yes",
        "t.csv",
        "zero",
        True,
    )
    assert build_parser().parse_args(["report"]).baseline == "mean"
    assert main(["report", "--baseline", "one"]) == 2


@pytest.fixture
def fake_report(monkeypatch):
    """generate_report replaced: loads the table, announces stages, writes nothing."""
    calls = []

    def fake(data, *, out, progress=None, **options):
        calls.append(options)
        names = ("target", "sep", "na_values", "drop", "keep", "positive_class")
        load_table(data, **{k: options[k] for k in names if k in options})
        for stage in range(REPORT_STAGES):
            if progress is not None:
                progress(f"stage {stage}")
        return {}

    monkeypatch.setattr(skadv._report, "generate_report", fake)
    return calls


def test_options_reach_generate_report_by_name(fake_report, messy, tmp_path, capsys):
    argv = ["report", "--data", str(messy[1]), "--target", "label", "--sep", ";"]
    argv += ["--na-values", "?,-", "--keep", "customer", "--baseline", "zero"]
    argv += ["--out", str(tmp_path / "r"), "--quiet"]
    assert main(argv) == 0
    (options,) = fake_report
    assert options["sep"] == ";" and options["na_values"] == ["?", "-"]
    assert options["keep"] == ["customer"] and options["baseline"] == "zero"
    # Options left out are not passed: generate_report's defaults apply.
    assert "drop" not in options and "positive_class" not in options
    captured = capsys.readouterr()
    assert captured.out == f"report: {tmp_path / 'r' / 'index.html'}\n"
    assert captured.err == ""


def test_bad_data_option_is_one_line_naming_the_option(
    fake_report, messy, tmp_path, capsys
):
    argv = ["report", "--data", str(messy[1]), "--target", "label"]
    argv += ["--drop", "label", "--out", str(tmp_path / "r")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == ["skadv: error: --drop names the target column 'label'"]
    assert not (tmp_path / "r").exists()


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _run_on(stream, fake_report, messy, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stderr", stream)
    argv = ["report", "--data", str(messy[1]), "--target", "label"]
    return main(argv + ["--out", str(tmp_path / "r")])


def test_progress_lines_when_not_a_terminal(
    fake_report, messy, tmp_path, monkeypatch, capsys
):
    stream = io.StringIO()
    monkeypatch.setattr(skadv._report._terminal, "terminal_summary", lambda s, o: "")
    assert _run_on(stream, fake_report, messy, tmp_path, monkeypatch) == 0
    lines = stream.getvalue().splitlines()
    assert len(lines) == REPORT_STAGES
    assert all(line.startswith("[skadv") for line in lines)


def test_progress_bar_on_a_terminal(fake_report, messy, tmp_path, monkeypatch):
    pytest.importorskip("tqdm")
    stream = _Terminal()
    monkeypatch.setattr(skadv._report._terminal, "terminal_summary", lambda s, o: "")
    assert _run_on(stream, fake_report, messy, tmp_path, monkeypatch) == 0
    text = stream.getvalue()
    assert f"{REPORT_STAGES}/{REPORT_STAGES} stages" in text
    assert "[skadv" not in text


def test_a_failed_run_clears_the_bar(fake_report, messy, tmp_path, monkeypatch):
    pytest.importorskip("tqdm")
    stream = _Terminal()
    monkeypatch.setattr(sys, "stderr", stream)

    def fails(data, *, out, progress=None, **options):
        progress("loading")
        raise ReportInputError("unknown target column 'x'")

    monkeypatch.setattr(skadv._report, "generate_report", fails)
    assert main(["report", "--out", str(tmp_path / "r")]) == 2
    # Whatever the bar drew was erased: the error is the last thing shown.
    shown = stream.getvalue().split("\r")[-1].strip()
    assert shown.endswith("skadv: error: unknown target column 'x'")


def test_progress_lines_on_a_terminal_without_tqdm(
    fake_report, messy, tmp_path, monkeypatch
):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    stream = _Terminal()
    monkeypatch.setattr(skadv._report._terminal, "terminal_summary", lambda s, o: "")
    assert _run_on(stream, fake_report, messy, tmp_path, monkeypatch) == 0
    assert stream.getvalue().count("[skadv") == REPORT_STAGES
