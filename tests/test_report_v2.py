"""Report v2 end to end: multiclass tables, the guards, both paths, real CSVs."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _chromium import check_page_in_chromium, needs_chromium

import skadv
from skadv import _cli

pytest.importorskip("matplotlib")
jsonschema = pytest.importorskip("jsonschema")

SCHEMA = Path(skadv.__file__).parent / "_report" / "summary.schema.json"


def _messy_frame(n=300, seed=0):
    """A table as found in the wild: padded strings, '?' gaps, an ID column,
    a near-constant column and three classes."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    score = x + 1.5 * (colour == "red") - 1.0 * (colour == "blue")
    label = np.select([score > 0.8, score < -0.6], ["high", "low"], "mid")
    region = np.where(np.arange(n) % 40 == 0, "south", "north")  # 97.3% north
    colour = np.where(rng.random(n) < 0.05, "?", colour)
    return pd.DataFrame(
        {
            "customer": [f"C{i:05d}" for i in range(n)],
            "colour": [f"  {c} " for c in colour],
            "region": region,
            "x": np.round(x, 4),
            "noise": np.round(rng.normal(size=n), 4),
            "label": [f" {v}" for v in label],
        }
    )


def _binary_frame(n=240, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    kind = rng.choice(["a", "b"], size=n)
    y = np.where(x + 0.8 * (kind == "a") + 0.3 * rng.normal(size=n) > 0.4, "yes", "no")
    return pd.DataFrame({"x": x, "kind": kind, "noise": rng.normal(size=n), "y": y})


def _validate(summary):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(summary, schema)


@pytest.fixture(scope="module")
def messy_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("messy")
    path = folder / "table.csv"
    _messy_frame().to_csv(path, sep=";", index=False)
    out = folder / "report"
    summary = skadv.generate_report(path, target="label", out=out, cv=3)
    return summary, out


def test_multiclass_summary_is_schema_valid_and_complete(messy_report):
    summary, out = messy_report
    on_disk = json.loads((out / "summary.json").read_text())
    assert on_disk == json.loads(json.dumps(summary))
    _validate(on_disk)
    data = summary["dataset"]
    assert data["task"] == "multiclass"
    assert data["class_names"] == ["high", "low", "mid"]
    assert data["positive_class"] is None


@needs_chromium
def test_multiclass_report_renders_in_headless_chromium(messy_report, tmp_path):
    check_page_in_chromium(messy_report[1], tmp_path, n_images=3)


def test_messy_columns_are_cleaned_dropped_and_flagged(messy_report):
    summary, _ = messy_report
    data = summary["dataset"]
    assert {"column": "customer", "reason": "id_like"} in data["dropped_columns"]
    assert "customer" not in data["categorical"] + data["numeric"]
    kinds = {(w["kind"], w["column"]) for w in summary["warnings"]}
    assert ("id_like", "customer") in kinds
    assert ("near_constant", "region") in kinds
    names = summary["encoded_features"]["names"]
    # Padded strings are stripped and "?" is a gap, encoded as its own category.
    assert {"colour_red", "colour_green", "colour_blue"} <= set(names)
    assert "colour_(missing)" in names and "colour_?" not in names


def test_no_chosen_model_sits_at_the_majority_rate(messy_report):
    summary, _ = messy_report
    counts = summary["dataset"]["test_class_counts"]
    majority = max(counts.values()) / summary["dataset"]["n_test"]
    assert summary["majority_rate"]["test"] == pytest.approx(majority)
    for path in ("adversarial", "l1"):
        entry = summary["frontier"][path]
        assert entry["valid"][entry["chosen_index"]]
    for name, model in summary["models"].items():
        assert model["majority_rate"] == pytest.approx(majority)
        assert model["accuracy"] > majority + 0.1, name
        matrix = np.array(model["confusion_matrix"])
        assert matrix.shape == (3, 3) and matrix.sum() == summary["dataset"]["n_test"]
        # The confusion matrix and the accuracy describe the same predictions.
        assert np.trace(matrix) / matrix.sum() == pytest.approx(model["accuracy"])


def test_per_class_directions_follow_the_one_vs_rest_weights(messy_report):
    # On the rows of class c, IG of c's own sigmoid is (x - u) w_c D with D > 0:
    # signed by the step from the baseline, it has the sign of w_c.
    summary, _ = messy_report
    names = summary["encoded_features"]["names"]
    classes = summary["dataset"]["class_names"]
    for name, model in summary["models"].items():
        coef = np.array(summary["encoded_features"]["coef"][name])
        assert model["top_values"], name
        for entry in model["top_values"]:
            w = coef[classes.index(entry["class"]), names.index(entry["encoded"])]
            assert np.sign(entry["signed_impact"]) == np.sign(w), (name, entry)


def test_overall_impact_is_the_mean_over_classes(messy_report):
    summary, _ = messy_report
    impact = summary["feature_impact"]
    for name in ("natural", "l1", "adversarial"):
        per_class = np.array(list(impact["per_class"][name].values()))
        np.testing.assert_allclose(impact[name], per_class.mean(axis=0), rtol=1e-12)
        gini = summary["models"][name]["class_gini"]
        assert set(gini) == {"high", "low", "mid"}


def test_multiclass_numbers_match_an_independent_fit(tmp_path):
    from sklearn.compose import ColumnTransformer
    from sklearn.metrics import confusion_matrix, roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from skadv.inspection import baseline_from, gini_index, integrated_gradients
    from skadv.linear_model import AdversarialLogisticRegression
    from skadv.metrics import robust_accuracy_score

    rng = np.random.default_rng(5)
    n = 270
    x = rng.normal(size=n)
    colour = rng.choice(["blue", "green", "red"], size=n)
    y = np.digitize(x + 1.2 * (colour == "red"), [-0.3, 0.7])
    frame = pd.DataFrame({"colour": colour, "x": x, "c": np.array(list("abc"))[y]})
    summary = skadv.generate_report(
        frame, target="c", out=tmp_path / "r", epsilon="0.05", cv=3
    )
    assert summary["dataset"]["class_names"] == ["a", "b", "c"]
    X = frame[["colour", "x"]].astype({"colour": object})
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    pre = ColumnTransformer(
        [("cat", OneHotEncoder(handle_unknown="ignore"), ["colour"]),
         ("num", StandardScaler(), ["x"])],
        sparse_threshold=0,
    )  # fmt: skip
    model = AdversarialLogisticRegression(epsilon=0.05, random_state=0)
    pipe = Pipeline([("encode", pre), ("model", model)]).fit(X_train, y_train)
    entry = summary["models"]["adversarial"]
    pred = pipe.predict(X_test)
    assert entry["accuracy"] == pytest.approx(np.mean(pred == y_test), abs=1e-12)
    assert entry["confusion_matrix"] == confusion_matrix(y_test, pred).tolist()
    proba = pipe.predict_proba(X_test)
    assert entry["roc_auc"] == pytest.approx(
        roc_auc_score(y_test, proba, multi_class="ovr"), abs=1e-9
    )
    assert entry["robust_accuracy"] == pytest.approx(
        robust_accuracy_score(pipe, X_test, y_test, epsilon=0.05), abs=1e-12
    )
    row = baseline_from(pipe, X_train)
    attr = np.asarray(integrated_gradients(pipe, X_test, y_test, baselines=row))
    assert entry["gini"] == pytest.approx(gini_index(np.abs(attr)).mean(), rel=1e-6)
    np.testing.assert_allclose(
        summary["encoded_features"]["coef"]["adversarial"], model.coef_, atol=1e-6
    )


def test_a_degenerate_grid_ends_with_the_no_more_concise_message(tmp_path):
    frame = _binary_frame()
    summary = skadv.generate_report(
        frame, target="y", epsilon="0.9,1.5", out=tmp_path / "r", cv=3
    )
    assert summary["epsilon"] == 0.0 and summary["no_more_concise"]
    kinds = [w["kind"] for w in summary["warnings"]]
    assert {"no_more_concise", "degenerate_candidates", "epsilon_zero_added"} <= set(
        kinds
    )
    adversarial = summary["models"]["adversarial"]
    assert adversarial["accuracy"] > adversarial["majority_rate"] + 0.1
    assert adversarial["n_nonzero_coef"] > 0
    entry = summary["frontier"]["adversarial"]
    assert entry["valid"] == [True, False, False]
    html = (tmp_path / "r" / "index.html").read_text()
    assert "no model more" in html or "no more concise" in html
    _validate(summary)


def test_binary_directions_point_to_the_positive_class(tmp_path):
    frame = _binary_frame()
    summary = skadv.generate_report(
        frame, target="y", positive_class="yes", out=tmp_path / "r", baseline="zero"
    )
    assert summary["dataset"]["positive_class"] == "yes"
    assert summary["settings"]["baseline"] == "zero"
    top = summary["models"]["natural"]["top_values"]
    by_value = {(t["feature"], t["value"]): t["signed_impact"] for t in top}
    # Higher x and kind "a" raise the probability of "yes".
    assert by_value[("x", "(higher)")] > 0
    assert by_value[("kind", "a")] > 0
    flipped = skadv.generate_report(
        frame, target="y", positive_class="no", out=tmp_path / "r2", baseline="zero"
    )
    top = flipped["models"]["natural"]["top_values"]
    assert {(t["feature"], t["value"]): t["signed_impact"] for t in top}[
        ("x", "(higher)")
    ] < 0


@pytest.mark.parametrize("baseline", ["mean", "zero"])
def test_signed_impacts_of_a_linear_model_follow_its_weights(tmp_path, baseline):
    # IG_ij = (x_ij - u_j) w_j D_i with D_i > 0 (Lemma 4.1): signed by the
    # step from the baseline, every row's attribution has the sign of w_j, so
    # the signed impact is sign(w_j) times the mean |IG| of the column.
    summary = skadv.generate_report(
        _binary_frame(), target="y", out=tmp_path / "r", baseline=baseline
    )
    encoded = summary["encoded_features"]
    for name in ("natural", "l1", "adversarial"):
        coef = np.array(encoded["coef"][name][0])
        impact = np.array(encoded["impact"][name])
        signed = np.array(encoded["signed_impact"][name])
        np.testing.assert_allclose(signed, np.sign(coef) * impact, atol=1e-12)


def test_mean_baseline_is_the_default_and_changes_the_impacts(tmp_path):
    frame = _binary_frame()
    mean = skadv.generate_report(frame, target="y", out=tmp_path / "m", epsilon="0")
    zero = skadv.generate_report(
        frame, target="y", out=tmp_path / "z", epsilon="0", baseline="zero"
    )
    assert mean["settings"]["baseline"] == "mean"
    assert (
        mean["models"]["natural"]["accuracy"] == zero["models"]["natural"]["accuracy"]
    )
    assert not np.allclose(
        mean["feature_impact"]["natural"], zero["feature_impact"]["natural"]
    )


def test_held_out_file_is_the_test_split(tmp_path):
    frame = _binary_frame(n=300)
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    frame.iloc[:200].to_csv(train, index=False)
    frame.iloc[200:].to_csv(test, index=False)
    summary = skadv.generate_report(
        train, target="y", test_data=test, out=tmp_path / "r", epsilon="0.05"
    )
    data = summary["dataset"]
    assert (data["n_train"], data["n_test"]) == (200, 100)
    assert data["test_source"] == "file"
    assert summary["settings"]["test_size"] is None


def _cli_run(argv, capsys):
    code = _cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    "extra, match",
    [
        (["--positive-class", "maybe"], "positive"),
        (["--drop", "nothing"], "drop"),
        (["--drop", "y"], "drop"),
        (["--baseline", "median"], "baseline"),
    ],
)
def test_bad_report_options_exit_2_with_one_line(tmp_path, capsys, extra, match):
    path = tmp_path / "t.csv"
    _binary_frame().to_csv(path, index=False)
    out = tmp_path / "r"
    code, _, err = _cli_run(
        ["report", "--data", str(path), "--target", "y", "--out", str(out), *extra],
        capsys,
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and match in err.lower()
    assert not out.exists()


def test_too_many_classes_is_refused(tmp_path, capsys):
    frame = _binary_frame(n=300).assign(y=np.arange(300) % 60)
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    code, _, err = _cli_run(
        ["report", "--data", str(path), "--target", "y", "--out", str(tmp_path / "r")],
        capsys,
    )
    assert code == 2 and "class" in err.lower()
    assert not (tmp_path / "r").exists()
