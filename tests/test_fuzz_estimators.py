"""Fuzz tests of the estimators: hostile data and parameters for every method.

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
    labels_in,
    probabilities,
    score_in_unit,
)
from _fuzz_strategies import (
    asks_for_forever,
    clean_data,
    hostile_weights,
    hostile_X,
    hostile_y,
    params_with_one_bad,
    quietly,
)
from hypothesis import assume, given
from hypothesis import strategies as st

from skadv.linear_model import AdversarialLogisticRegression

N_FEATURES = 3

LR_VALID = {
    "epsilon": st.sampled_from([0.0, 0.05, 0.3, [0.1, 0.0, 0.2]]),
    "C": st.sampled_from([0.1, 1.0, 100.0]),
    "l1_ratio": st.sampled_from([0.0, 0.5]),
    "fit_intercept": st.booleans(),
    "class_weight": st.sampled_from([None, "balanced"]),
    "solver": st.sampled_from(["lbfgs", "sgd", "adam"]),
    "max_iter": st.sampled_from([3, 20]),
    "tol": st.sampled_from([None, 1e-4]),
    "learning_rate": st.sampled_from([0.01, 0.1]),
    "batch_size": st.sampled_from([4, 64]),
    "random_state": st.sampled_from([0, None]),
}
# Hostile values that look plausible for a given parameter.
LR_EXTRA = {
    "epsilon": st.sampled_from(
        [[0.1, 0.2], [0.1, np.nan, 0.0], [-0.1, 0.0, 0.0], np.ones((3, 1)), "0.1"]
    ),
    "class_weight": st.sampled_from(
        [{0: -1.0, 1: 1.0}, {0: np.nan, 1: 1.0}, {0: np.inf, 1: 1.0}, {5: 1.0}]
    ),
    "solver": st.sampled_from(["LBFGS", "newton-cg", "sag"]),
    "max_iter": st.sampled_from([0, 2.5, -1]),
    "batch_size": st.sampled_from([0, 1.5]),
}


def _check_fitted_lr(X_rows, n_features):
    def check(model):
        if not isinstance(model, AdversarialLogisticRegression):
            return "fit did not return self"
        if not (
            np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))
        ):
            return "non-finite coefficients after a successful fit"
        if model.coef_.shape[1] != n_features:
            return f"coef_ of shape {model.coef_.shape} for {n_features} features"
        return None

    return check


def _width(X):
    shape = getattr(X, "shape", None)
    if shape is None:
        shape = np.asarray(X, dtype=object).shape
    return shape[1] if len(shape) == 2 else -1


@given(data=st.data())
@fuzz_settings()
def test_fuzz_logistic_fit_data(data):
    X, n_rows = data.draw(hostile_X(N_FEATURES, max_rows=8))
    y = data.draw(hostile_y(n_rows))
    w = data.draw(hostile_weights(n_rows))
    solver = data.draw(st.sampled_from(["lbfgs", "sgd", "adam"]))
    model = AdversarialLogisticRegression(epsilon=0.05, solver=solver, max_iter=5)
    check_call(
        f"AdversarialLogisticRegression.fit[{solver}]",
        lambda: model.fit(X, y, sample_weight=w),
        names=DATA_WORDS + ("sample_weight",),
        inputs=(X, y, w),
        check=_check_fitted_lr(n_rows, _width(X)),
    )


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("name", ["C", "tol", "learning_rate", "epsilon"])
def test_huge_int_real_parameters(method, name):
    """C=2**70 failed in np.isinf naming no parameter: a Python int beyond int64
    is the float it denotes, and one beyond the float64 range is refused."""
    X, y = clean_data()
    fit_kwargs = {"classes": [0, 1]} if method == "partial_fit" else {}
    coefs = []
    for value in (2**70, float(2**70)):
        model = AdversarialLogisticRegression(solver="sgd", random_state=0)
        model.set_params(**{name: value})
        fitted = check_call(
            f"AdversarialLogisticRegression.{method}[sgd]",
            lambda m=model: getattr(m, method)(X, y, **fit_kwargs),
            names=(name,),
            check=_check_fitted_lr(X.shape[0], N_FEATURES),
        )
        coefs.append(fitted.coef_)
    np.testing.assert_array_equal(coefs[0], coefs[1])
    model = AdversarialLogisticRegression(solver="sgd").set_params(**{name: 2**1100})
    with pytest.raises(ValueError, match=rf"^{name} .*beyond the float64 range"):
        getattr(model, method)(X, y, **fit_kwargs)


def test_huge_int_n_jobs():
    """n_jobs=2**70 overflowed inside joblib; it is refused naming n_jobs."""
    X, y = clean_data(n_classes=3)
    with pytest.raises(ValueError, match=r"n_jobs must lie in \[-2147483647, "):
        AdversarialLogisticRegression(n_jobs=2**70).fit(X, y)


def test_score_refuses_none_label(fitted_lr):
    """score() with a None label failed in sklearn's sorting, naming no input."""
    X, y = clean_data()
    y = y.astype(object)
    y[0] = None
    check_call(
        "AdversarialLogisticRegression.score",
        lambda: fitted_lr[2].score(X, y),
        names=DATA_WORDS,
        check=score_in_unit(),
    )


def test_score_refuses_negative_weight(fitted_lr):
    """score() returned a negative accuracy for negative sample weights."""
    X, y = clean_data()
    w = np.ones(len(y))
    w[0] = -5.0
    check_call(
        "AdversarialLogisticRegression.score",
        lambda: fitted_lr[2].score(X, y, sample_weight=w),
        names=("sample_weight",),
        check=score_in_unit(),
    )


@given(data=st.data())
@fuzz_settings()
def test_fuzz_logistic_fit_params(data):
    params, bad = data.draw(params_with_one_bad(LR_VALID, extra=LR_EXTRA))
    n_classes = data.draw(st.sampled_from([2, 3]))
    X, y = clean_data(n_classes=n_classes)
    assume(not asks_for_forever(params, ["max_iter"]))
    model = AdversarialLogisticRegression(**params)
    solver = params["solver"] if bad != "solver" else "bad solver"
    check_call(
        f"AdversarialLogisticRegression.fit[{solver}]",
        lambda: model.fit(X, y),
        names=(bad,) if bad else tuple(LR_VALID),
        inputs=(X, y, params.get(bad)),
        check=_check_fitted_lr(X.shape[0], N_FEATURES),
    )


@pytest.fixture(scope="module")
def fitted_lr():
    binary = AdversarialLogisticRegression(epsilon=0.05).fit(*clean_data())
    multi = AdversarialLogisticRegression(epsilon=0.05).fit(*clean_data(n_classes=3))
    return {2: binary, 3: multi}


def _prediction_call(model, method, X, n_rows):
    n_classes = len(model.classes_)
    if method == "predict":
        return (lambda: model.predict(X)), labels_in(model.classes_, n_rows)
    if method == "predict_proba":
        return (lambda: model.predict_proba(X)), probabilities(n_rows, n_classes)
    if method == "predict_log_proba":

        def check(result):
            return probabilities(n_rows, n_classes)(np.exp(result))

        return (lambda: model.predict_log_proba(X)), check
    shape = (n_rows,) if n_classes == 2 else (n_rows, n_classes)
    return (lambda: model.decision_function(X)), finite_array(shape)


@given(data=st.data())
@fuzz_settings(2)
def test_fuzz_logistic_predict(data, fitted_lr):
    model = fitted_lr[data.draw(st.sampled_from([2, 3]))]
    method = data.draw(
        st.sampled_from(
            ["predict", "predict_proba", "predict_log_proba", "decision_function"]
        )
    )
    X, n_rows = data.draw(hostile_X(N_FEATURES))
    call, check = _prediction_call(model, method, X, n_rows)
    check_call(
        f"AdversarialLogisticRegression.{method}",
        call,
        names=DATA_WORDS,
        inputs=(X,),
        check=check,
    )


@given(data=st.data())
@fuzz_settings()
def test_fuzz_logistic_score(data, fitted_lr):
    model = fitted_lr[2]
    X, n_rows = data.draw(hostile_X(N_FEATURES))
    y = data.draw(hostile_y(n_rows))
    w = data.draw(hostile_weights(n_rows))
    check_call(
        "AdversarialLogisticRegression.score",
        lambda: model.score(X, y, sample_weight=w),
        names=DATA_WORDS + ("sample_weight",),
        inputs=(X, y, w),
        check=score_in_unit(),
    )


@given(data=st.data())
@fuzz_settings()
def test_fuzz_logistic_partial_fit(data):
    solver = data.draw(st.sampled_from(["sgd", "adam"]))
    model = AdversarialLogisticRegression(epsilon=0.05, solver=solver)
    X0, y0 = clean_data()
    classes = data.draw(
        st.sampled_from([[0, 1], np.array([0, 1]), [0], None, [0, 1, 2], ["a", "b"]])
    )
    first = data.draw(st.booleans())
    if not first:
        model.partial_fit(X0, y0, classes=[0, 1])
    X, n_rows = data.draw(hostile_X(N_FEATURES))
    y = data.draw(hostile_y(n_rows))
    w = data.draw(hostile_weights(n_rows))
    check_call(
        f"AdversarialLogisticRegression.partial_fit[{solver}]",
        lambda: model.partial_fit(X, y, classes=classes, sample_weight=w),
        names=DATA_WORDS + ("classes", "sample_weight", "solver", "partial_fit"),
        inputs=(X, y, w, classes),
        check=_check_fitted_lr(n_rows, _width(X)),
    )


def test_partial_fit_hidden_for_lbfgs():
    """Like sklearn's available_if methods, partial_fit is absent for L-BFGS."""
    assert not hasattr(AdversarialLogisticRegression(solver="lbfgs"), "partial_fit")
    assert hasattr(AdversarialLogisticRegression(solver="sgd"), "partial_fit")


@given(data=st.data())
@fuzz_settings(0.5)
def test_fuzz_logistic_refit_keeps_state(data, fitted_lr):
    """A refit that is refused leaves the fitted model as it was."""
    from sklearn.base import clone

    model = clone(fitted_lr[2]).fit(*clean_data())
    coef, classes = model.coef_.copy(), model.classes_.copy()
    X, n_rows = data.draw(hostile_X(N_FEATURES))
    y = data.draw(hostile_y(n_rows, classes=(5, 7)))
    try:
        quietly(lambda: model.fit(X, y))
    except (ValueError, TypeError):
        np.testing.assert_array_equal(model.classes_, classes)
        np.testing.assert_array_equal(model.coef_, coef)


# The network is tiny and trained for two epochs: torch start-up dominates, so
# these tests run fewer examples than the linear ones.
MLP_VALID = {
    "epsilon": st.sampled_from([0.0, 0.1]),
    "hidden_layer_sizes": st.just((4,)),
    "max_iter": st.just(2),
    "attack": st.sampled_from(["pgd", "fgsm", None]),
    "attack_steps": st.sampled_from([None, 2]),
    "clip": st.sampled_from([None, (-10.0, 10.0)]),
    "batch_size": st.sampled_from(["auto", 4]),
    "random_state": st.just(0),
}
MLP_EXTRA = {
    "hidden_layer_sizes": st.sampled_from([(0,), (4, -1), (), ("a",), (2.5,)]),
    "clip": st.sampled_from(
        [(np.nan, 1.0), (1.0, 0.0), (0.0,), ("a", "b"), (0.0, np.inf)]
    ),
    "epsilon": st.sampled_from([[0.1, 0.2], [np.nan, 0.0, 0.0], -0.1]),
    "attack_steps": st.sampled_from([0, 1.5]),
}


@pytest.fixture(scope="module")
def fitted_mlp():
    from skadv.neural_network import AdversarialMLPClassifier

    X, y = clean_data()
    model = AdversarialMLPClassifier(
        epsilon=0.1, hidden_layer_sizes=(4,), max_iter=2, random_state=0
    )
    return quietly(lambda: model.fit(X, y))


@given(data=st.data())
@fuzz_settings(0.35)
def test_fuzz_mlp_fit(data):
    from skadv.neural_network import AdversarialMLPClassifier

    if data.draw(st.booleans()):
        params, bad = data.draw(params_with_one_bad(MLP_VALID, extra=MLP_EXTRA))
        assume(not asks_for_forever(params, ["max_iter", "attack_steps"]))
        X, y = clean_data()
        n_rows, names = X.shape[0], (bad,) if bad else tuple(MLP_VALID)
    else:
        params = {"hidden_layer_sizes": (4,), "max_iter": 2, "random_state": 0}
        X, n_rows = data.draw(hostile_X(N_FEATURES, max_rows=6))
        y = data.draw(hostile_y(n_rows))
        names = DATA_WORDS
    model = AdversarialMLPClassifier(**params)

    def check(fitted):
        if fitted is not model:
            return "fit did not return self"
        return probabilities(n_rows, len(model.classes_))(model.predict_proba(X))

    check_call(
        "AdversarialMLPClassifier.fit",
        lambda: model.fit(X, y),
        names=names,
        inputs=(X, y),
        check=check,
    )


@given(data=st.data())
@fuzz_settings()
def test_fuzz_mlp_predict(data, fitted_mlp):
    method = data.draw(st.sampled_from(["predict", "predict_proba"]))
    X, n_rows = data.draw(hostile_X(N_FEATURES))
    call, check = _prediction_call(fitted_mlp, method, X, n_rows)
    check_call(
        f"AdversarialMLPClassifier.{method}",
        call,
        names=DATA_WORDS,
        inputs=(X,),
        check=check,
    )


@given(data=st.data())
@fuzz_settings()
def test_fuzz_mlp_score(data, fitted_mlp):
    X, n_rows = data.draw(hostile_X(N_FEATURES))
    y = data.draw(hostile_y(n_rows))
    w = data.draw(hostile_weights(n_rows))
    check_call(
        "AdversarialMLPClassifier.score",
        lambda: fitted_mlp.score(X, y, sample_weight=w),
        names=DATA_WORDS + ("sample_weight",),
        inputs=(X, y, w),
        check=score_in_unit(),
    )
