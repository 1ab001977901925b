"""integrated_gradients against captum, the exact linear form and its own axioms."""

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils._param_validation import InvalidParameterError

from skadv.inspection import integrated_gradients
from skadv.inspection._exact_linear import sigmoid_divided_difference
from skadv.inspection._quadrature import QUADRATURE_METHODS
from skadv.linear_model import AdversarialLogisticRegression

torch = pytest.importorskip("torch")
captum_attr = pytest.importorskip("captum.attr")

N_FEATURES = 5
N_CLASSES = 3


class _GradientsOnly(ClassifierMixin, BaseEstimator):
    """A provider with input gradients but no closed form, recording batch sizes."""

    def __init__(self, model):
        self.model = model

    def fit(self, X, y):
        self.classes_ = self.model.classes_
        self.calls_ = []
        return self

    def predict(self, X):
        return self.model.predict(X)

    def _output_and_gradient(self, X, target, output):
        self.calls_.append(X.shape[0])
        return self.model._output_and_gradient(X, target, output)


@pytest.fixture(scope="module")
def mlp():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(N_FEATURES, 16),
        torch.nn.Tanh(),
        torch.nn.Linear(16, N_CLASSES),
    ).double()


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(9, N_FEATURES))
    U = rng.normal(scale=0.5, size=(9, N_FEATURES))
    target = rng.integers(0, N_CLASSES, size=9)
    return X, U, target


@pytest.fixture(scope="module")
def binary_linear():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 4))
    y = (X @ [1.5, -2.0, 0.5, 0.0] + 0.3 + rng.normal(size=80) > 0).astype(int)
    return AdversarialLogisticRegression(epsilon=0.05).fit(X, y), X, y


@pytest.fixture(scope="module")
def multiclass_linear():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return AdversarialLogisticRegression(epsilon=0.02).fit(X, y), X, y


def _captum(module, X, U, target, output, n_steps, method):
    forward = (
        (lambda x: torch.softmax(module(x), dim=1)) if output == "proba" else module
    )
    ig = captum_attr.IntegratedGradients(forward)
    attr = ig.attribute(
        torch.tensor(X),
        baselines=torch.tensor(U),
        target=torch.tensor(target),
        n_steps=n_steps,
        method=method,
    )
    return attr.detach().numpy()


# --------------------------------------------------------------------- captum oracle
@pytest.mark.parametrize("method", QUADRATURE_METHODS)
@pytest.mark.parametrize("output", ["proba", "logit"])
def test_quadrature_matches_captum(mlp, data, method, output):
    X, U, target = data
    n_steps = 12
    expected = _captum(mlp, X, U, target, output, n_steps, method)
    if method == "riemann_trapezoid":
        # captum's trapezoid weights sum to (n - 1)/n; skadv's rule sums to one.
        expected = expected * n_steps / (n_steps - 1)
    got = integrated_gradients(
        mlp,
        X,
        baselines=U,
        target=target,
        output=output,
        n_steps=n_steps,
        method=method,
    )
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)


def test_captum_trapezoid_misses_completeness_by_the_weight_factor(mlp, data):
    """Why skadv corrects the trapezoid rule: a linear model shows it exactly."""
    X, U, target = data
    linear = torch.nn.Linear(N_FEATURES, N_CLASSES).double()
    n_steps = 10
    theirs = _captum(linear, X, U, target, "logit", n_steps, "riemann_trapezoid")
    ours, delta = integrated_gradients(
        linear,
        X,
        baselines=U,
        target=target,
        output="logit",
        n_steps=n_steps,
        method="riemann_trapezoid",
        return_convergence_delta=True,
    )
    np.testing.assert_allclose(np.abs(delta), 0.0, atol=1e-12)
    np.testing.assert_allclose(theirs.sum(1), ours.sum(1) * (n_steps - 1) / n_steps)


def test_convergence_delta_matches_direct_outputs(mlp, data):
    X, U, target = data
    attr, delta = integrated_gradients(
        mlp, X, baselines=U, target=target, n_steps=300, return_convergence_delta=True
    )
    with torch.no_grad():
        p_x = torch.softmax(mlp(torch.tensor(X)), 1).numpy()[np.arange(9), target]
        p_u = torch.softmax(mlp(torch.tensor(U)), 1).numpy()[np.arange(9), target]
    np.testing.assert_allclose(delta, attr.sum(1) - (p_x - p_u), atol=1e-14)
    # Gauss-Legendre converges fast on a smooth path: completeness holds.
    np.testing.assert_allclose(attr.sum(1), p_x - p_u, atol=1e-10)


# ---------------------------------------------------------------- exact linear form
def _sigmoid_outputs(model, X, U, target):
    W, b = model._linear_logit(target)
    z_x, z_u = (X * W).sum(1) + b, (U * W).sum(1) + b
    return expit(z_x) - expit(z_u), z_x - z_u


@pytest.mark.parametrize("model_name", ["binary_linear", "multiclass_linear"])
def test_exact_linear_ig_matches_fine_quadrature(model_name, request):
    model, X, y = request.getfixturevalue(model_name)
    X = X[:25]
    U = np.random.default_rng(3).normal(size=X.shape)
    exact = integrated_gradients(model, X, y[:25], baselines=U, method="exact")
    quad = integrated_gradients(
        model, X, y[:25], baselines=U, method="gausslegendre", n_steps=64
    )
    np.testing.assert_allclose(exact, quad, rtol=1e-9, atol=1e-12)
    # "auto" picks the exact form for a linear model.
    np.testing.assert_array_equal(
        integrated_gradients(model, X, y[:25], baselines=U), exact
    )


def test_multiclass_proba_is_the_classes_own_sigmoid(multiclass_linear):
    model, X, y = multiclass_linear
    attr = integrated_gradients(model, X, y)
    z = X @ model.coef_.T + model.intercept_
    z0 = np.broadcast_to(model.intercept_, z.shape)
    rows = np.arange(len(y))
    own = expit(z[rows, y]) - expit(z0[rows, y])
    np.testing.assert_allclose(attr.sum(1), own, atol=1e-12)


def test_exact_completeness_including_degenerate_and_extreme_paths(binary_linear):
    model, X, y = binary_linear
    w = model.coef_[0]
    rng = np.random.default_rng(4)
    U = rng.normal(size=X.shape)
    # Paths orthogonal to w (<x - u, w> = 0 exactly), zero-length paths, paths
    # with tiny <x - u, w> and paths with huge logits.
    ortho = rng.normal(size=w.shape)
    ortho -= (ortho @ w) / (w @ w) * w
    U[:10] = X[:10] + ortho
    U[10:15] = X[10:15]
    U[15:20] = X[15:20] + 1e-9 * w
    X = X.copy()
    X[20:25] *= 400.0
    U[20:25] = -X[20:25]
    target = model.predict(X)
    attr, delta = integrated_gradients(
        model, X, target=target, baselines=U, return_convergence_delta=True
    )
    assert np.all(np.isfinite(attr))
    diff, dz = _sigmoid_outputs(model, X, U, target)
    np.testing.assert_allclose(attr.sum(1), diff, atol=1e-10)
    np.testing.assert_allclose(delta, 0.0, atol=1e-10)
    np.testing.assert_array_equal(attr[10:15], 0.0)
    # On a path orthogonal to w the limit A'(z_u) (x - u) * w applies.
    z_u = U[:10] @ w + model.intercept_[0]
    slope = expit(z_u) * expit(-z_u)
    sign = np.where(target[:10] == 1, 1.0, -1.0)
    np.testing.assert_allclose(
        attr[:10], (slope * sign)[:, None] * (X[:10] - U[:10]) * w, rtol=1e-12
    )
    assert np.max(np.abs(dz[:10])) < 1e-12


def test_sigmoid_divided_difference():
    a = np.array([-3.0, 0.0, 2.0, 40.0, -800.0, 750.0])
    b = np.array([1.0, 0.5, -2.0, 38.0, 790.0, -760.0])
    # sigmoid(a) - sigmoid(b) = sigmoid(-b) - sigmoid(-a): pick the side that
    # does not cancel in floating point.
    direct = np.where(a + b > 0, expit(-b) - expit(-a), expit(a) - expit(b)) / (a - b)
    np.testing.assert_allclose(
        sigmoid_divided_difference(a, b)[:4], direct[:4], rtol=1e-13
    )
    assert np.all(np.isfinite(sigmoid_divided_difference(a, b)))
    np.testing.assert_allclose(
        sigmoid_divided_difference(a[4:], b[4:]), direct[4:], rtol=1e-10
    )
    # Limit and near-limit: the derivative at the midpoint, second order in h.
    m = np.array([-5.0, 0.0, 0.3, 12.0])
    for h in [0.0, 1e-12, 1e-7, 1e-4]:
        np.testing.assert_allclose(
            sigmoid_divided_difference(m + h, m - h),
            expit(m) * expit(-m),
            rtol=1e-13 + h**2,
        )


def test_logit_output_is_the_decision_function(binary_linear):
    model, X, y = binary_linear
    attr_logit = integrated_gradients(model, X, target=1, output="logit")
    np.testing.assert_allclose(attr_logit, X * model.coef_[0], rtol=1e-14)
    attr_decision = integrated_gradients(model, X, target=1, output="decision")
    np.testing.assert_array_equal(attr_logit, attr_decision)
    np.testing.assert_allclose(
        attr_logit.sum(1),
        model.decision_function(X) - model.intercept_[0],
        rtol=1e-10,
        atol=1e-12,
    )


# -------------------------------------------------------------- targets, baselines
def test_target_conventions_binary(binary_linear):
    model, X, y = binary_linear
    ig1 = integrated_gradients(model, X, target=1)
    ig0 = integrated_gradients(model, X, target=0)
    # proba of class 0 is 1 - proba of class 1.
    np.testing.assert_allclose(ig0, -ig1, atol=1e-15)
    from_y = integrated_gradients(model, X, y)
    np.testing.assert_array_equal(from_y, np.where((y == 1)[:, None], ig1, ig0))
    pred = model.predict(X)
    from_pred = integrated_gradients(model, X)
    np.testing.assert_array_equal(from_pred, np.where((pred == 1)[:, None], ig1, ig0))
    per_row = integrated_gradients(model, X, target=y)
    np.testing.assert_array_equal(per_row, from_y)


def test_labels_are_mapped_through_classes(binary_linear):
    model, X, y = binary_linear
    labels = np.array(["no", "yes"])[y]
    relabelled = AdversarialLogisticRegression(epsilon=0.05).fit(X, labels)
    np.testing.assert_allclose(
        integrated_gradients(relabelled, X, labels),
        integrated_gradients(model, X, y),
        rtol=1e-6,
        atol=1e-9,
    )
    with pytest.raises(ValueError, match="not in the estimator's classes_"):
        integrated_gradients(relabelled, X, np.where(y == 1, "yes", "maybe"))


def test_target_errors(mlp, data):
    X, U, _ = data
    with pytest.raises(ValueError, match=r"target must lie in \[0, 2\]"):
        integrated_gradients(mlp, X, target=3)
    with pytest.raises(ValueError, match=r"target must lie in \[0, 2\]"):
        integrated_gradients(mlp, X, target=np.full(len(X), -1))
    with pytest.raises(ValueError, match="one int per sample"):
        integrated_gradients(mlp, X, target=[0, 1])
    with pytest.raises(TypeError, match="must be integer"):
        integrated_gradients(mlp, X, target=np.full(len(X), 0.5))
    with pytest.raises(ValueError, match="y must have shape"):
        integrated_gradients(mlp, X, y=[0, 1])


def test_baselines_in_every_accepted_shape(mlp, data):
    X, _, target = data
    run = lambda b: integrated_gradients(mlp, X, baselines=b, target=target)  # noqa
    zeros = run(None)
    np.testing.assert_array_equal(zeros, run(np.zeros_like(X)))
    np.testing.assert_array_equal(zeros, run(0.0))
    row = np.linspace(-1.0, 1.0, N_FEATURES)
    tiled = run(np.tile(row, (len(X), 1)))
    np.testing.assert_allclose(run(row), tiled, rtol=1e-13)
    np.testing.assert_allclose(run(row[None]), tiled, rtol=1e-13)
    np.testing.assert_allclose(run(0.7), run(np.full_like(X, 0.7)), rtol=1e-13)
    for bad in [
        np.zeros(N_FEATURES + 1),
        np.zeros((2, N_FEATURES)),
        np.zeros((1, 1, 5)),
    ]:
        with pytest.raises(ValueError, match="baselines must be None, a scalar"):
            run(bad)
    with pytest.raises(ValueError, match="baselines must be finite"):
        run(np.full(N_FEATURES, np.nan))


def test_image_shaped_inputs_and_baselines():
    torch.manual_seed(1)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3),
        torch.nn.Tanh(),
        torch.nn.Flatten(),
        torch.nn.Linear(2 * 4 * 4, 4),
    ).double()
    X = np.random.default_rng(5).uniform(size=(3, 1, 6, 6))
    base = np.full((1, 6, 6), 0.2)
    attr, delta = integrated_gradients(
        net, X, y=[0, 3, 1], baselines=base, n_steps=40, return_convergence_delta=True
    )
    assert attr.shape == X.shape
    expected = _captum(
        net,
        X,
        np.broadcast_to(base, X.shape).copy(),
        [0, 3, 1],
        "proba",
        40,
        "gausslegendre",
    )
    np.testing.assert_allclose(attr, expected, rtol=1e-5, atol=1e-8)
    assert np.max(np.abs(delta)) < 1e-8
    # A torch tensor is accepted as input as well.
    np.testing.assert_allclose(
        integrated_gradients(
            net, torch.tensor(X), y=[0, 3, 1], baselines=base, n_steps=40
        ),
        attr,
        rtol=1e-12,
    )


def test_single_logit_module_is_binary():
    torch.manual_seed(2)
    net = torch.nn.Linear(3, 1).double()
    X = np.random.default_rng(6).normal(size=(7, 3))
    ig1 = integrated_gradients(net, X, target=1, output="logit")
    np.testing.assert_allclose(ig1, X * net.weight.detach().numpy()[0], rtol=1e-12)
    ig0 = integrated_gradients(net, X, target=0)
    np.testing.assert_allclose(ig0, -integrated_gradients(net, X, target=1), atol=1e-15)
    pred = (net(torch.tensor(X)).detach().numpy()[:, 0] > 0).astype(int)
    np.testing.assert_array_equal(
        integrated_gradients(net, X), integrated_gradients(net, X, target=pred)
    )


@pytest.mark.parametrize("batch", [1, 5, 12, 13, 40, 1000])
def test_results_do_not_depend_on_internal_batch_size(mlp, data, batch):
    X, U, target = data
    kwargs = dict(baselines=U, target=target, n_steps=12, return_convergence_delta=True)
    ref, ref_delta = integrated_gradients(mlp, X, **kwargs)
    got, delta = integrated_gradients(mlp, X, internal_batch_size=batch, **kwargs)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(delta, ref_delta, rtol=1e-10, atol=1e-15)


def test_internal_batch_size_bounds_the_evaluated_rows(binary_linear):
    model, X, y = binary_linear
    spy = _GradientsOnly(model).fit(X, y)
    ref = integrated_gradients(spy, X, y, n_steps=10, method="riemann_middle")
    assert max(spy.calls_) == len(X) * 10
    spy.calls_.clear()
    got = integrated_gradients(
        spy, X, y, n_steps=10, method="riemann_middle", internal_batch_size=25
    )
    assert 0 < max(spy.calls_) <= 25
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    exact = integrated_gradients(model, X, y)
    # Ten midpoint nodes already come within 1% of the closed form.
    np.testing.assert_allclose(got, exact, rtol=1e-2, atol=1e-6)


# ---------------------------------------------------------- pipelines and dispatch
def test_pipeline_attributes_in_the_encoded_space():
    rng = np.random.default_rng(7)
    X = rng.choice(["a", "b", "c"], size=(120, 2)).astype(object)
    y = ((X[:, 0] == "a") | (X[:, 1] == "c")).astype(int)
    pipe = make_pipeline(OneHotEncoder(), AdversarialLogisticRegression(epsilon=0.0))
    pipe.fit(X, y)
    attr = integrated_gradients(pipe, X, y)
    encoded = pipe[0].transform(X).toarray()
    assert attr.shape == encoded.shape == (120, 6)
    np.testing.assert_array_equal(attr, integrated_gradients(pipe[-1], encoded, y))
    # Inactive one-hot columns get no attribution with the zero baseline.
    np.testing.assert_array_equal(attr[encoded == 0], 0.0)
    frozen = integrated_gradients(FrozenEstimator(pipe), X, y)
    np.testing.assert_array_equal(frozen, attr)


def test_custom_gradient_provider_uses_quadrature_by_default(binary_linear):
    """A provider without a closed form: 'auto' integrates, 'exact' is refused."""
    model, X, y = binary_linear
    provider = _GradientsOnly(model).fit(X, y)
    got = integrated_gradients(provider, X, y, n_steps=64)
    np.testing.assert_allclose(
        got, integrated_gradients(model, X, y), rtol=1e-9, atol=1e-12
    )
    with pytest.raises(ValueError, match="method='exact' needs a linear model"):
        integrated_gradients(provider, X, y, method="exact")


def test_unsupported_and_unfitted_estimators(binary_linear):
    _, X, y = binary_linear
    with pytest.raises(TypeError, match="DecisionTreeClassifier does not provide"):
        integrated_gradients(DecisionTreeClassifier().fit(X, y), X)
    with pytest.raises(TypeError, match="torch.nn.Module that returns logits"):
        integrated_gradients(make_pipeline(DecisionTreeClassifier()).fit(X, y), X)
    with pytest.raises(NotFittedError):
        integrated_gradients(AdversarialLogisticRegression(), X)


@pytest.mark.parametrize("method", ["exact", "gausslegendre"])
def test_wrong_number_of_features(binary_linear, method):
    clf, X, y = binary_linear
    with pytest.raises(ValueError, match=f"{X.shape[1] - 1} features"):
        integrated_gradients(clf, X[:, :-1], y, method=method)


def test_bad_parameters(mlp, data):
    X, _, _ = data
    with pytest.raises(InvalidParameterError, match="n_steps"):
        integrated_gradients(mlp, X, n_steps=0)
    with pytest.raises(InvalidParameterError, match="method"):
        integrated_gradients(mlp, X, method="simpson")
    with pytest.raises(InvalidParameterError, match="output"):
        integrated_gradients(mlp, X, output="softmax")
    with pytest.raises(InvalidParameterError, match="internal_batch_size"):
        integrated_gradients(mlp, X, internal_batch_size=0)
    with pytest.raises(ValueError, match="method='exact' needs a linear model"):
        integrated_gradients(mlp, X, method="exact")
    with pytest.raises(ValueError, match="trapezoid rule needs n_steps >= 2"):
        integrated_gradients(mlp, X, method="riemann_trapezoid", n_steps=1)
    with pytest.raises(ValueError, match="at least one sample"):
        integrated_gradients(mlp, X[0])
    with pytest.raises(ValueError, match="NaN"):
        integrated_gradients(mlp, np.where(X > 1, np.nan, X))


def test_inputs_are_not_modified(mlp, data):
    X, U, target = data
    copies = X.copy(), U.copy(), target.copy()
    integrated_gradients(mlp, X, baselines=U, target=target, internal_batch_size=7)
    for before, after in zip(copies, (X, U, target)):
        np.testing.assert_array_equal(before, after)
    for p in mlp.parameters():
        assert p.grad is None


def test_importing_inspection_does_not_import_torch():
    code = (
        "import sys, skadv.inspection, skadv.metrics;"
        "from skadv.inspection import integrated_gradients;"
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.filterwarnings(  # 5 epochs are enough for the properties checked
    "ignore:Stopped after max_iter=.* epochs:sklearn.exceptions.ConvergenceWarning"
)
def test_adversarial_mlp_through_the_protocol():
    """A network provider: quadrature by default, complete, batch-invariant."""
    from skadv.neural_network import AdversarialMLPClassifier

    rng = np.random.default_rng(8)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int)
    net = AdversarialMLPClassifier(
        epsilon=0.0,
        hidden_layer_sizes=(8,),
        activation="tanh",
        max_iter=5,
        random_state=0,
    ).fit(X, y)
    attr, delta = integrated_gradients(
        net, X[:10], y[:10], n_steps=64, return_convergence_delta=True
    )
    assert attr.shape == (10, 4)
    assert np.max(np.abs(delta)) < 1e-5
    # Completeness against the estimator's own predict_proba at x and at u = 0.
    rows = np.arange(10)
    p_x = net.predict_proba(X[:10])[rows, y[:10]]
    p_u = net.predict_proba(np.zeros((10, 4)))[rows, y[:10]]
    np.testing.assert_allclose(attr.sum(1), p_x - p_u, atol=1e-5)
    batched = integrated_gradients(
        net, X[:10], y[:10], n_steps=64, internal_batch_size=100
    )
    np.testing.assert_allclose(batched, attr, rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match="needs a linear model"):
        integrated_gradients(net, X[:10], method="exact")


@pytest.mark.parametrize("method", ["exact", "gausslegendre", "riemann_middle"])
@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_input_gives_the_dense_attributions(method, fmt):
    rng = np.random.default_rng(0)
    dense = rng.normal(size=(30, 6)) * (rng.random((30, 6)) < 0.4)
    y = (dense[:, 0] + dense[:, 1] > 0).astype(int)
    model = AdversarialLogisticRegression(epsilon=0.05).fit(dense, y)
    X = getattr(sp.csr_matrix(dense), f"to{fmt}")()
    expected, delta_dense = integrated_gradients(
        model, dense, y, method=method, n_steps=8, return_convergence_delta=True
    )
    got, delta = integrated_gradients(
        model,
        X,
        y,
        method=method,
        n_steps=8,
        internal_batch_size=7,
        return_convergence_delta=True,
    )
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(delta, delta_dense, atol=1e-12)


def test_sparse_quadrature_densifies_one_block_of_rows(monkeypatch):
    rng = np.random.default_rng(1)
    dense = rng.normal(size=(40, 5)) * (rng.random((40, 5)) < 0.5)
    y = (dense[:, 0] > 0).astype(int)
    model = AdversarialLogisticRegression(epsilon=0.0).fit(dense, y)
    largest = []
    original = sp.csr_matrix.toarray

    def spy(self, *args, **kwargs):
        largest.append(self.shape[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sp.csr_matrix, "toarray", spy)
    integrated_gradients(
        model,
        sp.csr_matrix(dense),
        y,
        method="gausslegendre",
        n_steps=4,
        internal_batch_size=8,
    )
    assert largest and max(largest) <= 8
