"""Named baselines, custom quadrature rules, labelled output and feature-level Gini."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skadv.inspection import (
    FeatureImpactTransformer,
    baseline_from,
    feature_gini,
    gini_index,
    integrated_gradients,
)
from skadv.linear_model import AdversarialLogisticRegression
from skadv.metrics import make_gini_scorer

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "color": rng.choice(["red", "blue", "green"], size=40),
            "size": rng.choice(["s", "l"], size=40, p=[0.9, 0.1]),
        },
        index=np.arange(100, 140),
    )
    y = ((X["color"] == "red") | (X["size"] == "l")).astype(int).to_numpy()
    pipe = make_pipeline(
        OneHotEncoder(), AdversarialLogisticRegression(epsilon=0.05)
    ).fit(X, y)
    return pipe, X, y


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(3, 6), torch.nn.Tanh(), torch.nn.Linear(6, 2)
    ).double()


def test_named_baselines_are_statistics_of_the_encoded_rows(table):
    pipe, X, y = table
    Xt = pipe[:-1].transform(X).toarray()
    np.testing.assert_allclose(baseline_from(pipe, X), Xt.mean(axis=0))
    np.testing.assert_array_equal(baseline_from(pipe, X, "median"), np.median(Xt, 0))
    np.testing.assert_array_equal(baseline_from(pipe, X, "zero"), np.zeros(5))
    for name in ("mean", "median"):
        row = np.median(Xt, 0) if name == "median" else Xt.mean(axis=0)
        np.testing.assert_allclose(
            np.asarray(integrated_gradients(pipe, X, y, baselines=name)),
            np.asarray(integrated_gradients(pipe, X, y, baselines=row)),
            rtol=1e-12,
        )


def test_sparse_median_counts_the_implicit_zeros():
    from skadv.inspection._baselines import row_statistic

    dense = np.array([[0.0, 1.0], [3.0, 0.0], [4.0, 0.0], [0.0, 2.0]])
    for name in ("mean", "median"):
        np.testing.assert_allclose(
            row_statistic(sp.csr_matrix(dense), name),
            getattr(np, name)(dense, axis=0),
        )


@pytest.mark.parametrize("baselines", [None, "zero", "mean", "median", 0.3, "row"])
@pytest.mark.parametrize("method", ["auto", "gausslegendre"])
def test_completeness_for_every_baseline(table, baselines, method):
    pipe, X, y = table
    if baselines == "row":
        baselines = np.linspace(0.0, 1.0, 5)
    attr, delta = integrated_gradients(
        pipe, X, y, baselines=baselines, method=method, return_convergence_delta=True
    )
    assert np.abs(delta.to_numpy()).max() < 1e-9
    # The delta is measured against an independent evaluation of the model.
    Xt = pipe[:-1].transform(X).toarray()
    if baselines is None or (isinstance(baselines, str) and baselines == "zero"):
        U = np.zeros_like(Xt)
    elif isinstance(baselines, str):
        U = np.broadcast_to(baseline_from(pipe, X, baselines), Xt.shape)
    else:
        U = np.broadcast_to(baselines, Xt.shape)
    proba = pipe[-1].predict_proba
    f = proba(Xt)[np.arange(len(y)), y] - proba(U)[np.arange(len(y)), y]
    np.testing.assert_allclose(attr.to_numpy().sum(axis=1), f, atol=1e-6)


def test_bad_baselines_name_the_parameter(table):
    pipe, X, y = table
    with pytest.raises(ValueError, match="baselines"):
        integrated_gradients(pipe, X, y, baselines="average")
    with pytest.raises(ValueError, match="baselines must be None, a scalar"):
        integrated_gradients(pipe, X, y, baselines=np.zeros(4))
    with pytest.raises(ValueError, match="baselines must be finite"):
        integrated_gradients(pipe, X, y, baselines=np.full(5, np.nan))
    with pytest.raises(ValueError, match="strategy"):
        baseline_from(pipe, X, "mode")


def test_paper_dnn_rule_equals_a_hand_computed_sum(net):
    X = np.random.default_rng(1).normal(size=(4, 3))
    S = 6
    alphas, weights = np.arange(1, S) / S, np.full(S - 1, 1.0 / (S - 1))
    got = integrated_gradients(net, X, target=1, method=(alphas, weights))
    Xt = torch.tensor(X)
    total = torch.zeros_like(Xt)
    for a in alphas:
        point = (a * Xt).requires_grad_(True)
        torch.softmax(net(point), dim=1)[:, 1].sum().backward()
        total += point.grad / (S - 1)
    np.testing.assert_allclose(got, (Xt * total).numpy(), rtol=1e-12, atol=1e-15)
    from skadv.inspection._quadrature import quadrature_rule

    rule = quadrature_rule("riemann_left", 7)
    np.testing.assert_array_equal(
        integrated_gradients(net, X, target=0, method=rule),
        integrated_gradients(net, X, target=0, method="riemann_left", n_steps=7),
    )


@pytest.mark.parametrize(
    "rule, match",
    [
        (([], []), "non-empty"),
        (([0.5, 0.2], [1.0]), "same length"),
        (([0.5, np.nan], [0.5, 0.5]), "finite"),
        (([0.5, 1.5], [0.5, 0.5]), r"in \[0, 1\]"),
        (([[0.5]], [1.0]), "1-d"),
        (([0.5],), "tuple"),
    ],
)
def test_bad_rules_name_method(net, rule, match):
    X = np.zeros((2, 3))
    with pytest.raises(ValueError, match=f"method.*{match}|{match}.*method"):
        integrated_gradients(net, X, target=0, method=rule)


# The model was fitted on a DataFrame and is also given a plain array.
@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_labelled_output_names_the_encoded_columns(table):
    pipe, X, y = table
    attr, delta = integrated_gradients(pipe, X, y, return_convergence_delta=True)
    assert isinstance(attr, pd.DataFrame) and isinstance(delta, pd.Series)
    assert attr.columns.tolist() == pipe[:-1].get_feature_names_out().tolist()
    assert attr.index.equals(X.index) and delta.index.equals(X.index)
    plain = integrated_gradients(pipe, X.to_numpy(), y)
    assert isinstance(plain, np.ndarray)
    np.testing.assert_array_equal(attr.to_numpy(), plain)


def test_labelled_output_of_a_torch_module(net):
    X = pd.DataFrame(np.ones((3, 3)), columns=["a", "b", "c"], index=[7, 8, 9])
    attr = integrated_gradients(net, X, target=0)
    assert attr.columns.tolist() == ["a", "b", "c"] and attr.index.tolist() == [7, 8, 9]
    conv = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2)).double()
    with sklearn.config_context(transform_output="pandas"):
        images = integrated_gradients(conv, np.ones((2, 2, 2)), target=0)
    assert isinstance(images, np.ndarray) and images.shape == (2, 2, 2)


def test_feature_gini_against_a_loop():
    rng = np.random.default_rng(2)
    attr = rng.normal(size=(6, 5))
    groups = np.array([0, 0, 2, 2, 2])  # feature 1 has no column and takes no part
    expected = [
        gini_index([np.abs(row[:2]).sum(), np.abs(row[2:]).sum()]) for row in attr
    ]
    np.testing.assert_allclose(feature_gini(attr, groups), expected, rtol=1e-13)
    np.testing.assert_allclose(
        feature_gini(attr, np.arange(5)), gini_index(attr, axis=1)
    )
    with pytest.raises(ValueError, match="groups"):
        feature_gini(attr, [0, 1])


def test_transformer_baseline_gini_output_and_pandas(table):
    pipe, X, y = table
    fi = FeatureImpactTransformer(pipe, baselines="mean").fit(X, y)
    np.testing.assert_allclose(fi.baseline_, baseline_from(pipe, X))
    attr = integrated_gradients(pipe, X, y, baselines=fi.baseline_).to_numpy()
    np.testing.assert_allclose(fi.feature_gini_, feature_gini(attr, fi.groups_).mean())
    part = X.iloc[:5]
    # transform explains new rows against the training mean, not their own.
    expected = integrated_gradients(pipe, part, baselines=fi.baseline_).to_numpy()
    out = fi.transform(part)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, expected @ np.eye(2)[fi.groups_], atol=1e-15)
    framed = fi.set_output(transform="pandas").transform(part)
    assert framed.columns.tolist() == ["color", "size"]
    logit = FeatureImpactTransformer(pipe, output="logit").fit(X, y)
    assert logit.feature_impact_.shape == (2,)
    rule = FeatureImpactTransformer(pipe, method=(np.array([0.5]), np.ones(1)))
    assert rule.fit(X, y).feature_impact_.shape == (2,)


def test_gini_scorer_levels(table):
    pipe, X, y = table
    attr = integrated_gradients(pipe, X, y, baselines="median").to_numpy()
    enc = make_gini_scorer(baselines="median")(pipe, X, y)
    feat = make_gini_scorer(level="feature", baselines="median")(pipe, X, y)
    groups = np.repeat([0, 1], [3, 2])
    assert enc == pytest.approx(gini_index(attr, axis=1).mean(), rel=1e-12)
    assert feat == pytest.approx(feature_gini(attr, groups).mean(), rel=1e-12)
    with pytest.raises(ValueError, match="level"):
        make_gini_scorer(level="column")


# The model was fitted on a DataFrame and is also given a plain array.
@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_scaled_pipelines_keep_names_also_under_pandas_output():
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(30, 2)), columns=["u", "v"])
    y = (X["u"] > 0).astype(int).to_numpy()
    pipe = make_pipeline(StandardScaler(), AdversarialLogisticRegression()).fit(X, y)
    assert integrated_gradients(pipe, X, y).columns.tolist() == ["u", "v"]
    with sklearn.config_context(transform_output="pandas"):
        framed = integrated_gradients(pipe, X.to_numpy(), y)
    assert framed.columns.tolist() == ["u", "v"]
    assert framed.index.tolist() == list(range(len(X)))
