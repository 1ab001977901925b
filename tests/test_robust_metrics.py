"""Robust accuracy: exact for linear models, checked against brute force."""

import itertools

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skadv.datasets import load_mushroom
from skadv.linear_model import AdversarialLogisticRegression
from skadv.metrics import make_robust_scorer, robust_accuracy_score


def _brute_force(clf, X, y, eps):
    """Robust accuracy from the predictions at every vertex of the eps-ball.

    Each wrong-class region is a half-space, which meets the box if and only if
    it contains one of its vertices, so checking the vertices is exact.
    """
    robust = np.ones(len(y), dtype=bool)
    for signs in itertools.product([-1.0, 1.0], repeat=X.shape[1]):
        robust &= clf.predict(X + np.asarray(signs) * eps) == y
    return robust


@pytest.fixture(scope="module")
def binary():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = (X @ [1.0, -2.0, 0.5, 0.0] + 0.3 * rng.normal(size=200) > 0).astype(int)
    return X, y, AdversarialLogisticRegression(0.05).fit(X, y)


@pytest.fixture(scope="module")
def multiclass():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 3))
    y = np.argmax(X @ rng.normal(size=(3, 4)) + 0.3 * rng.normal(size=(300, 4)), 1)
    return X, y, AdversarialLogisticRegression(0.05).fit(X, y)


@pytest.mark.parametrize("data", ["binary", "multiclass"])
@pytest.mark.parametrize("eps", [0.0, 0.1, 0.3, "per-feature"])
def test_exact_equals_brute_force(request, data, eps):
    X, y, clf = request.getfixturevalue(data)
    if eps == "per-feature":
        eps = np.linspace(0.0, 0.4, X.shape[1])
    expected = _brute_force(clf, X, y, np.broadcast_to(eps, X.shape[1]))
    np.testing.assert_array_equal(clf._robust_correct(X, y, eps), expected)
    assert robust_accuracy_score(clf, X, y, epsilon=eps) == expected.mean()
    assert 0.0 < expected.mean() < 1.0 or eps == 0.0


def test_zero_budget_is_accuracy(multiclass):
    X, y, clf = multiclass
    assert robust_accuracy_score(clf, X, y, epsilon=0.0) == clf.score(X, y)


def test_ties_follow_predict():
    # Exactly representable numbers put the worst case on the decision boundary.
    X, y = np.array([[-1.0], [1.0]]), np.array([0, 1])
    binary = AdversarialLogisticRegression(0.0).fit(X, y)
    binary.coef_, binary.intercept_ = np.array([[1.0]]), np.array([0.0])
    X = np.array([[0.5], [-0.5]])
    y = np.array([1, 0])
    np.testing.assert_array_equal(binary._robust_correct(X, y, 0.5), [False, True])
    np.testing.assert_array_equal(_brute_force(binary, X, y, [0.5]), [False, True])
    X3 = np.array([[-1.0], [0.0], [1.0]])
    multi = AdversarialLogisticRegression(0.0).fit(X3, [0, 1, 2])
    multi.coef_ = np.array([[0.0], [0.0], [1.0]])
    multi.intercept_ = np.zeros(3)
    X, y = np.array([[0.5], [0.5], [0.5]]), np.array([0, 1, 2])
    np.testing.assert_array_equal(
        multi._robust_correct(X, y, 0.5), _brute_force(multi, X, y, [0.5])
    )


def test_sample_weight(binary):
    X, y, clf = binary
    sw = np.random.default_rng(2).uniform(size=len(y))
    correct = clf._robust_correct(X, y, 0.2)
    score = robust_accuracy_score(clf, X, y, epsilon=0.2, sample_weight=sw)
    assert score == pytest.approx(np.average(correct, weights=sw))


def test_pipeline_measures_budget_after_preprocessing(binary):
    X, y, _ = binary
    pipe = make_pipeline(StandardScaler(), AdversarialLogisticRegression(0.05))
    pipe.fit(X, y)
    Xt = pipe[0].transform(X)
    expected = _brute_force(pipe[-1], Xt, y, np.full(X.shape[1], 0.2)).mean()
    assert robust_accuracy_score(pipe, X, y, epsilon=0.2) == expected


def test_estimator_without_certificate_is_rejected(binary):
    X, y, _ = binary
    with pytest.raises(TypeError, match="DecisionTreeClassifier"):
        robust_accuracy_score(DecisionTreeClassifier().fit(X, y), X, y, epsilon=0.1)


@pytest.mark.parametrize("data", ["binary", "multiclass"])
def test_column_vector_labels(request, data):
    X, y, clf = request.getfixturevalue(data)
    expected = robust_accuracy_score(clf, X, y, epsilon=0.1)
    with pytest.warns(UserWarning, match="column-vector"):
        got = robust_accuracy_score(clf, X, y[:, None], epsilon=0.1)
    assert got == expected


@pytest.mark.parametrize(
    "eps, error, match",
    [
        (-1.0, ValueError, "epsilon"),
        ([0.1, 0.2], ValueError, r"shape \(4,\)"),
        ([0.1, 0.1, np.nan, 0.1], ValueError, "finite"),
    ],
)
def test_bad_budget(binary, eps, error, match):
    X, y, clf = binary
    with pytest.raises(error, match=match):
        robust_accuracy_score(clf, X, y, epsilon=eps)


def test_grid_search_over_epsilon_with_one_hot_pipeline():
    X, y = load_mushroom(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, train_size=600, test_size=600, random_state=0, stratify=y
    )
    encoder = ColumnTransformer(
        [("onehot", OneHotEncoder(handle_unknown="ignore"), list(range(X.shape[1])))]
    )
    pipe = make_pipeline(encoder, AdversarialLogisticRegression())
    grid = GridSearchCV(
        pipe,
        {"adversariallogisticregression__epsilon": [0.0, 0.3]},
        scoring={"accuracy": "accuracy", "robust": make_robust_scorer(epsilon=0.3)},
        refit="robust",
        cv=2,
    )
    grid.fit(X_train, y_train)
    results = grid.cv_results_
    # Training against the budget gives the more robust model at that budget.
    assert results["mean_test_robust"][1] > results["mean_test_robust"][0]
    assert grid.best_params_ == {"adversariallogisticregression__epsilon": 0.3}
    assert (
        robust_accuracy_score(grid.best_estimator_, X_test, y_test, epsilon=0.3) > 0.5
    )
