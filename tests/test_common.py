"""Every skadv estimator passes scikit-learn's estimator checks, with no exceptions.

New estimators are picked up automatically through ``skadv.utils.all_estimators``.
"""

import inspect

from sklearn.utils.estimator_checks import parametrize_with_checks

from skadv.utils import all_estimators

# Parameters that keep each fit in the check suite to a fraction of a second: the
# suite fits every estimator about a hundred times on tiny data.
_FAST_PARAMS = {
    "max_iter": 20,
    "hidden_layer_sizes": (8,),
    "n_steps": 8,
}


def _instances():
    for _, cls in all_estimators():
        signature = inspect.signature(cls)
        required = [
            p
            for p in signature.parameters.values()
            if p.default is inspect.Parameter.empty
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        if required:
            # Meta-estimators that wrap a model get their own checks in their
            # module's tests, with a fitted model to wrap.
            continue
        params = {k: v for k, v in _FAST_PARAMS.items() if k in signature.parameters}
        yield cls(**params)


_ESTIMATORS = list(_instances())


if _ESTIMATORS:

    @parametrize_with_checks(_ESTIMATORS)
    def test_sklearn_compatible(estimator, check):
        check(estimator)
