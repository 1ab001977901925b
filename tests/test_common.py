"""Every skadv estimator passes scikit-learn's estimator checks, with no exceptions.

New estimators are picked up automatically through ``skadv.utils.all_estimators``.
Those whose constructor has required arguments (meta-estimators wrapping a model)
are built by ``_REQUIRED_ARGS``; one that is missing there fails
``test_every_estimator_is_checked`` instead of being skipped silently.
"""

import inspect

from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skadv.inspection import FeatureImpactTransformer
from skadv.linear_model import AdversarialLogisticRegression
from skadv.utils import all_estimators

# Parameters that keep each fit in the check suite to a fraction of a second: the
# suite fits every estimator about a hundred times on tiny data.
_FAST_PARAMS = {
    "max_iter": 20,
    "hidden_layer_sizes": (8,),
    "n_steps": 8,
    # 20 epochs at Adam's default rate leave a tiny MLP under the training
    # accuracy that check_classifiers_train demands.
    "learning_rate_init": 1e-2,
}


def _small_model():
    return AdversarialLogisticRegression(epsilon=0.05, max_iter=20)


# Estimators with required constructor arguments: class -> instances to check.
# The wrapped models are unfitted, so the checks see the meta-estimator fit them.
_REQUIRED_ARGS = {
    FeatureImpactTransformer: lambda: [
        FeatureImpactTransformer(_small_model(), n_steps=8),
        FeatureImpactTransformer(make_pipeline(StandardScaler(), _small_model())),
    ],
}


def _required_parameters(cls):
    return [
        p.name
        for p in inspect.signature(cls).parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _instances():
    for _, cls in all_estimators():
        if _required_parameters(cls):
            yield from _REQUIRED_ARGS.get(cls, lambda: [])()
            continue
        parameters = inspect.signature(cls).parameters
        yield cls(**{k: v for k, v in _FAST_PARAMS.items() if k in parameters})


_ESTIMATORS = list(_instances())


def test_every_estimator_is_checked():
    unbuilt = [
        name
        for name, cls in all_estimators()
        if _required_parameters(cls) and cls not in _REQUIRED_ARGS
    ]
    assert not unbuilt, (
        f"{unbuilt} have required constructor arguments: add a small instance of "
        "each to _REQUIRED_ARGS in tests/test_common.py."
    )
    checked = {type(est) for est in _ESTIMATORS}
    assert all(cls in checked for _, cls in all_estimators())


if _ESTIMATORS:

    @parametrize_with_checks(_ESTIMATORS)
    def test_sklearn_compatible(estimator, check):
        check(estimator)
