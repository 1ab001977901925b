"""L-BFGS-B stops on the relative reduction of the objective long before the
gradient is small on flat problems; the solver restarts it and says when even
that fails, instead of returning a point far from the optimum as converged."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OneHotEncoder

import skadv.linear_model._solvers as solvers_module
from skadv.datasets import load_mushroom
from skadv.linear_model import AdversarialLogisticRegression

EPSILON = 0.05


def _objective(clf, X, y01):
    """The docstring objective (l1_ratio = 0), written with numpy."""
    w, b = clf.coef_[0], clf.intercept_[0]
    y = np.where(y01 == 1, 1.0, -1.0)
    margin = y * (X @ w + b) - EPSILON * np.abs(w).sum()
    return clf.C * np.logaddexp(0.0, -margin).sum() + 0.5 * w @ w


@pytest.fixture(scope="module")
def flat_problem():
    """One-hot Mushroom at a tiny ridge: nearly separable even under attack.

    On this split L-BFGS-B, left alone, stopped after 36 iterations with a
    largest projected-gradient entry of 5e-3 (tol 1e-8) and an objective five
    times the optimum's.
    """
    data = load_mushroom()
    rng = np.random.RandomState(314)
    rest, _ = train_test_split(
        np.arange(len(data.target)), test_size=0.2, random_state=rng
    )
    train, _ = train_test_split(rest, test_size=0.2, random_state=rng)
    X = OneHotEncoder(sparse_output=False).fit(data.data).transform(data.data[train])
    y = (data.target[train] == 0).astype(int)  # class 1: poisonous
    return X, y, 1.0 / (1e-6 * len(y))


def test_a_stalled_fit_is_restarted_to_the_optimum(flat_problem):
    X, y, C = flat_problem
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = AdversarialLogisticRegression(epsilon=EPSILON, C=C, tol=1e-8).fit(X, y)
    # the oracle: a second fit started from the first cannot improve on it
    again = AdversarialLogisticRegression(
        epsilon=EPSILON, C=C, tol=1e-8, warm_start=True, max_iter=5000
    )
    again.coef_, again.intercept_ = clf.coef_.copy(), clf.intercept_.copy()
    again.classes_ = clf.classes_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        again.fit(X, y)
    first, second = _objective(clf, X, y), _objective(again, X, y)
    assert second >= first * (1 - 1e-6), (first, second)


def test_a_fit_that_stays_stalled_warns(flat_problem, monkeypatch):
    X, y, C = flat_problem
    real = solvers_module._minimize_lbfgsb

    def stalls(problem, theta0, max_iter, tol):
        # each call stops after two iterations, as if the objective had
        # stopped decreasing: the restarts cannot help
        result = real(problem, theta0, 2, tol)
        result.success, result.status = True, 0
        return result

    monkeypatch.setattr(solvers_module, "_minimize_lbfgsb", stalls)
    with pytest.warns(ConvergenceWarning, match="stopped making progress"):
        AdversarialLogisticRegression(epsilon=EPSILON, C=C, tol=1e-8).fit(
            X[:500], y[:500]
        )
