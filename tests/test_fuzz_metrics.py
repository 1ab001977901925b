"""Fuzz tests of the metrics, the scorers and the dataset loaders' parameters.

The property (see ``_fuzz_strategies.check_call``): each call returns a finite,
correctly shaped result or raises ValueError / TypeError / NotFittedError naming
the offending parameter or input, and never mutates its inputs.
"""

import numpy as np
import pytest
from _fuzz_harness import (
    DATA_WORDS,
    check_call,
    fuzz_settings,
)
from _fuzz_strategies import (
    HOSTILE_SCALARS,
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
from sklearn.dummy import DummyClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skadv.datasets import (
    fetch_cifar10,
    fetch_fashion_mnist,
    fetch_mnist,
    load_mushroom,
    load_spambase,
)
from skadv.linear_model import AdversarialLogisticRegression
from skadv.metrics import make_gini_scorer, make_robust_scorer, robust_accuracy_score

N_FEATURES = 3

EPSILONS = st.one_of(
    st.sampled_from([0.0, 0.1, 2.0, [0.1, 0.0, 0.3], np.zeros(3)]),
    st.sampled_from([-0.1, [0.1, 0.2], [0.1, np.nan, 0.0], np.ones((3, 1))]),
    HOSTILE_SCALARS,
)


@pytest.fixture(scope="module")
def models():
    X, y = clean_data()
    return {
        "linear": AdversarialLogisticRegression(epsilon=0.05).fit(X, y),
        "pipeline": make_pipeline(
            StandardScaler(), AdversarialLogisticRegression(epsilon=0.05)
        ).fit(X, y),
        "unfitted": AdversarialLogisticRegression(),
        "foreign": DummyClassifier().fit(X, y),
    }


def _unit_score(result):
    if not isinstance(result, float) or not 0.0 <= result <= 1.0:
        return f"score {result!r} is not a float in [0, 1]"
    return None


@given(data=st.data())
@fuzz_settings(2)
def test_fuzz_robust_accuracy_score(data, models):
    kind = data.draw(st.sampled_from(sorted(models)))
    if data.draw(st.booleans()):
        X, y = clean_data()
        epsilon = data.draw(EPSILONS)
        w = data.draw(hostile_weights(X.shape[0]))
        names = ("epsilon", "sample_weight")
    else:
        X, n_rows = data.draw(hostile_X(N_FEATURES))
        y = data.draw(hostile_y(n_rows))
        epsilon, w = 0.1, data.draw(hostile_weights(n_rows))
        names = DATA_WORDS + ("sample_weight",)
    if kind in ("unfitted", "foreign"):
        names = (*names, "fitted", "estimator", "robust")
    check_call(
        f"robust_accuracy_score[{kind}]",
        lambda: robust_accuracy_score(
            models[kind], X, y, epsilon=epsilon, sample_weight=w
        ),
        names=names,
        inputs=(X, y, w, epsilon),
        check=_unit_score,
    )


@pytest.fixture(scope="module")
def fitted_mlp():
    from skadv.neural_network import AdversarialMLPClassifier

    model = AdversarialMLPClassifier(
        epsilon=0.1, hidden_layer_sizes=(4,), max_iter=2, random_state=0
    )
    return quietly(lambda: model.fit(*clean_data()))


ATTACK_VALID = {
    "attack": st.sampled_from(["pgd", "fgsm"]),
    "steps": st.sampled_from([None, 1, 3]),
    "step_size": st.sampled_from([None, 0.05]),
    "restarts": st.sampled_from([1, 2]),
    "random_state": st.sampled_from([0, None]),
    "clip": st.sampled_from([None, "auto", (-3.0, 3.0)]),
}
ATTACK_EXTRA = {
    "attack": st.sampled_from(["PGD", "cw"]),
    "clip": st.sampled_from([(np.nan, 1.0), (1.0, -1.0), (0.0,), ("a", "b")]),
}


@given(data=st.data())
@fuzz_settings(0.5)
def test_fuzz_robust_accuracy_network(data, fitted_mlp):
    params, bad = data.draw(params_with_one_bad(ATTACK_VALID, extra=ATTACK_EXTRA))
    assume(not asks_for_forever(params, ["steps", "restarts"]))
    params = {k: v for k, v in params.items() if v is not None or k == bad}
    if data.draw(st.integers(0, 5)) == 0:
        params["bogus"], bad = 1, "bogus"
    X, y = clean_data()
    epsilon = data.draw(st.sampled_from([0.0, 0.1, 0.5]))
    check_call(
        "robust_accuracy_score[AdversarialMLPClassifier]",
        lambda: robust_accuracy_score(fitted_mlp, X, y, epsilon=epsilon, **params),
        names=(bad,) if bad else tuple(ATTACK_VALID),
        inputs=(X, y) + tuple(params.values()),
        check=_unit_score,
    )


@given(data=st.data())
@fuzz_settings()
def test_fuzz_make_robust_scorer(data, models):
    epsilon = data.draw(EPSILONS)
    scorer = check_call(
        "make_robust_scorer",
        lambda: make_robust_scorer(epsilon=epsilon),
        names=("epsilon",),
        inputs=(epsilon,),
        check=lambda s: None if callable(s) else "scorer is not callable",
    )
    if scorer is None:
        return
    X, n_rows = data.draw(hostile_X(N_FEATURES))
    y = data.draw(hostile_y(n_rows))
    check_call(
        "make_robust_scorer()(...)",
        lambda: scorer(models["linear"], X, y),
        names=DATA_WORDS + ("epsilon",),
        inputs=(X, y),
        check=_unit_score,
    )


GINI_SCORER_PARAMS = st.one_of(
    st.just({}),
    st.sampled_from(
        [
            {"method": "gausslegendre", "n_steps": 4},
            {"output": "logit"},
            {"baselines": 0.5},
            {"bogus": 1},
            {"return_convergence_delta": True},
            {"n_steps": 0},
            {"method": "nope"},
            {"target": 7},
        ]
    ),
)


@given(data=st.data())
@fuzz_settings()
def test_fuzz_make_gini_scorer(data, models):
    params = data.draw(GINI_SCORER_PARAMS)
    scorer = check_call(
        "make_gini_scorer",
        lambda: make_gini_scorer(**params),
        names=tuple(params) or ("make_gini_scorer",),
        check=lambda s: None if callable(s) else "scorer is not callable",
    )
    if scorer is None:
        return
    kind = data.draw(st.sampled_from(["linear", "pipeline", "unfitted", "foreign"]))
    X, n_rows = data.draw(hostile_X(N_FEATURES))
    y = data.draw(hostile_y(n_rows))

    def check(result):
        if not isinstance(result, float) or not 0.0 <= result < 1.0:
            return f"gini score {result!r} is not a float in [0, 1)"
        return None

    check_call(
        f"make_gini_scorer()(...)[{kind}]",
        lambda: scorer(models[kind], X, y),
        names=DATA_WORDS + tuple(params) + ("fitted", "estimator", "gradient"),
        inputs=(X, y),
        check=check,
    )


LOADER_FLAGS = st.one_of(st.booleans(), HOSTILE_SCALARS)


@given(return_X_y=LOADER_FLAGS, as_frame=LOADER_FLAGS)
@fuzz_settings()
def test_fuzz_bundled_loaders(return_X_y, as_frame):
    for name, loader in [
        ("load_mushroom", load_mushroom),
        ("load_spambase", load_spambase),
    ]:

        def check(result):
            X, y = result if return_X_y is True else (result.data, result.target)
            if len(X) != len(y) or len(X) == 0:
                return "data and target differ in length"
            return None

        check_call(
            name,
            lambda loader=loader: loader(return_X_y=return_X_y, as_frame=as_frame),
            names=("return_X_y", "as_frame"),
            check=check,
        )


@given(data=st.data())
@fuzz_settings()
def test_fuzz_fetchers_validate_parameters(data, tmp_path_factory):
    """Fetchers check their parameters before touching the disk or the network."""
    empty_home = tmp_path_factory.mktemp("empty_home")
    params = {
        "data_home": str(empty_home),
        "download_if_missing": False,
        "subset": data.draw(st.sampled_from(["train", "test", "all"])),
        "return_X_y": data.draw(st.booleans()),
    }
    bad = data.draw(st.sampled_from(sorted(params)))
    params[bad] = data.draw(
        st.one_of(HOSTILE_SCALARS, st.sampled_from(["TRAIN", "validation", b"x"]))
    )
    if bad != "download_if_missing":
        # Only a refused download_if_missing may leave the default True in play:
        # the suite must never reach the network.
        params["download_if_missing"] = False
    elif params[bad] is not False:
        params["data_home"] = 12
    for name, fetch in [
        ("fetch_mnist", fetch_mnist),
        ("fetch_fashion_mnist", fetch_fashion_mnist),
        ("fetch_cifar10", fetch_cifar10),
    ]:
        # A valid combination finds no files in the empty folder: OSError.
        check_call(
            name,
            lambda fetch=fetch: fetch(**params),
            names=(bad, "data_home", "No such file", "download", "missing"),
            allowed=(ValueError, TypeError, OSError),
            check=lambda _: "loaded a dataset from an empty folder",
        )


@given(
    type_filter=st.one_of(
        st.sampled_from(["classifier", "transformer", None, "regressor"]),
        st.sampled_from([np.array(["classifier", "transformer"]), ["classifier"]]),
        HOSTILE_SCALARS,
    ),
    obj=HOSTILE_SCALARS,
)
@fuzz_settings()
def test_fuzz_utils(type_filter, obj):
    from skadv.utils import all_estimators, has_input_gradients, has_linear_form

    def check(result):
        if not isinstance(result, list) or not all(
            isinstance(name, str) and isinstance(cls, type) for name, cls in result
        ):
            return "all_estimators did not return (name, class) pairs"
        return None

    check_call(
        "all_estimators",
        lambda: all_estimators(type_filter=type_filter),
        names=("type_filter",),
        inputs=(type_filter,),
        check=check,
    )
    for func in (has_input_gradients, has_linear_form):
        check_call(
            func.__name__,
            lambda func=func: func(obj),
            names=("estimator",),
            check=lambda r: None if isinstance(r, bool) else f"{r!r} is not a bool",
        )


@given(data=st.data())
@fuzz_settings()
def test_fuzz_final_estimator_and_inputs(data, models):
    from skadv.utils import final_estimator_and_inputs

    kind = data.draw(st.sampled_from(["pipeline", "linear", "unfitted_pipeline"]))
    model = models.get(kind) or make_pipeline(
        StandardScaler(), AdversarialLogisticRegression()
    )
    X, n_rows = data.draw(hostile_X(N_FEATURES))

    def check(result):
        final, X_final, _ = result
        if kind == "pipeline" and getattr(X_final, "shape", (None,))[0] != n_rows:
            return "the transformed inputs lost rows"
        return None

    check_call(
        f"final_estimator_and_inputs[{kind}]",
        lambda: final_estimator_and_inputs(model, X),
        names=DATA_WORDS + ("fitted",),
        inputs=(X,),
        check=check,
    )


def test_all_estimators_type_filters():
    """type_filter="classifier" raised TypeError: is_classifier wants instances."""
    from skadv.utils import all_estimators

    classifiers = [name for name, _ in all_estimators(type_filter="classifier")]
    assert classifiers == ["AdversarialLogisticRegression", "AdversarialMLPClassifier"]
    transformers = [name for name, _ in all_estimators(type_filter="transformer")]
    assert transformers == ["FeatureImpactTransformer"]
    with pytest.raises(ValueError, match="type_filter"):
        all_estimators(type_filter=np.array(["classifier", "transformer"]))
