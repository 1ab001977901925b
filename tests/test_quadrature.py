"""Quadrature rules on [0, 1]: exactness, conventions and input checks."""

import numpy as np
import pytest

from skadv.inspection._quadrature import QUADRATURE_METHODS, quadrature_rule

captum_approx = pytest.importorskip("captum.attr._utils.approximation_methods")


@pytest.mark.parametrize("method", QUADRATURE_METHODS)
@pytest.mark.parametrize("n_steps", [2, 3, 10, 51])
def test_weights_sum_to_one_and_nodes_in_unit_interval(method, n_steps):
    alphas, weights = quadrature_rule(method, n_steps)
    assert alphas.shape == weights.shape == (n_steps,)
    assert alphas.dtype == weights.dtype == np.float64
    assert np.all((alphas >= 0) & (alphas <= 1))
    assert np.all(np.diff(alphas) > 0)
    assert np.all(weights > 0)
    assert weights.sum() == pytest.approx(1.0, abs=1e-14)


@pytest.mark.parametrize("method", QUADRATURE_METHODS)
@pytest.mark.parametrize("n_steps", [2, 7, 50])
def test_nodes_and_weights_follow_the_usual_conventions(method, n_steps):
    """Same nodes as captum; same weights except the corrected trapezoid rule."""
    sizes, nodes = captum_approx.approximation_parameters(method)
    ref_alphas, ref_weights = np.asarray(nodes(n_steps)), np.asarray(sizes(n_steps))
    alphas, weights = quadrature_rule(method, n_steps)
    # captum builds its Riemann nodes in float32.
    np.testing.assert_allclose(alphas, ref_alphas, atol=1e-7)
    if method == "riemann_trapezoid":
        # captum weighs linspace nodes by 1/n, so its weights sum to (n - 1)/n.
        assert ref_weights.sum() == pytest.approx((n_steps - 1) / n_steps)
        ref_weights = ref_weights * n_steps / (n_steps - 1)
    np.testing.assert_allclose(weights, ref_weights, rtol=1e-12)


def _integrate(method, n_steps, f):
    alphas, weights = quadrature_rule(method, n_steps)
    return weights @ f(alphas)


@pytest.mark.parametrize("n_steps", [1, 2, 5, 12])
def test_gauss_legendre_is_exact_up_to_degree_2n_minus_1(n_steps):
    rng = np.random.default_rng(n_steps)
    coefs = rng.normal(size=2 * n_steps)
    poly = np.polynomial.Polynomial(coefs)
    exact = poly.integ()(1.0) - poly.integ()(0.0)
    assert _integrate("gausslegendre", n_steps, poly) == pytest.approx(exact, rel=1e-12)
    # One degree more is not integrated exactly (the error of alpha^(2n) shrinks
    # quickly with n, so look at small rules only).
    if n_steps <= 5:
        higher = np.polynomial.Polynomial(np.r_[coefs, 1.0])
        exact_higher = higher.integ()(1.0) - higher.integ()(0.0)
        error = abs(_integrate("gausslegendre", n_steps, higher) - exact_higher)
        assert error > 1e-9


@pytest.mark.parametrize("method", ["riemann_middle", "riemann_trapezoid"])
def test_second_order_rules_are_exact_on_lines(method):
    assert _integrate(method, 9, lambda a: 3.0 * a - 1.0) == pytest.approx(0.5)


def test_rule_errors_have_the_expected_orders():
    """Left/right O(h), middle/trapezoid O(h^2), on the integral of exp over [0, 1]."""
    exact = np.e - 1.0
    for method, order in [
        ("riemann_left", 1),
        ("riemann_right", 1),
        ("riemann_middle", 2),
        ("riemann_trapezoid", 2),
    ]:
        e1 = abs(_integrate(method, 20, np.exp) - exact)
        e2 = abs(_integrate(method, 40, np.exp) - exact)
        assert np.log2(e1 / e2) == pytest.approx(order, abs=0.1)
    # Middle and trapezoid errors have opposite signs, the trapezoid twice larger.
    mid = _integrate("riemann_middle", 30, np.exp) - exact
    trap = _integrate("riemann_trapezoid", 31, np.exp) - exact
    assert mid < 0 < trap
    assert trap / -mid == pytest.approx(2.0, rel=0.01)


def test_single_node_rules():
    assert quadrature_rule("riemann_left", 1)[0].tolist() == [0.0]
    assert quadrature_rule("riemann_middle", 1)[0].tolist() == [0.5]
    assert quadrature_rule("gausslegendre", 1)[1].tolist() == [1.0]


def test_bad_arguments():
    with pytest.raises(ValueError, match="Unknown quadrature method"):
        quadrature_rule("simpson", 10)
    with pytest.raises(ValueError, match="n_steps must be >= 1"):
        quadrature_rule("gausslegendre", 0)
    with pytest.raises(ValueError, match="trapezoid rule needs n_steps >= 2"):
        quadrature_rule("riemann_trapezoid", 1)
    with pytest.raises(TypeError, match="n_steps must be an int"):
        quadrature_rule("gausslegendre", 2.5)
