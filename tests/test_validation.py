"""Tests of the shared input checks of skadv.utils._validation."""

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skadv.inspection import FeatureImpactTransformer
from skadv.linear_model import AdversarialLogisticRegression
from skadv.utils._validation import (
    check_budget,
    class_indices,
    default_feature_names,
    encoded_feature_names,
)


@pytest.mark.parametrize(
    "classes",
    [np.array([-3, 0, 7]), np.array(["ant", "bee", "cat"]), np.array([0.0, 1.0, 9.0])],
)
def test_class_indices_matches_a_lookup(classes):
    rng = np.random.RandomState(0)
    y = classes[rng.randint(len(classes), size=30)]
    expected = [classes.tolist().index(label) for label in y.tolist()]
    index = class_indices(y, classes)
    assert index.dtype == np.intp
    np.testing.assert_array_equal(index, expected)
    np.testing.assert_array_equal(classes[index], y)


def test_class_indices_raise_names_the_unknown_labels():
    classes = np.array([0, 1, 2])
    with pytest.raises(ValueError, match=r"y holds labels \[5, 9\] not in the"):
        class_indices([0, 9, 5, 9, 1], classes)
    with pytest.raises(ValueError, match=r"classes_ \[0, 1, 2\]"):
        class_indices([3], classes)


def test_class_indices_raise_names_at_most_five_labels():
    with pytest.raises(ValueError, match=r"labels \[10, 11, 12, 13, 14\] not"):
        class_indices(np.arange(10, 20), np.array([0, 1]))


@pytest.mark.parametrize(
    "y, expected",
    [
        ([1, 4, -2, 3, 9], [1, -1, -1, 2, -1]),
        # Labels below the first and beyond the last class land at either end
        # of the search; both must be marked.
        ([-100, 100], [-1, -1]),
    ],
)
def test_class_indices_mark_gives_minus_one(y, expected):
    np.testing.assert_array_equal(
        class_indices(y, np.array([0, 1, 3]), unknown="mark"), expected
    )


def test_class_indices_mark_strings():
    index = class_indices(["b", "z", "a", "aa"], np.array(["a", "b"]), unknown="mark")
    np.testing.assert_array_equal(index, [1, -1, 0, -1])


@pytest.mark.parametrize("unknown", ["raise", "mark"])
@pytest.mark.parametrize(
    "y, classes, match",
    [
        ([0.0, np.nan], np.array([0.0, 1.0]), "NaN"),
        ([0.5, 1.7], np.array([0, 1]), "continuous"),
        (np.array(["a", 1], dtype=object), np.array([0, 1]), "single type"),
        (["a", "b"], np.array([0, 1]), "not comparable"),
    ],
)
def test_class_indices_checks_labels_first(y, classes, match, unknown):
    with pytest.raises(ValueError, match=match):
        class_indices(y, classes, unknown=unknown)


def test_class_indices_flattens_a_column_with_a_warning():
    with pytest.warns(Warning, match="column-vector y"):
        index = class_indices(np.array([[1], [0]]), np.array([0, 1]))
    np.testing.assert_array_equal(index, [1, 0])


@pytest.mark.parametrize("unknown", ["ignore", None, 0])
def test_class_indices_refuses_other_policies(unknown):
    with pytest.raises(ValueError, match="unknown must be one of"):
        class_indices([0], np.array([0, 1]), unknown=unknown)


def test_default_feature_names_follow_sklearn():
    X = np.zeros((2, 4))
    expected = FunctionTransformer(feature_names_out="one-to-one").fit(X)
    names = default_feature_names(4)
    assert names.dtype == object
    np.testing.assert_array_equal(names, expected.get_feature_names_out())
    np.testing.assert_array_equal(default_feature_names(2, prefix="g"), ["g0", "g1"])
    assert default_feature_names(0).shape == (0,)


def test_encoded_feature_names_of_a_pipeline_head():
    X = np.array([["a", 1.0], ["b", 2.0], ["c", 0.0]], dtype=object)
    head = make_pipeline(
        ColumnTransformer(
            [("cat", OneHotEncoder(), [0]), ("num", StandardScaler(), [1])]
        )
    ).fit(X)
    names = encoded_feature_names(head)
    assert names.dtype == object
    np.testing.assert_array_equal(
        names, ["cat__x0_a", "cat__x0_b", "cat__x0_c", "num__x1"]
    )


def test_encoded_feature_names_none_when_unknown():
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    # A FunctionTransformer without feature_names_out has no names to give.
    no_names = make_pipeline(FunctionTransformer(), StandardScaler()).fit(X)
    assert encoded_feature_names(no_names) is None
    assert encoded_feature_names(object()) is None
    # An empty head (a one-step Pipeline without its final step) outputs its
    # input, whose names it does not know.
    one_step = make_pipeline(LogisticRegression()).fit(X, [0, 1])
    assert encoded_feature_names(one_step[:-1]) is None


def test_feature_impact_of_a_one_step_pipeline_is_that_of_its_step():
    """A Pipeline holding only the model used to fail on its empty head's names."""
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.randn(30, 3), columns=["a", "b", "c"])
    y = (X["a"] > 0).astype(int)
    pipe = make_pipeline(AdversarialLogisticRegression()).fit(X, y)
    alone = FeatureImpactTransformer(pipe[-1]).fit(X, y)
    wrapped = FeatureImpactTransformer(pipe).fit(X, y)
    np.testing.assert_array_equal(wrapped.encoded_feature_names_, ["a", "b", "c"])
    np.testing.assert_array_equal(wrapped.get_feature_names_out(), ["a", "b", "c"])
    np.testing.assert_allclose(wrapped.feature_impact_, alone.feature_impact_)


@pytest.mark.parametrize(
    "epsilon, expected",
    [
        (0.25, np.array(0.25)),
        (0, np.array(0.0)),
        (np.float32(0.5), np.array(0.5)),
        ([0.0, 1.0, 2], np.array([0.0, 1.0, 2.0])),
        (np.array([3, 0, 1]), np.array([3.0, 0.0, 1.0])),
    ],
)
def test_check_budget_keeps_the_values(epsilon, expected):
    got = check_budget(epsilon, 3)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)
    assert got.shape == expected.shape
    broadcast = check_budget(epsilon, 3, broadcast=True)
    np.testing.assert_array_equal(broadcast, np.broadcast_to(expected, (3,)))


def test_check_budget_returns_a_new_array():
    epsilon = np.array([0.1, 0.2])
    got = check_budget(epsilon, 2)
    got[0] = 5.0
    np.testing.assert_array_equal(epsilon, [0.1, 0.2])


@pytest.mark.parametrize(
    "epsilon, match",
    [
        (-0.1, r"finite and non-negative \(>= 0\)"),
        ([0.1, -1e-300, 0.1], r"finite and non-negative \(>= 0\)"),
        (np.nan, r"finite and non-negative \(>= 0\)"),
        ([0.1, np.inf, 0.1], r"finite and non-negative \(>= 0\)"),
        ([0.1, 0.2], r"\(n_features,\), here shape \(3,\).*got shape \(2,\)"),
        (np.full((3, 1), 0.1), r"got shape \(3, 1\)"),
        (2**1100, "beyond the float64 range"),
        ([0.1, 2**1100, 0.1], "beyond the float64 range"),
    ],
)
def test_check_budget_refuses_bad_values(epsilon, match):
    with pytest.raises(ValueError, match=match):
        check_budget(epsilon, 3)


@pytest.mark.parametrize("epsilon", ["a", [1j, 0.0, 0.0], {"a": 1}])
def test_check_budget_refuses_non_numbers_as_type_and_value_errors(epsilon):
    with pytest.raises(InvalidParameterError, match="epsilon must be a real number"):
        check_budget(epsilon, 3)
    # Callers that catch either kind of error keep catching it.
    assert issubclass(InvalidParameterError, TypeError)
    assert issubclass(InvalidParameterError, ValueError)
