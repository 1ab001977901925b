"""Every skadv estimator passes scikit-learn's estimator checks, with no exceptions,
and every gradient provider passes the provider checks of skadv.

The suite pins one thread per process (see ``conftest.py``) for speed only: the
batch-invariance checks of the network also run once under torch's default
threading, in a subprocess, so that a result depending on it cannot hide.

New estimators are picked up automatically through ``skadv.utils.all_estimators``.
Those whose constructor has required arguments (meta-estimators wrapping a model)
are built by ``_REQUIRED_ARGS``; one that is missing there fails
``test_every_estimator_is_checked`` instead of being skipped silently. Likewise an
estimator with input gradients that ``_PROVIDERS`` lacks fails
``test_every_provider_is_checked``.
"""

import inspect
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from _small_models import small_mlp, small_torch_net
from sklearn.datasets import make_classification
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skadv.inspection import FeatureImpactTransformer
from skadv.linear_model import AdversarialLogisticRegression
from skadv.utils import all_estimators, has_input_gradients
from skadv.utils.estimator_checks import provider_checks

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


# Settings whose code paths the defaults do not reach, checked in full as well.
_VARIANTS = [
    ("AdversarialMLPClassifier", {"attack": "fgsm"}),
]


def _variants():
    classes = dict(all_estimators())
    for name, params in _VARIANTS:
        cls = classes[name]
        parameters = inspect.signature(cls).parameters
        fast = {k: v for k, v in _FAST_PARAMS.items() if k in parameters}
        yield cls(**{**fast, **params})


_ESTIMATORS = list(_instances()) + list(_variants())


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
    # _FAST_PARAMS caps max_iter so that the checks run in seconds
    @pytest.mark.filterwarnings(
        "ignore:Stopped after max_iter=.* epochs:sklearn.exceptions.ConvergenceWarning"
    )
    @pytest.mark.filterwarnings(
        "ignore:L-BFGS-B did not converge:sklearn.exceptions.ConvergenceWarning"
    )
    @parametrize_with_checks(_ESTIMATORS)
    def test_sklearn_compatible(estimator, check):
        check(estimator)


# Variables through which conftest.py, or the calling shell, caps the thread pools.
_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)

_NETWORK_PARAMS = [
    # the instance test_sklearn_compatible checks
    {"max_iter": 20, "hidden_layer_sizes": [8], "learning_rate_init": 1e-2},
    # wider layers sum over more terms, where float32 rounding already depends
    # on how many rows a kernel sees at once, even on one thread
    {"max_iter": 20, "hidden_layer_sizes": [64, 64], "learning_rate_init": 1e-2},
]

_UNPINNED_CHECKS = """
import json, os, sys, warnings
import torch
from sklearn.utils.estimator_checks import (
    check_methods_sample_order_invariance,
    check_methods_subset_invariance,
)
from skadv.neural_network import AdversarialMLPClassifier

torch.set_num_threads(os.cpu_count())
warnings.simplefilter("ignore")
failures = []
checks = (check_methods_subset_invariance, check_methods_sample_order_invariance)
for params in json.loads(sys.argv[1]):
    for check in checks:
        try:
            check("AdversarialMLPClassifier", AdversarialMLPClassifier(**params))
        except AssertionError as exc:
            failures.append(f"{check.__name__} with {params}: {exc}")
sys.exit("\\n\\n".join(failures) or None)
"""


def test_network_outputs_do_not_depend_on_batch_or_threads():
    pytest.importorskip("torch")
    env = {k: v for k, v in os.environ.items() if k not in _THREAD_VARIABLES}
    result = subprocess.run(
        [sys.executable, "-c", _UNPINNED_CHECKS, json.dumps(_NETWORK_PARAMS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]


# Gradient providers: name -> (unfitted model, number of classes, dtype of X). A
# torch module has nothing to fit; it is checked through the adapter that the
# explanations use.
def _mlp(**params):
    return small_mlp(max_iter=5, **params)


def _torch_module(n_outputs, dtype_name):
    torch = pytest.importorskip("torch")
    return small_torch_net(n_outputs).to(getattr(torch, dtype_name))


_PROVIDERS = {
    "logistic_binary": (lambda: _small_model(), 2, np.float64),
    "logistic_multiclass": (lambda: _small_model(), 3, np.float64),
    "mlp_float64_multiclass": (lambda: _mlp(activation="tanh"), 3, np.float64),
    "mlp_float32_binary": (lambda: _mlp(), 2, np.float32),
    "torch_module_float32": (lambda: _torch_module(3, "float32"), 3, np.float64),
    "torch_module_one_logit": (lambda: _torch_module(1, "float64"), 2, np.float64),
}


def _problem(n_classes, dtype):
    X, y = make_classification(
        n_samples=200,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        random_state=0,
    )
    return X.astype(dtype), y


@pytest.fixture(scope="module")
def provider(request):
    """The fitted provider of ``_PROVIDERS[request.param]`` and its data, once."""
    make, n_classes, dtype = _PROVIDERS[request.param]
    model = make()
    X, y = _problem(n_classes, dtype)
    if hasattr(model, "fit"):
        model.fit(X, y)
    else:
        # a torch module's labels are its output indices: its own predictions
        y = None
    return model, X, y


def _provider_params():
    # Which checks apply depends only on the kind of model, so they are listed
    # from unfitted instances; the fixture fits each model once for all of them.
    for name, (make, _, _) in _PROVIDERS.items():
        for _, check in provider_checks(make()):
            yield pytest.param(name, check, id=f"{name}-{check.func.__name__}")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
# module scope: pytest runs the checks of one provider together, on one fit
@pytest.mark.parametrize(
    "provider, check", list(_provider_params()), indirect=["provider"], scope="module"
)
def test_provider_contract(provider, check):
    model, X, y = provider
    check(model, X=X, y=y)


def test_every_provider_is_checked():
    providers = {cls for _, cls in all_estimators() if has_input_gradients(cls)}
    checked = {type(make()) for make, _, _ in _PROVIDERS.values()}
    assert providers and providers <= checked, providers - checked
