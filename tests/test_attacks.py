"""The l_inf attacks of skadv.neural_network against oracles and invariants."""

import numpy as np
import pytest
from _small_models import plain_mlp as _small
from _small_models import scaled_blobs

from skadv.neural_network import AdversarialMLPClassifier

torch = pytest.importorskip("torch")

from skadv.neural_network._attacks import (  # noqa: E402
    fgsm,
    paper_schedule,
    pgd,
    project,
)

# for tests that train a network for a few epochs on purpose
SHORT_FIT = pytest.mark.filterwarnings(
    "ignore:Stopped after max_iter=.* epochs:sklearn.exceptions.ConvergenceWarning"
)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _mlp(n_features=6, n_classes=3, seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(n_features, 16),
        torch.nn.Tanh(),
        torch.nn.Linear(16, n_classes),
    )


def _data(n=40, n_features=6, n_classes=3, seed=0):
    rng = np.random.RandomState(seed)
    X = torch.as_tensor(
        rng.uniform(0.2, 0.8, size=(n, n_features)), dtype=torch.float32
    )
    y = torch.as_tensor(rng.randint(n_classes, size=n))
    return X, y


def _per_sample_loss(model, X, y):
    with torch.no_grad():
        return torch.nn.functional.cross_entropy(model(X), y, reduction="none")


def test_paper_schedule():
    assert paper_schedule(0.1) == (20, 0.01)
    assert paper_schedule(0.3) == (40, 0.01)
    steps, size = paper_schedule(0.25)
    # the walk can always cross the ball
    assert steps * size >= 0.25


@pytest.mark.parametrize("attack", ["pgd", "fgsm"])
@pytest.mark.parametrize("per_feature", [False, True])
def test_attack_stays_in_ball_and_clip(attack, per_feature):
    model = _mlp()
    X, y = _data()
    if per_feature:
        epsilon = torch.tensor([0.0, 0.05, 0.1, 0.3, 0.2, 0.5])
        clip = (torch.full((6,), 0.1), torch.tensor([1.0, 1.0, 0.9, 0.85, 1.0, 0.6]))
    else:
        epsilon, clip = 0.3, (0.0, 0.9)
    gen = torch.Generator().manual_seed(0)
    if attack == "pgd":
        X_adv = pgd(
            model, X, y, epsilon, steps=10, step_size=0.05, clip=clip, generator=gen
        )
    else:
        X_adv = fgsm(model, X, y, epsilon, clip=clip, generator=gen)
    eps = torch.as_tensor(epsilon)
    assert torch.all((X_adv - X).abs() <= eps + 1e-6)
    low, high = (torch.as_tensor(c) for c in clip)
    assert torch.all(X_adv >= low - 1e-7)
    assert torch.all(X_adv <= high + 1e-7)
    assert not X_adv.requires_grad
    if per_feature:
        # a zero budget leaves that feature alone
        assert torch.equal(X_adv[:, 0], X[:, 0])
    # the attack moved something: it is not the identity
    assert (X_adv - X).abs().max() > 0.01


def test_pgd_beats_random_points_of_the_ball():
    model = _mlp()
    X, y = _data(n=60)
    epsilon = 0.2
    gen = torch.Generator().manual_seed(1)
    X_adv = pgd(model, X, y, epsilon, steps=20, step_size=0.02, generator=gen)
    pgd_loss = _per_sample_loss(model, X_adv, y)
    best_random = torch.zeros_like(pgd_loss)
    for _ in range(30):
        noise = (2 * torch.rand(X.shape, generator=gen) - 1) * epsilon
        best_random = torch.maximum(best_random, _per_sample_loss(model, X + noise, y))
    vertices = _per_sample_loss(
        model, X + epsilon * torch.sign(torch.randn(X.shape)), y
    )
    assert torch.all(pgd_loss >= best_random - 1e-5)
    assert torch.all(pgd_loss >= vertices - 1e-5)
    assert pgd_loss.sum() > _per_sample_loss(model, X, y).sum()


def _linear_binary(n_features=5, seed=0):
    torch.manual_seed(seed)
    model = torch.nn.Linear(n_features, 2)
    return model


@pytest.mark.parametrize("random_start", [True, False])
def test_pgd_reaches_closed_form_worst_case_of_linear_model(random_start):
    model = _linear_binary()
    X, y = _data(n=50, n_features=5, n_classes=2, seed=3)
    epsilon = 0.1
    w = (model.weight[1] - model.weight[0]).detach()
    b = (model.bias[1] - model.bias[0]).detach()
    sign_y = 2.0 * y.float() - 1.0  # labels in {-1, +1}
    # Lemma 2: the worst perturbation is -y * eps * sgn(w)
    X_star = X - epsilon * sign_y[:, None] * torch.sign(w)[None, :]
    closed_form = torch.nn.functional.softplus(
        epsilon * w.abs().sum() - sign_y * (X @ w + b)
    )
    gen = torch.Generator().manual_seed(0)
    steps, step_size = paper_schedule(epsilon)
    X_adv = pgd(
        model,
        X,
        y,
        epsilon,
        steps=steps,
        step_size=step_size,
        random_start=random_start,
        generator=gen,
    )
    torch.testing.assert_close(X_adv, X_star, atol=1e-6, rtol=0)
    torch.testing.assert_close(
        _per_sample_loss(model, X_adv, y), closed_form, atol=1e-5, rtol=1e-5
    )


def test_fgsm_on_linear_model_hits_vertex():
    model = _linear_binary(seed=2)
    X, y = _data(n=30, n_features=5, n_classes=2, seed=4)
    epsilon = 0.2
    w = (model.weight[1] - model.weight[0]).detach()
    sign_y = 2.0 * y.float() - 1.0
    X_star = X - epsilon * sign_y[:, None] * torch.sign(w)[None, :]
    # from the clean point, one step longer than eps lands on the vertex
    X_adv = fgsm(model, X, y, epsilon, random_start=False)
    torch.testing.assert_close(X_adv, X_star, atol=1e-6, rtol=0)
    # from a random start it moves every coordinate towards that vertex: on a
    # linear model the loss then beats the clean loss for every sample
    X_rand = fgsm(model, X, y, epsilon, generator=torch.Generator().manual_seed(0))
    moved_right = torch.sign(X_rand - X) == torch.sign(X_star - X)
    assert moved_right.float().mean() > 0.6
    assert torch.all(
        _per_sample_loss(model, X_rand, y) >= _per_sample_loss(model, X, y) - 1e-6
    )


class _ModeRecorder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(6, 8), torch.nn.Dropout(0.5), torch.nn.Linear(8, 3)
        )
        self.modes = []

    def forward(self, X):
        self.modes.append(self.training)
        return self.net(X)


@pytest.mark.parametrize("attack", ["pgd", "fgsm"])
def test_attack_uses_eval_mode_restores_it_and_leaks_no_gradient(attack):
    model = _ModeRecorder()
    model.train()
    X, y = _data()
    gen = torch.Generator().manual_seed(0)
    if attack == "pgd":
        pgd(model, X, y, 0.1, steps=3, step_size=0.05, generator=gen)
    else:
        fgsm(model, X, y, 0.1, generator=gen)
    assert model.modes and not any(model.modes)
    assert model.training
    assert all(p.grad is None for p in model.parameters())
    # and an eval-mode model stays in eval mode
    model.eval()
    pgd(model, X, y, 0.1, steps=2, step_size=0.05, generator=gen)
    assert not model.training


def test_dropout_does_not_randomize_the_attack():
    model = _ModeRecorder()
    model.train()
    X, y = _data()
    results = [
        pgd(
            model,
            X,
            y,
            0.1,
            steps=5,
            step_size=0.03,
            generator=torch.Generator().manual_seed(0),
        )
        for _ in range(2)
    ]
    torch.testing.assert_close(results[0], results[1], atol=0, rtol=0)


def test_attack_does_not_touch_inputs_or_existing_gradients():
    model = _mlp()
    X, y = _data()
    X_copy = X.clone()
    model(X).sum().backward()
    grads = [p.grad.clone() for p in model.parameters()]
    pgd(model, X, y, 0.1, steps=4, step_size=0.05)
    assert torch.equal(X, X_copy)
    for p, g in zip(model.parameters(), grads):
        assert torch.equal(p.grad, g)


def test_project_intersects_ball_and_range():
    X = torch.tensor([[0.5, 0.95]])
    far = torch.tensor([[2.0, 2.0]])
    out = project(far, X, 0.1, (torch.tensor(0.0), torch.tensor(1.0)))
    torch.testing.assert_close(out, torch.tensor([[0.6, 1.0]]))


@pytest.mark.parametrize("attack", ["pgd", "fgsm"])
def test_inputs_outside_the_range_are_never_moved_out_of_the_ball(attack):
    # Where X lies farther than epsilon outside clip, ball and range do not
    # meet: the attack must stay within epsilon of X instead of jumping to the
    # range, at the point of the ball nearest the range.
    model = _mlp(n_features=3)
    X = torch.tensor([[2.0, 0.5, -1.0]] * 4)
    y = torch.tensor([0, 1, 2, 0])
    clip = (0.0, 1.0)
    gen = torch.Generator().manual_seed(0)
    if attack == "pgd":
        X_adv = pgd(model, X, y, 0.1, steps=5, step_size=0.05, clip=clip, generator=gen)
    else:
        X_adv = fgsm(model, X, y, 0.1, clip=clip, generator=gen)
    assert torch.all((X_adv - X).abs() <= 0.1 + 1e-6)
    # never pushed further out of the range than it already is
    torch.testing.assert_close(X_adv[:, 0], torch.full((4,), 1.9))
    torch.testing.assert_close(X_adv[:, 2], torch.full((4,), -0.9))
    far = torch.tensor([[5.0, 5.0, 5.0]])
    out = project(far, X[:1], 0.1, clip)
    torch.testing.assert_close(out, torch.tensor([[1.9, 0.6, -0.9]]))


# ------------------------------------------- attacks inside the estimator


def _blobs():
    return scaled_blobs(cluster_std=1.0)


@SHORT_FIT
def test_attacks_never_write_parameter_gradients_during_training():
    X, y = _blobs()
    leaks = []

    class Watched(AdversarialMLPClassifier):
        def train_step(self, X_batch, y_batch, attack):
            before = [
                None if p.grad is None else p.grad.clone()
                for p in self.module_.parameters()
            ]
            attack(self.module_, X_batch, y_batch)
            for old, p in zip(before, self.module_.parameters()):
                leaks.append(
                    (old is None) != (p.grad is None)
                    or (old is not None and not torch.equal(old, p.grad))
                )
            assert self.module_.training
            return super().train_step(X_batch, y_batch, attack)

    Watched(**_small(batch_size=40, attack_steps=3).get_params()).fit(X, y)
    assert len(leaks) == 5 * 3 * 4 and not any(leaks)


@SHORT_FIT
def test_fitted_network_stays_clean_through_inference():
    X, y = _blobs()
    clf = _small(epsilon=0.1).fit(X, y)
    module = clf.module_
    assert not module.training
    assert all(p.grad is None for p in module.parameters())
    clf.predict_proba(X)
    clf._output_and_gradient(X, y, "proba")
    clf._robust_correct(X, y, 0.1, steps=3)
    assert not module.training
    assert all(p.grad is None for p in module.parameters())
    # inference restores whatever mode it found
    module.train()
    clf._robust_correct(X, y, 0.1, steps=3)
    clf.predict(X)
    assert module.training
