"""The per-minibatch hooks of AdversarialMLPClassifier and its training history."""

import copy
import subprocess
import sys
import warnings

import numpy as np
import pytest
from _small_models import small_mlp

torch = pytest.importorskip("torch")
F = torch.nn.functional

from skadv.neural_network import AdversarialMLPClassifier  # noqa: E402
from skadv.neural_network._history import TrainingHistory  # noqa: E402

# The short fits here stop at max_iter by design.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _fitted(cls, X, y, **params):
    clf = cls(**small_mlp(max_iter=1, **params).get_params())
    return clf.partial_fit(X, y, classes=[0, 1, 2])


def _manual_copy(clf):
    """The network and an Adam in the same state, to step by hand."""
    module = copy.deepcopy(clf.module_)
    optimizer = torch.optim.Adam(module.parameters(), lr=clf.learning_rate_init)
    # load_state_dict keeps the moment tensors it is given: copy them
    optimizer.load_state_dict(copy.deepcopy(clf.optimizer_.state_dict()))
    return module, optimizer


def _penalty_by_hand(module, alpha, l1, n_samples):
    weights = [m.weight for m in module if isinstance(m, torch.nn.Linear)]
    return 0.5 * alpha * sum((w**2).sum() for w in weights) / n_samples + l1 * sum(
        w.abs().sum() for w in weights
    )


def _step_by_hand(module, optimizer, loss):
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def _assert_same_network(got, want):
    for a, b in zip(got.parameters(), want.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


def _no_attack(module, X, y):
    return X


class SmoothedLabels(AdversarialMLPClassifier):
    """Overrides only the data term of the loss."""

    def data_loss(self, X, y):
        return F.cross_entropy(self.module_(X), y, label_smoothing=0.2)


def test_a_new_data_loss_keeps_the_alpha_and_l1_penalties(blobs):
    X, y = blobs
    clf = _fitted(SmoothedLabels, X, y, alpha=0.3, l1=0.01)
    module, optimizer = _manual_copy(clf)
    X_b = torch.as_tensor(X[:32])
    y_b = torch.as_tensor(y[:32])

    loss = clf.train_step(X_b, y_b, _no_attack)

    module.train()
    data_term = F.cross_entropy(module(X_b), y_b, label_smoothing=0.2)
    expected = data_term + _penalty_by_hand(module, 0.3, 0.01, 32)
    # the penalties are not negligible here, so the check fails without them
    assert expected.item() - data_term.item() > 0.01
    _step_by_hand(module, optimizer, expected)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    _assert_same_network(clf.module_, module)


def test_penalty_is_the_documented_objective_term(blobs):
    X, y = blobs
    clf = _fitted(AdversarialMLPClassifier, X, y, alpha=0.3, l1=0.01)
    expected = _penalty_by_hand(clf.module_, 0.3, 0.01, 20)
    assert clf.penalty(20).item() == pytest.approx(expected.item(), rel=1e-12)
    assert clf.set_params(alpha=0.0, l1=0.0).penalty(20) == 0.0


class ShiftedInputs(AdversarialMLPClassifier):
    """Trains on the batch moved by a fixed offset, whatever the attack."""

    def attack_batch(self, X_batch, y_batch, attack):
        self.seen_attack = attack
        return X_batch + 0.05


def test_attack_batch_decides_what_the_network_trains_on(blobs):
    X, y = blobs
    clf = _fitted(ShiftedInputs, X, y, alpha=0.3, l1=0.01)
    module, optimizer = _manual_copy(clf)
    X_b = torch.as_tensor(X[:32])
    y_b = torch.as_tensor(y[:32])

    loss = clf.train_step(X_b, y_b, _no_attack)

    assert clf.seen_attack is _no_attack
    module.train()
    expected = F.cross_entropy(module(X_b + 0.05), y_b) + _penalty_by_hand(
        module, 0.3, 0.01, 32
    )
    _step_by_hand(module, optimizer, expected)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    _assert_same_network(clf.module_, module)


def test_attack_batch_receives_the_configured_attack_in_fit(blobs):
    X, y = blobs

    class CleanInputs(AdversarialMLPClassifier):
        def attack_batch(self, X_batch, y_batch, attack):
            self.attacks = getattr(self, "attacks", 0) + 1
            # the configured attack moves the batch; training ignores it
            assert not torch.equal(attack(self.module_, X_batch, y_batch), X_batch)
            return X_batch

    params = dict(small_mlp(batch_size=50, epsilon=0.3).get_params())
    clean = CleanInputs(**params).fit(X, y)
    assert clean.attacks == 3 * clean.n_iter_
    natural = AdversarialMLPClassifier(**{**params, "attack": None}).fit(X, y)
    adversarial = AdversarialMLPClassifier(**params).fit(X, y)
    assert clean.loss_curve_ == natural.loss_curve_ != adversarial.loss_curve_


def test_the_loss_is_computed_in_train_mode_whatever_the_attack_did(blobs):
    X, y = blobs
    modes = []

    class LeavesEvalMode(AdversarialMLPClassifier):
        def attack_batch(self, X_batch, y_batch, attack):
            modes.append(self.module_.training)
            self.module_.eval()
            return X_batch

        def data_loss(self, X, y):
            modes.append(self.module_.training)
            return super().data_loss(X, y)

    LeavesEvalMode(**small_mlp(max_iter=1).get_params()).fit(X, y)
    assert modes == [True] * len(modes) and len(modes) == 2 * 6


def test_the_half_adversarial_example_keeps_the_penalties(blobs):
    X, y = blobs

    class HalfAdversarial(AdversarialMLPClassifier):
        def attack_batch(self, X_batch, y_batch, attack):
            half = X_batch.shape[0] // 2
            X_adv = attack(self.module_, X_batch[half:], y_batch[half:])
            return torch.cat([X_batch[:half], X_adv])

    clf = _fitted(HalfAdversarial, X, y, alpha=0.3, l1=0.01)
    module, optimizer = _manual_copy(clf)
    X_b = torch.as_tensor(X[:32])
    y_b = torch.as_tensor(y[:32])

    loss = clf.train_step(X_b, y_b, lambda module, X, y: X + 0.1)

    module.train()
    X_train = torch.cat([X_b[:16], X_b[16:] + 0.1])
    expected = F.cross_entropy(module(X_train), y_b) + _penalty_by_hand(
        module, 0.3, 0.01, 32
    )
    _step_by_hand(module, optimizer, expected)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    _assert_same_network(clf.module_, module)


def test_a_whole_new_compute_loss_is_the_one_trained_on(blobs):
    X, y = blobs

    class OnlyWeights(AdversarialMLPClassifier):
        def compute_loss(self, X, y):
            return self.penalty(X.shape[0])

    clf = _fitted(OnlyWeights, X, y, alpha=0.3, l1=0.01)
    before = clf.penalty(32).item()
    X_b, y_b = torch.as_tensor(X[:32]), torch.as_tensor(y[:32])
    loss = clf.train_step(X_b, y_b, _no_attack)
    assert loss.item() == pytest.approx(before, rel=1e-12)
    assert clf.penalty(32).item() < before


# ------------------------------------------------------------ training history


def test_history_record_follows_the_patience_rule():
    history = TrainingHistory.start(early_stopping=False)
    assert (history.best_loss, history.validation_scores) == (np.inf, None)
    for loss in (1.0, 0.99995, 0.5):
        history.record(loss, None, n_samples=10, tol=1e-4)
    assert (history.n_iter, history.t) == (3, 30)
    assert history.loss_curve == [1.0, 0.99995, 0.5]
    assert history.best_loss == 0.5 and history.no_improvement_count == 0

    scored = TrainingHistory.start(early_stopping=True)
    assert scored.best_loss is None and scored.best_validation_score == -np.inf
    flags = [
        scored.record(1.0, score, n_samples=10, tol=0.1)
        for score in (0.5, 0.55, 0.55, 0.8)
    ]
    # a new best keeps the network even when it is within tol of the old one
    assert flags == [True, True, False, True]
    assert scored.validation_scores == [0.5, 0.55, 0.55, 0.8]
    assert scored.best_validation_score == 0.8
    assert scored.no_improvement_count == 0


def test_fitted_history_attributes_are_not_changed_by_later_epochs(blobs):
    X, y = blobs
    clf = small_mlp(max_iter=2).fit(X, y)
    curve = clf.loss_curve_
    clf.partial_fit(X, y)
    assert len(curve) == 2 and len(clf.loss_curve_) == 3
    assert clf.loss_curve_[:2] == curve
    assert (clf.n_iter_, clf.t_) == (3, 3 * len(X))


def test_n_iter_counts_completed_epochs_during_training(blobs):
    X, y = blobs
    seen = []

    class Recording(AdversarialMLPClassifier):
        def train_step(self, X_batch, y_batch, attack):
            seen.append((self.n_iter_, len(self.loss_curve_), self.t_))
            return super().train_step(X_batch, y_batch, attack)

    Recording(**small_mlp(max_iter=3, batch_size=60).get_params()).fit(X, y)
    assert seen == [(e, e, e * len(X)) for e in range(3) for _ in range(2)]


def test_the_hooks_and_the_history_import_without_torch():
    # the mixins are bases of the estimator, so they must not need torch
    code = (
        "import sys, skadv.neural_network, skadv.inspection, skadv.utils;"
        "skadv.neural_network.AdversarialMLPClassifier(l1=0.1).get_params();"
        "print(sorted({'torch', 'skadv.utils._torch'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("first, second", [(False, True), (True, False)])
def test_warm_start_may_switch_early_stopping(blobs, first, second):
    X, y = blobs
    clf = small_mlp(warm_start=True, early_stopping=first, max_iter=3, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
        losses = list(clf.loss_curve_)
        clf.set_params(early_stopping=second).fit(X, y)
    # the epochs carry over; the scores of the stopping rule follow the new mode
    assert clf.loss_curve_[: len(losses)] == losses
    assert clf.n_iter_ == len(clf.loss_curve_) > len(losses)
    if second:
        assert len(clf.validation_scores_) == clf.n_iter_ - len(losses)
        assert clf.best_validation_score_ == max(clf.validation_scores_)
        assert clf.best_loss_ is None
    else:
        assert clf.validation_scores_ is None and clf.best_validation_score_ is None
        assert clf.best_loss_ == min(clf.loss_curve_)
