"""Tests of ``skadv report``: outputs, agreement with the estimators, bad input."""

import base64
import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from _chromium import check_page_in_chromium, needs_chromium
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skadv._cli import main
from skadv._report import (
    AUTO_GRID,
    ReportInputError,
    load_table,
    parse_epsilon,
    select_epsilon,
)
from skadv.datasets import load_mushroom
from skadv.inspection import FeatureImpactTransformer, baseline_from
from skadv.linear_model import AdversarialLogisticRegression
from skadv.metrics import make_gini_scorer, robust_accuracy_score

REPORT_FILES = {
    "index.html",
    "summary.json",
    "feature_impact.png",
    "frontier.png",
    "weights.png",
}
MODELS = ("natural", "l1", "adversarial")


def _mixed_frame(n=160, seed=0):
    """Numeric and categorical columns with gaps, a string target."""
    rng = np.random.default_rng(seed)
    size = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n).astype(object)
    score = 2.0 * size + (colour == "red") + 0.5 * rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "size": size,
            "weight": rng.normal(10, 3, size=n),
            "colour": colour,
            "shape": rng.choice(["round", "flat"], size=n).astype(object),
            "flag": rng.random(n) < 0.5,
            "label": np.where(score > 0.3, "yes", "no"),
        }
    )
    frame.loc[rng.choice(n, 12, replace=False), "size"] = np.nan
    frame.loc[rng.choice(n, 15, replace=False), "colour"] = np.nan
    return frame


def _run(argv, capsys):
    status = main(list(map(str, argv)))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture(scope="module")
def mixed_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "mixed.csv"
    _mixed_frame().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def mixed_report(mixed_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("mixed") / "report"
    argv = ["report", "--data", str(mixed_csv), "--target", "label"]
    argv += ["--epsilon", "0.05,0.2", "--out", str(out), "--random-state", "3"]
    status = main(argv)
    return status, out


@pytest.fixture(scope="module")
def mushroom_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("mushroom") / "report"
    status = main(["report", "--epsilon", "0.1", "--out", str(out), "--quiet"])
    return status, out


def _summary(out):
    return json.loads((out / "summary.json").read_text())


def _mixed_pipeline(epsilon, **params):
    """An independent copy of the report's preprocessing for the mixed CSV."""
    categorical = ["colour", "shape", "flag"]
    cat = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="(missing)"),
        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
    )
    num = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    pre = ColumnTransformer(
        [("cat", cat, categorical), ("num", num, ["size", "weight"])],
        verbose_feature_names_out=False,
    )
    model = AdversarialLogisticRegression(epsilon=epsilon, **params)
    return Pipeline([("encode", pre), ("model", model)])


def _mixed_split(path, random_state=3):
    frame = pd.read_csv(path)
    y = (frame.pop("label") == "yes").astype(int).to_numpy()
    for col in ("colour", "shape", "flag"):
        frame[col] = frame[col].map(lambda v: v if pd.isna(v) else str(v))
        frame[col] = frame[col].astype(object)
    return train_test_split(
        frame, y, test_size=0.3, random_state=random_state, stratify=y
    )


def _check_against(entry, pipe, X_train, X_test, y_test, epsilon):
    assert entry["accuracy"] == pytest.approx(
        accuracy_score(y_test, pipe.predict(X_test)), abs=1e-12
    )
    assert entry["roc_auc"] == pytest.approx(
        roc_auc_score(y_test, pipe.predict_proba(X_test)[:, 1]), abs=1e-12
    )
    robust = robust_accuracy_score(pipe, X_test, y_test, epsilon=epsilon)
    assert entry["robust_accuracy"] == pytest.approx(robust, abs=1e-12)
    # The report explains from the training mean of the encoded inputs.
    row = baseline_from(pipe, X_train)
    gini = make_gini_scorer(baselines=row)(pipe, X_test, y_test)
    assert entry["gini"] == pytest.approx(gini, rel=1e-9)


# --- the CLI on real and synthetic data -----------------------------------------


def test_mushroom_report_matches_estimators(mushroom_report):
    status, out = mushroom_report
    assert status == 0
    assert {p.name for p in out.iterdir()} == REPORT_FILES
    summary = _summary(out)
    assert summary["epsilon"] == 0.1
    assert summary["epsilon_rule"] == "fixed"
    assert summary["dataset"]["n_encoded"] == 117

    X, y = load_mushroom(as_frame=True, return_X_y=True)
    y = np.asarray(y)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    assert summary["dataset"]["n_train"] == len(y_train)
    X_train = X_train.astype(object).where(X_train.notna(), np.nan)
    X_test = X_test.astype(object).where(X_test.notna(), np.nan)
    encode = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="(missing)"),
        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
    )
    adversarial = make_pipeline(
        encode, AdversarialLogisticRegression(epsilon=0.1, random_state=0)
    ).fit(X_train, y_train)
    _check_against(
        summary["models"]["adversarial"], adversarial, X_train, X_test, y_test, 0.1
    )
    row = baseline_from(adversarial, X_train)
    impact = FeatureImpactTransformer(adversarial, baselines=row).fit(X_test, y_test)
    np.testing.assert_allclose(
        summary["feature_impact"]["adversarial"], impact.feature_impact_, rtol=1e-9
    )
    assert summary["feature_impact"]["features"] == list(X.columns)


def test_mushroom_report_numbers_are_sensible(mushroom_report):
    # The paper's qualitative result: adversarial training costs little accuracy
    # and concentrates the explanations on fewer features.
    models = _summary(mushroom_report[1])["models"]
    assert models["natural"]["accuracy"] > 0.99
    assert models["adversarial"]["accuracy"] > 0.96
    assert models["adversarial"]["gini"] > models["natural"]["gini"] + 0.03
    assert models["adversarial"]["n_impactful"] < models["natural"]["n_impactful"]
    assert (
        models["adversarial"]["robust_accuracy"] > models["natural"]["robust_accuracy"]
    )


def test_mixed_csv_report_matches_estimators(mixed_report, mixed_csv):
    status, out = mixed_report
    assert status == 0
    assert {p.name for p in out.iterdir()} == REPORT_FILES
    summary = _summary(out)
    data = summary["dataset"]
    assert data["categorical"] == ["colour", "shape", "flag"]
    assert data["numeric"] == ["size", "weight"]
    assert data["class_names"] == ["no", "yes"]
    assert "colour_(missing)" in summary["encoded_features"]["names"]

    X_train, X_test, y_train, y_test = _mixed_split(mixed_csv)
    eps = summary["epsilon"]
    assert eps in (0.0, 0.05, 0.2)
    n_train = len(y_train)
    pipes = {
        "natural": _mixed_pipeline(0.0, random_state=3),
        "l1": _mixed_pipeline(
            0.0, l1_ratio=1.0, C=1 / (summary["l1_lambda"] * n_train)
        ),
        "adversarial": _mixed_pipeline(eps, random_state=3),
    }
    for name, pipe in pipes.items():
        pipe.fit(X_train, y_train)
        _check_against(summary["models"][name], pipe, X_train, X_test, y_test, eps)
        coef = pipe[-1].coef_
        np.testing.assert_allclose(
            summary["encoded_features"]["coef"][name], coef, rtol=1e-7, atol=1e-9
        )


def test_mixed_csv_sweep_is_cross_validation(mixed_report, mixed_csv):
    summary = _summary(mixed_report[1])
    path = summary["frontier"]["adversarial"]
    assert path["values"] == [0.0, 0.05, 0.2]
    X_train, _, y_train, _ = _mixed_split(mixed_csv)
    folds = list(
        StratifiedKFold(3, shuffle=True, random_state=3).split(X_train, y_train)
    )
    for i, eps in enumerate(path["values"]):
        pipe = _mixed_pipeline(eps, random_state=3)
        scores = cross_val_score(pipe, X_train, y_train, cv=folds)
        assert path["accuracy"][i] == pytest.approx(scores.mean(), abs=1e-6)
        # Each fold explains its held-out rows from its own training mean.
        gini = []
        for train, test in folds:
            fitted = _mixed_pipeline(eps, random_state=3)
            fitted.fit(X_train.iloc[train], y_train[train])
            row = baseline_from(fitted, X_train.iloc[train])
            scorer = make_gini_scorer(baselines=row)
            gini.append(scorer(fitted, X_train.iloc[test], y_train[test]))
        assert path["gini"][i] == pytest.approx(np.mean(gini), rel=1e-4)
    chosen = select_epsilon(
        path["values"],
        path["accuracy"],
        path["gini"],
        tolerance=0.02,
        valid=path["valid"],
    )
    assert path["chosen_index"] == chosen
    assert summary["epsilon"] == path["values"][chosen]


def test_summary_holds_every_table_number(mixed_report):
    out = mixed_report[1]
    summary = _summary(out)
    html = (out / "index.html").read_text()
    for entry in summary["models"].values():
        assert f"{100 * entry['accuracy']:.2f}%" in html
        assert f"{entry['gini']:.3f}" in html
        assert f"{entry['roc_auc']:.3f}" in html
    assert set(summary["feature_impact"]) == {"features", "per_class", *MODELS}


def test_html_is_self_contained(mixed_report):
    out = mixed_report[1]
    html = (out / "index.html").read_text()
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert not re.search(r"(?i)(https?:|ftp:|file:|//[a-z0-9])", text)
    assert not re.search(r"(?i)(url\(|@import|srcset)", text)
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    sources = re.findall(r'<img src="([^"]+)"', html)
    files = re.findall(r'data-file="([^"]+)"', html)
    assert len(sources) == 3
    for source, name in zip(sources, files):
        prefix = "data:image/png;base64,"
        assert source.startswith(prefix)
        assert base64.b64decode(source[len(prefix) :]) == (out / name).read_bytes()


def test_pngs_are_images(mixed_report):
    for name in ("feature_impact.png", "frontier.png", "weights.png"):
        content = (mixed_report[1] / name).read_bytes()
        assert content.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(content) > 5000


def test_report_replaces_previous_report(mixed_csv, tmp_path, capsys):
    out = tmp_path / "report"
    argv = ["report", "--data", mixed_csv, "--target", "label"]
    argv += ["--epsilon", "0.1", "--out", out, "--quiet"]
    assert _run(argv, capsys)[0] == 0
    first = (out / "summary.json").read_bytes()
    status, stdout, err = _run(argv, capsys)
    assert status == 0
    assert err == ""
    assert {p.name for p in out.iterdir()} == REPORT_FILES
    assert [p.name for p in tmp_path.iterdir()] == ["report"]
    assert f"report: {out / 'index.html'}" in stdout
    # Same options, same numbers: only the run times differ.
    again = json.loads((out / "summary.json").read_bytes())
    del again["timing_s"]
    assert again == {k: v for k, v in json.loads(first).items() if k != "timing_s"}


def test_progress_on_stderr_and_summary_on_stdout(mixed_csv, tmp_path, capsys):
    argv = ["report", "--data", mixed_csv, "--target", "label"]
    argv += ["--epsilon", "0.1", "--out", tmp_path / "r"]
    status, stdout, err = _run(argv, capsys)
    assert status == 0
    assert "sweeping eps" in err and "[skadv" in err
    assert "Adversarial" in stdout and "[skadv" not in stdout


def test_numeric_override_and_explicit_categorical(tmp_path, capsys):
    frame = _mixed_frame(seed=1)
    frame["grade"] = np.random.default_rng(1).integers(1, 4, size=len(frame))
    path = tmp_path / "d.tsv"
    frame.to_csv(path, sep="\t", index=False)
    argv = ["report", "--data", path, "--target", "label", "--epsilon", "0.1"]
    argv += ["--categorical", "grade", "--out", tmp_path / "r", "--quiet"]
    assert _run(argv, capsys)[0] == 0
    summary = _summary(tmp_path / "r")
    assert "grade" in summary["dataset"]["categorical"]
    assert "grade_1" in summary["encoded_features"]["names"]


# --- bad input -----------------------------------------------------------------


def _bad_inputs(tmp_path):
    good = _mixed_frame(n=60)
    paths = {}
    for name, frame in {
        "one_class": good.assign(label="yes"),
        "all_missing": good.assign(empty=np.nan),
        "good": good,
    }.items():
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("keep me")
    good = ["--data", paths["good"], "--target", "label"]
    return {
        "missing file": (
            ["--data", tmp_path / "nope.csv", "--target", "y"],
            "data file not found",
        ),
        "unknown target": (
            ["--data", paths["good"], "--target", "nope"],
            "unknown target column 'nope'",
        ),
        "no target": (["--data", paths["good"]], "--target is required"),
        "one class": (
            ["--data", paths["one_class"], "--target", "label"],
            "has a single class ('yes')",
        ),
        "all missing": (
            ["--data", paths["all_missing"], "--target", "label"],
            "column 'empty' has only missing values",
        ),
        "epsilon words": (good + ["--epsilon", "abc"], "could not parse --epsilon"),
        "epsilon list": (good + ["--epsilon", "0.1,,x"], "could not parse --epsilon"),
        "epsilon negative": (good + ["--epsilon", "-0.1"], "could not parse"),
        "epsilon nan": (good + ["--epsilon", "nan"], "could not parse --epsilon"),
        "out under a file": (
            good + ["--out", a_file / "report"],
            "cannot write to output folder",
        ),
        "out is a file": (good + ["--out", a_file], "exists and is not a folder"),
        "out not a report": (good + ["--out", busy], "holds no skadv report"),
        "unknown column": (good + ["--numeric", "nope"], "unknown column 'nope'"),
        "non-numeric": (good + ["--numeric", "colour"], "listed as numeric"),
        "test size": (good + ["--test-size", "1.5"], "test_size must be"),
        "unsupported file": (["--data", a_file, "--target", "y"], "unsupported"),
        "bad option": (good + ["--frobnicate"], "unrecognized arguments"),
        "bundled target": (["--target", "x"], "--target applies to data files"),
    }


BAD_CASES = [
    "missing file",
    "unknown target",
    "no target",
    "one class",
    "all missing",
    "epsilon words",
    "epsilon list",
    "epsilon negative",
    "epsilon nan",
    "out under a file",
    "out is a file",
    "out not a report",
    "unknown column",
    "non-numeric",
    "test size",
    "unsupported file",
    "bad option",
    "bundled target",
]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_exits_2_with_one_line(case, tmp_path, capsys):
    argv, message = _bad_inputs(tmp_path)[case]
    before = sorted(p.name for p in tmp_path.iterdir())
    out_given = "--out" in argv
    if not out_given:
        argv = argv + ["--out", tmp_path / "report"]
    status, stdout, err = _run(["report", *argv], capsys)
    assert status == 2
    assert stdout == ""
    # Progress lines may precede the error; the error itself is one line.
    lines = [line for line in err.splitlines() if not line.startswith("[skadv")]
    assert len(lines) == 1, err
    assert lines[0].startswith("skadv: error: ")
    assert message in lines[0]
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (tmp_path / "busy" / "notes.txt").read_text() == "keep me"


def test_read_only_location_exits_2(tmp_path, capsys):
    # /proc refuses new folders even for root, for whom permission bits do not
    # apply, so it stands for any location the process cannot write to.
    if not (sys.platform.startswith("linux") and __import__("os").path.isdir("/proc")):
        pytest.skip("needs Linux /proc")
    frame_path = tmp_path / "d.csv"
    _mixed_frame(n=60).to_csv(frame_path, index=False)
    argv = ["report", "--data", frame_path, "--target", "label"]
    status, _, err = _run(argv + ["--out", "/proc/skadv-report"], capsys)
    assert status == 2
    assert "cannot write to output folder" in err
    assert err.startswith("skadv: error: ")


def test_parquet_without_engine_is_a_clear_error(tmp_path, capsys):
    pytest.importorskip("pandas")
    try:
        import pyarrow  # noqa: F401

        pytest.skip("pyarrow is installed")
    except ImportError:
        pass
    path = tmp_path / "d.parquet"
    path.write_bytes(b"PAR1")
    argv = ["report", "--data", path, "--target", "y", "--out", tmp_path / "r"]
    status, _, err = _run(argv, capsys)
    assert status == 2
    assert "needs pyarrow or fastparquet" in err
    assert not (tmp_path / "r").exists()


def test_no_command_prints_help(capsys):
    status, _, err = _run([], capsys)
    assert status == 2
    assert "report" in err


# --- the pieces ----------------------------------------------------------------


def test_parse_epsilon():
    assert parse_epsilon("auto") == (AUTO_GRID, None)
    assert parse_epsilon("AUTO")[0][0] == 0.0
    assert parse_epsilon("0.2,0.1,0.2") == ((0.0, 0.1, 0.2), None)
    assert parse_epsilon("0.3") == ((0.0, 0.3), 0.3)
    assert parse_epsilon("0") == ((0.0,), 0.0)
    for bad in ("", "x", "0.1;0.2", "inf", "-1", "0.1,"):
        with pytest.raises(ReportInputError, match="could not parse"):
            parse_epsilon(bad)


def test_select_epsilon_follows_the_recipe():
    eps = [0.0, 0.05, 0.1, 0.2, 0.3]
    acc = [0.99, 0.99, 0.975, 0.96, 0.7]
    gini = [0.5, 0.7, 0.8, 0.9, 0.95]
    # 0.2 and 0.3 fall outside a 2-point tolerance; 0.1 is the sparsest left.
    assert select_epsilon(eps, acc, gini, tolerance=0.02) == 2
    assert select_epsilon(eps, acc, gini, tolerance=0.04) == 3
    assert select_epsilon(eps, acc, gini, tolerance=0.0) == 1
    # Ties in Gini go to the largest epsilon.
    assert select_epsilon(eps, acc, [0.9] * 5, tolerance=1.0) == 4
    assert select_epsilon(eps, acc, gini, tolerance=0.02, fixed=0.3) == 4


def test_load_table_infers_kinds_and_missing_values():
    table = load_table(_mixed_frame(), target="label")
    assert table.categorical == ["colour", "shape", "flag"]
    assert table.numeric == ["size", "weight"]
    assert table.X["colour"].isna().sum() == 15
    assert set(table.X["flag"].dropna()) == {"True", "False"}
    assert table.X["size"].dtype == np.float64


def test_load_table_drops_rows_without_target():
    frame = _mixed_frame()
    frame.loc[:4, "label"] = None
    table = load_table(frame, target="label")
    assert table.n_dropped == 5
    assert len(table.y) == len(frame) - 5


def test_load_table_codes_a_multiclass_target():
    labels = np.array(["b", "c", "a"])[np.arange(len(_mixed_frame())) % 3]
    frame = _mixed_frame().assign(label=labels)
    table = load_table(frame, target="label")
    assert table.class_names == ["a", "b", "c"]
    np.testing.assert_array_equal(np.array(table.class_names)[table.y], labels)


def test_load_table_does_not_mutate_input():
    frame = _mixed_frame()
    copy = frame.copy()
    load_table(frame, target="label", categorical=["flag"])
    pd.testing.assert_frame_equal(frame, copy)


@pytest.mark.slow
def test_python_m_skadv_subprocess(mixed_csv, tmp_path):
    out = tmp_path / "r"
    command = [sys.executable, "-m", "skadv", "report", "--data", str(mixed_csv)]
    command += ["--target", "label", "--epsilon", "0.1", "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"report: {out / 'index.html'}" in done.stdout
    assert (out / "summary.json").is_file()
    bad = subprocess.run(
        [sys.executable, "-m", "skadv", "report", "--epsilon", "zz"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


# --- a real browser ----------------------------------------------------------------


@needs_chromium
def test_report_renders_in_headless_chromium(mixed_report, tmp_path):
    check_page_in_chromium(mixed_report[1], tmp_path, n_images=3)


def test_missing_optional_dependencies_give_one_line_and_status_2(monkeypatch, capsys):
    import importlib.util

    from skadv import _cli

    real_find_spec = importlib.util.find_spec

    def without_matplotlib(name, *args, **kwargs):
        return None if name == "matplotlib" else real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", without_matplotlib)
    assert _cli.main(["report"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "matplotlib" in err[0] and "skadv[pandas,plot]" in err[0]
