"""The official one-layer recipe of benchmarks/_paper_recipe.py against oracles.

The gradient against torch's autograd of the same clipped loss, the Adam steps
against ``torch.optim.Adam``, the Ftrl steps against a line-by-line loop of
TensorFlow's documented ApplyFtrl update, the split against the global-seed
calls the official scripts make, the IG rule against skadv's own
``integrated_gradients`` and the robust accuracy against
``robust_accuracy_score``.
"""

import importlib
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from skadv.inspection import gini_index, integrated_gradients
from skadv.linear_model import AdversarialLogisticRegression
from skadv.metrics import robust_accuracy_score

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def recipe():
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(ROOT))
        yield importlib.import_module("benchmarks._paper_recipe")


@pytest.fixture(scope="module")
def tabular():
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(ROOT))
        yield importlib.import_module("benchmarks._paper_tabular")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(96, 5))
    y = (X[:, 0] - 0.7 * X[:, 1] + 0.3 * rng.normal(size=96) > 0).astype(float)
    return X, y


def _torch_loss_gradient(X, y, w, b, epsilon, l1):
    """Autograd of Keras's eager cross-entropy (clip, +eps in the log) + l1|w|."""
    torch = pytest.importorskip("torch")
    eps = 1e-7
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    # the perturbation is computed outside the tape, from the current w
    delta = -epsilon * torch.sign(wt.detach()) * (2 * yt - 1)[:, None]
    p = torch.sigmoid((Xt + delta) @ wt + bt).clamp(eps, 1 - eps)
    bce = -(yt * torch.log(p + eps) + (1 - yt) * torch.log(1 - p + eps))
    loss = bce.mean() + l1 * wt.abs().sum()
    loss.backward()
    return np.r_[wt.grad.numpy(), bt.grad.numpy()]


@pytest.mark.parametrize("epsilon, l1", [(0.0, 0.0), (0.3, 0.0), (0.0, 0.05)])
def test_loss_gradient_matches_autograd(recipe, data, epsilon, l1):
    X, y = data
    rng = np.random.default_rng(1)
    w, b = rng.normal(size=5), 0.2
    # a saturated row: its probability is clipped, so it contributes nothing
    X = X.copy()
    X[0] = 40.0 * np.sign(w) * (1 if y[0] else -1)
    rows = np.arange(len(y))
    ours = recipe._loss_gradient(X, y, w, b, epsilon, l1, rows)
    np.testing.assert_allclose(
        ours, _torch_loss_gradient(X, y, w, b, epsilon, l1), rtol=1e-10, atol=1e-13
    )


def test_adam_matches_torch(recipe, data):
    torch = pytest.importorskip("torch")
    X, y = data
    rng = np.random.default_rng(2)
    theta0 = rng.normal(0, 0.05, size=6)
    orders = np.stack([rng.permutation(len(y)) for _ in range(3)])
    ours = recipe._train(X, y, theta0.copy(), 0.1, 0.01, orders, 32, 1, 0.01, True)

    theta = torch.tensor(theta0, requires_grad=True)
    # Keras's epsilon is added to sqrt(v) before the bias correction of the
    # step size; torch adds it after. A tiny eps makes the two the same rule.
    opt = torch.optim.Adam([theta], lr=0.01, betas=(0.9, 0.999), eps=1e-12)
    for epoch, order in enumerate(orders):
        eps = 0.0 if epoch < 1 else 0.1
        for start in range(0, len(y), 32):
            rows = order[start : start + 32]
            w, b = theta.detach().numpy()[:5], float(theta.detach().numpy()[5])
            grad = _torch_loss_gradient(X[rows], y[rows], w, b, eps, 0.01)
            opt.zero_grad()
            theta.grad = torch.tensor(grad)
            opt.step()
    np.testing.assert_allclose(ours, theta.detach().numpy(), rtol=1e-4, atol=1e-6)


def _apply_ftrl(var, accum, linear, grad, lr, lr_power=-0.5):
    """TensorFlow's documented ApplyFtrl update with l1 = l2 = 0, one entry."""
    accum_new = accum + grad * grad
    linear = linear + grad - (accum_new**-lr_power - accum**-lr_power) / lr * var
    quadratic = 1.0 / (accum_new**lr_power * lr)
    var = -linear / quadratic if abs(linear) > 0 else 0.0
    return var, accum_new, linear


def test_ftrl_matches_the_documented_update(recipe, data):
    X, y = data
    rng = np.random.default_rng(3)
    theta0 = rng.normal(0, 0.05, size=6)
    orders = np.stack([rng.permutation(len(y)) for _ in range(2)])
    ours = recipe._train(X, y, theta0.copy(), 0.2, 0.0, orders, 16, 1, 0.01, False)

    theta = theta0.copy()
    accum, linear = np.full(6, 0.1), np.zeros(6)
    for epoch, order in enumerate(orders):
        eps = 0.0 if epoch < 1 else 0.2
        for start in range(0, len(y), 16):
            rows = order[start : start + 16]
            grad = _torch_loss_gradient(X[rows], y[rows], theta[:5], theta[5], eps, 0.0)
            for k in range(6):
                theta[k], accum[k], linear[k] = _apply_ftrl(
                    theta[k], accum[k], linear[k], grad[k], 0.01
                )
    np.testing.assert_allclose(ours, theta, rtol=1e-9, atol=1e-12)


def test_fit_recipe_is_seeded_and_leaves_inputs_alone(recipe, data):
    X, y = data
    X_before, y_before = X.copy(), y.copy()
    first = recipe.fit_recipe(X, y, epsilon=0.1, seed=5)
    again = recipe.fit_recipe(X, y, epsilon=0.1, seed=5)
    other = recipe.fit_recipe(X, y, epsilon=0.1, seed=6)
    np.testing.assert_array_equal(first[0], again[0])
    assert not np.allclose(first[0], other[0])
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


def test_official_split_is_the_global_seed_split(recipe):
    train, val, test = recipe.official_split(500, seed=312)
    # the official scripts seed numpy's legacy global generator: that is the oracle
    state = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(312)  # noqa: NPY002
        rest, test_ref = train_test_split(np.arange(500), test_size=0.2)
        train_ref, val_ref = train_test_split(rest, test_size=0.2)
    finally:
        np.random.set_state(state)  # noqa: NPY002
    np.testing.assert_array_equal(test, test_ref)
    np.testing.assert_array_equal(train, train_ref)
    np.testing.assert_array_equal(val, val_ref)
    assert (len(train), len(val), len(test)) == (320, 80, 100)


def test_official_ig_is_skadv_left_riemann_of_class_one(recipe, data):
    X, y = data
    model = AdversarialLogisticRegression(epsilon=0.1).fit(X, y)
    w, b = np.ravel(model.coef_), float(model.intercept_[0])
    ours = recipe.official_integrated_gradients(w, b, X)
    skadv = integrated_gradients(
        model, X, target=1, method="riemann_left", n_steps=recipe.TABULAR_IG_STEPS
    )
    np.testing.assert_allclose(ours, skadv, rtol=1e-10, atol=1e-14)


def test_official_scores(recipe, data):
    X, y = data
    model = AdversarialLogisticRegression(epsilon=0.1).fit(X, y)
    w, b = np.ravel(model.coef_), float(model.intercept_[0])
    scores = recipe.official_scores(w, b, X, y, max_rows=40)
    assert scores["accuracy"] == pytest.approx(model.score(X, y))
    ig = np.abs(recipe.official_integrated_gradients(w, b, X[:40]))
    # the official formula: rank-weighted sum of the sorted |IG| + 1e-7
    v = np.sort(ig + 1e-7, axis=1)
    n = v.shape[1]
    k = np.arange(1, n + 1)
    official = np.sum((2 * k - n - 1) * v, axis=1) / (n * v.sum(axis=1))
    assert scores["gini_offset"] == pytest.approx(official.mean(), abs=1e-12)
    assert scores["gini"] == pytest.approx(np.mean(gini_index(ig)), abs=1e-12)


def test_closed_form_robust_accuracy(tabular, data):
    X, y = data
    model = AdversarialLogisticRegression(epsilon=0.05).fit(X, y)
    w, b = np.ravel(model.coef_), float(model.intercept_[0])
    for eps in (0.0, 0.1, 0.5):
        assert tabular.robust_accuracy(w, b, X, y, eps) == pytest.approx(
            robust_accuracy_score(model, X, y, epsilon=eps)
        )


def test_mushroom_positive_class_is_poisonous(tabular):
    X, y, _ = tabular.load_tabular("mushroom")
    assert y.sum() == 3916 and len(y) == 8124
    encoder = tabular.encoder("mushroom", X).fit(X[:50])
    # the categories of the whole table, not only of the rows it was fitted on
    assert encoder.transform(X).shape[1] == sum(
        len(np.unique(c.astype(str))) for c in X.T
    )
