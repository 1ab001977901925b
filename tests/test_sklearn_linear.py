"""scikit-learn's own linear classifiers through the provider adapter.

Every closed form is compared with an oracle that does not share its code:
the model's own predict over the vertices of the l_inf ball (robust accuracy),
its own decision_function and predict_proba (outputs), finite differences
(gradients), Gauss-Legendre quadrature and captum on a torch layer holding the
same weights (Integrated Gradients), and fits done by hand (model selection).
"""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import (
    LogisticRegression,
    Perceptron,
    RidgeClassifier,
    SGDClassifier,
)
from sklearn.metrics import accuracy_score
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier

from skadv.inspection import FeatureImpactTransformer, gini_index, integrated_gradients
from skadv.linear_model import AdversarialLogisticRegression
from skadv.metrics import make_gini_scorer, make_robust_scorer, robust_accuracy_score
from skadv.utils._protocol import check_output, has_linear_form
from skadv.utils._resolve import resolve_model, unfreeze, unwrap_model
from skadv.utils._sklearn_linear import SklearnLinearProvider

N_FEATURES = 3

#: name -> (unfitted model, proba link the adapter must find or None)
MODELS = {
    "logistic": (LogisticRegression(), ("sigmoid", "softmax")),
    # Regularised, so that their probabilities vary smoothly enough along a path
    # for a quadrature of a few hundred nodes.
    "sgd_log": (
        SGDClassifier(loss="log_loss", alpha=0.01, random_state=0),
        ("sigmoid", "ovr_sigmoid"),
    ),
    "sgd_huber": (
        SGDClassifier(loss="modified_huber", alpha=0.01, random_state=0),
        ("huber", "ovr_huber"),
    ),
    "sgd_hinge": (SGDClassifier(random_state=0), None),
    "sgd_pa": (
        SGDClassifier(penalty=None, learning_rate="pa1", eta0=1.0, random_state=0),
        None,
    ),
    "linear_svc": (LinearSVC(), None),
    "crammer_singer": (LinearSVC(multi_class="crammer_singer"), None),
    "ridge": (RidgeClassifier(), None),
    "perceptron": (Perceptron(random_state=0), None),
    "no_intercept": (LinearSVC(fit_intercept=False), None),
}
PROBA_MODELS = [name for name, (_, links) in MODELS.items() if links]


def _problem(n_classes):
    X, y = make_classification(
        n_samples=48,
        n_features=N_FEATURES,
        n_informative=N_FEATURES,
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1,
        class_sep=1.0,
        random_state=n_classes,
    )
    # Labels other than 0..k-1 tell labels and class indices apart.
    return X, np.array(["a", "b", "c"])[y]


@pytest.fixture(scope="module")
def fitted():
    """(name, n_classes) -> (fitted model, X, y), all fitted once."""
    out = {}
    for n_classes in (2, 3):
        X, y = _problem(n_classes)
        for name, (model, _) in MODELS.items():
            with np.errstate(all="ignore"):
                out[name, n_classes] = (clone(model).fit(X, y), X, y)
    return out


CASES = [(name, k) for name in MODELS for k in (2, 3)]


def _brute_force_robust(model, X, y, eps):
    """Correct at every vertex of the box: its worst case for linear scores."""
    robust = np.ones(X.shape[0], dtype=bool)
    for signs in itertools.product((-1.0, 1.0), repeat=X.shape[1]):
        robust &= model.predict(X + np.asarray(signs) * eps) == y
    return robust


def _model_logit(model, X, k):
    """The attributed logit from the model's own decision_function."""
    decision = model.decision_function(X)
    if decision.ndim == 1:
        return decision if k == 1 else -decision
    return decision[:, k]


# ------------------------------------------------------------- robust accuracy
@pytest.mark.parametrize("name, n_classes", CASES)
def test_robust_accuracy_matches_brute_force(fitted, name, n_classes):
    model, X, y = fitted[name, n_classes]
    assert robust_accuracy_score(model, X, y, epsilon=0.0) == accuracy_score(
        y, model.predict(X)
    )
    expected = []
    for eps in (0.15, np.array([0.6, 0.0, 0.3])):
        expected.append(_brute_force_robust(model, X, y, eps).mean())
        assert robust_accuracy_score(model, X, y, epsilon=eps) == expected[-1]
    # The data must separate the budgets, or the comparison is empty.
    assert min(expected) < accuracy_score(y, model.predict(X))


def test_robust_accuracy_through_wrappers_and_sparse_input(fitted):
    model, X, y = fitted["logistic", 3]
    expected = _brute_force_robust(model, X, y, 0.2).mean()
    assert robust_accuracy_score(FrozenEstimator(model), X, y, epsilon=0.2) == expected
    assert robust_accuracy_score(model, sp.csr_matrix(X), y, epsilon=0.2) == expected
    # An unknown label is never correct.
    y_unknown = y.copy()
    y_unknown[:4] = "z"
    assert robust_accuracy_score(model, X, y_unknown, epsilon=0.0) == pytest.approx(
        accuracy_score(y[4:], model.predict(X[4:])) * (len(y) - 4) / len(y)
    )


def test_sparse_coefficients_are_read_densely(fitted):
    model, X, y = fitted["sgd_hinge", 3]
    sparse_model = clone(model).fit(X, y).sparsify()
    assert sp.issparse(sparse_model.coef_)
    expected = _brute_force_robust(sparse_model, X, y, 0.2).mean()
    assert robust_accuracy_score(sparse_model, X, y, epsilon=0.2) == expected


# ------------------------------------------------------ outputs and gradients
@pytest.mark.parametrize("name, n_classes", CASES)
def test_outputs_match_the_models_own(fitted, name, n_classes):
    model, X, _ = fitted[name, n_classes]
    provider = resolve_model(model, X).provider
    links = MODELS[name][1]
    assert ("proba" in provider.supported_outputs) == (links is not None)
    # Only a binary model with sigmoid probabilities has an exact proba form.
    exact_proba = links is not None and n_classes == 2 and links[0] == "sigmoid"
    assert has_linear_form(provider, "proba") == exact_proba
    assert has_linear_form(provider, "logit") and has_linear_form(provider)
    for k in range(n_classes):
        target = np.full(X.shape[0], k)
        values, grads = provider._output_and_gradient(X, target, "logit")
        np.testing.assert_allclose(values, _model_logit(model, X, k), rtol=1e-12)
        if links is not None:
            values, _ = provider._output_and_gradient(X, target, "proba")
            np.testing.assert_allclose(
                values, model.predict_proba(X)[:, k], rtol=1e-12, atol=1e-15
            )
    np.testing.assert_array_equal(provider.predict(X), model.predict(X))


@pytest.mark.parametrize("name", PROBA_MODELS + ["ridge"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_gradients_match_finite_differences(fitted, name, n_classes):
    model, X, _ = fitted[name, n_classes]
    provider = resolve_model(model, X).provider
    rows = X[:12]
    step = 1e-6
    for output in provider.supported_outputs:
        for k in range(n_classes):
            target = np.full(rows.shape[0], k)
            _, grads = provider._output_and_gradient(rows, target, output)
            for j in range(N_FEATURES):
                shift = np.zeros(N_FEATURES)
                shift[j] = step
                up = provider._output_and_gradient(rows + shift, target, output)[0]
                down = provider._output_and_gradient(rows - shift, target, output)[0]
                np.testing.assert_allclose(
                    grads[:, j], (up - down) / (2 * step), rtol=1e-5, atol=1e-8
                )


def test_modified_huber_probabilities_are_flat_where_clipped(fitted):
    # Rows whose clipped scores are all zero get uniform probabilities, as
    # predict_proba gives them, and no gradient.
    model, X, _ = fitted["sgd_huber", 3]
    provider = resolve_model(model, X).provider
    far = np.full((1, N_FEATURES), 1e3) * -np.sign(model.coef_.sum(axis=0))
    scores = model.decision_function(far)
    expected = model.predict_proba(far)[0]
    for k in range(3):
        value, grad = provider._output_and_gradient(far, np.array([k]), "proba")
        assert value[0] == pytest.approx(expected[k], abs=1e-15)
        if np.all(scores <= -1):
            np.testing.assert_array_equal(grad, 0.0)


# ------------------------------------------------------- integrated gradients
def _torch_logits(model, n_classes):
    """A torch layer with the model's weights giving the attributed logits."""
    torch = pytest.importorskip("torch")
    coef = np.atleast_2d(model.coef_)
    intercept = np.broadcast_to(model.intercept_, (coef.shape[0],))
    if n_classes == 2:
        coef, intercept = (
            np.vstack([-coef, coef]),
            np.concatenate([-intercept, intercept]),
        )
    layer = torch.nn.Linear(coef.shape[1], coef.shape[0]).double()
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(coef))
        layer.bias.copy_(torch.tensor(intercept))
    return layer


def _captum_ig(forward, X, U, target, n_steps):
    torch = pytest.importorskip("torch")
    captum_attr = pytest.importorskip("captum.attr")
    ig = captum_attr.IntegratedGradients(forward)
    attr = ig.attribute(
        torch.tensor(X),
        baselines=torch.tensor(U),
        target=torch.tensor(target),
        n_steps=n_steps,
        method="gausslegendre",
    )
    return attr.detach().numpy()


@pytest.mark.parametrize(
    "name, n_classes, output",
    [
        ("logistic", 2, "logit"),
        ("logistic", 2, "proba"),
        ("logistic", 3, "logit"),
        ("linear_svc", 3, "logit"),
        ("sgd_log", 2, "proba"),
    ],
)
def test_exact_ig_matches_quadrature_and_captum(fitted, name, n_classes, output):
    torch = pytest.importorskip("torch")
    model, X, y = fitted[name, n_classes]
    rows, target = X[:10], np.searchsorted(model.classes_, y[:10])
    U = np.tile(np.linspace(-0.5, 0.5, N_FEATURES), (rows.shape[0], 1))
    exact, delta = integrated_gradients(
        model,
        rows,
        y[:10],
        baselines=U[0],
        output=output,
        method="exact",
        return_convergence_delta=True,
    )
    quad = integrated_gradients(
        model,
        rows,
        y[:10],
        baselines=U[0],
        output=output,
        method="gausslegendre",
        n_steps=64,
    )
    np.testing.assert_allclose(exact, quad, rtol=1e-9, atol=1e-12)
    layer = _torch_logits(model, n_classes)
    forward = (lambda x: torch.sigmoid(layer(x))) if output == "proba" else layer
    theirs = _captum_ig(forward, rows, U, target, 64)
    # captum weighs its nodes in float32.
    np.testing.assert_allclose(exact, theirs, rtol=1e-7, atol=1e-9)
    # Completeness, against the model's own outputs.
    if output == "proba":
        f_x = model.predict_proba(rows)[np.arange(10), target]
        f_u = model.predict_proba(U)[np.arange(10), target]
    else:
        f_x = np.array(
            [_model_logit(model, rows[[i]], t)[0] for i, t in enumerate(target)]
        )
        f_u = np.array(
            [_model_logit(model, U[[i]], t)[0] for i, t in enumerate(target)]
        )
    np.testing.assert_allclose(exact.sum(axis=1), f_x - f_u, rtol=1e-10, atol=1e-12)
    assert np.abs(delta).max() < 1e-12


def test_binary_modified_huber_is_complete(fitted):
    # Its probability (clip(z, -1, 1) + 1) / 2 is continuous: the rule converges
    # to predict_proba's difference, at the first-order rate of a kinked path.
    model, X, y = fitted["sgd_huber", 2]
    rows, target = X[:12], np.searchsorted(model.classes_, y[:12])
    attr = integrated_gradients(model, rows, y[:12], output="proba", n_steps=500)
    f_x = model.predict_proba(rows)[np.arange(12), target]
    f_u = model.predict_proba(np.zeros_like(rows))[np.arange(12), target]
    np.testing.assert_allclose(attr.sum(axis=1), f_x - f_u, atol=5e-3)
    assert np.abs(f_x - f_u).max() > 0.5


def _torch_probabilities(torch, layer, name):
    """The model's predict_proba written in torch, on its logits."""
    if name == "logistic":
        return lambda x: torch.softmax(layer(x), dim=1)
    if name == "sgd_log":
        s = lambda x: torch.sigmoid(layer(x))  # noqa: E731
    else:
        s = lambda x: (torch.clamp(layer(x), -1.0, 1.0) + 1.0) / 2.0  # noqa: E731
    return lambda x: s(x) / s(x).sum(dim=1, keepdim=True)


@pytest.mark.parametrize("name", ["logistic", "sgd_log", "sgd_huber"])
def test_multiclass_probabilities_are_integrated_by_quadrature(fitted, name):
    torch = pytest.importorskip("torch")
    model, X, y = fitted[name, 3]
    rows, target = X[:8], np.searchsorted(model.classes_, y[:8])
    provider = resolve_model(model, rows).provider
    assert provider._link == MODELS[name][1][1]
    assert not has_linear_form(provider, "proba")
    attr = integrated_gradients(model, rows, y[:8], output="proba", n_steps=200)
    forward = _torch_probabilities(torch, _torch_logits(model, 3), name)
    theirs = _captum_ig(forward, rows, np.zeros_like(rows), target, 200)
    np.testing.assert_allclose(attr, theirs, rtol=1e-7, atol=1e-9)
    # Completeness against predict_proba at x and at the zero baseline.
    f_x = model.predict_proba(rows)[np.arange(8), target]
    f_u = model.predict_proba(np.zeros((8, N_FEATURES)))[np.arange(8), target]
    # The probabilities of modified_huber are steep where the clipped scores
    # nearly vanish, and jump to uniform where they all do, so the rule need
    # not converge for them (the torch oracle above checks their gradients).
    if name != "sgd_huber":
        np.testing.assert_allclose(attr.sum(axis=1), f_x - f_u, atol=1e-8)
    with pytest.raises(ValueError, match="method='exact'"):
        integrated_gradients(model, rows, y[:8], output="proba", method="exact")


# --------------------------------------------------------- wrappers and names
def test_pipeline_search_and_frozen_resolve_to_the_same_explanation(fitted):
    _, X, y = fitted["logistic", 2]
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    expected = integrated_gradients(pipe[-1], pipe[0].transform(X), y)
    np.testing.assert_allclose(integrated_gradients(pipe, X, y), expected)
    np.testing.assert_allclose(
        integrated_gradients(FrozenEstimator(pipe), X, y), expected
    )
    grid = {"logisticregression__C": [0.1, 1.0]}
    search = GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression()), grid, cv=3
    ).fit(X, y)
    best = search.best_estimator_
    np.testing.assert_allclose(
        integrated_gradients(search, X, y),
        integrated_gradients(best[-1], best[0].transform(X), y),
    )
    Xt = best[0].transform(X)
    assert robust_accuracy_score(search, X, y, epsilon=0.2) == (
        _brute_force_robust(best[-1], Xt, y, 0.2).mean()
    )
    assert unwrap_model(FrozenEstimator(search)) is best
    assert unfreeze is unwrap_model
    # A search of a search is looked through repeatedly.
    inner = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2)
    outer = RandomizedSearchCV(inner, {"cv": [2, 3]}, n_iter=1, cv=2, random_state=0)
    outer.fit(X, y)
    assert unwrap_model(outer) is outer.best_estimator_.best_estimator_
    assert type(resolve_model(outer, X).provider).__name__ == "SklearnLinearProvider"


def test_feature_names_of_the_columns_the_provider_sees(fitted):
    pd = pytest.importorskip("pandas")
    _, X, y = fitted["logistic", 2]
    frame = pd.DataFrame(X, columns=["age", "income", "score"])
    model = LogisticRegression().fit(frame, y)
    resolved = resolve_model(model, frame)
    assert resolved.feature_names.tolist() == ["age", "income", "score"]
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(frame, y)
    assert resolve_model(pipe, frame).feature_names.tolist() == [
        "age",
        "income",
        "score",
    ]
    assert resolve_model(LogisticRegression().fit(X, y), X).feature_names is None
    # The adapter's predictions keep the model's feature-name checks.
    np.testing.assert_array_equal(
        resolved.provider.predict(frame), model.predict(frame)
    )


def test_feature_impact_and_scorers_on_a_plain_logistic_regression(fitted):
    _, X, y = fitted["logistic", 3]
    impact = FeatureImpactTransformer(LogisticRegression()).fit(X, y)
    model = LogisticRegression().fit(X, y)
    expected = np.abs(integrated_gradients(model, X, y)).mean(axis=0)
    np.testing.assert_allclose(impact.feature_impact_, expected, rtol=1e-12)
    cv = StratifiedKFold(3)
    robust = cross_val_score(
        LogisticRegression(), X, y, cv=cv, scoring=make_robust_scorer(epsilon=0.2)
    )
    gini = cross_val_score(
        LogisticRegression(), X, y, cv=cv, scoring=make_gini_scorer(output="logit")
    )
    for fold, (train, test) in enumerate(cv.split(X, y)):
        fold_model = LogisticRegression().fit(X[train], y[train])
        assert robust[fold] == pytest.approx(
            _brute_force_robust(fold_model, X[test], y[test], 0.2).mean()
        )
        # Lemma 4.1 for a logit: each attribution is (x - 0) * w_target.
        w = fold_model.coef_[np.searchsorted(fold_model.classes_, y[test])]
        assert gini[fold] == pytest.approx(gini_index(X[test] * w, axis=1).mean())


def test_adapter_and_skadv_model_agree_on_the_same_weights(fitted):
    # One closed form: an AdversarialLogisticRegression given the weights of a
    # binary LogisticRegression explains and scores it identically.
    model, X, y = fitted["logistic", 2]
    ours = AdversarialLogisticRegression().fit(X, y)
    ours.coef_, ours.intercept_ = model.coef_.copy(), model.intercept_.copy()
    for output in ("proba", "logit"):
        np.testing.assert_allclose(
            integrated_gradients(model, X, y, output=output),
            integrated_gradients(ours, X, y, output=output),
            rtol=1e-13,
            atol=1e-15,
        )
    assert robust_accuracy_score(model, X, y, epsilon=0.2) == (
        robust_accuracy_score(ours, X, y, epsilon=0.2)
    )


# ------------------------------------------------------------------ bad input
def test_unfitted_models_raise_not_fitted(fitted):
    _, X, y = fitted["logistic", 2]
    with pytest.raises(NotFittedError):
        integrated_gradients(LogisticRegression(), X)
    with pytest.raises(NotFittedError):
        robust_accuracy_score(LinearSVC(), X, y, epsilon=0.1)
    with pytest.raises(NotFittedError):
        integrated_gradients(GridSearchCV(LogisticRegression(), {"C": [1.0]}), X)


def test_models_that_are_not_linear_are_refused_with_the_reason(fitted):
    _, X, y = fitted["logistic", 2]
    calibrated = CalibratedClassifierCV(LinearSVC(), method="isotonic", cv=3)
    calibrated.fit(X, y)
    with pytest.raises(TypeError, match="calibration .isotonic., which is not linear"):
        integrated_gradients(calibrated, X)
    with pytest.raises(TypeError, match="CalibratedClassifierCV"):
        robust_accuracy_score(calibrated, X, y, epsilon=0.1)
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    with pytest.raises(TypeError, match="DecisionTreeClassifier does not provide"):
        integrated_gradients(tree, X)
    with pytest.raises(TypeError, match="DecisionTreeClassifier"):
        robust_accuracy_score(tree, X, y, epsilon=0.1)
    with pytest.raises(TypeError, match="SVC has no coef_"):
        integrated_gradients(SVC().fit(X, y), X)
    # A linear kernel is linear for two classes; three one-vs-one scores vote.
    svc = SVC(kernel="linear").fit(X, y)
    sign = np.where(svc.predict(X) == "b", 1.0, -1.0)[:, None]
    np.testing.assert_allclose(
        integrated_gradients(svc, X, output="logit"),
        sign * X * svc.coef_[0],
        rtol=1e-12,
        atol=1e-14,
    )
    X3, y3 = _problem(3)
    with pytest.raises(TypeError, match="not X @ coef_.T \\+ intercept_"):
        integrated_gradients(SVC(kernel="linear").fit(X3, y3), X3, output="logit")


class _Tempered(LogisticRegression):
    """Probabilities of a softmax at another temperature than its scores."""

    def predict_proba(self, X):
        scores = self.decision_function(X) / 2.0
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return scores / scores.sum(axis=1, keepdims=True)


class _Bent(LogisticRegression):
    """Coefficients of a linear model, decision values that are not."""

    def decision_function(self, X):
        return np.tanh(super().decision_function(X))


class _Reversed(LogisticRegression):
    """Linear decision values, predictions of the smallest one."""

    def predict(self, X):
        return self.classes_[np.argmin(self.decision_function(X), axis=1)]


def test_duck_typed_models_must_keep_the_linear_contract():
    X, y = _problem(3)
    with pytest.raises(TypeError, match="not linear in its input"):
        integrated_gradients(_Bent().fit(X, y), X, output="logit")
    with pytest.raises(TypeError, match="predict is not the class of the largest"):
        robust_accuracy_score(_Reversed().fit(X, y), X, y, epsilon=0.1)


def test_probabilities_of_an_unknown_form_are_not_attributed():
    X, y = _problem(3)
    model = _Tempered().fit(X, y)
    provider = resolve_model(model, X).provider
    assert provider.supported_outputs == ("logit",)
    with pytest.raises(ValueError, match="_Tempered.predict_proba is not the sigmoid"):
        integrated_gradients(model, X, output="proba")
    # Its decision values are linear all the same.
    np.testing.assert_allclose(
        integrated_gradients(model, X, y, output="logit"),
        X * model.coef_[np.searchsorted(model.classes_, y)],
        rtol=1e-12,
        atol=1e-14,
    )


def test_outputs_the_model_does_not_define_are_refused(fitted):
    model, X, y = fitted["linear_svc", 2]
    provider = resolve_model(model, X).provider
    with pytest.raises(ValueError, match="LinearSVC defines no probabilities"):
        check_output(provider, "proba")
    with pytest.raises(ValueError, match="use output='logit'"):
        integrated_gradients(model, X, output="proba")
    assert check_output(provider, "decision") == "logit"
    np.testing.assert_allclose(
        integrated_gradients(model, X, output="decision"),
        X * np.where(model.predict(X) == "b", 1.0, -1.0)[:, None] * model.coef_[0],
        rtol=1e-12,
        atol=1e-14,
    )


def test_search_without_refit_is_refused(fitted):
    _, X, y = fitted["logistic", 2]
    search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, refit=False, cv=2)
    search.fit(X, y)
    with pytest.raises(ValueError, match="refit=False.*no best_estimator_"):
        integrated_gradients(search, X)
    with pytest.raises(ValueError, match="refit=False"):
        robust_accuracy_score(search, X, y, epsilon=0.1)


def test_adapter_refuses_what_is_not_one_score_per_class():
    class _Scores:
        coef_ = np.ones((2, 3))
        intercept_ = np.zeros(2)
        classes_ = np.array([0, 1, 2])

        def decision_function(self, X):
            return X @ self.coef_.T

    with pytest.raises(TypeError, match="coef_ has 2 rows"):
        SklearnLinearProvider(_Scores())
    unsorted = _Scores()
    unsorted.coef_ = np.ones((3, 3))
    unsorted.intercept_ = np.zeros(3)
    unsorted.classes_ = np.array([2, 0, 1])
    with pytest.raises(TypeError, match="sorted and distinct"):
        SklearnLinearProvider(unsorted)
