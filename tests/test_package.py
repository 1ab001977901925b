"""The package imports lightly and exposes what it promises."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skadv
from skadv.utils import (
    all_estimators,
    final_estimator_and_inputs,
    has_input_gradients,
    has_linear_form,
)


def _run(code):
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_import_does_not_import_torch():
    code = (
        "import sys, skadv, skadv.utils, skadv.datasets;print('torch' in sys.modules)"
    )
    assert _run(code) == "False"


def test_every_public_name_resolves():
    # Resolving a public name must not need torch: the network estimator's module
    # imports it only when a model is fitted.
    for name in skadv.__all__:
        assert getattr(skadv, name) is not None, name


def test_unknown_attribute_raises():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        skadv.nope  # noqa: B018


def test_version_is_a_string():
    assert isinstance(skadv.__version__, str) and skadv.__version__


def test_all_estimators_finds_only_skadv_classes():
    estimators = all_estimators()
    assert all(cls.__module__.startswith("skadv.") for _, cls in estimators)
    assert [name for name, _ in estimators] == sorted(name for name, _ in estimators)
    with pytest.raises(ValueError, match="type_filter"):
        all_estimators(type_filter="regressor")


def test_protocol_predicates_on_foreign_estimators():
    model = LogisticRegression()
    assert not has_input_gradients(model)
    assert not has_linear_form(model)


def test_final_estimator_and_inputs_transforms_through_the_head():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3)) * [1.0, 10.0, 100.0]
    y = (X[:, 0] > 0).astype(int)
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    final, Xt, names = final_estimator_and_inputs(pipe, X)
    assert final is pipe[-1]
    np.testing.assert_allclose(Xt, pipe[0].transform(X))
    assert list(names) == ["x0", "x1", "x2"]

    single, X_same, no_names = final_estimator_and_inputs(final, X)
    assert single is final and X_same is X and no_names is None


def test_every_module_stays_within_the_file_size_limit():
    # one idea per file: a module past 600 lines holds more than one
    package = Path(__file__).parents[1] / "skadv"
    sizes = {
        str(p.relative_to(package)): len(p.read_text(encoding="utf-8").splitlines())
        for p in package.rglob("*.py")
    }
    too_long = {name: n for name, n in sizes.items() if n > 600}
    assert not too_long, too_long
