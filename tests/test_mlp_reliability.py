"""AdversarialMLPClassifier under bad input: clear errors, fitted state kept.

Each test pins one way a fit could go wrong (a bad ``clip``, inputs the
float32 network cannot hold, a diverging run, a failed or interrupted refit, a
custom network of the wrong shape) and checks that it fails with a message
naming the culprit, before training and without touching the fitted model.
"""

import warnings

import numpy as np
import pytest
from _small_models import scaled_blobs
from _small_models import small_mlp as _small
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted

from skadv.neural_network import AdversarialMLPClassifier

torch = pytest.importorskip("torch")

F32_MAX = float(np.finfo(np.float32).max)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(autouse=True)
def _quiet():
    # the short fits here stop at max_iter on purpose
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _blobs(n=60, n_classes=3, seed=0):
    return scaled_blobs(n=n, n_classes=n_classes, seed=seed)


def _weights(clf):
    return [p.detach().clone() for p in clf.module_.state_dict().values()]


def _fitted_state(clf, X):
    """Everything a user can observe of a fitted model, for before/after checks."""
    return dict(
        classes=clf.classes_.copy(),
        n_features=clf.n_features_in_,
        n_iter=clf.n_iter_,
        t=clf.t_,
        loss_curve=list(clf.loss_curve_),
        weights=_weights(clf),
        adam_steps=[s["step"].item() for s in clf.optimizer_.state.values()],
        proba=clf.predict_proba(X),
        training=clf.module_.training,
    )


def _assert_same_state(before, after):
    np.testing.assert_array_equal(after["classes"], before["classes"])
    np.testing.assert_array_equal(after["proba"], before["proba"])
    for key in ("n_features", "n_iter", "t", "loss_curve", "adam_steps", "training"):
        assert after[key] == before[key], key
    assert all(torch.equal(a, b) for a, b in zip(after["weights"], before["weights"]))


@pytest.fixture(scope="module")
def data():
    # float32 data: the networks compute in float32, the dtype of the limits
    X, y = _blobs()
    return X.astype(np.float32), y


# -------------------------------------------------------------------- clip


@pytest.mark.parametrize(
    "clip, match",
    [
        ((np.nan, 1.0), "NaN"),
        ((0.0, np.nan), "NaN"),
        ((0.0, [1.0, np.nan, 1.0, 1.0]), "NaN"),
        ((np.inf, np.inf), "low < high"),
        ((-np.inf, -np.inf), "low < high"),
        # distinct in float64, one value (or both infinite) in float32
        ((1.0, 1.0 + 1e-9), "low < high"),
        ((1e39, 2e39), "low < high"),
        (("a", 1.0), "pair"),
    ],
)
def test_bad_clip_is_rejected_before_training(data, clip, match, monkeypatch):
    X, y = data
    monkeypatch.setattr(AdversarialMLPClassifier, "train_step", _no_training)
    clf = _small(clip=clip)
    with pytest.raises(ValueError, match=match) as info:
        clf.fit(X, y)
    assert "clip" in str(info.value)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


def _no_training(self, X_batch, y_batch, attack):
    raise AssertionError("train_step ran although the input was invalid")


def test_float64_network_takes_ranges_that_float32_would_merge(data, monkeypatch):
    X, y = data
    calls = []
    monkeypatch.setattr(
        AdversarialMLPClassifier,
        "train_step",
        lambda self, X_batch, y_batch, attack: calls.append(X_batch.dtype) or 0.0,
    )
    _small(clip=(1.0, 1.0 + 1e-9), max_iter=1).fit(X.astype(np.float64), y)
    assert calls and set(calls) == {torch.float64}
    with pytest.raises(ValueError, match="rounded to float32"):
        _small(clip=(1.0, 1.0 + 1e-9), max_iter=1).fit(X, y)


def test_infinite_clip_bounds_mean_no_bound(data):
    X, y = data
    free = _small().fit(X, y)
    unbounded = _small(clip=(-np.inf, np.inf)).fit(X, y)
    assert unbounded.loss_curve_ == free.loss_curve_
    # per feature: only the first feature is bounded
    half = _small(clip=([0.0, -np.inf, -np.inf, -np.inf], np.inf)).fit(X, y)
    assert np.all(np.isfinite(half.loss_curve_))


def test_robust_check_validates_clip_in_the_network_dtype(data):
    X, y = data
    clf = _small(max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="clip.*NaN"):
        clf._robust_correct(X, y, 0.1, steps=2, clip=(np.nan, 1.0))
    narrow = (1.0, 1.0 + 1e-9)
    with pytest.raises(ValueError, match="rounded to float32"):
        clf._robust_correct(X, y, 0.1, steps=2, clip=narrow)
    wide = _small(max_iter=1).fit(X.astype(np.float64), y)
    assert wide._robust_correct(X, y, 0.1, steps=2, clip=narrow).shape == y.shape


@pytest.mark.parametrize("epsilon", [1e39, [0.1, 0.1, 1e39, 0.1]])
def test_epsilon_beyond_float32_is_rejected(data, epsilon):
    X, y = data
    with pytest.raises(ValueError, match="epsilon.*float32"):
        _small(epsilon=epsilon).fit(X, y)


@pytest.mark.parametrize(
    "params, n_samples, match",
    [
        ({"clip": (np.zeros((2, 4)), 1.0)}, 60, "clip must be None or a"),
        ({"epsilon": [1j] * 4}, 60, "epsilon must be a real number"),
        ({"epsilon": ["a"] * 4}, 60, "epsilon must be a real number"),
        ({"early_stopping": True}, 6, "validation_fraction=0.1 of 6 samples"),
        (
            {"early_stopping": True, "validation_fraction": 0.99},
            60,
            "early_stopping=True cannot hold out validation_fraction=0.99",
        ),
    ],
)
def test_unusable_parameters_fail_with_their_name(data, params, n_samples, match):
    X, y = data
    clf = _small(**params)
    with pytest.raises(ValueError, match=match):
        clf.fit(X[:n_samples], y[:n_samples])
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


def test_partial_fit_without_two_classes_names_the_classes(data):
    X, y = data
    with pytest.raises(ValueError, match="at least 2 classes; got no class"):
        _small().partial_fit(X, y, classes=[])


# ------------------------------------------------------- float32 range of X


@pytest.fixture(scope="module")
def float32_model(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _small(warm_start=True).fit(X, y)


def _beyond_float32(X, value):
    X = X.astype(np.float64)
    X[3, 1] = value
    return X


@pytest.mark.parametrize("value", [1e39, -1e39, 2 * F32_MAX])
def test_float32_network_rejects_values_beyond_float32(
    data, float32_model, value, monkeypatch
):
    X, y = data
    clf = float32_model
    X_big = _beyond_float32(X, value)
    original = X_big.copy()
    before = _fitted_state(clf, X)
    monkeypatch.setattr(AdversarialMLPClassifier, "train_step", _no_training)
    for method in (clf.fit, clf.partial_fit):
        with pytest.raises(ValueError, match="X holds values beyond the float32"):
            method(X_big, y)
    for method in (clf.predict, clf.predict_proba, clf.decision_function):
        with pytest.raises(ValueError, match="beyond the float32 range"):
            method(X_big)
    with pytest.raises(ValueError, match="beyond the float32 range"):
        clf.score(X_big, y)
    np.testing.assert_array_equal(X_big, original)
    monkeypatch.undo()
    _assert_same_state(before, _fitted_state(clf, X))


def test_float32_max_itself_is_accepted(data, float32_model, monkeypatch):
    X, y = data
    calls = []
    monkeypatch.setattr(
        AdversarialMLPClassifier,
        "train_step",
        lambda self, X_batch, y_batch, attack: calls.append(X_batch.dtype) or 0.0,
    )
    clf = _small(max_iter=1, attack=None).fit(X, y)
    clf.partial_fit(_beyond_float32(X, F32_MAX), y)
    assert calls == [torch.float32] * 6


def test_float64_data_beyond_float32_trains_a_float64_network(data):
    X, y = data
    clf = _small(attack=None).fit(_beyond_float32(X, 1e39), y)
    assert clf.input_dtype == np.float64
    assert np.all(np.isfinite(clf.loss_curve_))
    assert np.all(np.isfinite(clf.predict_proba(_beyond_float32(X, 1e39))))


# --------------------------------------------------------------- divergence


def test_diverging_fit_raises_and_leaves_estimator_unfitted(data):
    X, y = data
    clf = _small(learning_rate_init=1e30, attack=None, max_iter=20)
    with pytest.raises(ValueError, match="diverged.*learning_rate_init"):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


@pytest.mark.parametrize("warm_start", [False, True])
def test_divergence_in_a_later_epoch_keeps_previous_model(
    data, monkeypatch, warm_start
):
    X, y = data
    clf = _small(warm_start=warm_start, attack=None).fit(X, y)
    before = _fitted_state(clf, X)
    original = AdversarialMLPClassifier.train_step
    calls = []

    def step(self, X_batch, y_batch, attack):
        # a first epoch of real Adam steps, then a loss gone non-finite
        calls.append(1)
        loss = original(self, X_batch, y_batch, attack)
        return loss * float("inf") if len(calls) > 3 else loss

    monkeypatch.setattr(AdversarialMLPClassifier, "train_step", step)
    with pytest.raises(ValueError, match="loss of epoch .* is inf"):
        # a refit would replace classes_; a warm start continues the network
        clf.fit(X, y if warm_start else y + 10)
    monkeypatch.undo()
    assert len(calls) == 6
    _assert_same_state(before, _fitted_state(clf, X))


# ------------------------------------------------------------ failed refits


def _linear(input_shape, n_outputs):
    return torch.nn.Linear(input_shape[0], n_outputs)


#: Refits that must fail validation: parameters to set, how to change (X, y),
#: and the error. New labels (y + 10) or a new width would replace classes_
#: or n_features_in_ if the fit got that far.
REFIT_FAILURES = {
    "one class": ({}, lambda X, y: (X, np.zeros(len(y))), "at least 2 classes"),
    "clip of the old width": (
        {"clip": (0, [1] * 4)},
        lambda X, y: (np.hstack([X, X]), y + 10),
        "clip",
    ),
    "NaN clip": ({"clip": (np.nan, 1)}, lambda X, y: (X, y + 10), "NaN"),
    "epsilon of the old width": (
        {"epsilon": [0.1] * 4},
        lambda X, y: (np.hstack([X, X]), y + 10),
        "epsilon",
    ),
    "beyond float32": (
        {"warm_start": True},
        lambda X, y: (_beyond_float32(X, 1e39), y),
        "float32 range",
    ),
    "bad device": ({"device": "tpu"}, lambda X, y: (X, y + 10), "device"),
    "bad hidden layers": (
        {"hidden_layer_sizes": (4, 0)},
        lambda X, y: (X, y + 10),
        "hidden_layer_sizes",
    ),
    "wrong output width": (
        {"architecture": lambda s, n: _linear(s, n + 1)},
        lambda X, y: (X, y + 10),
        "one logit per class",
    ),
}


@pytest.mark.parametrize("case", list(REFIT_FAILURES))
def test_failed_refit_keeps_the_fitted_model(data, case):
    X, y = data
    clf = _small().fit(X, y)
    before = _fitted_state(clf, X)
    params, change, match = REFIT_FAILURES[case]
    clf.set_params(**params)
    with pytest.raises(ValueError, match=match):
        clf.fit(*change(X, y))
    clf.set_params(**{k: _small().get_params()[k] for k in params})
    _assert_same_state(before, _fitted_state(clf, X))
    np.testing.assert_array_equal(
        clf.predict(X), before["classes"][before["proba"].argmax(1)]
    )


def test_failed_partial_fit_keeps_the_fitted_model(data):
    X, y = data
    clf = _small().partial_fit(X, y, classes=[0, 1, 2])
    before = _fitted_state(clf, X)
    for X_bad, y_bad in [(_beyond_float32(X, 1e39), y), (X, y + 5), (X[:, :2], y)]:
        with pytest.raises(ValueError):
            clf.partial_fit(X_bad, y_bad)
        _assert_same_state(before, _fitted_state(clf, X))
    clf.set_params(clip=(np.nan, 1.0))
    with pytest.raises(ValueError, match="clip"):
        clf.partial_fit(X, y)
    _assert_same_state(before, _fitted_state(clf, X))


# --------------------------------------------------------------- Ctrl-C


def _interrupt_at(monkeypatch, epoch, batch):
    """Make ``train_step`` raise KeyboardInterrupt at batch ``batch`` of epoch ``epoch``
    of the next fit (counted from that call)."""
    original = AdversarialMLPClassifier.train_step
    calls = []

    def step(self, X_batch, y_batch, attack):
        calls.append(1)
        if len(calls) == (epoch - 1) * 3 + batch:  # 3 batches per epoch
            raise KeyboardInterrupt
        return original(self, X_batch, y_batch, attack)

    monkeypatch.setattr(AdversarialMLPClassifier, "train_step", step)


def test_interrupt_in_first_epoch_of_a_fresh_fit_leaves_it_unfitted(data, monkeypatch):
    X, y = data
    clf = _small()
    _interrupt_at(monkeypatch, epoch=1, batch=2)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    monkeypatch.undo()
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)
    assert not hasattr(clf, "classes_") and not hasattr(clf, "n_features_in_")
    # nothing of the interrupted call leaks into the next fit
    np.testing.assert_array_equal(
        clf.fit(X, y).predict_proba(X), _small().fit(X, y).predict_proba(X)
    )


@pytest.mark.parametrize("warm_start", [False, True])
def test_interrupt_in_first_epoch_of_a_refit_keeps_previous_model(
    data, monkeypatch, warm_start
):
    X, y = data
    clf = _small(warm_start=warm_start).fit(X, y)
    before = _fitted_state(clf, X)
    _interrupt_at(monkeypatch, epoch=1, batch=3)
    with pytest.raises(KeyboardInterrupt):
        # the new labels would replace classes_ on a refit
        clf.fit(X, y if warm_start else y + 10)
    monkeypatch.undo()
    _assert_same_state(before, _fitted_state(clf, X))


def test_interrupt_in_partial_fit_propagates_and_keeps_model(data, monkeypatch):
    X, y = data
    clf = _small().partial_fit(X, y, classes=[0, 1, 2])
    before = _fitted_state(clf, X)
    _interrupt_at(monkeypatch, epoch=1, batch=2)
    with pytest.raises(KeyboardInterrupt):
        clf.partial_fit(X, y)
    monkeypatch.undo()
    _assert_same_state(before, _fitted_state(clf, X))
    # and it continues exactly like a model that was never interrupted
    reference = _small().partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_array_equal(
        clf.partial_fit(X, y).predict_proba(X),
        reference.partial_fit(X, y).predict_proba(X),
    )


def test_interrupt_while_building_the_network_keeps_previous_model(data):
    X, y = data
    clf = _small().fit(X, y)
    before = _fitted_state(clf, X)

    def interrupted_build(input_shape, n_outputs):
        raise KeyboardInterrupt

    clf.set_params(architecture=interrupted_build)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y + 10)
    clf.set_params(architecture="mlp")
    _assert_same_state(before, _fitted_state(clf, X))


def test_interrupt_after_completed_epochs_of_a_refit_keeps_the_new_model(
    data, monkeypatch
):
    X, y = data
    clf = _small().fit(X, y)
    reference = _small(max_iter=1).fit(X, y + 10)
    _interrupt_at(monkeypatch, epoch=2, batch=1)
    with pytest.warns(UserWarning, match="interrupted during epoch 2"):
        clf.fit(X, y + 10)
    monkeypatch.undo()
    # a consistent new model: its classes, its one completed epoch
    np.testing.assert_array_equal(clf.classes_, [10, 11, 12])
    assert clf.n_iter_ == 1 and clf.loss_curve_ == reference.loss_curve_
    np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))


# ------------------------------------------------------ custom architectures


def _wrong_width(input_shape, n_outputs):
    return torch.nn.Linear(input_shape[0], n_outputs + 2)


def _single_logit(input_shape, n_outputs):
    return torch.nn.Linear(input_shape[0], 1)


def _three_dimensional(input_shape, n_outputs):
    return torch.nn.Sequential(
        torch.nn.Linear(input_shape[0], 2 * n_outputs), torch.nn.Unflatten(1, (2, -1))
    )


def _wrong_input_width(input_shape, n_outputs):
    return torch.nn.Linear(input_shape[0] + 1, n_outputs)


class _TupleNet(torch.nn.Module):
    def __init__(self, n_features, n_outputs):
        super().__init__()
        self.linear = torch.nn.Linear(n_features, n_outputs)

    def forward(self, X):
        return self.linear(X), X


@pytest.mark.parametrize(
    "architecture, n_classes, match",
    [
        (_wrong_width, 3, r"\(2, 3\).*\(2, 5\)"),
        (_wrong_width, 2, r"\(2, 2\).*\(2, 4\)"),
        (_single_logit, 2, r"\(2, 2\).*\(2, 1\)"),
        (_three_dimensional, 3, r"\(2, 3\).*\(2, 2, 3\)"),
        (_wrong_input_width, 3, "fails on"),
        (lambda s, n: _TupleNet(s[0], n), 3, "tuple"),
    ],
)
def test_custom_network_of_the_wrong_shape_is_rejected_before_training(
    architecture, n_classes, match, monkeypatch
):
    X, y = _blobs(n_classes=n_classes)
    monkeypatch.setattr(AdversarialMLPClassifier, "train_step", _no_training)
    clf = _small(architecture=architecture)
    with pytest.raises(ValueError, match=match) as info:
        clf.fit(X, y)
    assert "architecture" in str(info.value)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


def test_network_check_leaves_mode_and_random_state_alone(data):
    X, y = data
    built = []

    def dropout_net(input_shape, n_outputs):
        net = torch.nn.Sequential(
            torch.nn.Linear(input_shape[0], 8),
            torch.nn.Dropout(0.5),
            torch.nn.Linear(8, n_outputs),
        )
        built.append(net)
        return net

    state = torch.random.get_rng_state()
    clf = _small(architecture=dropout_net, max_iter=1).fit(X, y)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert clf.module_ is built[0] and not clf.module_.training


# ------------------------------------------------------------------ devices


def test_cuda_index_beyond_the_device_count_is_rejected(monkeypatch):
    from skadv.neural_network._device import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert resolve_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(ValueError, match=r"device='cuda:3'.*1 CUDA device"):
        resolve_device("cuda:3")
