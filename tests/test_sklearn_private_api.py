"""The private scikit-learn names skadv relies on exist and behave as it uses them.

scikit-learn has no public equivalent of these (parameter validation, the fit
context, sample-weight and feature-name checks), so they may change in any
release. This module pins down the behaviour skadv depends on, and runs in both
``make test`` and ``make test-oldest``; a new private import must be added here.
"""

import ast
from numbers import Real
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils.validation import _check_feature_names_in, _check_sample_weight

PACKAGE = Path(__file__).resolve().parents[1] / "skadv"

# (module, name) pairs that skadv imports although they are private
KNOWN_PRIVATE = {
    ("sklearn.base", "_fit_context"),
    ("sklearn.utils._param_validation", "Interval"),
    ("sklearn.utils._param_validation", "StrOptions"),
    ("sklearn.utils._param_validation", "validate_params"),
    ("sklearn.utils._param_validation", "InvalidParameterError"),
    ("sklearn.utils._param_validation", "validate_parameter_constraints"),
    ("sklearn.utils.validation", "_check_sample_weight"),
    ("sklearn.utils.validation", "_check_feature_names_in"),
}


def _private_sklearn_imports():
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            if node.module.split(".")[0] != "sklearn":
                continue
            private_module = any(p.startswith("_") for p in node.module.split("."))
            for alias in node.names:
                if private_module or alias.name.startswith("_"):
                    found.add((node.module, alias.name))
    return found


def test_every_private_import_is_covered_here():
    unknown = _private_sklearn_imports() - KNOWN_PRIVATE
    assert not unknown, f"add a behaviour check for {sorted(unknown)}"


class _Estimator(BaseEstimator):
    _parameter_constraints = {
        "C": [Interval(Real, 0, None, closed="neither")],
        "solver": [StrOptions({"lbfgs", "sgd"})],
    }

    def __init__(self, C=1.0, solver="lbfgs"):
        self.C = C
        self.solver = solver

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        self.fitted_ = True
        return self


@pytest.mark.parametrize(
    "params, name", [({"C": 0.0}, "C"), ({"C": "1"}, "C"), ({"solver": "x"}, "solver")]
)
def test_fit_context_validates_parameter_constraints(params, name):
    estimator = _Estimator(**params)
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter") as info:
        estimator.fit(np.zeros((2, 1)))
    # skadv documents these as ValueError / TypeError
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)
    assert not hasattr(estimator, "fitted_")
    assert _Estimator(C=2.0, solver="sgd").fit(np.zeros((2, 1))).fitted_


def test_validate_params_checks_keyword_arguments():
    @validate_params(
        {"steps": [Interval(Real, 1, None, closed="left")], "how": [StrOptions({"a"})]},
        prefer_skip_nested_validation=True,
    )
    def function(*, steps, how="a"):
        return steps

    assert function(steps=3) == 3
    with pytest.raises(InvalidParameterError, match="'steps' parameter"):
        function(steps=0.5)
    with pytest.raises(InvalidParameterError, match="'how' parameter"):
        function(steps=2, how="b")


def test_validate_parameter_constraints_names_the_caller_and_parameter():
    constraints = {"steps": [Interval(Real, 1, None, closed="left")]}
    validate_parameter_constraints(constraints, {"steps": 2}, "attack")
    with pytest.raises(InvalidParameterError, match="'steps' parameter of attack"):
        validate_parameter_constraints(constraints, {"steps": 0}, "attack")


def test_check_sample_weight_as_used_by_the_linear_model():
    X = np.zeros((3, 2))
    ones = _check_sample_weight(None, X, dtype=np.float64, ensure_non_negative=True)
    np.testing.assert_array_equal(ones, [1.0, 1.0, 1.0])
    assert ones.dtype == np.float64
    weights = _check_sample_weight(
        [1, 2, 3], X, dtype=np.float64, ensure_non_negative=True
    )
    np.testing.assert_array_equal(weights, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="[Nn]egative"):
        _check_sample_weight([1, -2, 3], X, dtype=np.float64, ensure_non_negative=True)
    with pytest.raises(ValueError, match=r"\(3,\)"):
        _check_sample_weight([1, 2], X, dtype=np.float64, ensure_non_negative=True)


def test_check_feature_names_in_as_used_by_feature_impact():
    estimator = _Estimator()
    estimator.n_features_in_ = 2
    names = _check_feature_names_in(estimator, None)
    np.testing.assert_array_equal(names, ["x0", "x1"])
    estimator.feature_names_in_ = np.array(["a", "b"], dtype=object)
    names = _check_feature_names_in(estimator, None)
    np.testing.assert_array_equal(names, ["a", "b"])
    with pytest.raises(ValueError, match="input_features"):
        _check_feature_names_in(estimator, ["a", "c"])
