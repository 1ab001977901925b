"""FeatureImpactDisplay and SaliencyMapDisplay draw what they are given."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from skadv.inspection import (
    FeatureImpactDisplay,
    FeatureImpactTransformer,
    SaliencyMapDisplay,
    gini_index,
    integrated_gradients,
)
from skadv.linear_model import AdversarialLogisticRegression

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def two_models():
    rng = np.random.default_rng(0)
    X = rng.choice(["a", "b", "c", "d"], size=(300, 4)).astype(object)
    y = ((X[:, 0] == "a") | (X[:, 1] == "b") | (X[:, 3] == "c")).astype(int)
    flip = rng.random(300) < 0.1
    y[flip] = 1 - y[flip]
    models = [
        make_pipeline(OneHotEncoder(), AdversarialLogisticRegression(epsilon=eps)).fit(
            X, y
        )
        for eps in (0.0, 0.1)
    ]
    return models, X, y


def test_feature_impact_bars_match_the_impacts(two_models):
    models, X, y = two_models
    display = FeatureImpactDisplay.from_estimator(
        models, X, y, names=["natural", "adversarial"], threshold=0.0
    )
    fitted = [FeatureImpactTransformer(m).fit(X, y) for m in models]
    order = np.argsort(-fitted[0].feature_impact_, kind="stable")
    names = fitted[0].get_feature_names_out()
    assert display.shown_features_.tolist() == names[order].tolist()
    for bars, fi in zip(display.bars_, fitted):
        heights = [patch.get_height() for patch in bars.patches]
        np.testing.assert_allclose(heights, fi.feature_impact_[order])
    labels = [t.get_text() for t in display.ax_.get_xticklabels()]
    assert labels == names[order].tolist()
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend == ["natural", "adversarial"]
    assert display.figure_ is display.ax_.figure


def test_threshold_hides_negligible_features():
    impacts = np.array([[1.0, 0.04, 0.0, 0.3], [0.2, 0.01, 0.06, 0.0]])
    display = FeatureImpactDisplay(impacts, ["a", "b", "c", "d"]).plot(threshold=0.05)
    # Kept: some model reaches 5% of the overall maximum (1.0).
    assert display.shown_features_.tolist() == ["a", "d", "c"]
    assert display.ax_.get_legend() is not None
    single = FeatureImpactDisplay(impacts[:1], list("abcd")).plot(threshold=0.5)
    assert single.shown_features_.tolist() == ["a"]
    assert single.ax_.get_legend() is None
    with pytest.raises(ValueError, match="threshold must lie in"):
        FeatureImpactDisplay(impacts, list("abcd")).plot(threshold=2.0)
    with pytest.raises(ValueError, match="feature_names has 3"):
        FeatureImpactDisplay(impacts, list("abc")).plot()
    with pytest.raises(ValueError, match="names must hold 2 entries"):
        FeatureImpactDisplay(impacts, list("abcd"), model_names=["x"]).plot()


def test_from_transformers_checks_features(two_models):
    models, X, y = two_models
    fi = FeatureImpactTransformer(models[0]).fit(X, y)
    _, ax = plt.subplots()
    display = FeatureImpactDisplay.from_transformers(fi, ax=ax)
    assert display.ax_ is ax
    other = FeatureImpactTransformer(models[1], groups={"all": [0, 1]}).fit(X, y)
    with pytest.raises(ValueError, match="same features"):
        FeatureImpactDisplay.from_transformers([fi, other])


def test_saliency_maps_show_gini_in_titles():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    nets = [
        torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(36, 3)).double()
        for _ in range(2)
    ]
    X = np.random.default_rng(1).uniform(size=(2, 1, 6, 6))
    y = np.array([0, 2])
    display = SaliencyMapDisplay.from_estimator(
        nets, X, y, names=["natural", "adversarial"], n_steps=8
    )
    assert display.axes_.shape == (2, 3)
    for m, net in enumerate(nets):
        attr = integrated_gradients(net, X, y, n_steps=8)
        expected = gini_index(attr.reshape(2, -1))
        np.testing.assert_allclose(display.gini_[m], expected)
        for i in range(2):
            title = display.axes_[i, m + 1].get_title()
            assert title.endswith(f"Gini: {expected[i]:.4f}")
            shown = display.axes_[i, m + 1].images[0].get_array()
            np.testing.assert_allclose(shown, attr[i, 0])
    assert display.axes_[0, 0].get_title() == "input"


def test_saliency_from_flat_inputs_with_image_shape():
    rng = np.random.default_rng(2)
    X = rng.uniform(size=(60, 16))
    y = (X[:, 5] > 0.5).astype(int)
    model = AdversarialLogisticRegression(epsilon=0.0).fit(X, y)
    display = SaliencyMapDisplay.from_estimator(
        model, X[:3], y[:3], image_shape=(4, 4), show_images=False
    )
    assert display.axes_.shape == (3, 1)
    attr = integrated_gradients(model, X[:3], y[:3])
    np.testing.assert_allclose(
        display.axes_[1, 0].images[0].get_array(), attr[1].reshape(4, 4)
    )
    with pytest.raises(ValueError, match="image-shaped attributions"):
        SaliencyMapDisplay(attr.reshape(1, 3, 2, 2, 2, 2)).plot()
    with pytest.raises(ValueError, match="n_models, n_samples"):
        SaliencyMapDisplay(attr).plot()


def test_importing_displays_does_not_import_matplotlib():
    code = (
        "import sys; from skadv.inspection import FeatureImpactDisplay;"
        "assert 'matplotlib' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
