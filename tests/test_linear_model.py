"""AdversarialLogisticRegression against scikit-learn and the paper's claims."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skadv.datasets import load_spambase
from skadv.inspection import gini_index
from skadv.linear_model import AdversarialLogisticRegression

TIGHT = {"tol": 1e-10, "max_iter": 10000}


def _objective(clf, X, y01, epsilon, sample_weight=None):
    """The docstring objective, written independently with numpy."""
    w, b = clf.coef_[0], clf.intercept_[0]
    y = np.where(y01 == clf.classes_[1], 1.0, -1.0)
    s = np.ones(len(y)) if sample_weight is None else sample_weight
    data = np.sum(s * np.logaddexp(0.0, epsilon * np.abs(w).sum() - y * (X @ w + b)))
    rho = clf.l1_ratio
    return clf.C * data + (1 - rho) / 2 * w @ w + rho * np.abs(w).sum()


def _assert_coef_close(a, b, rtol=1e-4):
    scale = max(np.abs(b).max(), 1e-12)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * scale)


@pytest.fixture(scope="module")
def spambase():
    X, y = load_spambase(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def random_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 8)) * rng.uniform(0.5, 3.0, size=8)
    X[rng.uniform(size=X.shape) < 0.4] = 0.0
    y = (X @ rng.normal(size=8) + rng.normal(size=300) > 0).astype(int)
    return X, y


@pytest.fixture(scope="module")
def multiclass_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(240, 6))
    y = np.argmax(X[:, :3] + 0.5 * rng.normal(size=(240, 3)), axis=1)
    return X, np.array(["a", "b", "c"])[y]


# ------------------------------------------------------------- sklearn oracle
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_eps0_matches_sklearn_on_spambase(spambase, sparse, fit_intercept):
    X, y = spambase
    Xk = sp.csr_matrix(X) if sparse else X
    ours = AdversarialLogisticRegression(0.0, fit_intercept=fit_intercept, **TIGHT)
    ours.fit(Xk, y)
    ref = LogisticRegression(fit_intercept=fit_intercept, **TIGHT).fit(X, y)
    _assert_coef_close(ours.coef_, ref.coef_)
    _assert_coef_close(ours.intercept_, ref.intercept_)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("C", [0.05, 10.0])
def test_eps0_matches_sklearn_with_weights(random_data, sparse, fit_intercept, C):
    X, y = random_data
    sw = np.random.default_rng(2).uniform(0.1, 3.0, size=len(y))
    cw = {0: 2.0, 1: 0.5}
    params = dict(C=C, fit_intercept=fit_intercept, class_weight=cw, **TIGHT)
    ours = AdversarialLogisticRegression(0.0, **params)
    ours.fit(sp.csr_matrix(X) if sparse else X, y, sample_weight=sw)
    ref = LogisticRegression(**params).fit(X, y, sample_weight=sw)
    _assert_coef_close(ours.coef_, ref.coef_)
    _assert_coef_close(ours.intercept_, ref.intercept_)


def test_balanced_class_weight_matches_sklearn(random_data):
    X, y = random_data
    ours = AdversarialLogisticRegression(0.0, class_weight="balanced", **TIGHT)
    ref = LogisticRegression(class_weight="balanced", **TIGHT)
    _assert_coef_close(ours.fit(X, y).coef_, ref.fit(X, y).coef_)


@pytest.mark.parametrize("sparse", [False, True])
def test_eps0_multiclass_matches_one_vs_rest(multiclass_data, sparse):
    X, y = multiclass_data
    ours = AdversarialLogisticRegression(0.0, C=0.5, **TIGHT)
    ours.fit(sp.csr_matrix(X) if sparse else X, y)
    ref = OneVsRestClassifier(LogisticRegression(C=0.5, **TIGHT)).fit(X, y)
    assert list(ours.classes_) == ["a", "b", "c"]
    for k, est in enumerate(ref.estimators_):
        _assert_coef_close(ours.coef_[k], est.coef_[0])
        _assert_coef_close(ours.intercept_[k : k + 1], est.intercept_)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)


@pytest.mark.slow
def test_multiclass_parallel_jobs_agree(multiclass_data):
    X, y = multiclass_data
    one = AdversarialLogisticRegression(0.05).fit(X, y)
    two = AdversarialLogisticRegression(0.05, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(one.coef_, two.coef_)


def test_l1_eps0_matches_saga_objective(random_data):
    X, y = random_data
    X = StandardScaler().fit_transform(X)
    ours = AdversarialLogisticRegression(0.0, C=0.05, l1_ratio=1.0, **TIGHT)
    ours.fit(X, y)
    # scikit-learn 1.8 takes the penalty from l1_ratio and deprecates `penalty`;
    # before, l1_ratio alone is ignored and the fit is L2
    sklearn_version = tuple(int(v) for v in sklearn.__version__.split(".")[:2])
    l1 = {"l1_ratio": 1.0} if sklearn_version >= (1, 8) else {"penalty": "l1"}
    ref = LogisticRegression(C=0.05, solver="saga", tol=1e-12, **l1)
    ref.set_params(max_iter=100000).fit(X, y)
    ref.l1_ratio, ref.C = 1.0, 0.05
    f_ours, f_ref = _objective(ours, X, y, 0.0), _objective(ref, X, y, 0.0)
    assert f_ours <= f_ref * (1 + 1e-9)
    assert f_ours == pytest.approx(f_ref, rel=1e-6)
    np.testing.assert_array_equal(ours.coef_ == 0, np.abs(ref.coef_) < 1e-8)


def test_no_penalty_with_infinite_C(random_data):
    X, y = random_data
    ours = AdversarialLogisticRegression(0.0, C=np.inf, **TIGHT).fit(X, y)
    ref = LogisticRegression(C=np.inf, **TIGHT).fit(X, y)
    _assert_coef_close(ours.coef_, ref.coef_, rtol=1e-3)


# ------------------------------------------------------------ the solvers
def test_lbfgs_reaches_the_minimum(random_data):
    X, y = random_data
    clf = AdversarialLogisticRegression(0.2, C=2.0, l1_ratio=0.3, **TIGHT).fit(X, y)
    f0 = _objective(clf, X, y, 0.2)
    rng = np.random.default_rng(3)
    for _ in range(20):
        moved = clone(clf)
        moved.coef_ = clf.coef_ + 1e-3 * rng.normal(size=clf.coef_.shape)
        moved.intercept_ = clf.intercept_ + 1e-3 * rng.normal()
        moved.classes_ = clf.classes_
        assert _objective(moved, X, y, 0.2) >= f0


@pytest.mark.parametrize("sparse", [False, True])
def test_adam_objective_close_to_lbfgs(spambase, sparse):
    X, y = spambase
    Xk = sp.csr_matrix(X) if sparse else X
    exact = AdversarialLogisticRegression(0.05, **TIGHT).fit(Xk, y)
    adam = AdversarialLogisticRegression(
        0.05, solver="adam", max_iter=30, learning_rate=0.001, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        adam.fit(Xk, y)
    f_exact, f_adam = _objective(exact, X, y, 0.05), _objective(adam, X, y, 0.05)
    assert f_exact <= f_adam
    assert f_adam <= 1.02 * f_exact


def test_sgd_and_partial_fit(spambase):
    X, y = spambase
    clf = AdversarialLogisticRegression(0.05, solver="sgd", learning_rate=0.01)
    clf.set_params(random_state=0)
    for chunk in np.array_split(np.arange(len(y)), 4):
        clf.partial_fit(X[chunk], y[chunk], classes=[0, 1])
    assert clf.n_iter_[0] == 4
    assert clf.score(X, y) > 0.85
    exact = AdversarialLogisticRegression(0.05).fit(X, y)
    assert _objective(clf, X, y, 0.05) <= 1.5 * _objective(exact, X, y, 0.05)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_minibatch_stopping_rule(spambase, solver):
    X, y = spambase[0][::3], spambase[1][::3]
    params = dict(solver=solver, random_state=0, max_iter=300)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        quick = AdversarialLogisticRegression(0.05, **params).fit(X, y)
        patient = AdversarialLogisticRegression(0.05, n_iter_no_change=20, **params)
        patient.fit(X, y)
    # Same seed, so the patient run retraces the quick one and goes further.
    assert 5 <= quick.n_iter_[0] < patient.n_iter_[0] < 300
    assert patient.n_iter_[0] >= quick.n_iter_[0] + 15
    # Stopping early is still close to the exact optimum.
    f_exact = _objective(AdversarialLogisticRegression(0.05).fit(X, y), X, y, 0.05)
    assert f_exact <= _objective(quick, X, y, 0.05) <= 1.02 * f_exact
    with pytest.warns(ConvergenceWarning, match=f"{solver} reached max_iter=3"):
        AdversarialLogisticRegression(0.05, **{**params, "max_iter": 3}).fit(X, y)


@pytest.mark.parametrize("solver, tol", [("lbfgs", 1e-6), ("adam", 1e-4)])
def test_default_tol_depends_on_solver(spambase, solver, tol):
    X, y = spambase[0][::3], spambase[1][::3]
    default = AdversarialLogisticRegression(0.05, solver=solver, random_state=0)
    explicit = clone(default).set_params(tol=tol)
    np.testing.assert_array_equal(default.fit(X, y).coef_, explicit.fit(X, y).coef_)
    looser = clone(default).set_params(tol=100 * tol).fit(X, y)
    assert looser.n_iter_[0] < default.n_iter_[0]


def test_partial_fit_only_with_minibatch_solvers():
    assert not hasattr(AdversarialLogisticRegression(), "partial_fit")
    assert hasattr(AdversarialLogisticRegression(solver="adam"), "partial_fit")


def test_warm_start_reuses_solution(spambase):
    X, y = spambase
    clf = AdversarialLogisticRegression(0.05, warm_start=True).fit(X, y)
    first = clf.n_iter_[0]
    clf.fit(X, y)
    assert clf.n_iter_[0] < first


def test_convergence_warning(spambase):
    X, y = spambase
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        AdversarialLogisticRegression(0.05, max_iter=2).fit(X, y)


# ------------------------------------------------------------ the paper
def test_growing_epsilon_concentrates_weights(spambase):
    X, y = spambase
    ginis, zeros, accs = [], [], []
    for eps in (0.0, 0.02, 0.1):
        clf = AdversarialLogisticRegression(eps).fit(X, y)
        w = np.abs(clf.coef_[0])
        ginis.append(gini_index(w))
        zeros.append(int(np.sum(w < 1e-3 * w.max())))
        accs.append(clf.score(X, y))
    assert ginis[0] < ginis[1] < ginis[2]
    assert zeros[0] < zeros[1] < zeros[2]
    assert zeros[2] >= 20
    assert accs[0] - accs[2] < 0.06


# ------------------------------------------------------------ predictions
def test_predict_proba_conventions(multiclass_data, random_data):
    X, y = random_data
    clf = AdversarialLogisticRegression(0.1).fit(X, y)
    decision = clf.decision_function(X)
    np.testing.assert_allclose(decision, X @ clf.coef_[0] + clf.intercept_[0])
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], 1 / (1 + np.exp(-decision)))
    # log(1 - p) loses digits near p = 1 that predict_log_proba keeps.
    np.testing.assert_allclose(
        clf.predict_log_proba(X), np.log(clf.predict_proba(X)), rtol=1e-7, atol=1e-12
    )
    X, y = multiclass_data
    clf = AdversarialLogisticRegression(0.1).fit(X, y)
    sig = 1 / (1 + np.exp(-clf.decision_function(X)))
    np.testing.assert_allclose(clf.predict_proba(X), sig / sig.sum(1, keepdims=True))
    np.testing.assert_array_equal(
        clf.predict(X), clf.classes_[clf.decision_function(X).argmax(1)]
    )


def test_provider_protocol(multiclass_data, random_data):
    for X, y in (random_data, multiclass_data):
        clf = AdversarialLogisticRegression(0.1).fit(X, y)
        target = np.arange(len(y)) % len(clf.classes_)
        W, b = clf._linear_logit(target)
        logit, grad = clf._output_and_gradient(X, target, "logit")
        np.testing.assert_allclose(logit, (X * W).sum(1) + b)
        np.testing.assert_array_equal(grad, W)
        proba, grad = clf._output_and_gradient(X, target, "proba")
        np.testing.assert_allclose(proba, 1 / (1 + np.exp(-logit)))
        h = 1e-6
        bumped, _ = clf._output_and_gradient(
            X + h * np.eye(X.shape[1])[0], target, "proba"
        )
        np.testing.assert_allclose((bumped - proba) / h, grad[:, 0], atol=1e-6)
    binary = AdversarialLogisticRegression(0.1).fit(*random_data)
    d = binary.decision_function(random_data[0])
    np.testing.assert_allclose(
        binary._output_and_gradient(random_data[0], [0] * 300, "logit")[0], -d
    )


# ------------------------------------------------------------ robustness of the code
def test_stability_cases():
    X = np.array([[1e4, 0.0], [-1e4, 1.0], [1e4, 1.0], [-1e4, 0.0]] * 3)
    y = np.array([1, 0, 1, 0] * 3)
    with pytest.warns(ConvergenceWarning, match="separable"):
        clf = AdversarialLogisticRegression(0.0, C=np.inf).fit(X, y)
    assert np.all(np.isfinite(clf.coef_)) and clf.score(X, y) == 1.0
    assert np.all(np.isfinite(clf.predict_log_proba(X)))
    rng = np.random.default_rng(4)
    X = np.column_stack([rng.normal(size=50), np.full(50, 3.0)])
    X = np.vstack([X, X])  # duplicate rows
    y = (X[:, 0] > 0).astype(int)
    huge = AdversarialLogisticRegression(1e3).fit(X, y)
    np.testing.assert_array_equal(huge.coef_, 0.0)
    assert np.all(np.isfinite(huge.predict_proba(X)))
    plain = AdversarialLogisticRegression(0.0, **TIGHT).fit(X, y)
    ref = LogisticRegression(**TIGHT).fit(X, y)
    _assert_coef_close(plain.coef_, ref.coef_)


def test_pandas_input_keeps_feature_names(random_data):
    X, y = random_data
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    clf = AdversarialLogisticRegression(0.1).fit(frame, y)
    assert list(clf.feature_names_in_) == list(frame.columns)
    np.testing.assert_allclose(
        clf.decision_function(frame), X @ clf.coef_[0] + clf.intercept_[0]
    )


def test_pickle_and_clone(random_data):
    X, y = random_data
    clf = AdversarialLogisticRegression([0.1] * 8, l1_ratio=0.5).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    fresh = clone(clf)
    assert fresh.get_params() == clf.get_params() and not hasattr(fresh, "coef_")


def test_caller_arrays_untouched(random_data):
    X, y = random_data
    X0, y0, eps = X.copy(), y.copy(), np.full(8, 0.1)
    AdversarialLogisticRegression(eps).fit(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(eps, 0.1)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"epsilon": -0.1}, "epsilon"),
        ({"epsilon": np.nan}, "epsilon"),
        ({"epsilon": [0.1, 0.2]}, r"shape \(8,\)"),
        ({"epsilon": [0.1] * 7 + [np.nan]}, "finite"),
        ({"solver": "newton"}, "solver"),
        ({"C": 0.0}, "C"),
        ({"l1_ratio": 1.5}, "l1_ratio"),
    ],
)
def test_bad_parameters(random_data, params, match):
    with pytest.raises(ValueError, match=match):
        AdversarialLogisticRegression(**params).fit(*random_data)


def test_bad_data(random_data):
    X, y = random_data
    with pytest.raises(ValueError, match="one class"):
        AdversarialLogisticRegression().fit(X, np.zeros(len(y)))
    for bad in (np.nan, np.inf):
        Xb = X.copy()
        Xb[3, 2] = bad
        with pytest.raises(ValueError, match="NaN|infinity"):
            AdversarialLogisticRegression().fit(Xb, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        AdversarialLogisticRegression().fit(X, X[:, 0])
    clf = AdversarialLogisticRegression(solver="adam").partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X, np.where(y == 1, 2, 0))
    with pytest.raises(ValueError, match="classes must be passed"):
        AdversarialLogisticRegression(solver="adam").partial_fit(X, y)


def test_all_zero_class_weights_are_rejected(random_data):
    X, y = random_data
    with pytest.raises(ValueError, match="weight"):
        AdversarialLogisticRegression(class_weight={0: 0.0, 1: 0.0}).fit(X, y)


def test_warm_fit_after_partial_fit_solves_the_same_problem(random_data):
    # The samples seen by earlier partial_fit calls must not rescale the data
    # term of a later full fit.
    X, y = random_data
    params = dict(solver="sgd", warm_start=True, random_state=0, max_iter=3)
    fresh = AdversarialLogisticRegression(0.1, **params).partial_fit(X, y, [0, 1])
    seasoned = clone(fresh).partial_fit(X, y, [0, 1])
    for _ in range(9):
        seasoned.partial_fit(X, y)
    fresh._minibatch_states[0].theta[:] = seasoned._minibatch_states[0].theta
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fresh.fit(X, y)
        seasoned.fit(X, y)
    np.testing.assert_allclose(seasoned.coef_, fresh.coef_)


@parametrize_with_checks([AdversarialLogisticRegression(solver="adam", random_state=0)])
def test_minibatch_solver_passes_sklearn_checks(estimator, check):
    # The default (lbfgs) estimator runs in test_common with no exceptions. The
    # sample-weight equivalence checks pass because their data (27 repeated
    # rows) fit in one minibatch, so both fits take the same full-batch steps.
    with warnings.catch_warnings():
        # Every fit of the checks must stop by the tol/n_iter_no_change rule.
        warnings.simplefilter("error", ConvergenceWarning)
        check(estimator)
