"""The provider checks pass on sound models and catch broken ones, by name."""

import numpy as np
import pytest
from _small_models import small_torch_net
from scipy.special import expit
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skadv.linear_model import AdversarialLogisticRegression
from skadv.utils._provider_checks import generated_problem
from skadv.utils.estimator_checks import (
    check_provider,
    parametrize_with_provider_checks,
    provider_checks,
)


def _fitted(model, n_classes=2):
    return model.fit(*generated_problem(n_classes))


class _NegatedGradient(AdversarialLogisticRegression):
    def _output_and_gradient(self, X, target, output):
        values, grads = super()._output_and_gradient(X, target, output)
        return values, -grads


class _Float32Values(AdversarialLogisticRegression):
    def _output_and_gradient(self, X, target, output):
        values, grads = super()._output_and_gradient(X, target, output)
        return values.astype(np.float32), grads


class _Float32Gradients(AdversarialLogisticRegression):
    # float32 gradients are allowed only from a provider that computes in float32
    def _output_and_gradient(self, X, target, output):
        values, grads = super()._output_and_gradient(X, target, output)
        return values, grads.astype(np.float32)


def _linear_outputs(W, b, X, output, gradient_factor=1.0):
    """Outputs and gradients of the logits ``X @ W + b``, the gradient scaled."""
    logit = np.einsum("ij,ij->i", X, W) + b
    if output == "logit":
        return logit, gradient_factor * W
    proba = expit(logit)
    return proba, gradient_factor * (proba * (1 - proba))[:, None] * W


class _ShiftedIntercept(AdversarialLogisticRegression):
    # The linear form claims another intercept than the outputs use.
    def _linear_logit(self, target):
        W, b = super()._linear_logit(target)
        return W, b + 0.5

    def _output_and_gradient(self, X, target, output):
        W, b = AdversarialLogisticRegression._linear_logit(self, target)
        return _linear_outputs(W, b, X, output)


class _DoubledGradientNoLinearForm(AdversarialLogisticRegression):
    # Without a linear form the completeness check integrates the gradients.
    _linear_logit = None

    def _output_and_gradient(self, X, target, output):
        W, b = AdversarialLogisticRegression._linear_logit(self, target)
        return _linear_outputs(W, b, X, output, gradient_factor=2.0)


class _AlwaysRobust(AdversarialLogisticRegression):
    def _robust_correct(self, X, y, epsilon, **attack_params):
        return np.ones(X.shape[0], dtype=bool)


class _RobustAgainAtLargeBudgets(AdversarialLogisticRegression):
    def _robust_correct(self, X, y, epsilon, **attack_params):
        correct = np.asarray(self.predict(X)) == y
        small = 0 < np.max(epsilon) < 1.0
        return correct & ~small


class _RobustAsInts(AdversarialLogisticRegression):
    def _robust_correct(self, X, y, epsilon, **attack_params):
        return super()._robust_correct(X, y, epsilon).astype(int)


class _WritesIntoX(AdversarialLogisticRegression):
    def _output_and_gradient(self, X, target, output):
        result = super()._output_and_gradient(X, target, output)
        if isinstance(X, np.ndarray) and X.flags.writeable:
            X[:, 0] = 0.0
        return result


class _UnsortedClasses(AdversarialLogisticRegression):
    @property
    def classes_(self):
        return self._classes[::-1]

    @classes_.setter
    def classes_(self, value):
        self._classes = value


def _check(estimator, name):
    """The check called ``name`` among the provider checks of ``estimator``."""
    checks = {check.func.__name__: check for _, check in provider_checks(estimator)}
    return checks[name]


@pytest.mark.parametrize(
    "broken, n_classes, failing",
    [
        (_NegatedGradient, 2, "check_gradients_finite_differences"),
        (_NegatedGradient, 3, "check_gradients_finite_differences"),
        (_Float32Values, 2, "check_output_and_gradient"),
        (_Float32Gradients, 3, "check_output_and_gradient"),
        (_ShiftedIntercept, 2, "check_linear_logit"),
        (_DoubledGradientNoLinearForm, 2, "check_gradients_finite_differences"),
        (_AlwaysRobust, 3, "check_robust_correct"),
        (_RobustAgainAtLargeBudgets, 2, "check_robust_correct"),
        (_RobustAsInts, 2, "check_robust_correct"),
        (_UnsortedClasses, 3, "check_provider_members"),
    ],
)
def test_check_provider_names_the_broken_check(broken, n_classes, failing):
    model = _fitted(broken(epsilon=0.05), n_classes)
    with pytest.raises(AssertionError, match=f"^{failing}: "):
        check_provider(model)


@pytest.mark.parametrize(
    "broken, failing",
    [
        (_DoubledGradientNoLinearForm, "check_integrated_gradients_completeness"),
        (_WritesIntoX, "check_inputs_not_mutated"),
        (_AlwaysRobust, "check_robust_correct"),
    ],
)
def test_each_check_catches_its_own_breach(broken, failing):
    # Called alone, each check sees the breach that an earlier one may also see.
    model = _fitted(broken(epsilon=0.05))
    with pytest.raises(AssertionError, match=f"^{failing}: "):
        _check(model, failing)(model)


def test_the_sound_version_of_each_broken_model_passes():
    # The broken models above differ from this one only in what they break.
    for n_classes in (2, 3):
        model = _fitted(AdversarialLogisticRegression(epsilon=0.05), n_classes)
        for estimator, check in provider_checks(model):
            check(estimator)


def test_an_unfitted_estimator_is_fitted_on_two_and_three_classes(monkeypatch):
    seen = []
    original = AdversarialLogisticRegression.fit

    def recording_fit(self, X, y, **params):
        seen.append(len(np.unique(y)))
        return original(self, X, y, **params)

    monkeypatch.setattr(AdversarialLogisticRegression, "fit", recording_fit)
    estimator = AdversarialLogisticRegression(epsilon=0.05)
    check_provider(estimator)
    assert seen == [2, 3]
    # the estimator passed is left unfitted
    assert not hasattr(estimator, "coef_")


def test_pipelines_and_frozen_estimators_are_checked_through_resolution():
    X, y = generated_problem(3)
    check_provider(make_pipeline(StandardScaler(), AdversarialLogisticRegression()))
    frozen = FrozenEstimator(AdversarialLogisticRegression().fit(X, y))
    check_provider(frozen, X, y)


def test_string_labels_are_checked_with_an_unknown_string():
    X, index = generated_problem(3)
    y = np.array(["ant", "bee", "cat"])[index // 10 - 1]
    check_provider(AdversarialLogisticRegression(), X, y)


def test_a_model_without_gradients_fails_the_members_check():
    X, y = generated_problem(2)
    with pytest.raises(AssertionError, match="^check_provider_members: .*Decision"):
        check_provider(DecisionTreeClassifier().fit(X, y))


def test_an_exception_inside_a_check_is_reported_as_that_check():
    class _Crashes(AdversarialLogisticRegression):
        def _robust_correct(self, X, y, epsilon, **attack_params):
            raise RuntimeError("no attack today")

    with pytest.raises(AssertionError, match="^check_robust_correct: RuntimeError"):
        check_provider(_fitted(_Crashes()))


def test_checks_of_a_torch_module_need_its_inputs():
    torch = pytest.importorskip("torch")
    net = torch.nn.Linear(4, 3)
    with pytest.raises(ValueError, match="X is needed"):
        check_provider(net)
    X = np.random.default_rng(0).normal(size=(30, 4))
    check_provider(net, X)
    names = [check.func.__name__ for _, check in provider_checks(net)]
    # a torch module has no fitted width, linear form or robust accuracy
    assert "check_width_validation" not in names
    assert "check_linear_logit" not in names and "check_robust_correct" not in names


def test_a_float32_gradient_a_few_percent_off_is_caught(monkeypatch):
    # The float32 tolerance is not so loose that a small error slips through.
    pytest.importorskip("torch")
    from skadv.utils._torch_provider import TorchModuleProvider

    net = small_torch_net(3)
    X = np.random.default_rng(0).normal(size=(30, 4))
    check_provider(net, X)
    original = TorchModuleProvider._output_and_gradient

    def skewed(self, X, target, output):
        values, grads = original(self, X, target, output)
        assert grads.dtype == np.float32
        return values, grads * np.float32(1.03)

    monkeypatch.setattr(TorchModuleProvider, "_output_and_gradient", skewed)
    with pytest.raises(AssertionError, match="^check_gradients_finite"):
        check_provider(net, X)


_FITTED = _fitted(AdversarialLogisticRegression(epsilon=0.05), 3)


@parametrize_with_provider_checks([_FITTED])
def test_parametrize_with_provider_checks(estimator, check):
    check(estimator)


def test_parametrize_with_provider_checks_names_each_check():
    marker = parametrize_with_provider_checks([_FITTED]).mark
    argnames, pairs = marker.args
    ids = [marker.kwargs["ids"](value) for pair in pairs for value in pair]
    assert argnames == "estimator, check"
    assert "check_linear_logit" in ids and "check_robust_correct" in ids
    assert "AdversarialLogisticRegression(epsilon=0.05)" in ids


def test_an_explanation_that_accepts_any_target_fails_target_validation(monkeypatch):
    # Targets are validated by the explanations, not by the provider: break them.
    from skadv.inspection import _integrated_gradients

    def lenient(resolved, y, target):
        n = resolved.X.shape[0]
        index = np.zeros(n) if target is None else np.broadcast_to(target, (n,))
        return np.clip(index, 0, resolved.n_classes - 1).astype(np.intp)

    model = _fitted(AdversarialLogisticRegression(epsilon=0.05))
    monkeypatch.setattr(_integrated_gradients, "_resolve_target", lenient)
    with pytest.raises(AssertionError, match="^check_target_validation: target"):
        _check(model, "check_target_validation")(model)
