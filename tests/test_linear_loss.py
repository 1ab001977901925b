"""The adversarial loss kernels against finite differences, numpy and brute force."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import check_grad

from skadv.linear_model._loss import LinearDesign, loss_and_gradient
from skadv.linear_model._solvers import BinaryProblem


def _data(n=40, d=5, seed=0, density=None):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if density is not None:
        X[rng.uniform(size=X.shape) > density] = 0.0
    y = np.where(rng.uniform(size=n) < 0.5, -1.0, 1.0)
    s = rng.uniform(0.5, 2.0, size=n)
    return X, y, s


def _numpy_loss(X, y, s, w, b, eps):
    """Independent reference: the closed form written with numpy."""
    margin = y * (X @ w + b)
    return float(np.sum(s * np.logaddexp(0.0, np.sum(eps * np.abs(w)) - margin)))


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("eps", [0.0, 0.3, "per-feature"])
def test_loss_matches_numpy_reference(sparse, eps):
    X, y, s = _data(density=0.6)
    rng = np.random.default_rng(1)
    w, b = rng.normal(size=X.shape[1]), 0.4
    eps = rng.uniform(0, 0.5, size=X.shape[1]) if eps == "per-feature" else eps
    Xk = sp.csr_matrix(X) if sparse else X
    loss, _, _ = loss_and_gradient(Xk, y, s, w, b, eps)
    assert loss == pytest.approx(_numpy_loss(X, y, s, w, b, eps), rel=1e-12)


@pytest.mark.parametrize("sparse", [False, True])
def test_gradient_matches_finite_differences(sparse):
    # An odd number of rows: the dense kernel walks rows in pairs.
    X, y, s = _data(n=41, density=0.5, seed=3)
    rng = np.random.default_rng(2)
    eps = rng.uniform(0, 0.3, size=X.shape[1])
    Xk = sp.csr_matrix(X) if sparse else X
    # Away from w_j = 0 the loss is differentiable in (w, b).
    w0 = rng.choice([-1.0, 1.0], size=X.shape[1]) * rng.uniform(0.2, 1.0, X.shape[1])

    def value(theta):
        return loss_and_gradient(Xk, y, s, theta[:-1], theta[-1], eps)[0]

    def grad(theta):
        _, gw, gb = loss_and_gradient(Xk, y, s, theta[:-1], theta[-1], eps)
        return np.append(gw, gb)

    theta0 = np.append(w0, -0.3)
    scale = np.linalg.norm(grad(theta0))
    assert check_grad(value, grad, theta0, epsilon=1e-6) < 1e-5 * scale


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("l1_ratio", [0.0, 0.4])
def test_split_objective_gradient_matches_finite_differences(sparse, l1_ratio):
    X, y, s = _data(density=0.5, seed=4)
    eps = np.linspace(0.05, 0.3, X.shape[1])
    Xk = sp.csr_matrix(X) if sparse else X
    problem = BinaryProblem(LinearDesign(Xk, y, s), eps, 2.0, l1_ratio, True)
    rng = np.random.default_rng(5)
    # Interior point with both p and q positive: the split objective is smooth
    # there even where it differs from the original one.
    theta = np.append(rng.uniform(0.1, 1.0, 2 * X.shape[1]), 0.2)

    def value(t):
        return problem.objective(t)[0]

    def grad(t):
        return problem.objective(t)[1]

    assert check_grad(value, grad, theta, epsilon=1e-7) < 1e-5 * np.linalg.norm(
        grad(theta)
    )


def test_split_objective_equals_formula_at_split_point():
    X, y, s = _data(seed=6)
    eps, C, l1_ratio = 0.2, 3.0, 0.3
    problem = BinaryProblem(
        LinearDesign(X, y, s), np.full(X.shape[1], eps), C, l1_ratio, True
    )
    rng = np.random.default_rng(7)
    w, b = rng.normal(size=X.shape[1]), 0.5
    expected = (
        C * _numpy_loss(X, y, s, w, b, eps)
        + (1 - l1_ratio) / 2 * w @ w
        + l1_ratio * np.abs(w).sum()
    )
    assert problem.natural_objective(w, b) * C == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("eps", [0.25, "per-feature"])
def test_closed_form_equals_worst_vertex(eps):
    # The logistic loss is monotone in the margin, so its maximum over the box
    # is at one of the 2^d vertices.
    X, y, s = _data(n=12, d=4, seed=8)
    rng = np.random.default_rng(9)
    w, b = rng.normal(size=4), -0.2
    eps = rng.uniform(0.0, 0.6, size=4) if eps == "per-feature" else np.full(4, eps)
    worst = np.full(X.shape[0], -np.inf)
    for signs in itertools.product([-1.0, 1.0], repeat=4):
        Xv = X + np.asarray(signs) * eps
        worst = np.maximum(worst, np.logaddexp(0.0, -y * (Xv @ w + b)))
    for i in range(X.shape[0]):
        loss, _, _ = loss_and_gradient(
            X[i : i + 1], y[i : i + 1], np.ones(1), w, b, eps
        )
        assert loss == pytest.approx(worst[i], rel=1e-12)


@pytest.mark.parametrize("sparse", [False, True])
def test_minibatch_rows_match_subset(sparse):
    X, y, s = _data(n=100, seed=10)
    design = LinearDesign(sp.csr_matrix(X) if sparse else X, y, s)
    w = np.linspace(-1, 1, X.shape[1])
    # Odd and even counts: the dense kernel walks rows in pairs.
    for rows in (np.array([5, 17, 17, 99, 0]), np.array([3, 8]), np.array([42])):
        loss, gw, gb, gr = design.loss_and_gradient(w, 0.1, 0.7, rows=rows)
        # A budget whose shift sum_j e_j |w_j| is the r = 0.7 passed above.
        eps = 0.7 / np.abs(w).sum()
        expected = _numpy_loss(X[rows], y[rows], s[rows], w, 0.1, eps)
        assert loss == pytest.approx(expected, rel=1e-12)
        sub = LinearDesign(X[rows], y[rows], s[rows])
        loss2, gw2, gb2, gr2 = sub.loss_and_gradient(w, 0.1, 0.7)
        np.testing.assert_allclose([loss, gb, gr], [loss2, gb2, gr2], rtol=1e-12)
        np.testing.assert_allclose(gw, gw2, rtol=1e-12)


def test_parallel_chunks_match_serial(monkeypatch):
    import skadv.linear_model._loss as loss_module

    X, y, s = _data(n=3000, d=20, seed=11, density=0.3)
    w = np.linspace(-0.5, 0.5, 20)
    for Xk in (X, sp.csr_matrix(X)):
        serial = LinearDesign(Xk, y, s).loss_and_gradient(w, 0.3, 0.2)
        monkeypatch.setattr(loss_module, "_MIN_WORK_PER_CHUNK", 1)
        parallel = LinearDesign(Xk, y, s).loss_and_gradient(w, 0.3, 0.2)
        monkeypatch.undo()
        for a, b in zip(serial, parallel):
            np.testing.assert_allclose(a, b, rtol=1e-10)


def test_extreme_margins_stay_finite():
    X = np.array([[1.0], [1.0], [-1.0], [-1.0]])
    y = np.array([1.0, -1.0, 1.0, -1.0])
    for scale in (1e4, -1e4):
        loss, gw, gb = loss_and_gradient(X, y, np.ones(4), np.array([scale]), 0.0)
        assert np.isfinite(loss) and np.all(np.isfinite(gw)) and np.isfinite(gb)
        # Two samples are wrong by a margin of 1e4, two right by as much.
        assert loss == pytest.approx(2e4, rel=1e-12)
        np.testing.assert_allclose(np.abs(gw), [2.0])


def test_inputs_are_not_modified():
    X, y, s = _data(seed=12)
    copies = [a.copy() for a in (X, y, s)]
    loss_and_gradient(X, y, s, np.ones(X.shape[1]), 0.0, 0.1)
    for a, c in zip((X, y, s), copies):
        np.testing.assert_array_equal(a, c)


def test_csr_layouts_match_dense():
    X, y, s = _data(n=60, d=6, seed=13, density=0.5)
    w = np.linspace(-1.0, 1.0, 6)
    expected = _numpy_loss(X, y, s, w, 0.2, 0.1)
    csr = sp.csr_matrix(X)
    # Reversed column order inside every row and 64-bit indices.
    order = np.concatenate(
        [np.arange(lo, hi)[::-1] for lo, hi in zip(csr.indptr[:-1], csr.indptr[1:])]
    )
    shuffled = sp.csr_matrix(
        (csr.data[order], csr.indices[order].astype(np.int64), csr.indptr),
        shape=X.shape,
    )
    assert not shuffled.has_sorted_indices
    loss, grad_w, grad_b = loss_and_gradient(shuffled, y, s, w, 0.2, 0.1)
    assert loss == pytest.approx(expected, rel=1e-12)
    ref = loss_and_gradient(X, y, s, w, 0.2, 0.1)
    np.testing.assert_allclose(grad_w, ref[1], rtol=1e-12)


@pytest.mark.parametrize("corrupt", ["index", "negative", "indptr"])
def test_malformed_csr_is_rejected(corrupt):
    X, y, s = _data(n=10, d=4, seed=14, density=0.5)
    csr = sp.csr_matrix(X)
    indices, indptr = csr.indices.copy(), csr.indptr.copy()
    if corrupt == "index":
        indices[0] = 4
    elif corrupt == "negative":
        indices[-1] = -1
    else:
        indptr[3], indptr[4] = indptr[4], indptr[3] - 1
    bad = sp.csr_matrix((csr.data, indices, indptr), shape=X.shape)
    with pytest.raises(ValueError, match="malformed CSR"):
        LinearDesign(bad, y, s)
