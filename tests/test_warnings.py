"""Warnings of the estimators name the caller's line, however deep they arise.

Each check calls the estimator from this file, directly or through a
Pipeline, and requires every matching warning to point at this file: the
frame of the call, not a frame of skadv, scikit-learn or joblib.
"""

import re
import warnings

import numpy as np
import pytest
from _small_models import noisy_binary, small_mlp
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skadv.linear_model import AdversarialLogisticRegression


def _warnings_of(category, match, call):
    """The warnings of ``category`` matching ``match`` that ``call()`` issues."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        call()
    return [
        w
        for w in record
        if issubclass(w.category, category) and re.search(match, str(w.message))
    ]


def _assert_named_here(category, match, call):
    caught = _warnings_of(category, match, call)
    assert caught
    assert [w.filename for w in caught] == [__file__] * len(caught)


# ------------------------------------------------------------------ network


def test_network_convergence_warning_names_the_caller(blobs):
    pytest.importorskip("torch")
    X, y = blobs
    match = "max_iter=2 epochs without converging"
    _assert_named_here(
        ConvergenceWarning, match, lambda: small_mlp(max_iter=2).fit(X, y)
    )
    pipeline = make_pipeline(StandardScaler(), small_mlp(max_iter=2))
    _assert_named_here(ConvergenceWarning, match, lambda: pipeline.fit(X, y))


def _interrupt_in_second_epoch(monkeypatch):
    from skadv.neural_network import AdversarialMLPClassifier

    original = AdversarialMLPClassifier.train_step

    def step(self, X_batch, y_batch, attack):
        if self.n_iter_ == 1:
            raise KeyboardInterrupt
        return original(self, X_batch, y_batch, attack)

    monkeypatch.setattr(AdversarialMLPClassifier, "train_step", step)


def test_interrupt_warning_names_the_caller(blobs, monkeypatch):
    pytest.importorskip("torch")
    X, y = blobs
    _interrupt_in_second_epoch(monkeypatch)
    match = "interrupted during epoch 2"
    _assert_named_here(UserWarning, match, lambda: small_mlp(max_iter=5).fit(X, y))
    pipeline = make_pipeline(StandardScaler(), small_mlp(max_iter=5))
    _assert_named_here(UserWarning, match, lambda: pipeline.fit(X, y))


def test_cuda_fallback_warning_names_the_caller(blobs, monkeypatch):
    torch = pytest.importorskip("torch")
    X, y = blobs
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    match = "CUDA is not available"
    clf = small_mlp(max_iter=1, device="cuda")
    _assert_named_here(UserWarning, match, lambda: clf.fit(X, y))
    assert clf.device_ == "cpu"
    _assert_named_here(UserWarning, match, lambda: clf.partial_fit(X, y))
    online = small_mlp(device="cuda")
    _assert_named_here(
        UserWarning, match, lambda: online.partial_fit(X, y, classes=[0, 1, 2])
    )
    pipeline = make_pipeline(StandardScaler(), small_mlp(max_iter=1, device="cuda"))
    _assert_named_here(UserWarning, match, lambda: pipeline.fit(X, y))


# ------------------------------------------------------------ linear model


@pytest.fixture(scope="module")
def noisy():
    return noisy_binary()


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(max_iter=2), "L-BFGS-B did not converge"),
        (dict(solver="sgd", max_iter=2), "sgd reached max_iter=2"),
        (dict(solver="adam", learning_rate=100.0), "learning_rate=100 is too large"),
    ],
    ids=["lbfgs", "max_iter", "learning_rate"],
)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_linear_solver_warnings_name_the_caller(noisy, params, match, n_classes):
    X, y = noisy
    if n_classes == 3:
        y = np.digitize(X[:, 0], [-0.5, 0.5])
    clf = AdversarialLogisticRegression(0.1, random_state=0, **params)
    _assert_named_here(ConvergenceWarning, match, lambda: clf.fit(X, y))
    pipeline = make_pipeline(StandardScaler(), clf)
    _assert_named_here(ConvergenceWarning, match, lambda: pipeline.fit(X, y))


def test_unbounded_loss_warning_names_the_caller():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    y = np.array([0, 0, 1, 1])
    model = AdversarialLogisticRegression(epsilon=0.0, C=np.inf)
    with pytest.warns(ConvergenceWarning, match="no minimiser") as caught:
        model.fit(X, y)
    assert [w.filename for w in caught if "minimiser" in str(w.message)] == [__file__]
