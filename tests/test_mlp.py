"""AdversarialMLPClassifier: scikit-learn contract, training, protocol, devices."""

import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from _small_models import plain_mlp as _small
from _small_models import scaled_blobs
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skadv.neural_network import AdversarialMLPClassifier

torch = pytest.importorskip("torch")

# The networks here train for a handful of epochs on purpose; the one test about
# the max_iter warning asks for it with pytest.warns, which this does not hide.
pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:Stopped after max_iter=.* epochs:sklearn.exceptions.ConvergenceWarning"
    ),
    pytest.mark.usefixtures("one_torch_thread"),
]

CUDA = torch.cuda.is_available()
# the device-independent behaviour runs on every device this machine has
DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.needs_cuda)]


def test_import_and_construction_do_not_import_torch():
    code = (
        "import sys, skadv, skadv.neural_network\n"
        "from skadv import AdversarialMLPClassifier\n"
        "AdversarialMLPClassifier(architecture='cnn').get_params()\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ----------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "params, X_shape, match, error",
    [
        ({}, (10,), "2D array", ValueError),
        ({"input_shape": (1, 3, 3)}, (10, 4), "holds 9 values", ValueError),
        ({"architecture": "cnn"}, (10, 5), "perfect square", ValueError),
        ({"epsilon": -0.1}, (10, 4), "epsilon", ValueError),
        ({"epsilon": [0.1, -0.1, 0.1, 0.1]}, (10, 4), ">= 0", ValueError),
        ({"epsilon": [0.1, 0.1]}, (10, 4), r"\(n_features,\)", ValueError),
        ({"clip": (1.0, 0.0)}, (10, 4), "low < high", ValueError),
        ({"clip": (0.0, [1.0, 1.0, 0.0, 1.0])}, (10, 4), "low < high", ValueError),
        ({"clip": (0.0, 1.0, 2.0)}, (10, 4), "pair", ValueError),
        ({"architecture": lambda shape, n: "not a net"}, (10, 4), "Module", TypeError),
        ({"hidden_layer_sizes": (4, 0)}, (10, 4), "positive ints", ValueError),
        ({"device": "tpu"}, (10, 4), "device", ValueError),
    ],
)
def test_bad_input_raises_clear_errors(params, X_shape, match, error):
    X = np.random.RandomState(0).uniform(size=X_shape)
    y = np.arange(X_shape[0]) % 2
    with pytest.raises(error, match=match):
        _small(**params).fit(X, y)


def test_int_hidden_layer_sizes():
    X, y = scaled_blobs()
    clf = _small(hidden_layer_sizes=7, max_iter=1).fit(X, y)
    assert clf.module_[0].out_features == 7


def test_robust_scorer_in_cross_validation():
    from sklearn.model_selection import cross_val_score

    from skadv.metrics import make_robust_scorer

    X, y = scaled_blobs(n=90)
    scorer = make_robust_scorer(epsilon=0.1, steps=5, random_state=0)
    scores = cross_val_score(_small(max_iter=10), X, y, cv=3, scoring=scorer)
    clean = cross_val_score(_small(max_iter=10), X, y, cv=3)
    assert np.all(scores <= clean + 1e-12)
    assert np.all(scores > 0.3)


def test_one_class_raises():
    X = np.random.RandomState(0).uniform(size=(10, 3))
    with pytest.raises(ValueError, match="1 class"):
        _small().fit(X, np.zeros(10))


# ------------------------------------------------------------- behaviour


def _dropout_net(input_shape, n_classes):
    return torch.nn.Sequential(
        torch.nn.Linear(input_shape[0], 16),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.5),
        torch.nn.Linear(16, n_classes),
    )


@pytest.mark.parametrize("architecture", ["mlp", _dropout_net])
def test_deterministic_given_random_state(architecture):
    X, y = scaled_blobs()
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    a = _small(epsilon=0.05, architecture=architecture).fit(X, y)
    # the caller's global generator is left as it was, and does not matter
    assert torch.equal(torch.random.get_rng_state(), state)
    torch.manual_seed(7)
    b = _small(epsilon=0.05, architecture=architecture).fit(X, y)
    assert a.loss_curve_ == b.loss_curve_
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = _small(epsilon=0.05, architecture=architecture, random_state=1).fit(X, y)
    assert a.loss_curve_ != c.loss_curve_


@pytest.mark.parametrize("device", DEVICES)
def test_methods_agree_and_shapes(device):
    X, y = scaled_blobs()
    clf = _small(max_iter=30, device=device).fit(X, y)
    logits = clf.decision_function(X)
    proba = clf.predict_proba(X)
    assert logits.shape == proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_allclose(np.log(proba), clf.predict_log_proba(X), atol=1e-10)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[logits.argmax(1)])
    assert clf.score(X, y) > 0.9
    assert clf.n_iter_ == len(clf.loss_curve_) == 30
    assert clf.t_ == 30 * len(X)


def test_binary_decision_function_is_logit_difference():
    X, y = scaled_blobs(n_classes=2)
    clf = _small(max_iter=10).fit(X, np.where(y == 1, "b", "a"))
    decision = clf.decision_function(X)
    assert decision.shape == (len(X),)
    np.testing.assert_allclose(
        clf.predict_proba(X)[:, 1], 1 / (1 + np.exp(-decision)), rtol=1e-12
    )
    assert set(clf.predict(X)) <= {"a", "b"}


def test_natural_training_when_epsilon_zero_or_attack_none():
    X, y = scaled_blobs()
    zero = _small(epsilon=0.0).fit(X, y)
    none = _small(attack=None, epsilon=0.3).fit(X, y)
    # same seeds, no attack either way: identical training
    assert zero.loss_curve_ == none.loss_curve_
    adversarial = _small(epsilon=0.3).fit(X, y)
    assert adversarial.loss_curve_ != zero.loss_curve_


def test_l1_penalty_shrinks_weights():
    X, y = scaled_blobs()
    plain = _small(attack=None, max_iter=20).fit(X, y)
    sparse = _small(attack=None, max_iter=20, l1=5e-2).fit(X, y)

    def l1_norm(clf):
        return sum(
            p.abs().sum().item() for p in clf.module_.parameters() if p.dim() > 1
        )

    assert l1_norm(sparse) < 0.7 * l1_norm(plain)


def test_per_feature_epsilon_and_clip_arrays():
    X, y = scaled_blobs()
    epsilon = np.array([0.0, 0.1, 0.2, 0.05])
    clip = (np.zeros(4), np.ones(4))
    clf = _small(epsilon=epsilon, clip=clip).fit(X, y)
    assert clf.score(X, y) > 0.5
    # zero budget on every feature: the attack cannot change anything
    correct = clf._robust_correct(X, y, np.zeros(4))
    np.testing.assert_array_equal(correct, clf.predict(X) == y)


def test_early_stopping_keeps_validation_history():
    X, y = scaled_blobs(n=200)
    clf = _small(early_stopping=True, max_iter=200, n_iter_no_change=3).fit(X, y)
    assert clf.n_iter_ < 200
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None


def test_convergence_warning_when_max_iter_reached():
    from sklearn.exceptions import ConvergenceWarning

    X, y = scaled_blobs()
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        _small(max_iter=2).fit(X, y)


def test_warm_start_and_partial_fit_continue_training():
    X, y = scaled_blobs()
    clf = _small(warm_start=True, max_iter=3).fit(X, y)
    first = [p.detach().clone() for p in clf.module_.parameters()]
    clf.fit(X, y)
    assert clf.n_iter_ == 6
    assert any(not torch.equal(a, b) for a, b in zip(first, clf.module_.parameters()))
    with pytest.raises(ValueError, match="not in classes"):
        clf.fit(X, y + 5)
    with pytest.raises(ValueError, match="early_stopping"):
        _small(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])

    online = _small()
    with pytest.raises(ValueError, match="classes must be passed"):
        online.partial_fit(X, y)
    online.partial_fit(X[:60], y[:60], classes=[0, 1, 2])
    online.partial_fit(X[60:], y[60:])
    assert online.n_iter_ == 2
    with pytest.raises(ValueError, match="not in classes"):
        online.partial_fit(X[:5], np.full(5, 7))


def _interrupt_during_epoch(monkeypatch, epoch, batch):
    """Make ``train_step`` raise KeyboardInterrupt at a given (epoch, batch)."""
    original = AdversarialMLPClassifier.train_step
    calls = []

    def interrupting_step(self, X_batch, y_batch, attack):
        calls.append(self.n_iter_)
        if self.n_iter_ == epoch - 1 and calls.count(self.n_iter_) == batch:
            raise KeyboardInterrupt
        return original(self, X_batch, y_batch, attack)

    monkeypatch.setattr(AdversarialMLPClassifier, "train_step", interrupting_step)


def test_keyboard_interrupt_keeps_last_completed_epoch(monkeypatch):
    X, y = scaled_blobs()
    # three batches per epoch; the interrupt lands after two Adam steps of epoch 3
    reference = _small(max_iter=2, batch_size=40).fit(X, y)
    clf = _small(max_iter=10, batch_size=40)
    _interrupt_during_epoch(monkeypatch, epoch=3, batch=3)
    with pytest.warns(UserWarning, match="interrupted during epoch 3") as record:
        clf.fit(X, y)
    monkeypatch.undo()
    assert record[0].filename == __file__
    assert clf.n_iter_ == len(clf.loss_curve_) == 2
    assert clf.t_ == 2 * len(X)
    assert clf.loss_curve_ == reference.loss_curve_
    # exactly the network of two completed epochs, and usable
    np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))
    # the optimizer was rolled back too: continuing matches the reference
    clf.partial_fit(X, y)
    reference.partial_fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))


def test_keyboard_interrupt_with_early_stopping_keeps_best_network(monkeypatch):
    X, y = scaled_blobs(n=200)
    params = dict(early_stopping=True, n_iter_no_change=50, batch_size=60)
    reference = _small(max_iter=4, **params).fit(X, y)
    clf = _small(max_iter=20, **params)
    _interrupt_during_epoch(monkeypatch, epoch=5, batch=2)
    with pytest.warns(UserWarning, match="best network on the validation set"):
        clf.fit(X, y)
    assert clf.n_iter_ == 4
    assert clf.validation_scores_ == reference.validation_scores_
    np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))


def test_verbose_prints_clean_lines_without_a_terminal(capsys):
    X, y = scaled_blobs()
    _small(max_iter=3, verbose=1).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(",")[0] for line in lines] == [
        "Iteration 1",
        "Iteration 2",
        "Iteration 3",
    ]
    assert all("loss = " in line for line in lines)


def test_verbose_shows_a_progress_bar_on_a_terminal(capsys, monkeypatch):
    pytest.importorskip("tqdm")
    X, y = scaled_blobs()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    _small(max_iter=2, batch_size=40, verbose=1).fit(X, y)
    captured = capsys.readouterr()
    assert "epoch 1" in captured.err and "epoch 2" in captured.err
    assert "/3 [" in captured.err and "batch/s" in captured.err
    assert captured.out.count("Iteration") == 2
    # quiet by default: no bar, no lines
    _small(max_iter=2, batch_size=40).fit(X, y)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_cnn_and_callable_architectures():
    X, y = load_digits(return_X_y=True)
    X = X[:200] / 16.0
    y = y[:200]
    cnn = _small(architecture="cnn", max_iter=2, clip=(0, 1)).fit(X, y)
    assert cnn._input_shape == (1, 8, 8)
    assert isinstance(cnn.module_[1], torch.nn.Conv2d)
    assert cnn.predict_proba(X).shape == (200, 10)

    seen = {}

    def tiny_convnet(input_shape, n_classes):
        seen["args"] = (input_shape, n_classes)
        return torch.nn.Sequential(
            torch.nn.Conv2d(input_shape[0], 4, 3),
            torch.nn.ReLU(),
            torch.nn.Flatten(),
            torch.nn.Linear(4 * 6 * 6, n_classes),
        )

    net = _small(architecture=tiny_convnet, input_shape=(1, 8, 8), max_iter=2)
    net.fit(X, y)
    assert seen["args"] == ((1, 8, 8), 10)
    assert net.predict(X).shape == (200,)


@pytest.mark.parametrize("device", DEVICES)
def test_output_and_gradient_match_outputs_and_finite_differences(device):
    X, y = scaled_blobs()
    clf = _small(activation="tanh", max_iter=10, device=device).fit(X, y)
    target = np.arange(len(X)) % 3
    rows = np.arange(len(X))
    values, grads = clf._output_and_gradient(X, target, "proba")
    assert values.dtype == grads.dtype == np.float64
    assert grads.shape == X.shape
    np.testing.assert_allclose(values, clf.predict_proba(X)[rows, target], rtol=1e-5)
    logit_values, logit_grads = clf._output_and_gradient(X, target, "logit")
    np.testing.assert_allclose(
        logit_values, clf.decision_function(X)[rows, target], rtol=1e-5, atol=1e-6
    )
    # central differences of the model's own outputs
    h = 1e-2
    for j in range(X.shape[1]):
        step = np.zeros(X.shape[1])
        step[j] = h
        up = clf.decision_function(X + step)[rows, target]
        down = clf.decision_function(X - step)[rows, target]
        np.testing.assert_allclose(
            logit_grads[:, j], (up - down) / (2 * h), atol=2e-3, rtol=1e-2
        )


@pytest.mark.parametrize("device", DEVICES)
def test_robust_correct_bounds_and_metric_dispatch(device):
    from skadv.metrics import robust_accuracy_score

    X, y = scaled_blobs()
    clf = _small(max_iter=20, device=device).fit(X, y)
    clean = clf.score(X, y)
    assert robust_accuracy_score(clf, X, y, epsilon=0.0) == pytest.approx(clean)
    scores = [
        robust_accuracy_score(clf, X, y, epsilon=e, random_state=0)
        for e in (0.05, 0.2, 0.5)
    ]
    assert clean >= scores[0] >= scores[1] >= scores[2]
    assert scores[2] < clean
    # more restarts can only find more adversarial examples
    one = clf._robust_correct(X, y, 0.2, restarts=1, random_state=0)
    many = clf._robust_correct(X, y, 0.2, restarts=4, random_state=0)
    assert np.all(many <= one)
    # unknown labels are never correct
    assert not clf._robust_correct(X[:3], np.array([9, 9, 9]), 0.0).any()


def test_robust_accuracy_rejects_bad_inputs_before_torch():
    from skadv.metrics import robust_accuracy_score

    X, y = scaled_blobs(n=30)
    clf = _small().fit(X, y)
    with pytest.raises(ValueError, match="3 features"):
        robust_accuracy_score(clf, X[:, :3], y, epsilon=0.1)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        robust_accuracy_score(clf, bad, y, epsilon=0.1)


# ------------------------------------------------------------ the train step


def test_overridden_train_step_is_used_for_every_batch():
    X, y = scaled_blobs()
    calls = []

    class CleanTraining(AdversarialMLPClassifier):
        # trains on the clean batch whatever the attack: natural training
        def train_step(self, X_batch, y_batch, attack):
            calls.append(X_batch.shape[0])
            return super().train_step(X_batch, y_batch, lambda m, X, y: X)

    params = dict(_small(batch_size=50).get_params(), epsilon=0.3)
    clean = CleanTraining(**params).fit(X, y)
    assert calls == [50, 50, 20] * 5
    natural = AdversarialMLPClassifier(**{**params, "attack": None}).fit(X, y)
    adversarial = AdversarialMLPClassifier(**params).fit(X, y)
    assert clean.loss_curve_ == natural.loss_curve_ != adversarial.loss_curve_
    np.testing.assert_array_equal(clean.predict_proba(X), natural.predict_proba(X))


def test_default_train_step_is_one_adam_step_on_the_penalized_attacked_loss():
    import copy

    X, y = scaled_blobs()
    clf = _small(max_iter=2, alpha=0.3, l1=0.01).fit(X, y)
    manual_module = copy.deepcopy(clf.module_)
    manual_optimizer = torch.optim.Adam(manual_module.parameters(), lr=1e-2)
    # load_state_dict keeps the moment tensors it is given: copy them
    manual_optimizer.load_state_dict(copy.deepcopy(clf.optimizer_.state_dict()))
    # the network computes in the dtype of its training data, float64 here
    X_b = torch.as_tensor(X[:32], dtype=torch.float64)
    y_b = torch.as_tensor(y[:32])

    def shift(module, X, y):
        return X + 0.05

    loss = clf.train_step(X_b, y_b, shift)

    weights = [manual_module[0].weight, manual_module[2].weight]
    expected = (
        torch.nn.functional.cross_entropy(manual_module(X_b + 0.05), y_b)
        + 0.5 * 0.3 * sum((w**2).sum() for w in weights) / 32
        + 0.01 * sum(w.abs().sum() for w in weights)
    )
    manual_optimizer.zero_grad()
    expected.backward()
    manual_optimizer.step()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    for got, want in zip(clf.module_.parameters(), manual_module.parameters()):
        torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------- pickle / device


@pytest.mark.parametrize("device", DEVICES)
def test_pickle_round_trip_and_continued_training(device):
    X, y = scaled_blobs()
    clf = _small(max_iter=3, device=device).fit(X, y)
    blob = pickle.dumps(clf)
    restored = pickle.loads(blob)
    assert isinstance(restored.module_, torch.nn.Module)
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    # the optimizer state travels too: continuing gives the same network
    clf.partial_fit(X, y)
    restored.partial_fit(X, y)
    np.testing.assert_allclose(
        restored.predict_proba(X), clf.predict_proba(X), rtol=0, atol=1e-6
    )


def test_pickle_stores_a_weights_only_state_dict(monkeypatch):
    from skadv.neural_network._device import state_from_bytes

    clf = _small(max_iter=1).fit(*scaled_blobs())
    state = clf.__getstate__()
    assert isinstance(state["module_"], bytes)
    assert "optimizer_" not in state
    saved = state_from_bytes(state["module_"])
    assert all(t.device.type == "cpu" for t in saved["module"].values())
    # unpickling loads tensors only, never arbitrary pickled objects
    load = torch.load
    seen = []

    def spying_load(*args, **kwargs):
        seen.append(kwargs.get("weights_only"))
        return load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spying_load)
    restored = pickle.loads(pickle.dumps(clf))
    assert seen == [True]
    assert not restored.module_.training


def test_model_saved_on_cuda_unpickles_on_cpu_only_machine(monkeypatch):
    X, y = scaled_blobs()
    clf = _small(max_iter=2, device="cuda" if CUDA else "cpu").fit(X, y)
    expected = clf.predict_proba(X)
    clf_state_device = "cuda:0" if not CUDA else clf.device_
    if not CUDA:
        # what a GPU-trained model records; its weights are stored on the CPU
        clf.device_ = clf_state_device
    blob = pickle.dumps(clf)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    restored = pickle.loads(blob)
    assert restored.device_ == "cpu"
    assert restored._module_device.type == "cpu"
    np.testing.assert_allclose(restored.predict_proba(X), expected, atol=1e-5)


@pytest.mark.skipif(CUDA, reason="the fallback only happens without CUDA")
def test_cuda_request_falls_back_to_cpu_with_warning():
    X, y = scaled_blobs()
    with pytest.warns(UserWarning, match="falling back to the CPU"):
        clf = _small(device="cuda", max_iter=1).fit(X, y)
    assert clf.device_ == "cpu"


def test_auto_device():
    clf = _small(device="auto", max_iter=1).fit(*scaled_blobs())
    assert clf.device_.startswith("cuda" if CUDA else "cpu")


@pytest.mark.needs_cuda
def test_cuda_training_matches_cpu_quality():
    X, y = scaled_blobs()
    gpu = _small(device="cuda", max_iter=30).fit(X, y)
    assert gpu.device_.startswith("cuda")
    assert gpu._module_device.type == "cuda"
    assert gpu.score(X, y) > 0.9
    correct = gpu._robust_correct(X, y, 0.05, random_state=0)
    assert correct.dtype == bool and correct.shape == (len(X),)
    values, grads = gpu._output_and_gradient(X, y, "proba")
    assert grads.dtype == np.float64
    restored = pickle.loads(pickle.dumps(gpu))
    assert restored._module_device.type == "cuda"
    np.testing.assert_allclose(restored.predict_proba(X), gpu.predict_proba(X))


# ---------------------------------------------------- the paper on digits


@pytest.fixture(scope="module")
def digits_models():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    common = dict(
        epsilon=0.1,
        hidden_layer_sizes=(64,),
        clip=(0.0, 1.0),
        batch_size=32,
        learning_rate_init=3e-3,
        max_iter=25,
        device="cpu",
        random_state=0,
    )
    models = {
        "natural": AdversarialMLPClassifier(attack=None, **common),
        # a 10-step training attack is enough on 8x8 images; evaluation uses 20
        "pgd": AdversarialMLPClassifier(
            attack="pgd", attack_steps=10, attack_step_size=0.025, **common
        ),
        "fgsm": AdversarialMLPClassifier(attack="fgsm", **common),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for model in models.values():
            model.fit(X_train, y_train)
    return models, X_test, y_test


def test_digits_natural_and_adversarial_accuracy(digits_models):
    from skadv.metrics import robust_accuracy_score

    models, X, y = digits_models
    clean = {k: m.score(X, y) for k, m in models.items()}
    robust = {
        k: robust_accuracy_score(m, X, y, epsilon=0.1, steps=20, random_state=0)
        for k, m in models.items()
    }
    # measured: natural 0.96 clean / 0.39 robust; pgd 0.98 / 0.78; fgsm 0.98 / 0.78
    assert clean["natural"] >= 0.95
    assert clean["pgd"] >= 0.93
    assert robust["pgd"] >= robust["natural"] + 0.25
    assert abs(robust["fgsm"] - robust["pgd"]) <= 0.08


def test_digits_adversarial_training_gives_sparser_explanations(digits_models):
    from skadv.inspection import gini_index, integrated_gradients

    models, X, y = digits_models
    X, y = X[:150], y[:150]
    gini = {
        k: gini_index(np.abs(integrated_gradients(m, X, y, n_steps=16))).mean()
        for k, m in models.items()
        if k != "fgsm"
    }
    # measured: natural 0.745, pgd 0.786
    assert gini["pgd"] > gini["natural"] + 0.01
