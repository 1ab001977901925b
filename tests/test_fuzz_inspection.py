"""Fuzz tests of the explanations: Integrated Gradients, Gini index, feature impact.

The property (see ``_fuzz_strategies.check_call``): each call returns a finite,
correctly shaped result or raises ValueError / TypeError / NotFittedError naming
the offending parameter or input, and never mutates its inputs.
"""

import numpy as np
import pytest
from _fuzz_harness import (
    DATA_WORDS,
    check_call,
    finite_array,
    fuzz_settings,
)
from _fuzz_strategies import (
    HOSTILE_SCALARS,
    base_values,
    clean_data,
    hostile_X,
    hostile_y,
    params_with_one_bad,
    wrap,
)
from hypothesis import given
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skadv.inspection import (
    FeatureImpactTransformer,
    feature_impact,
    gini_index,
    integrated_gradients,
)
from skadv.linear_model import AdversarialLogisticRegression
from skadv.metrics import make_gini_scorer

N_FEATURES = 3


@pytest.fixture(scope="module")
def models():
    X, y = clean_data()
    X3, y3 = clean_data(n_classes=3)
    return {
        "binary": AdversarialLogisticRegression(epsilon=0.05).fit(X, y),
        "multiclass": AdversarialLogisticRegression(epsilon=0.05).fit(X3, y3),
        "pipeline": make_pipeline(
            StandardScaler(), AdversarialLogisticRegression(epsilon=0.05)
        ).fit(X, y),
        "unfitted": AdversarialLogisticRegression(),
    }


IG_VALID = {
    "baselines": st.sampled_from([None, 0.0, 0.5, [0.1, 0.2, 0.3]]),
    "target": st.sampled_from([None, 0, 1]),
    "output": st.sampled_from(["proba", "logit", "decision"]),
    "n_steps": st.sampled_from([2, 4, 16]),
    "method": st.sampled_from(
        ["auto", "exact", "gausslegendre", "riemann_left", "riemann_trapezoid"]
    ),
    "internal_batch_size": st.sampled_from([None, 1, 7]),
    "return_convergence_delta": st.booleans(),
}
IG_EXTRA = {
    "baselines": st.sampled_from(
        [[0.1, 0.2], np.full(3, np.nan), np.ones((2, 3)), "zero", [[0.0] * 3] * 12]
    ),
    "target": st.sampled_from([-1, 2, 3, [0, 1], np.zeros(12, dtype=int) + 5, 0.5]),
    "method": st.sampled_from(["EXACT", "riemann", "gauss"]),
    "n_steps": st.sampled_from([0, 1, 2.5, -3]),
}


@pytest.mark.parametrize(
    "label, match",
    [
        (None, "y must hold class labels"),
        (np.nan, "y contains NaN"),
        ("c1", "y must hold labels of a single type"),
        (7, r"y holds labels \[7\] not in the estimator's classes_"),
    ],
)
@pytest.mark.parametrize("entry", ["integrated_gradients", "transformer", "scorer"])
def test_explanations_refuse_bad_labels(models, entry, label, match):
    """A None label failed in np.searchsorted, naming no input; every label
    that names no class of the model is refused the same way everywhere."""
    X, y = clean_data()
    y = y.astype(type(label) if isinstance(label, (int, float)) else object)
    y[0] = label
    model = models["binary"]
    call = {
        "integrated_gradients": lambda: integrated_gradients(model, X, y),
        "transformer": lambda: FeatureImpactTransformer(model).fit(X, y),
        "scorer": lambda: make_gini_scorer()(model, X, y),
    }[entry]
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("method", ["gausslegendre", "riemann_left"])
def test_ig_refuses_huge_n_steps(models, method):
    """n_steps=2**70 overflowed inside the quadrature instead of being refused."""
    X = clean_data()[0]
    with pytest.raises(ValueError, match=r"'n_steps' parameter .* range \[1, 1000\]"):
        integrated_gradients(models["binary"], X, method=method, n_steps=2**70)


@pytest.mark.parametrize("baselines", [{"a": 1}, {0.0}, [1j, 0.0, 0.0]])
def test_ig_refuses_non_numeric_baselines(models, baselines):
    """A dict passed as array-like and failed in float(), naming no parameter."""
    X = clean_data()[0]
    with pytest.raises(TypeError, match="baselines must"):
        integrated_gradients(models["binary"], X, baselines=baselines)


def _ig_check(n_rows, params):
    def check(result):
        if params.get("return_convergence_delta"):
            if not (isinstance(result, tuple) and len(result) == 2):
                return "expected (attributions, delta)"
            attr, delta = result
            wrong = finite_array((n_rows,))(delta)
            if wrong:
                return f"delta: {wrong}"
            exact = params.get("method") in ("auto", "exact")
            scale = max(1.0, float(np.abs(attr).sum()))
            if exact and n_rows and np.abs(delta).max() > 1e-6 * scale:
                return f"exact IG not complete: |delta| = {np.abs(delta).max():g}"
        else:
            attr = result
        return finite_array((n_rows, N_FEATURES))(attr)

    return check


@given(data=st.data())
@fuzz_settings(2)
def test_fuzz_integrated_gradients(data, models):
    kind = data.draw(st.sampled_from(["binary", "multiclass", "pipeline", "unfitted"]))
    model = models[kind]
    if data.draw(st.booleans()):
        params, bad = data.draw(params_with_one_bad(IG_VALID, extra=IG_EXTRA))
        X, y = clean_data()
        n_rows = X.shape[0]
        names = (bad,) if bad else tuple(IG_VALID)
        if kind == "unfitted":
            names = (*names, "fitted")
    else:
        params = {"return_convergence_delta": True, "method": "auto"}
        X, n_rows = data.draw(hostile_X(N_FEATURES))
        y = data.draw(st.one_of(st.none(), hostile_y(n_rows)))
        names = DATA_WORDS + ("fitted",)
    entry = f"integrated_gradients[{kind}]"
    check_call(
        entry,
        lambda: integrated_gradients(model, X, y, **params),
        names=names,
        inputs=(X, y) + tuple(v for v in params.values() if not np.isscalar(v)),
        check=_ig_check(n_rows, params),
    )


@pytest.fixture(scope="module")
def tiny_net():
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(N_FEATURES, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)
    ).double()


@given(data=st.data())
@fuzz_settings(0.5)
def test_fuzz_integrated_gradients_torch(data, tiny_net):
    X, n_rows = data.draw(hostile_X(N_FEATURES))
    method = data.draw(st.sampled_from(["auto", "gausslegendre", "riemann_middle"]))
    target = data.draw(st.sampled_from([None, 0, 1, 2, -1]))
    check_call(
        "integrated_gradients[torch.nn.Module]",
        lambda: integrated_gradients(tiny_net, X, target=target, method=method),
        names=DATA_WORDS + ("target",),
        inputs=(X,),
        check=finite_array((n_rows, N_FEATURES)),
    )


@st.composite
def gini_inputs(draw):
    n_rows = draw(st.integers(0, 4))
    n_cols = draw(st.integers(0, 5))
    arr = draw(base_values(max(n_rows, 1), n_cols))
    if draw(st.integers(0, 4)) == 0 and arr.size:
        arr[0] = draw(st.sampled_from([1e308, 5e-324, -1e308, 0.0]))
    container = draw(st.sampled_from(["ndarray", "fortran", "readonly", "list"]))
    dtype = draw(
        st.sampled_from(["float64", "float32", "float16", "int64", "bool", "object"])
    )
    a = wrap(arr, container, dtype)
    if draw(st.booleans()):
        a = np.asarray(a)[0] if len(a) else np.asarray(a).ravel()
    return a


@given(a=gini_inputs(), axis=st.one_of(st.sampled_from([-1, 0, 1, 2]), HOSTILE_SCALARS))
@fuzz_settings(3)
def test_fuzz_gini_index(a, axis):
    shape = np.asarray(a, dtype=object).shape

    def check(result):
        if not -len(shape) <= int(axis) < len(shape):
            return f"axis={axis!r} accepted for a {len(shape)}-d input"
        arr = np.asarray(result, dtype=np.float64)
        kept = [n for i, n in enumerate(shape) if i != int(axis) % len(shape)]
        if arr.shape != tuple(kept):
            return f"gini of shape {arr.shape}, expected {tuple(kept)}"
        d = shape[int(axis)]
        if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr > 1 - 1 / d):
            return f"gini {arr.tolist()} outside [0, 1 - 1/d]"
        return None

    check_call(
        "gini_index",
        lambda: gini_index(a, axis=axis),
        names=("a", "axis"),
        inputs=(a,),
        check=check,
    )


@st.composite
def impact_inputs(draw):
    n_rows, n_cols = draw(st.integers(0, 4)), draw(st.integers(0, 4))
    attr = wrap(
        draw(base_values(n_rows, n_cols)),
        draw(st.sampled_from(["ndarray", "list", "readonly", "fortran"])),
        draw(st.sampled_from(["float64", "float32", "int64", "object", "complex128"])),
    )
    groups = draw(
        st.one_of(
            st.none(),
            st.just({"ab": [0, 1]}),
            st.just({"ab": ["x0", "x1"]}),
            st.just({"a": [0], "b": [0]}),
            st.just({"a": [9]}),
            st.just({"a": [-1]}),
            st.just({"a": ["nope"]}),
            st.just({1: [0]}),
            st.just(np.zeros(n_cols, dtype=int)),
            st.just(np.arange(n_cols) - 1),
            st.just(np.zeros(n_cols)),
            st.just([0] * (n_cols + 1)),
            HOSTILE_SCALARS,
        )
    )
    names = draw(
        st.sampled_from(
            [None, [f"c{i}" for i in range(n_cols)], ["c"], np.array([[1]]), "abc"]
        )
    )
    feature_names = draw(st.sampled_from([None, ["g"], ["g0", "g1", "g2", "g3"], 5]))
    return attr, groups, names, feature_names, n_cols


@given(inputs=impact_inputs())
@fuzz_settings(3)
def test_fuzz_feature_impact(inputs):
    attr, groups, names, feature_names, n_cols = inputs

    def check(res):
        wrong = finite_array((n_cols,))(res.feature_value_impact)
        wrong = wrong or finite_array()(res.feature_impact)
        if wrong:
            return wrong
        if len(res.feature_impact) != len(res.feature_names):
            return "feature_impact and feature_names differ in length"
        if not np.isclose(res.feature_impact.sum(), res.feature_value_impact.sum()):
            return "group impacts do not add up to the value impacts"
        return None

    check_call(
        "feature_impact",
        lambda: feature_impact(
            attr, groups, encoded_feature_names=names, feature_names=feature_names
        ),
        names=("attributions", "groups", "feature_names", "group", "column"),
        inputs=(attr, groups, names, feature_names),
        check=check,
    )


FIT_VALID = {
    "groups": st.sampled_from([None, {"ab": [0, 1]}]),
    "baselines": st.sampled_from([None, 0.0]),
    "method": st.sampled_from(["auto", "gausslegendre"]),
    "n_steps": st.sampled_from([2, 8]),
    "internal_batch_size": st.sampled_from([None, 5]),
}
FIT_EXTRA = {
    "groups": st.sampled_from([{"a": [7]}, {"a": ["zz"]}, {"a": [0], "b": [0]}, [0]]),
    "baselines": st.sampled_from([[1.0, 2.0], np.full(3, np.inf)]),
}


@given(data=st.data())
@fuzz_settings(2)
def test_fuzz_feature_impact_transformer(data, models):
    kind = data.draw(st.sampled_from(["binary", "pipeline", "unfitted", "multiclass"]))
    X, y = clean_data()
    if data.draw(st.booleans()):
        params, bad = data.draw(params_with_one_bad(FIT_VALID, extra=FIT_EXTRA))
        names = (bad,) if bad else tuple(FIT_VALID)
        X_fit, y_fit, n_rows = X, y, X.shape[0]
    else:
        params, names = {}, DATA_WORDS
        X_fit, n_rows = data.draw(hostile_X(N_FEATURES))
        y_fit = data.draw(st.one_of(st.none(), hostile_y(n_rows)))
    fi = FeatureImpactTransformer(models[kind], **params)

    def check_fit(fitted):
        if fitted is not fi:
            return "fit did not return self"
        wrong = finite_array()(fi.feature_impact_)
        if wrong:
            return wrong
        if len(fi.get_feature_names_out()) != len(fi.feature_impact_):
            return "feature names out and impacts differ in length"
        return None

    fitted = check_call(
        "FeatureImpactTransformer.fit",
        lambda: fi.fit(X_fit, y_fit),
        names=names + ("y", "fitted"),
        inputs=(X_fit, y_fit),
        check=check_fit,
    )
    if fitted is None:
        return
    X_new, n_new = data.draw(hostile_X(N_FEATURES))
    check_call(
        "FeatureImpactTransformer.transform",
        lambda: fi.transform(X_new),
        names=DATA_WORDS,
        inputs=(X_new,),
        check=finite_array((n_new, len(fi.feature_impact_))),
    )
    level = data.draw(st.one_of(st.sampled_from(["feature", "value"]), HOSTILE_SCALARS))
    check_call(
        "FeatureImpactTransformer.get_feature_impact",
        lambda: fi.get_feature_impact(level),
        names=("level",),
        check=lambda s: finite_array()(s.to_numpy()),
    )


def test_transformer_not_fitted_messages(models):
    fi = FeatureImpactTransformer(models["binary"])
    X = clean_data()[0]
    for entry, call in [
        ("FeatureImpactTransformer.transform", lambda: fi.transform(X)),
        ("FeatureImpactTransformer.get_feature_impact", fi.get_feature_impact),
    ]:
        check_call(entry, call, names=("fit",), check=lambda _: "unfitted result")
    with pytest.raises(NotFittedError, match="fit"):
        fi.get_feature_names_out()


def test_torch_module_wrong_width_names_X(tiny_net):
    """A torch shape mismatch is reported against X, not as a matmul error."""
    X = np.ones((2, N_FEATURES + 1))
    with pytest.raises(ValueError, match=r"X of shape \(2, 4\)"):
        integrated_gradients(tiny_net, X)


@pytest.mark.parametrize(
    "attributions, error, match",
    [
        (np.array([[np.nan, 1.0]]), ValueError, "attributions must be finite"),
        (np.array([[np.inf, 1.0]]), ValueError, "attributions must be finite"),
        (np.array([[1j, 1.0]]), TypeError, "attributions must hold real"),
        ([["a", "b"]], TypeError, "attributions must hold real"),
        ([[1.0, 2.0], [3.0]], ValueError, "attributions must be a rectangular"),
    ],
)
def test_feature_impact_refuses_bad_attributions(attributions, error, match):
    """NaN gave NaN impacts, complex values lost their imaginary parts silently."""
    with pytest.raises(error, match=match):
        feature_impact(attributions)


def test_feature_impact_of_no_columns():
    """An empty int grouping is a valid grouping of zero columns."""
    res = feature_impact(np.zeros((2, 0)), np.zeros(0, dtype=int))
    assert res.feature_impact.shape == (0,)
    assert res.feature_names.shape == (0,)
