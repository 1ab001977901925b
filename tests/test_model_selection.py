"""The paper's selection rule as a refit callable, and the conciseness frontier."""

import pickle

import joblib
import numpy as np
import pytest
from scipy.special import expit
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skadv.inspection import feature_gini, gini_index, integrated_gradients
from skadv.linear_model import AdversarialLogisticRegression
from skadv.metrics import robust_accuracy_score
from skadv.model_selection import (
    ConcisenessFrontierDisplay,
    FrontierResult,
    conciseness_frontier,
    conciseness_scoring,
    most_concise_within,
)
from skadv.model_selection._path_scores import FoldScorer

EPSILONS = [0.0, 0.1, 0.3, 1.0]
LAMBDAS = [1e-3, 1e-2, 0.1]
# Tight enough that a warm and a cold start end within 1e-6 of each other.
TOL = 1e-10


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 6)) * [1.0, 2.0, 0.5, 1.0, 3.0, 1.0]
    z = X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.normal(size=150)
    return X, (z > 0).astype(int)


@pytest.fixture(scope="module")
def pipe():
    return make_pipeline(StandardScaler(), AdversarialLogisticRegression(tol=TOL))


@pytest.fixture(scope="module")
def frontier(data, pipe):
    X, y = data
    return conciseness_frontier(
        pipe, X, y, epsilons=EPSILONS, l1_lambdas=LAMBDAS, cv=3, robust_epsilon=0.1
    )


def _fold(X, y, k):
    train, test = list(StratifiedKFold(3).split(X, y))[k]
    scaler = StandardScaler().fit(X[train])
    return scaler.transform(X[train]), y[train], scaler.transform(X[test]), y[test]


def _independent(X_train, y_train, path, value):
    params = (
        {"epsilon": value, "l1_ratio": 0.0}
        if path == "adversarial"
        else {"epsilon": 0.0, "l1_ratio": 1.0, "C": 1.0 / (value * len(y_train))}
    )
    return AdversarialLogisticRegression(tol=TOL, **params).fit(X_train, y_train)


# ------------------------------------------------------------------ frontier
@pytest.mark.parametrize("path", ["adversarial", "l1"])
def test_warm_started_path_equals_independent_fits(data, frontier, path):
    X, y = data
    grid = EPSILONS if path == "adversarial" else LAMBDAS
    for k in range(3):
        X_train, y_train, _, _ = _fold(X, y, k)
        for i, value in enumerate(grid):
            cold = _independent(X_train, y_train, path, value)
            np.testing.assert_allclose(
                frontier.coefs[path][k][i], cold.coef_, atol=1e-6, rtol=1e-5
            )
            np.testing.assert_allclose(
                frontier.intercepts[path][k][i], cold.intercept_, atol=1e-6
            )


def test_l1_path_solves_the_mean_loss_problem(data, frontier):
    # Optimality of mean logistic loss + lambda |w|_1: the mean-loss gradient is
    # -lambda sign(w_j) where w_j != 0 and at most lambda in size elsewhere.
    X, y = data
    X_train, y_train, _, _ = _fold(X, y, 0)
    for i, lam in enumerate(LAMBDAS):
        w = frontier.coefs["l1"][0][i].ravel()
        b = frontier.intercepts["l1"][0][i][0]
        grad = X_train.T @ (expit(X_train @ w + b) - y_train) / len(y_train)
        active = np.abs(w) > 1e-8
        np.testing.assert_allclose(grad[active], -lam * np.sign(w[active]), atol=1e-6)
        assert np.all(np.abs(grad[~active]) <= lam + 1e-6)
        assert frontier.scores["l1"]["n_nonzero"][0, i] == active.sum()


def test_fold_scores_match_an_independent_evaluation(data, frontier):
    X, y = data
    X_train, y_train, X_test, y_test = _fold(X, y, 1)
    model = _independent(X_train, y_train, "adversarial", 0.3)
    scores = {k: v[1, 2] for k, v in frontier.scores["adversarial"].items()}
    assert scores["accuracy"] == pytest.approx(model.score(X_test, y_test))
    robust = robust_accuracy_score(model, X_test, y_test, epsilon=0.1)
    assert scores["robust_accuracy"] == pytest.approx(robust)
    attr = integrated_gradients(model, X_test, y_test)
    assert scores["gini"] == pytest.approx(gini_index(attr).mean(), abs=1e-6)
    # Standardised columns are their own features.
    assert scores["feature_gini"] == pytest.approx(scores["gini"])
    assert scores["majority_rate"] == pytest.approx(np.bincount(y_test).max() / 50)


@pytest.mark.parametrize("case", ["one-hot binary", "multinomial"])
def test_path_scores_equal_the_public_scores(case):
    # The frontier scores every point from its weights alone; the public
    # functions, validating everything again, are the oracle.
    rng = np.random.default_rng(4)
    if case == "one-hot binary":
        raw = rng.choice(["a", "b", "c"], size=(90, 3))
        y = ((raw[:, 0] == "a") | (raw[:, 1] == "b")).astype(int)
        X = OneHotEncoder().fit_transform(raw)  # sparse
        baselines = np.asarray(X.mean(axis=0)).ravel()
    else:
        X = rng.normal(size=(90, 4))
        y = np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5])
        baselines = None
    model = AdversarialLogisticRegression(epsilon=0.05).fit(X[:60], y[:60])
    X_test, y_test = X[60:], y[60:]
    parents = np.arange(X.shape[1]) // 2
    got = FoldScorer(X_test, y_test, baselines, 0.1, parents)(model)
    attr = integrated_gradients(model, X_test, y_test, baselines=baselines)
    assert got["accuracy"] == pytest.approx(model.score(X_test, y_test))
    assert got["robust_accuracy"] == pytest.approx(
        robust_accuracy_score(model, X_test, y_test, epsilon=0.1)
    )
    assert got["gini"] == pytest.approx(gini_index(attr).mean(), rel=1e-10)
    assert got["feature_gini"] == pytest.approx(
        feature_gini(attr, parents).mean(), rel=1e-10
    )
    assert got["n_nonzero"] == np.count_nonzero(model.coef_)
    with pytest.raises(ValueError, match=r"labels \[7\] not in the estimator"):
        FoldScorer(X_test, np.full(30, 7), None, 0.1, parents)(model)


def test_frame_columns_and_rows(frontier):
    frame = frontier.to_frame()
    assert list(frame["path"]) == ["adversarial"] * 4 + ["l1"] * 3
    assert list(frame["epsilon"]) == EPSILONS + [0.0] * 3
    assert list(frame["l1_lambda"]) == [0.0] * 4 + LAMBDAS
    names = (
        "accuracy",
        "robust_accuracy",
        "gini",
        "feature_gini",
        "n_nonzero",
        "n_iter",
    )
    for name in names:
        values = frontier.scores["adversarial"][name]
        np.testing.assert_allclose(frame[f"mean_{name}"][:4], values.mean(axis=0))
        np.testing.assert_allclose(frame[f"std_{name}"][:4], values.std(axis=0))
    assert {"mean_majority_rate", "any_single_class", "selected"} <= set(frame)
    assert frame.groupby("path")["selected"].sum().tolist() == [1, 1]


def test_selected_follows_the_rule_by_brute_force(frontier):
    frame = frontier.to_frame()
    for tolerance in (0.0, 0.02, 0.2):
        chosen = frontier.select_indices(tolerance)
        for path in ("adversarial", "l1"):
            rows = frame[frame["path"] == path].reset_index(drop=True)
            ok = ~rows["any_single_class"] & (
                rows["mean_accuracy"] > rows["mean_majority_rate"]
            )
            near = ok & (
                rows["mean_accuracy"] >= rows["mean_accuracy"][ok].max() - tolerance
            )
            best = rows["mean_gini"][near].max()
            expected = rows.index[near & (rows["mean_gini"] == best)].max()
            assert chosen[path] == expected, (path, tolerance)
    selected = frontier.selected
    assert list(selected["path"]) == ["adversarial", "l1"]


def test_one_class_points_are_flagged(frontier):
    # epsilon = 1 on standardised data zeroes the weights: one class only.
    frame = frontier.to_frame()
    last = frame[(frame["path"] == "adversarial") & (frame["epsilon"] == 1.0)]
    assert last["any_single_class"].item()
    assert last["mean_n_nonzero"].item() == 0
    assert not last["selected"].item()


def test_categorical_pipeline_feature_gini_and_parallel_folds():
    rng = np.random.default_rng(1)
    X = rng.choice(["a", "b", "c"], size=(120, 3))
    y = ((X[:, 0] == "a") | (X[:, 1] == "b")).astype(int)
    pipe = make_pipeline(OneHotEncoder(), AdversarialLogisticRegression())
    params = {"epsilons": [0.0, 0.2], "l1_lambdas": [0.01], "cv": 3}
    one = conciseness_frontier(pipe, X, y, **params)
    # Threads run the folds concurrently without the start-up of processes.
    with joblib.parallel_config(backend="threading"):
        two = conciseness_frontier(pipe, X, y, n_jobs=2, **params)
    for name, values in one.scores["adversarial"].items():
        np.testing.assert_allclose(values, two.scores["adversarial"][name])
    # Nine encoded columns, three features: the two Gini indices differ.
    frame = one.to_frame()
    assert not np.allclose(frame["mean_gini"], frame["mean_feature_gini"])
    assert not hasattr(pipe[-1], "coef_")


def test_mean_baselines_come_from_the_training_fold(data, pipe):
    X, y = data
    shifted = X + 3.0
    params = {"epsilons": [0.0], "l1_lambdas": [0.01], "cv": 3}
    zero = conciseness_frontier(pipe, shifted, y, **params)
    mean = conciseness_frontier(pipe, shifted, y, baselines="mean", **params)
    X_train, y_train, X_test, y_test = _fold(shifted, y, 0)
    model = _independent(X_train, y_train, "adversarial", 0.0)
    attr = integrated_gradients(model, X_test, y_test, baselines=X_train.mean(axis=0))
    expected = gini_index(attr).mean()
    assert mean.scores["adversarial"]["gini"][0, 0] == pytest.approx(expected)
    # Standardised data have training mean zero: both baselines agree.
    np.testing.assert_allclose(
        zero.scores["adversarial"]["gini"],
        mean.scores["adversarial"]["gini"],
        atol=1e-6,
    )


# --------------------------------------------------------- equal accuracy
def _hand_result():
    # Two folds; every point lies on the upper frontier of its path except the
    # dominated adversarial point 3 (less accurate and less concise than 2).
    acc = {
        "adversarial": np.array([[0.90, 0.86, 0.80, 0.78], [0.92, 0.88, 0.82, 0.80]]),
        "l1": np.array([[0.91, 0.85, 0.79], [0.89, 0.83, 0.77]]),
    }
    gini = {
        "adversarial": np.array([[0.50, 0.62, 0.70, 0.60], [0.52, 0.64, 0.74, 0.62]]),
        "l1": np.array([[0.45, 0.55, 0.66], [0.47, 0.57, 0.64]]),
    }
    scores = {}
    for path in ("adversarial", "l1"):
        shape = acc[path].shape
        scores[path] = {
            "accuracy": acc[path],
            "robust_accuracy": acc[path] - 0.1,
            "gini": gini[path],
            "feature_gini": gini[path],
            "n_nonzero": np.full(shape, 3),
            "n_iter": np.full(shape, 10),
            "single_class": np.zeros(shape, bool),
            "majority_rate": np.full(shape, 0.6),
        }
    return FrontierResult(
        epsilons=np.array([0.0, 0.1, 0.2, 0.3]),
        l1_lambdas=np.array([0.01, 0.1, 1.0]),
        scores=scores,
        coefs={},
        intercepts={},
    )


def test_at_equal_accuracy_against_a_hand_interpolation():
    result = _hand_result()
    comparison = result.at_equal_accuracy(n_points=5)
    # Mean curves: adversarial (0.81, 0.72), (0.87, 0.63), (0.91, 0.51) plus the
    # dominated (0.79, 0.61); l1 (0.78, 0.65), (0.84, 0.56), (0.90, 0.46).
    grid = np.linspace(0.81, 0.90, 5)
    adversarial = np.interp(grid, [0.81, 0.87, 0.91], [0.72, 0.63, 0.51])
    l1 = np.interp(grid, [0.78, 0.84, 0.90], [0.65, 0.56, 0.46])
    frame = comparison.frame
    np.testing.assert_allclose(frame["accuracy"], grid)
    np.testing.assert_allclose(frame["gini_adversarial"], adversarial)
    np.testing.assert_allclose(frame["gini_l1"], l1)
    np.testing.assert_allclose(frame["difference"], adversarial - l1)
    assert comparison.difference == pytest.approx(np.mean(adversarial - l1))
    assert comparison.accuracy_range == pytest.approx((0.81, 0.90))
    # Fold by fold, on the same accuracies (NaN outside a fold's range).
    folds = []
    for a_acc, a_gin, l_acc, l_gin in [
        (
            [0.80, 0.86, 0.90],
            [0.70, 0.62, 0.50],
            [0.79, 0.85, 0.91],
            [0.66, 0.55, 0.45],
        ),
        (
            [0.82, 0.88, 0.92],
            [0.74, 0.64, 0.52],
            [0.77, 0.83, 0.89],
            [0.64, 0.57, 0.47],
        ),
    ]:
        inside = (grid >= max(a_acc[0], l_acc[0])) & (grid <= min(a_acc[-1], l_acc[-1]))
        diff = np.interp(grid, a_acc, a_gin) - np.interp(grid, l_acc, l_gin)
        folds.append(np.where(inside, diff, np.nan))
    folds = np.array(folds)
    np.testing.assert_allclose(frame["n_folds"], np.isfinite(folds).sum(axis=0))
    np.testing.assert_allclose(frame["difference_std"], np.nanstd(folds, axis=0))
    assert comparison.difference_std == pytest.approx(np.std(np.nanmean(folds, axis=1)))


def test_at_equal_accuracy_refuses_disjoint_ranges():
    result = _hand_result()
    result.scores["l1"]["accuracy"] = result.scores["l1"]["accuracy"] - 0.2
    with pytest.raises(ValueError, match="do not overlap"):
        result.at_equal_accuracy()
    with pytest.raises(ValueError, match="conciseness"):
        _hand_result().at_equal_accuracy(conciseness="entropy")
    with pytest.raises(ValueError, match="n_points"):
        _hand_result().at_equal_accuracy(n_points=0)


def test_frontier_on_real_data_compares(frontier):
    comparison = frontier.at_equal_accuracy()
    low, high = comparison.accuracy_range
    assert 0.5 < low <= high <= 1.0
    assert np.isfinite(comparison.difference)


# ------------------------------------------------------------- refit rule
@pytest.fixture(scope="module")
def degenerate_search():
    # Candidates whose budgets leave one weak feature: the most concise
    # explanations possible (Gini 0.8 of 5 features), but they predict one
    # class on some fold or, class-balanced, fall below the majority rate.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(150, 5))
    z = 2.0 * X[:, 0] + X[:, 2] + 0.3 * X[:, 3] + 0.5 * rng.normal(size=150)
    y = (z > np.quantile(z, 0.7)).astype(int)

    def only(j):
        return np.array([0.0 if k == j else 50.0 for k in range(5)])

    grid = [
        {"epsilon": [0.0, 0.05, 0.2]},
        {"epsilon": [only(1), only(3)]},
        {"epsilon": [only(3), only(1)], "class_weight": ["balanced"]},
    ]
    search = GridSearchCV(
        AdversarialLogisticRegression(C=10.0),
        grid,
        cv=3,
        scoring=conciseness_scoring(),
        refit=most_concise_within(1.0),
    )
    return search.fit(X, y), X, y


def test_refit_never_picks_a_degenerate_candidate(degenerate_search):
    search, _, _ = degenerate_search
    r = search.cv_results_
    n_classes = np.column_stack(
        [r[f"split{k}_test_n_predicted_classes"] for k in range(3)]
    )
    one_class = (n_classes < 2).any(axis=1)
    below = ~one_class & (r["mean_test_accuracy"] <= r["mean_test_majority_rate"])
    chosen = search.best_index_
    # The grid holds both kinds of degenerate candidate, each more concise
    # than the one chosen; with tolerance 1 only the guards exclude them.
    assert one_class.any() and below.any()
    assert r["mean_test_gini"][one_class | below].min() > r["mean_test_gini"][chosen]
    valid = ~one_class & ~below
    expected = np.flatnonzero(valid)[np.argmax(r["mean_test_gini"][valid])]
    assert chosen == expected
    assert search.best_params_ == r["params"][chosen]


def test_refit_within_tolerance_picks_the_most_concise(degenerate_search):
    _, X, y = degenerate_search
    grid = {"epsilon": [0.0, 0.02, 0.05, 0.1, 0.2]}
    for tolerance in (0.0, 0.01, 0.05):
        search = GridSearchCV(
            AdversarialLogisticRegression(C=10.0),
            grid,
            cv=3,
            scoring=conciseness_scoring(),
            refit=most_concise_within(tolerance),
        ).fit(X, y)
        acc, gini = (
            search.cv_results_["mean_test_accuracy"],
            search.cv_results_["mean_test_gini"],
        )
        near = acc >= acc.max() - tolerance - 1e-12
        assert search.best_index_ == np.flatnonzero(near)[np.argmax(gini[near])]


def test_refit_ties_go_to_the_larger_epsilon_or_the_first():
    refit = most_concise_within(0.1)
    results = {
        "mean_test_accuracy": np.array([0.90, 0.90, 0.89]),
        "mean_test_gini": np.array([0.5, 0.5, 0.5]),
        "mean_test_n_predicted_classes": np.full(3, 2.0),
        "split0_test_n_predicted_classes": np.full(3, 2.0),
        "mean_test_majority_rate": np.full(3, 0.5),
    }
    assert refit(results) == 0
    epsilon = np.ma.masked_array([0.1, 0.3, 0.2], dtype=object)
    assert refit({**results, "param_model__epsilon": epsilon}) == 1
    # A single-class fold rules out the candidate of the largest epsilon.
    split = np.array([2.0, 1.0, 2.0])
    assert (
        refit(
            {
                **results,
                "param_model__epsilon": epsilon,
                "split0_test_n_predicted_classes": split,
            }
        )
        == 2
    )


def test_refit_needs_the_fold_scores_of_the_guard():
    results = {
        "mean_test_accuracy": np.array([0.9]),
        "mean_test_gini": np.array([0.5]),
        "mean_test_n_predicted_classes": np.array([2.0]),
        "mean_test_majority_rate": np.array([0.5]),
    }
    with pytest.raises(ValueError, match="split<k>_test_n_predicted_classes"):
        most_concise_within()(results)


def test_refit_is_picklable_and_reports_missing_scores(degenerate_search):
    search, X, y = degenerate_search
    refit = pickle.loads(pickle.dumps(most_concise_within(0.05)))
    assert refit(search.cv_results_) == most_concise_within(0.05)(search.cv_results_)
    assert "tolerance=0.05" in repr(refit)
    plain = GridSearchCV(
        AdversarialLogisticRegression(),
        {"epsilon": [0.0, 0.1]},
        cv=3,
        scoring={"accuracy": "accuracy"},
        refit=most_concise_within(),
    )
    with pytest.raises(ValueError, match="conciseness_scoring"):
        plain.fit(X, y)


def test_refit_with_no_valid_candidate_says_so(degenerate_search):
    _, X, y = degenerate_search
    search = GridSearchCV(
        AdversarialLogisticRegression(),
        {"epsilon": [50.0, 100.0]},
        cv=3,
        scoring=conciseness_scoring(),
        refit=most_concise_within(),
    )
    with pytest.raises(ValueError, match="No candidate passes the guards"):
        search.fit(X, y)


# -------------------------------------------------------------- bad input
@pytest.mark.parametrize("tolerance", [-0.01, 1.5, np.nan, "0.1"])
def test_tolerance_outside_the_unit_interval(tolerance):
    with pytest.raises(InvalidParameterError, match="tolerance"):
        most_concise_within(tolerance)


@pytest.mark.parametrize(
    "name, value, match",
    [
        ("epsilons", [], "non-empty"),
        ("epsilons", [0.1, -0.1], "non-negative"),
        ("epsilons", [0.0, np.nan], "finite"),
        ("epsilons", [[0.1, 0.2]], "1-d"),
        ("l1_lambdas", [], "non-empty"),
        ("l1_lambdas", [0.0, 0.1], "positive"),
        ("l1_lambdas", [np.inf], "finite"),
        ("l1_lambdas", ["a"], "numbers"),
    ],
)
def test_bad_grids_name_their_parameter(data, pipe, name, value, match):
    X, y = data
    with pytest.raises(ValueError, match=f"{name}.*{match}|{match}.*{name}"):
        conciseness_frontier(pipe, X, y, cv=3, **{name: value})


def test_bad_estimator_and_options(data):
    from sklearn.linear_model import LogisticRegression

    X, y = data
    with pytest.raises(TypeError, match="AdversarialLogisticRegression"):
        conciseness_frontier(LogisticRegression(), X, y)
    with pytest.raises(InvalidParameterError, match="tolerance"):
        conciseness_frontier(AdversarialLogisticRegression(), X, y, tolerance=2.0)
    with pytest.raises(InvalidParameterError, match="baselines"):
        conciseness_frontier(AdversarialLogisticRegression(), X, y, baselines="max")
    with pytest.raises(ValueError, match="tolerance"):
        _hand_result().select_indices(1.5)


# ---------------------------------------------------------------- display
def test_display_draws_both_paths_and_the_majority_rate(frontier):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    display = ConcisenessFrontierDisplay.from_frontier(frontier)
    frame = frontier.to_frame()
    assert display.ax_.figure is display.figure_
    for path in ("adversarial", "l1"):
        rows = frame[frame["path"] == path]
        x, y = display.lines_[path].lines[0].get_data()
        np.testing.assert_allclose(x, rows["mean_accuracy"])
        np.testing.assert_allclose(y, rows["mean_gini"])
        chosen = rows[rows["selected"]]
        sx, sy = display.selected_[path].get_data()
        np.testing.assert_allclose(sx, chosen["mean_accuracy"])
        np.testing.assert_allclose(sy, chosen["mean_gini"])
    majority = display.majority_line_.get_xdata()[0]
    assert majority == pytest.approx(frame["mean_majority_rate"].mean())
    _, ax = plt.subplots()
    feature = ConcisenessFrontierDisplay(frontier, conciseness="feature_gini").plot(
        ax=ax
    )
    assert feature.ax_ is ax
    plt.close("all")
    with pytest.raises(TypeError, match="FrontierResult"):
        ConcisenessFrontierDisplay(frame).plot()
    with pytest.raises(ValueError, match="conciseness"):
        ConcisenessFrontierDisplay(frontier, conciseness="l0").plot()


def test_importing_the_subpackage_does_not_import_matplotlib_or_torch():
    import subprocess
    import sys

    code = (
        "import sys, skadv.model_selection;"
        "print('matplotlib' in sys.modules, 'torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False False"


def test_a_fitted_search_serves_as_its_best_estimator(data, pipe):
    X, y = data
    search = GridSearchCV(pipe, {"adversariallogisticregression__C": [0.5]}, cv=3)
    params = {"epsilons": [0.0, 0.2], "l1_lambdas": [0.01], "cv": 3}
    through = conciseness_frontier(search.fit(X, y), X, y, **params)
    direct = conciseness_frontier(search.best_estimator_, X, y, **params)
    np.testing.assert_array_equal(
        through.scores["l1"]["accuracy"], direct.scores["l1"]["accuracy"]
    )
    np.testing.assert_allclose(
        through.coefs["adversarial"], direct.coefs["adversarial"]
    )
    plain = conciseness_frontier(pipe, X, y, **params)
    # C = 0.5 on the adversarial path, not the template's 1.
    assert not np.allclose(through.coefs["adversarial"], plain.coefs["adversarial"])


def test_frontier_does_not_touch_the_estimator(data, pipe):
    X, y = data
    before = clone(pipe).get_params()
    conciseness_frontier(pipe, X, y, epsilons=[0.0], l1_lambdas=[0.1], cv=3)
    assert not hasattr(pipe[-1], "coef_")
    assert {k: repr(v) for k, v in pipe.get_params().items()} == {
        k: repr(v) for k, v in before.items()
    }


def test_a_huge_step_along_the_path_is_not_extrapolated(data, pipe):
    import warnings

    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = conciseness_frontier(
            pipe, X, y, epsilons=[0.0, 0.1, 1e300], l1_lambdas=[0.01], cv=3
        )
    # Any budget beyond the largest weight's reach leaves the model at zero.
    for fold in result.coefs["adversarial"]:
        assert not np.any(fold[2])
