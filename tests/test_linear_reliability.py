"""AdversarialLogisticRegression under hostile settings: divergence, bad class
weights, failed or interrupted refits, and unpenalised fits with no optimum."""

import copy
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from _small_models import noisy_binary
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression

import skadv.linear_model._logistic as logistic_module
import skadv.linear_model._partial_fit as partial_fit_module
import skadv.linear_model._solvers as solvers_module
from skadv.linear_model import AdversarialLogisticRegression
from skadv.linear_model._solvers import MinibatchState


def _data_term(coef, intercept, X, y01, epsilon):
    """The adversarial logistic loss of a binary fit, written with numpy."""
    w, b = coef[0], intercept[0]
    y = np.where(y01 == 1, 1.0, -1.0)
    return np.sum(np.logaddexp(0.0, epsilon * np.abs(w).sum() - y * (X @ w + b)))


def _objective(clf, X, y01, epsilon):
    """The docstring objective of a binary fit on labels {0, 1}."""
    w, rho = clf.coef_[0], clf.l1_ratio
    data = _data_term(clf.coef_, clf.intercept_, X, y01, epsilon)
    return clf.C * data + (1 - rho) / 2 * w @ w + rho * np.abs(w).sum()


@pytest.fixture(scope="module")
def noisy():
    """Binary data that no hyperplane separates."""
    return noisy_binary()


@pytest.fixture(scope="module")
def separable():
    """Classes 1 and 0 lie on either side of x0 = 0, at least 1 away from it."""
    rng = np.random.default_rng(1)
    y = np.repeat([0, 1], 30)
    X = rng.normal(scale=0.3, size=(60, 3))
    X[:, 0] = np.where(y == 1, 1.0, -1.0) * rng.uniform(1.0, 2.0, size=60)
    return X, y


def _state(clf):
    return copy.deepcopy(vars(clf))


def _assert_same_state(clf, before):
    after = vars(clf)
    assert sorted(after) == sorted(before)
    for name, old in before.items():
        new = after[name]
        if isinstance(old, np.ndarray):
            np.testing.assert_array_equal(new, old, err_msg=name)
        elif isinstance(old, list) and old and isinstance(old[0], MinibatchState):
            for a, b in zip(new, old):
                for field in ("theta", "m", "v"):
                    np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
                assert (a.t, a.seen_weight, a.seen_samples) == (
                    b.t,
                    b.seen_weight,
                    b.seen_samples,
                )
        elif isinstance(old, np.random.Generator):
            assert new.bit_generator.state == old.bit_generator.state
        else:
            assert new == old, name


# ------------------------------------------------------------- 1. divergence
@pytest.mark.parametrize("epsilon, l1_ratio", [(0.0, 0.0), (0.1, 0.5)])
def test_sgd_with_tiny_C_reaches_the_lbfgs_objective(noisy, epsilon, l1_ratio):
    # An explicit L2 step multiplies w by 1 - lr / (C n), about -800 here.
    X, y = noisy
    params = dict(C=1e-6, l1_ratio=l1_ratio)
    exact = AdversarialLogisticRegression(epsilon, tol=1e-12, **params).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sgd = AdversarialLogisticRegression(
            epsilon, solver="sgd", random_state=0, **params
        ).fit(X, y)
    assert np.abs(sgd.coef_).max() < 1e-3
    f_exact = _objective(exact, X, y, epsilon)
    assert f_exact * (1 - 1e-9) <= _objective(sgd, X, y, epsilon) <= f_exact * 1.001


def test_sgd_with_tiny_sample_weights_matches_lbfgs(noisy):
    # With s = 1e-300 the data term is negligible: w = 0 and b = the log-odds.
    X, y = noisy
    sw = np.full(len(y), 1e-300)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sgd = AdversarialLogisticRegression(solver="sgd", random_state=0)
        sgd.fit(X, y, sample_weight=sw)
    ref = LogisticRegression().fit(X, y, sample_weight=sw)
    assert np.all(np.isfinite(sgd.coef_))
    np.testing.assert_allclose(sgd.coef_, ref.coef_, atol=1e-290)
    log_odds = np.log(y.mean() / (1 - y.mean()))
    assert sgd.intercept_[0] == pytest.approx(log_odds, abs=0.01)


def test_adam_gradient_overflow_is_reported(noisy):
    # A penalty 1e298 times the data term: Adam's squared gradients overflow.
    X, y = noisy
    clf = AdversarialLogisticRegression(solver="adam", random_state=0)
    with pytest.raises(ValueError, match="adam solver diverged: the gradient"):
        clf.fit(X, y, sample_weight=np.full(len(y), 1e-300))


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
@pytest.mark.parametrize("weight", [5e-324, 1e-310])
def test_subnormal_total_weight_is_rejected(noisy, solver, weight):
    X, y = noisy
    clf = AdversarialLogisticRegression(solver=solver, random_state=0)
    with pytest.raises(ValueError, match="sample weights.*sum to"):
        clf.fit(X, y, sample_weight=np.full(len(y), weight))
    with pytest.raises(NotFittedError):
        clf.predict(X)


@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_penalty_beyond_float64_is_rejected(noisy, solver):
    # 1 / (C S) = 1 / (1e-300 * 120e-12) overflows; 1 / C alone does not.
    X, y = noisy
    clf = AdversarialLogisticRegression(C=1e-300, solver=solver)
    with pytest.raises(ValueError, match="C times the sum of the sample weights"):
        clf.fit(X, y, sample_weight=np.full(len(y), 1e-12))
    # A subnormal C is usable when the weights make up for it.
    clf.set_params(C=1e-310).fit(X, y, sample_weight=np.full(len(y), 1e10))
    assert np.all(np.isfinite(clf.coef_)) and np.abs(clf.coef_).max() < 1e-200


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_overflowing_iterates_raise_and_keep_the_model(noisy, solver):
    X, y = noisy
    clf = AdversarialLogisticRegression(solver=solver, random_state=0).fit(X, y)
    before = _state(clf)
    with pytest.raises(ValueError, match=f"{solver} solver diverged.*learning_rate"):
        clf.fit(X * 1e300, y)
    _assert_same_state(clf, before)
    with pytest.raises(ValueError, match=f"{solver} solver diverged"):
        clf.partial_fit(X * 1e300, y)
    _assert_same_state(clf, before)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_too_large_learning_rate_warns(noisy, solver):
    X, y = noisy
    with pytest.warns(ConvergenceWarning, match="learning_rate=100 is too large"):
        AdversarialLogisticRegression(
            0.1, solver=solver, learning_rate=100.0, random_state=0
        ).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        AdversarialLogisticRegression(0.1, solver=solver, random_state=0).fit(X, y)


def test_warm_start_at_the_optimum_does_not_warn(noisy):
    # Minibatch noise leaves a restart from the optimum a little above it.
    X, y = noisy
    clf = AdversarialLogisticRegression(0.1, solver="sgd", warm_start=True)
    clf.set_params(random_state=0, n_iter_no_change=20).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        for seed in range(5):
            clf.set_params(random_state=seed).fit(X, y)


# ------------------------------------------------------------ 2. class_weight
@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
@pytest.mark.parametrize(
    "class_weight",
    [{0: -1.0, 1: 1.0}, {0: np.nan, 1: 1.0}, {0: 1.0, 1: np.inf}, {0: 1.0, 2: -3.0}],
)
def test_invalid_class_weight_values_are_rejected(noisy, solver, class_weight):
    X, y = noisy
    clf = AdversarialLogisticRegression(class_weight=class_weight, solver=solver)
    with pytest.raises(ValueError, match="class_weight values must be finite"):
        clf.fit(X, y)
    if solver == "sgd":
        with pytest.raises(ValueError, match="class_weight values must be finite"):
            clf.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(clf, "classes_")


def test_non_numeric_class_weight_is_rejected(noisy):
    clf = AdversarialLogisticRegression(class_weight={0: "heavy", 1: 1.0})
    with pytest.raises(TypeError, match="class_weight values must be numbers"):
        clf.fit(*noisy)


def test_class_weight_keys_follow_sklearn(noisy):
    X, y = noisy
    # A label that is not a class, while class 1 has no weight: a typo.
    with pytest.raises(ValueError, match=r"class_weight has keys \[5\].*\[1\]"):
        AdversarialLogisticRegression(class_weight={0: 2.0, 5: 3.0}).fit(X, y)
    # Extra labels are ignored when every class has a weight, as in sklearn
    # (a rare class may be absent from a cross-validation fold).
    cw = {0: 2.0, 1: 0.5, 5: 3.0}
    ours = AdversarialLogisticRegression(0.0, class_weight=cw, tol=1e-10).fit(X, y)
    ref = LogisticRegression(class_weight=cw, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5)


# ----------------------------------------------------- 3. failed refits
def _fitted_on_frame(noisy, **params):
    X, y = noisy
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    return AdversarialLogisticRegression(0.1, **params).fit(frame, y), frame


@pytest.mark.parametrize(
    "refit",
    [
        # New classes, then a class_weight that does not fit them.
        lambda X, y: (X, np.array(["p", "q", "r"])[np.arange(len(y)) % 3]),
        # New width, then an epsilon of the old width.
        lambda X, y: (X[:, :3], y),
        # No feature names, then a single class.
        lambda X, y: (X, np.zeros_like(y)),
    ],
    ids=["classes", "n_features", "feature_names"],
)
def test_failed_refit_leaves_the_model_intact(noisy, refit):
    X, y = noisy
    clf, frame = _fitted_on_frame(noisy, class_weight={0: 1.0, 1: 2.0})
    clf.set_params(epsilon=[0.1] * 4)
    proba, pred, before = clf.predict_proba(frame), clf.predict(frame), _state(clf)
    with pytest.raises(ValueError):
        clf.fit(*refit(X, y))
    _assert_same_state(clf, before)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no feature-name mismatch either
        np.testing.assert_array_equal(clf.predict_proba(frame), proba)
        np.testing.assert_array_equal(clf.predict(frame), pred)


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


def _one_epoch_then_interrupt(real):
    def epoch(*args, **kwargs):
        real(*args, **kwargs)  # updates the state in place first
        raise KeyboardInterrupt

    return epoch


def test_interrupted_lbfgs_refit_keeps_the_model(noisy, monkeypatch):
    X, y = noisy
    clf, frame = _fitted_on_frame(noisy)
    proba, before = clf.predict_proba(frame), _state(clf)
    monkeypatch.setattr(logistic_module, "lbfgs", _interrupt)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X[:, :3], np.array(["p", "q", "r"])[np.arange(len(y)) % 3])
    _assert_same_state(clf, before)
    np.testing.assert_array_equal(clf.predict_proba(frame), proba)
    fresh = AdversarialLogisticRegression()
    with pytest.raises(KeyboardInterrupt):
        fresh.fit(X, y)
    assert vars(fresh) == vars(AdversarialLogisticRegression())


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_interrupted_warm_minibatch_refit_keeps_the_model(noisy, monkeypatch, solver):
    X, y = noisy
    clf, frame = _fitted_on_frame(noisy, solver=solver, warm_start=True, random_state=0)
    proba, before = clf.predict_proba(frame), _state(clf)
    real = solvers_module.minibatch_epoch
    monkeypatch.setattr(
        solvers_module, "minibatch_epoch", _one_epoch_then_interrupt(real)
    )
    with pytest.raises(KeyboardInterrupt):
        clf.fit(frame, y)
    _assert_same_state(clf, before)
    np.testing.assert_array_equal(clf.predict_proba(frame), proba)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_interrupted_partial_fit_keeps_the_model(noisy, monkeypatch, solver):
    X, y = noisy
    clf = AdversarialLogisticRegression(0.1, solver=solver, random_state=0)
    clf.partial_fit(X[:60], y[:60], classes=[0, 1])
    proba, before = clf.predict_proba(X), _state(clf)
    real = partial_fit_module.minibatch_epoch
    monkeypatch.setattr(
        partial_fit_module, "minibatch_epoch", _one_epoch_then_interrupt(real)
    )
    with pytest.raises(KeyboardInterrupt):
        clf.partial_fit(X[60:], y[60:])
    _assert_same_state(clf, before)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    fresh = clone(clf)
    with pytest.raises(KeyboardInterrupt):
        fresh.partial_fit(X[:60], y[:60], classes=[0, 1])
    assert vars(fresh) == vars(clone(clf))
    monkeypatch.undo()
    # Once the interruption is over, the next chunk continues where it was.
    again = copy.deepcopy(clf).partial_fit(X[60:], y[60:])
    clf.partial_fit(X[60:], y[60:])
    np.testing.assert_array_equal(clf.coef_, again.coef_)
    assert clf.n_iter_[0] == 2


def test_failed_first_partial_fit_leaves_the_model_unfitted(noisy):
    X, y = noisy
    clf = AdversarialLogisticRegression(solver="sgd", class_weight={0: -1.0})
    with pytest.raises(ValueError, match="class_weight"):
        clf.partial_fit(X, y, classes=[0, 1])
    assert vars(clf) == vars(clone(clf))


# ---------------------------------------------------- 4. no optimum at C=inf
@pytest.mark.parametrize("epsilon", [0.0, 0.5])
def test_separable_data_without_penalty_warn(separable, epsilon):
    X, y = separable
    how = "separable even under the attack" if epsilon else "linearly separable"
    with pytest.warns(ConvergenceWarning, match=how):
        clf = AdversarialLogisticRegression(epsilon, C=np.inf).fit(X, y)
    # The warning is right: the robust margins are all positive, so scaling
    # the solution up lowers the loss further.
    margins = np.where(y == 1, 1, -1) * clf.decision_function(X)
    assert np.all(margins - epsilon * np.abs(clf.coef_).sum() > 0)
    loss = _data_term(clf.coef_, clf.intercept_, X, y, epsilon)
    assert 0 < _data_term(2 * clf.coef_, 2 * clf.intercept_, X, y, epsilon) < loss


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_separable_data_without_penalty_warn_for_minibatch_solvers(separable, solver):
    X, y = separable
    clf = AdversarialLogisticRegression(0.1, C=np.inf, solver=solver, random_state=0)
    with pytest.warns(ConvergenceWarning, match="separable"):
        clf.fit(X, y)


def test_separable_multiclass_names_the_classes(separable):
    X, y = separable
    X = np.vstack([X, X[:20] + [0.0, 10.0, 0.0]])
    y = np.r_[np.where(y == 1, "one", "zero"), ["far"] * 20]
    with pytest.warns(ConvergenceWarning, match=r"classes \['far'"):
        AdversarialLogisticRegression(0.0, C=np.inf).fit(X, y)


@pytest.mark.parametrize(
    "epsilon, C", [(0.0, np.inf), (3.0, np.inf), (0.0, 1.0), (0.5, 1e6)]
)
def test_no_false_alarm_when_a_minimiser_exists(noisy, separable, epsilon, C):
    # Noisy data have a finite optimum at any budget; the separable data too
    # once the budget exceeds every |x0| (no robust margin can stay positive),
    # and any finite C has one.
    data = [noisy] + ([separable] if epsilon >= 3.0 or np.isfinite(C) else [])
    for X, y in data:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            clf = AdversarialLogisticRegression(epsilon, C=C, max_iter=5000).fit(X, y)
        assert np.all(np.isfinite(clf.coef_))


def test_non_finite_lbfgs_result_raises(noisy, monkeypatch):
    def overflowed(problem, theta0, max_iter, tol):
        return SimpleNamespace(
            x=np.full_like(theta0, np.inf), success=False, message="", nit=1
        )

    monkeypatch.setattr(solvers_module, "_minimize_lbfgsb", overflowed)
    clf = AdversarialLogisticRegression()
    with pytest.raises(ValueError, match="L-BFGS-B diverged"):
        clf.fit(*noisy)
    assert not hasattr(clf, "coef_")
