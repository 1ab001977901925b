"""Checked ``score`` of both estimators, the learning rate of continued MLP
training, and the layout of the network package."""

import copy
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from _small_models import scaled_blobs
from _small_models import small_mlp as _small
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import accuracy_score

from skadv.linear_model import AdversarialLogisticRegression

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def data():
    return scaled_blobs(n=60, cluster_std=2.0)


def _quiet_fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


# ------------------------------------------------------------------ score


@pytest.fixture(scope="module", params=["mlp", "logistic"])
def fitted(request, data):
    X, y = data
    if request.param == "mlp":
        return _quiet_fit(_small(), X, y)
    return AdversarialLogisticRegression(epsilon=0.05, C=0.1).fit(X, y)


def test_score_is_the_weighted_accuracy_of_predict(fitted, data):
    X, y = data
    predicted = fitted.predict(X)
    # a model with no mistakes would not tell a right weighting from a wrong one
    assert 0 < accuracy_score(y, predicted) < 1
    w = np.random.default_rng(0).uniform(0, 3, size=len(y))
    w[:10] = 0.0
    assert fitted.score(X, y) == pytest.approx(accuracy_score(y, predicted))
    assert fitted.score(X, y, sample_weight=w) == pytest.approx(
        accuracy_score(y, predicted, sample_weight=w)
    )
    # a label of the right type that the model never saw is a wrong prediction
    unknown = y.copy()
    unknown[:5] = 7
    assert fitted.score(X, unknown) == pytest.approx(accuracy_score(unknown, predicted))
    assert isinstance(fitted.score(X, y), float)


def _none_label(y):
    y = y.astype(object)
    y[0] = None
    return y


def _nan_label(y):
    y = y.astype(np.float64)
    y[0] = np.nan
    return y


@pytest.mark.parametrize(
    "make_y, message",
    [
        (_none_label, "y must hold class labels"),
        (_nan_label, "y contains NaN"),
        (lambda y: y.astype(str), "y and the classes_ of the estimator"),
        (lambda y: np.eye(3)[y], "y should be a 1d array"),
    ],
    ids=["None", "NaN", "strings-for-ints", "one-hot"],
)
# sklearn's type_of_target casts NaN labels to int before refusing them
@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
def test_score_rejects_labels_it_cannot_compare(fitted, data, make_y, message):
    X, y = data
    y_bad = make_y(y)
    original = y_bad.copy()
    with pytest.raises(ValueError, match=message):
        fitted.score(X, y_bad)
    np.testing.assert_array_equal(y_bad, original)


def _weights(kind, n):
    w = np.ones(n)
    if kind in ("negative", "NaN", "inf"):
        w[0] = {"negative": -5.0, "NaN": np.nan, "inf": np.inf}[kind]
    elif kind == "zero":
        w[:] = 0.0
    elif kind == "short":
        w = w[:-1]
    elif kind == "column":
        w = w[:, None]
    return w


@pytest.mark.parametrize(
    "kind, message",
    [
        ("negative", "sample_weight must be non-negative"),
        ("NaN", "sample_weight must be finite"),
        ("inf", "sample_weight must be finite"),
        ("zero", "sample_weight must not be all zero"),
        ("short", r"sample_weight must have shape \(60,\)"),
        ("column", r"sample_weight must have shape \(60,\)"),
    ],
)
def test_score_rejects_bad_sample_weight(fitted, data, kind, message):
    X, y = data
    w = _weights(kind, len(y))
    original = w.copy()
    with pytest.raises(ValueError, match=message):
        fitted.score(X, y, sample_weight=w)
    np.testing.assert_array_equal(w, original)


@pytest.mark.parametrize(
    "estimator",
    [_small(), AdversarialLogisticRegression()],
    ids=["mlp", "logistic"],
)
def test_score_of_an_unfitted_model_raises_not_fitted(data, estimator):
    X, y = data
    with pytest.raises(NotFittedError):
        estimator.score(X, y)


# -------------------------------------------- learning rate of continued fits


def _one_step_model(**params):
    # one full-batch step per epoch and no attack: every step is reproducible
    return _small(attack=None, batch_size=60, shuffle=False, max_iter=1, **params)


def _expected_after_one_step(clf, X, y, optimizer):
    """``clf`` after one ``train_step`` on all of ``(X, y)`` with ``optimizer``."""
    expected = copy.deepcopy(clf)
    expected.optimizer_ = optimizer(expected)
    X_t = torch.as_tensor(X, dtype=torch.float64)
    expected.train_step(X_t, torch.as_tensor(y), lambda module, X, y: X)
    return expected


def _adam_steps(clf):
    return [state["step"].item() for state in clf.optimizer_.state.values()]


def _assert_same_weights(got, want):
    for a, b in zip(got.module_.parameters(), want.module_.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)


def test_warm_start_fit_starts_a_new_adam_at_the_current_learning_rate(data):
    X, y = data
    clf = _quiet_fit(_one_step_model(warm_start=True, learning_rate_init=1e-3), X, y)

    def new_adam(model):
        # what scikit-learn's MLP does on every fit: a new optimizer
        return torch.optim.Adam(model.module_.parameters(), lr=0.05)

    expected = _expected_after_one_step(clf, X, y, new_adam)
    _quiet_fit(clf.set_params(learning_rate_init=0.05), X, y)
    assert [g["lr"] for g in clf.optimizer_.param_groups] == [0.05]
    assert _adam_steps(clf) == [1] * len(_adam_steps(clf))
    assert clf.n_iter_ == 2
    _assert_same_weights(clf, expected)


def test_partial_fit_continues_adam_at_the_current_learning_rate(data):
    X, y = data
    clf = _one_step_model(learning_rate_init=1e-3).partial_fit(X, y, classes=[0, 1, 2])

    def same_adam_new_rate(model):
        for group in model.optimizer_.param_groups:
            group["lr"] = 0.05
        return model.optimizer_

    expected = _expected_after_one_step(clf, X, y, same_adam_new_rate)
    clf.set_params(learning_rate_init=0.05).partial_fit(X, y)
    assert [g["lr"] for g in clf.optimizer_.param_groups] == [0.05]
    assert _adam_steps(clf) == [2] * len(_adam_steps(clf))
    _assert_same_weights(clf, expected)


def test_unpickled_model_continues_at_its_current_learning_rate(data):
    X, y = data
    clf = _one_step_model(learning_rate_init=1e-3).partial_fit(X, y, classes=[0, 1, 2])
    restored = pickle.loads(pickle.dumps(clf.set_params(learning_rate_init=0.05)))
    assert _adam_steps(restored) == _adam_steps(clf)
    clf.partial_fit(X, y)
    restored.partial_fit(X, y)
    assert [g["lr"] for g in restored.optimizer_.param_groups] == [0.05]
    _assert_same_weights(restored, clf)


# ------------------------------------------------------------------ layout


def test_estimator_modules_still_import_without_torch():
    code = (
        "import sys, skadv.linear_model, skadv.neural_network, skadv.metrics;"
        "print('torch' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
