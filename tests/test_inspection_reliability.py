"""gini_index, exact Integrated Gradients and the displays at the edges.

Extreme magnitudes are checked against oracles that cannot overflow (exact
rational arithmetic for the Gini index, a cancellation-free sigmoid difference
for the exact attributions), and malformed display input must fail with a
message naming the argument.
"""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit

from skadv.inspection import (
    FeatureImpactDisplay,
    SaliencyMapDisplay,
    gini_index,
    integrated_gradients,
)
from skadv.inspection._exact_linear import sigmoid_divided_difference
from skadv.linear_model import AdversarialLogisticRegression

# ------------------------------------------------------------------ gini_index


def _gini_lorenz_exact(v):
    """1 - 2 * (area under the Lorenz curve), in exact rational arithmetic."""
    v = sorted(Fraction(abs(float(x))) for x in v)
    d, total = len(v), sum(v)
    if total == 0:
        return 0.0
    area, cumulative = Fraction(0), Fraction(0)
    for x in v:
        previous, cumulative = cumulative, cumulative + x
        area += (previous + cumulative) / (2 * total * d)
    return float(1 - 2 * area)


@pytest.mark.parametrize(
    "v, expected",
    [
        ([1e308, 1e308], 0.0),
        ([-1e308, 1e308, 1e308], 0.0),
        ([0.0, 5e-324], 0.5),
        ([5e-324, 5e-324, 5e-324], 0.0),
        ([0.0, 0.0, 0.0, 1.7e308], 0.75),
    ],
)
def test_extreme_magnitudes_give_the_closed_form(v, expected):
    assert gini_index(v) == pytest.approx(expected, abs=1e-15)
    assert _gini_lorenz_exact(v) == pytest.approx(expected, abs=1e-15)


def test_a_tiny_entry_weighs_like_any_other():
    # The index is scale invariant: [0, tiny] is [0, 1].
    assert gini_index([0.0, 5e-324]) == gini_index([0.0, 1.0]) == 0.5
    assert gini_index([1e-320, 3e-320, 0.0]) == pytest.approx(
        gini_index([1.0, 3.0, 0.0]),
        abs=1e-3,  # subnormals carry few digits
    )


_magnitudes = st.one_of(
    st.just(0.0),
    st.floats(5e-324, 1e-300),
    st.floats(1e-300, 1e300),
    st.floats(1e300, 1.7e308),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(_magnitudes, min_size=1, max_size=12))
def test_matches_the_exact_lorenz_form_over_the_float_range(values):
    v = np.array(values)
    got = gini_index(v)
    assert np.isfinite(got)
    # Entries below 2^-1074 times the largest one cannot be told from 0 once
    # scaled; relative to the total they are that small anyway.
    assert got == pytest.approx(_gini_lorenz_exact(v), abs=1e-12)


def test_rows_of_very_different_scales():
    a = np.array([[1e308, 1e308, 0.0], [0.0, 5e-324, 5e-324], [1.0, 2.0, 3.0]])
    expected = [_gini_lorenz_exact(row) for row in a]
    np.testing.assert_allclose(gini_index(a, axis=1), expected, atol=1e-15)
    np.testing.assert_allclose(gini_index(a.T, axis=0), expected, atol=1e-15)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_entries_are_rejected(bad):
    with pytest.raises(ValueError, match="finite"):
        gini_index([1.0, bad, 2.0])
    with pytest.raises(ValueError, match="finite"):
        gini_index([[1.0, 2.0], [bad, 0.0]], axis=1)


# ------------------------------------------------- exact IG at huge logits


def _direct_divided_difference(a, b):
    """(sigmoid(a) - sigmoid(b)) / (a - b) where neither side cancels."""
    diff = np.where(a + b > 0, expit(-b) - expit(-a), expit(a) - expit(b))
    return diff / 2.0 / (0.5 * a - 0.5 * b)  # halved: a - b may overflow


def test_divided_difference_over_the_float_range():
    big = [1.0, 40.0, 750.0, 1e10, 1e300, 1e308]
    a = np.array(big + [-x for x in big] + big)
    b = np.array([-x for x in big] + big + [2.0 * x if x < 1e308 else 0.0 for x in big])
    got = sigmoid_divided_difference(a, b)
    expected = _direct_divided_difference(a, b)
    assert np.all(np.isfinite(got)) and np.all(got >= 0) and np.all(got <= 0.25)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-305)
    # far out on one side the sigmoid is flat: the difference vanishes
    assert sigmoid_divided_difference(1e300, 2e300) == 0.0
    assert sigmoid_divided_difference(-1e308, -1e308) == 0.0


@pytest.fixture(scope="module")
def huge_linear():
    """A binary linear model and rows whose logits span 1 to 1e300."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    model = AdversarialLogisticRegression(epsilon=0.0).fit(X, y)
    model.coef_ = np.array([[2.0, -1.0, 0.5]])
    model.intercept_ = np.array([0.0])
    scales = np.logspace(0, 300, 25)
    X = rng.uniform(0.5, 1.5, size=(25, 3)) * scales[:, None]
    X[::2] *= -1.0
    return model, X


def _completeness_bound(X, U, w, b):
    """B of the docstring of integrated_gradients."""
    d = X.shape[1]
    magnitude = np.abs(X * w).sum(axis=1) + np.abs(U * w).sum(axis=1) + abs(b)
    return 2 * (d + 2) * 2.0**-52 * magnitude


@pytest.mark.parametrize("output", ["proba", "logit"])
def test_exact_ig_meets_the_documented_bound(huge_linear, output):
    model, X = huge_linear
    w, b = model.coef_[0], model.intercept_[0]
    attr, delta = integrated_gradients(
        model, X, target=1, output=output, return_convergence_delta=True
    )
    assert np.all(np.isfinite(attr)) and np.all(np.isfinite(delta))
    bound = _completeness_bound(X, np.zeros_like(X), w, b)
    if output == "logit":
        assert np.all(np.abs(delta) <= bound)
        np.testing.assert_allclose(attr, X * w, rtol=1e-15)
        return
    assert np.all(np.abs(delta) <= bound / 4 + 1e-12)
    # far tighter in practice: the probabilities differ by at most 1
    assert np.max(np.abs(delta)) < 1e-12
    z = X @ w + b
    expected = X * w * _direct_divided_difference(z, np.zeros_like(z))[:, None]
    np.testing.assert_allclose(attr, expected, rtol=1e-11)
    # completeness against the sigmoid itself: F(x) - F(0)
    np.testing.assert_allclose(attr.sum(axis=1), expit(z) - 0.5, rtol=1e-11)


def test_overflowing_logits_are_a_clear_error(huge_linear):
    model, _ = huge_linear
    X = np.full((2, 3), 1e308)
    with pytest.raises(ValueError, match="overflow"):
        integrated_gradients(model, X, target=1, method="exact")


def test_non_finite_quadrature_attributions_are_a_clear_error():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Linear(4, 3)  # float32: 1e39 is beyond its range
    X = np.full((2, 4), 1e39)
    with pytest.raises(ValueError, match="X holds values beyond the range"):
        integrated_gradients(net, X, target=1, n_steps=4)
    with pytest.raises(ValueError, match="baselines holds values beyond the range"):
        integrated_gradients(net, X[:, :] * 0, baselines=-1e39, target=1, n_steps=4)


def test_overflowing_gradients_are_a_clear_error():
    torch = pytest.importorskip("torch")

    class Exp(torch.nn.Module):
        def forward(self, x):
            return torch.exp(x)

    # exp(100) overflows float32 along the path, and so does its gradient
    X = np.full((2, 3), 100.0)
    with pytest.raises(ValueError, match="attributions are not finite"):
        integrated_gradients(Exp(), X, target=1, n_steps=4)


# -------------------------------------------------------------------- displays

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize(
    "impacts, names, match",
    [
        (np.zeros((1, 0)), [], "feature_impacts must have shape"),
        (np.zeros((0, 3)), list("abc"), "feature_impacts must have shape"),
        ([], [], "feature_impacts must have shape"),
        (np.ones((1, 2, 3)), list("abc"), "feature_impacts must have shape"),
        ([[1.0, np.nan, 3.0]], list("abc"), "feature_impacts must be finite"),
        ([[1.0, np.inf, 3.0]], list("abc"), "feature_impacts must be finite"),
        ([[1.0, -2.0, 3.0]], list("abc"), "feature_impacts must be non-negative"),
        ([["x", "y"]], list("ab"), "feature_impacts must be a numeric array"),
        ([[1.0, 2.0], [1.0]], list("ab"), "feature_impacts must be a numeric array"),
        ([[1.0, 2.0, 3.0]], list("ab"), "feature_names has 2"),
        ([[1.0, 2.0, 3.0]], "abc", "feature_names must be a 1-d list"),
        ([[1.0, 2.0, 3.0]], [list("abc")], "feature_names must be a 1-d list"),
    ],
)
def test_feature_impact_display_rejects_malformed_input(impacts, names, match):
    with pytest.raises(ValueError, match=match):
        FeatureImpactDisplay(impacts, names).plot()


@pytest.mark.parametrize("threshold", [np.nan, "x", None, True, -0.1])
def test_feature_impact_display_rejects_bad_thresholds(threshold):
    with pytest.raises(ValueError, match="threshold"):
        FeatureImpactDisplay([[1.0, 2.0]], ["a", "b"]).plot(threshold=threshold)


@pytest.mark.parametrize("model_names", ["ab", ["a", "b"], [["a"]]])
def test_feature_impact_display_rejects_bad_model_names(model_names):
    display = FeatureImpactDisplay([[1.0, 2.0]], ["a", "b"], model_names=model_names)
    with pytest.raises(ValueError, match="model_names"):
        display.plot()


def test_feature_impact_display_still_draws_good_input():
    display = FeatureImpactDisplay([0.0, 2.0, 1.0], ("a", "b", "c")).plot()
    assert display.shown_features_.tolist() == ["b", "c"]
    zeros = FeatureImpactDisplay([[0.0, 0.0]], ["a", "b"]).plot()
    assert zeros.shown_features_.tolist() == ["a", "b"]


def test_from_transformers_needs_one_transformer():
    with pytest.raises(ValueError, match="transformers must hold at least one"):
        FeatureImpactDisplay.from_transformers([])


@pytest.mark.parametrize(
    "attributions, images, match",
    [
        (np.zeros((1, 0, 4, 4)), None, "at least one model, one sample"),
        (np.zeros((0, 2, 4, 4)), None, "at least one model, one sample"),
        (np.zeros((1, 2, 0, 4)), None, "at least one model, one sample"),
        (np.full((1, 2, 4, 4), np.nan), None, "attributions must be finite"),
        (np.zeros((1, 2, 5, 4, 6)), None, "image-shaped attributions"),
        (np.zeros((1, 2, 3, 4, 4, 2)), None, "image-shaped attributions"),
        ([[[["a"]]]], None, "attributions must be a numeric array"),
        (np.zeros((1, 2, 4, 4)), np.zeros((3, 4, 4)), "one image per sample, 2"),
        (np.zeros((1, 2, 4, 4)), np.zeros((2, 5, 5)), r"\(5, 5\) do not match"),
        (np.zeros((1, 2, 4, 4)), np.zeros((2, 16)), "images must have shape"),
        (np.zeros((1, 2, 4, 4)), np.zeros((2, 2, 4, 4)), "do not match"),
        (np.zeros((1, 2, 4, 4)), np.full((2, 4, 4), np.inf), "images must be finite"),
        (np.zeros((1, 2, 4, 4)), [["x"]], "images must be a numeric array"),
    ],
)
def test_saliency_display_rejects_malformed_input(attributions, images, match):
    with pytest.raises(ValueError, match=match):
        SaliencyMapDisplay(attributions, images=images).plot()


def test_saliency_display_checks_axes_and_names():
    attributions = np.zeros((1, 2, 4, 4))
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"axes must hold a \(2, 1\) grid"):
        SaliencyMapDisplay(attributions).plot(axes=ax)
    with pytest.raises(ValueError, match="model_names"):
        SaliencyMapDisplay(attributions, model_names="ab").plot()


@pytest.mark.parametrize(
    "images",
    ["chw", "hwc", "gray", "one channel"],
)
def test_saliency_display_accepts_colour_images(images):
    # 4 x 4 maps with a first axis of 4 (a possible channel count) as well
    rng = np.random.default_rng(0)
    pixels = rng.uniform(size=(2, 4, 4, 3))
    images = {
        "chw": np.moveaxis(pixels, -1, 1),
        "hwc": pixels,
        "gray": pixels[..., 0],
        "one channel": pixels[:, None, :, :, 0],
    }[images]
    attributions = rng.normal(size=(1, 2, 3, 4, 4))
    display = SaliencyMapDisplay(attributions, images=images).plot()
    assert display.axes_.shape == (2, 2)
    np.testing.assert_allclose(
        display.axes_[1, 1].images[0].get_array(), attributions[0, 1].sum(axis=0)
    )
    shown = np.asarray(display.axes_[1, 0].images[0].get_array())
    expected = pixels[1] if shown.ndim == 3 else pixels[1, ..., 0]
    span = expected.max() - expected.min()
    np.testing.assert_allclose(shown, (expected - expected.min()) / span)


@pytest.mark.parametrize(
    "image_shape, match",
    [((5, 5), "hold the 16 values"), ((4, 0, 4), "positive"), ((4.0, 4), "ints")],
)
def test_saliency_from_estimator_checks_image_shape(image_shape, match):
    rng = np.random.default_rng(2)
    X = rng.uniform(size=(20, 16))
    model = AdversarialLogisticRegression().fit(X, (X[:, 0] > 0.5).astype(int))
    with pytest.raises(ValueError, match=f"image_shape.*{match}|{match}"):
        SaliencyMapDisplay.from_estimator(model, X[:2], image_shape=image_shape)
    with pytest.raises(ValueError, match="estimators must hold at least one"):
        SaliencyMapDisplay.from_estimator([], X[:2], image_shape=(4, 4))
