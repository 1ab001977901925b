"""FeatureImpactTransformer and feature_impact: grouping, aggregation, output."""

import numpy as np
import pandas as pd
import pytest
from joblib import hash as joblib_hash
from scipy.special import expit
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, PolynomialFeatures, StandardScaler
from sklearn.utils import get_tags
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted

from skadv.datasets import load_mushroom
from skadv.inspection import (
    FeatureImpactTransformer,
    feature_impact,
    integrated_gradients,
)
from skadv.linear_model import AdversarialLogisticRegression


def _group_oracle(encoded_names, feature_names, prefix=""):
    """Parent of each encoded column, read from its name ``prefix + feature_value``."""
    parents = []
    for name in encoded_names:
        hits = [
            i
            for i, f in enumerate(feature_names)
            if name == prefix + f or name.startswith(prefix + f + "_")
        ]
        assert len(hits) == 1, name
        parents.append(hits[0])
    return np.asarray(parents)


@pytest.fixture(scope="module")
def mushroom_pipe():
    X, y = load_mushroom(return_X_y=True, as_frame=True)
    X, y = X.iloc[::4], y.iloc[::4]
    encoder = OneHotEncoder(
        drop="first", handle_unknown="infrequent_if_exist", min_frequency=20
    )
    pipe = make_pipeline(encoder, AdversarialLogisticRegression(epsilon=0.05))
    return pipe.fit(X, y), X, y


@pytest.fixture(scope="module")
def mixed_pipe():
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame(
        {
            "color": rng.choice(["red", "green", "blue"], n),
            "age": rng.normal(40, 10, n),
            "size": rng.choice(["S", "M", "L", "XL"], n),
            "income": rng.lognormal(3, 1, n),
            "flag": rng.integers(0, 2, n).astype(float),
            "ignored": rng.normal(size=n),
        }
    )
    y = (
        (frame["color"] == "red").to_numpy() * 2.0
        + (frame["age"].to_numpy() - 40) / 10
        + rng.normal(size=n)
        > 1
    ).astype(int)
    ct = ColumnTransformer(
        [
            (
                "cat",
                OneHotEncoder(drop="if_binary", sparse_output=False),
                ["color", "size"],
            ),
            (
                "num",
                make_pipeline(SimpleImputer(), StandardScaler()),
                ["age", "income"],
            ),
            ("drop", "drop", ["ignored"]),
        ],
        remainder="passthrough",
    )
    pipe = make_pipeline(ct, AdversarialLogisticRegression(epsilon=0.01))
    return pipe.fit(frame, y), frame, y


def _check_impacts(fi, pipe, X, y, feature_names, prefix_of):
    attr = np.asarray(integrated_gradients(pipe, X, y))
    encoded = pipe[:-1].get_feature_names_out()
    np.testing.assert_array_equal(fi.encoded_feature_names_, encoded)
    np.testing.assert_allclose(fi.feature_value_impact_, np.abs(attr).mean(0))
    parents = np.concatenate(
        [_group_oracle([e], feature_names, prefix_of(e)) for e in encoded]
    )
    np.testing.assert_array_equal(fi.groups_, parents)
    sums = np.array(
        [
            fi.feature_value_impact_[parents == j].sum()
            for j in range(len(feature_names))
        ]
    )
    np.testing.assert_allclose(fi.feature_impact_, sums, rtol=1e-12)
    np.testing.assert_array_equal(fi.get_feature_names_out(), feature_names)


def test_mushroom_one_hot_grouping(mushroom_pipe):
    pipe, X, y = mushroom_pipe
    fi = FeatureImpactTransformer(pipe).fit(X, y)
    names = list(X.columns)
    _check_impacts(fi, pipe, X, y, names, lambda e: "")
    # Dropped first categories and merged infrequent ones shrink the blocks.
    n_encoded = len(fi.encoded_feature_names_)
    assert n_encoded < sum(len(c) for c in pipe[0].categories_)
    assert any("infrequent" in str(e) for e in fi.encoded_feature_names_)
    # veil-type has a single value: dropped entirely, no impact.
    assert fi.feature_impact_[names.index("veil-type")] == 0.0
    series = fi.get_feature_impact()
    assert isinstance(series, pd.Series)
    assert series.is_monotonic_decreasing
    assert series.index[0] == names[int(np.argmax(fi.feature_impact_))]
    values = fi.get_feature_impact("value")
    assert values.iloc[0] == fi.feature_value_impact_.max()
    unsorted = fi.get_feature_impact(sort=False)
    np.testing.assert_array_equal(unsorted.to_numpy(), fi.feature_impact_)


def test_transform_sums_each_feature_and_keeps_completeness(mushroom_pipe):
    pipe, X, y = mushroom_pipe
    fi = FeatureImpactTransformer(pipe).fit(X, y)
    out = fi.transform(X.iloc[:50])
    assert out.shape == (50, X.shape[1])
    attr = np.asarray(integrated_gradients(pipe, X.iloc[:50]))
    expected = np.zeros_like(out)
    for j in range(X.shape[1]):
        expected[:, j] = attr[:, fi.groups_ == j].sum(1)
    np.testing.assert_allclose(out, expected, atol=1e-15)
    # Rows still sum to F(x) - F(0) for the predicted class.
    final = pipe[-1]
    z = final.decision_function(pipe[0].transform(X.iloc[:50]))
    pred = final.predict(pipe[0].transform(X.iloc[:50]))
    sign = np.where(pred == final.classes_[1], 1.0, -1.0)
    diff = expit(sign * z) - expit(sign * final.intercept_[0])
    np.testing.assert_allclose(out.sum(1), diff, atol=1e-10)


def test_column_transformer_grouping_and_pandas_output(mixed_pipe):
    pipe, X, y = mixed_pipe
    fi = FeatureImpactTransformer(pipe).fit(X, y)
    names = list(X.columns)
    prefixes = {"cat": "cat__", "num": "num__", "remainder": "remainder__"}
    _check_impacts(fi, pipe, X, y, names, lambda e: prefixes[str(e).split("__")[0]])
    assert fi.feature_impact_[names.index("ignored")] == 0.0
    assert fi.feature_impact_[names.index("color")] > 0
    fi.set_output(transform="pandas")
    out = fi.transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == names
    np.testing.assert_array_equal(out.index, X.index)
    np.testing.assert_array_equal(out["ignored"], 0.0)
    assert fi.n_features_in_ == 6
    np.testing.assert_array_equal(fi.feature_names_in_, names)


def test_explicit_groups_for_pre_encoded_data():
    rng = np.random.default_rng(1)
    raw = pd.DataFrame({"shape": rng.choice(["a", "b", "c"], 200)})
    X = pd.get_dummies(raw, dtype=float)
    X["weight"] = rng.normal(size=200)
    y = ((raw["shape"] == "a").to_numpy() | (X["weight"] > 1).to_numpy()).astype(int)
    model = AdversarialLogisticRegression(epsilon=0.0).fit(X, y)
    groups = {"shape": ["shape_a", "shape_b", "shape_c"]}
    fi = FeatureImpactTransformer(model, groups=groups).fit(X, y)
    assert fi.get_feature_names_out().tolist() == ["shape", "weight"]
    fv = np.abs(np.asarray(integrated_gradients(model, X, y))).mean(0)
    np.testing.assert_allclose(fi.feature_impact_, [fv[:3].sum(), fv[3]])
    by_index = FeatureImpactTransformer(model, groups={"shape": [0, 1, 2]}).fit(X, y)
    np.testing.assert_array_equal(by_index.feature_impact_, fi.feature_impact_)
    with pytest.raises(ValueError, match="unknown encoded column 'shape_d'"):
        FeatureImpactTransformer(model, groups={"shape": ["shape_d"]}).fit(X, y)
    with pytest.raises(ValueError, match="is in two groups"):
        FeatureImpactTransformer(model, groups={"s": [0, 1], "t": [1]}).fit(X, y)
    with pytest.raises(ValueError, match="only 4 encoded columns"):
        FeatureImpactTransformer(model, groups={"s": [7]}).fit(X, y)


def test_function_form_matches_the_transformer(mixed_pipe):
    pipe, X, y = mixed_pipe
    fi = FeatureImpactTransformer(pipe).fit(X, y)
    attr = np.asarray(integrated_gradients(pipe, X, y))
    res = feature_impact(
        attr,
        fi.groups_,
        encoded_feature_names=fi.encoded_feature_names_,
        feature_names=fi.get_feature_names_out(),
    )
    np.testing.assert_array_equal(res.feature_value_impact, fi.feature_value_impact_)
    np.testing.assert_allclose(res.feature_impact, fi.feature_impact_, rtol=1e-15)
    assert res.feature_names.tolist() == list(X.columns)
    unnamed = feature_impact(attr, fi.groups_)
    assert unnamed.feature_names.tolist() == [f"g{i}" for i in range(5)]
    with pytest.raises(ValueError, match="feature_names must name all 5 groups"):
        feature_impact(attr, fi.groups_, feature_names=["a", "b"])
    plain = feature_impact(attr)
    np.testing.assert_array_equal(plain.feature_impact, plain.feature_value_impact)
    with pytest.raises(ValueError, match="must hold 10 integers"):
        feature_impact(attr, [0, 1])
    with pytest.raises(ValueError, match="shape \\(n_samples, n_encoded\\)"):
        feature_impact(attr[0])
    with pytest.raises(ValueError, match="encoded_feature_names must have"):
        feature_impact(attr, encoded_feature_names=["a"])


def test_unreadable_encoder_asks_for_groups():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    pipe = make_pipeline(PolynomialFeatures(2), AdversarialLogisticRegression())
    pipe.fit(X, y)
    with pytest.raises(ValueError, match="pass the grouping explicitly"):
        FeatureImpactTransformer(pipe).fit(X, y)
    # An explicit mapping works for any encoder.
    fi = FeatureImpactTransformer(pipe, groups={"x0": ["x0", "x0^2"]}).fit(X, y)
    assert fi.get_feature_names_out()[0] == "x0"


def test_bare_estimator_and_clone(mushroom_pipe):
    pipe, X, y = mushroom_pipe
    encoded = pipe[0].transform(X)
    fi = FeatureImpactTransformer(pipe[-1]).fit(encoded, y)
    np.testing.assert_array_equal(
        fi.get_feature_names_out(), [f"x{i}" for i in range(encoded.shape[1])]
    )
    np.testing.assert_allclose(fi.feature_impact_, fi.feature_value_impact_)
    frozen = FeatureImpactTransformer(FrozenEstimator(pipe))
    cloned = clone(frozen).fit(X, y)
    np.testing.assert_allclose(
        cloned.feature_impact_, FeatureImpactTransformer(pipe).fit(X, y).feature_impact_
    )


def test_bad_parameters_and_unfitted(mushroom_pipe):
    pipe, X, y = mushroom_pipe
    with pytest.raises(InvalidParameterError, match="n_steps"):
        FeatureImpactTransformer(pipe, n_steps=0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="method"):
        FeatureImpactTransformer(pipe, method="simpson").fit(X, y)
    with pytest.raises(InvalidParameterError, match="groups"):
        FeatureImpactTransformer(pipe, groups=[0, 1]).fit(X, y)
    with pytest.raises(NotFittedError):
        FeatureImpactTransformer(pipe).transform(X)
    fi = FeatureImpactTransformer(pipe).fit(X, y)
    with pytest.raises(ValueError, match="level must be"):
        fi.get_feature_impact("column")
    with pytest.raises(ValueError, match="feature names should match"):
        fi.transform(X.iloc[:, :5])
    with pytest.raises(TypeError, match="does not provide"):
        scaler = make_pipeline(StandardScaler()).fit(np.ones((3, 2)))
        FeatureImpactTransformer(scaler).fit(np.ones((3, 2)), [0, 1, 0])


def test_quadrature_option_is_passed_through(mixed_pipe):
    pipe, X, y = mixed_pipe
    exact = FeatureImpactTransformer(pipe).fit(X, y)
    quad = FeatureImpactTransformer(
        pipe, method="gausslegendre", n_steps=30, internal_batch_size=500
    ).fit(X, y)
    np.testing.assert_allclose(quad.feature_impact_, exact.feature_impact_, rtol=1e-8)


def test_passes_the_estimator_checks_that_need_no_refit(mushroom_pipe):
    """tests/test_common.py runs every check with unfitted wrapped models; with a
    fitted one (which the checks' random data cannot reach) these still apply."""
    from sklearn.utils import estimator_checks as ec

    pipe = mushroom_pipe[0]
    est = FeatureImpactTransformer(pipe, n_steps=8)
    name = type(est).__name__
    ec.check_no_attributes_set_in_init(name, est)
    ec.check_get_params_invariance(name, est)
    ec.check_set_params(name, est)
    ec.check_parameters_default_constructible(name, est)
    assert "FeatureImpactTransformer(" in repr(est)


@pytest.fixture(scope="module")
def small_data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] - 0.5 * X[:, 2] + 0.3 * rng.normal(size=120) > 0).astype(int)
    return X, y


def test_unfitted_estimator_is_fitted_as_a_clone(small_data):
    X, y = small_data
    model = AdversarialLogisticRegression(epsilon=0.05)
    params = model.get_params()
    fi = FeatureImpactTransformer(model).fit(X, y)
    # The clone was fitted; the estimator given is left as it was.
    assert fi.estimator_ is not model
    check_is_fitted(fi.estimator_)
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    assert model.get_params() == params == fi.estimator_.get_params()
    # Oracle: fitting the same model by hand and explaining it gives the same.
    direct = clone(model).fit(X, y)
    np.testing.assert_array_equal(fi.estimator_.coef_, direct.coef_)
    np.testing.assert_allclose(
        fi.feature_value_impact_, np.abs(integrated_gradients(direct, X, y)).mean(0)
    )
    np.testing.assert_allclose(
        fi.transform(X), FeatureImpactTransformer(direct).fit(X, y).transform(X)
    )
    # Fitting again refits from the unfitted parameter, on the new data.
    refit = fi.fit(X[:60], y[:60]).estimator_
    np.testing.assert_array_equal(refit.coef_, clone(model).fit(X[:60], y[:60]).coef_)
    assert get_tags(FeatureImpactTransformer(model)).target_tags.required
    with pytest.raises(ValueError, match="requires y to be passed"):
        FeatureImpactTransformer(model).fit(X)


def test_unfitted_pipeline_is_fitted_and_grouped(mushroom_pipe):
    fitted, X, y = mushroom_pipe
    unfitted = clone(fitted)
    fi = FeatureImpactTransformer(unfitted).fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(unfitted)
    by_hand = FeatureImpactTransformer(fitted).fit(X, y)
    np.testing.assert_array_equal(fi.groups_, by_hand.groups_)
    np.testing.assert_allclose(fi.feature_impact_, by_hand.feature_impact_)
    assert fi.get_feature_names_out().tolist() == list(X.columns)


def test_wrapped_parameters_are_validated_when_fitting(small_data):
    X, y = small_data
    with pytest.raises(InvalidParameterError, match="'C' parameter"):
        FeatureImpactTransformer(AdversarialLogisticRegression(C=-1.0)).fit(X, y)


def test_fitted_estimator_is_used_unchanged(small_data):
    X, y = small_data
    model = AdversarialLogisticRegression(epsilon=0.05).fit(X[:60], y[:60])
    coef, before = model.coef_.copy(), joblib_hash(model)
    fi = FeatureImpactTransformer(model)
    assert not get_tags(fi).target_tags.required
    # Explained on other data than it was trained on: no refit there.
    fi.fit(X[60:], y[60:])
    assert fi.estimator_ is model
    np.testing.assert_array_equal(model.coef_, coef)
    assert joblib_hash(model) == before
    np.testing.assert_allclose(
        fi.feature_value_impact_,
        np.abs(integrated_gradients(model, X[60:], y[60:])).mean(0),
    )
    # Without labels each row attributes its predicted class.
    unlabelled = FeatureImpactTransformer(model).fit(X[60:])
    np.testing.assert_allclose(
        unlabelled.feature_value_impact_,
        np.abs(integrated_gradients(model, X[60:])).mean(0),
    )
    fi.transform(X)
    assert joblib_hash(model) == before
    # clone drops the fitted state, like for any meta-estimator: the clone refits
    # a copy on its own data; FrozenEstimator keeps the fitted model instead.
    cloned = clone(fi).fit(X, y)
    assert cloned.estimator_ is not model
    assert not np.array_equal(cloned.estimator_.coef_, coef)
    frozen = clone(FeatureImpactTransformer(FrozenEstimator(model))).fit(X, y)
    assert frozen.estimator_.estimator is model
    np.testing.assert_allclose(
        frozen.feature_impact_,
        FeatureImpactTransformer(model).fit(X, y).feature_impact_,
    )
    assert joblib_hash(model) == before


def test_fitted_pipeline_is_used_unchanged(mushroom_pipe):
    pipe, X, y = mushroom_pipe
    before = joblib_hash(pipe)
    fi = FeatureImpactTransformer(pipe).fit(X.iloc[:200], y.iloc[:200])
    assert fi.estimator_ is pipe
    assert joblib_hash(pipe) == before


def test_feature_names_out_follow_the_input_names(small_data):
    X, y = small_data
    fi = FeatureImpactTransformer(AdversarialLogisticRegression()).fit(X, y)
    assert fi.get_feature_names_out().tolist() == ["x0", "x1", "x2", "x3"]
    names = ["a", "b", "c", "d"]
    assert fi.get_feature_names_out(names).tolist() == names
    with pytest.raises(ValueError, match="input_features should have length"):
        fi.get_feature_names_out(names[:2])
    grouped = FeatureImpactTransformer(
        AdversarialLogisticRegression(), groups={"ab": [0, 1]}
    ).fit(X, y)
    assert grouped.get_feature_names_out(names).tolist() == ["ab", "x2", "x3"]
    frame = pd.DataFrame(X, columns=names)
    named = FeatureImpactTransformer(AdversarialLogisticRegression()).fit(frame, y)
    assert named.get_feature_names_out().tolist() == names
    with pytest.raises(ValueError, match="input_features is not equal"):
        named.get_feature_names_out(["a", "b", "c", "e"])


def test_one_dimensional_input_is_rejected(small_data):
    X, y = small_data
    fi = FeatureImpactTransformer(AdversarialLogisticRegression())
    with pytest.raises(ValueError, match="Reshape your data"):
        fi.fit(X[:, 0], y)
    fi.fit(X, y)
    with pytest.raises(ValueError, match="Reshape your data"):
        fi.transform(X[0])
    with pytest.raises(ValueError, match="X has 3 features, but"):
        fi.transform(X[:, :3])
