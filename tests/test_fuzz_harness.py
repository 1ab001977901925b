"""The fuzz harness itself: it must catch what it claims to catch.

Each test feeds :func:`check_call` a deliberately broken callable and checks that
the break is reported, so a green fuzz run means something.
"""

from collections import Counter, defaultdict

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from _fuzz_harness import (
    DATA_WORDS,
    FuzzProblem,
    _write_report,
    check_call,
    finite_array,
    probabilities,
)
from _fuzz_strategies import wrap
from sklearn.exceptions import NotFittedError


@pytest.fixture(autouse=True)
def private_ledger(monkeypatch):
    """Keep these deliberate failures out of the suite's report."""
    import _fuzz_harness

    monkeypatch.setattr(_fuzz_harness, "_LEDGER", defaultdict(Counter))
    monkeypatch.setattr(_fuzz_harness, "_SIGNATURES", defaultdict(set))


def _set_first(obj):
    if sp.issparse(obj):
        obj.data[0] += 1.0
    elif isinstance(obj, pd.DataFrame):
        obj.iloc[0, 0] = 99.0
    else:
        obj[0, 0] = 99.0


@pytest.mark.parametrize(
    "container", ["ndarray", "fortran", "csr", "csc", "coo_dup", "csr_array", "frame"]
)
def test_mutation_is_reported(container):
    X = wrap(np.arange(1.0, 7.0).reshape(3, 2), container)
    with pytest.raises(FuzzProblem, match="mutations"):
        check_call("harness", lambda: _set_first(X), names=("X",), inputs=(X,))


def test_sparse_index_mutation_is_reported():
    X = sp.csr_matrix(np.eye(3))
    with pytest.raises(FuzzProblem, match="mutations"):
        check_call(
            "harness",
            lambda: X.indices.__setitem__(0, 2),
            names=("X",),
            inputs=(X,),
        )


def test_untouched_inputs_pass():
    X = wrap(np.array([[np.nan, 1.0], [2.0, 3.0]]), "frame_Float64")
    assert check_call("harness", lambda: 1.0, names=("X",), inputs=(X,)) == 1.0


def test_refusals_must_name_their_cause():
    def refuse(message, kind=ValueError):
        def call():
            raise kind(message)

        return call

    check_call("harness", refuse("C must be positive"), names=("C",))
    check_call("harness", refuse("Input X contains NaN."), names=DATA_WORDS)
    check_call("harness", refuse("call fit first", NotFittedError), names=("fit",))
    with pytest.raises(FuzzProblem, match="not naming"):
        check_call("harness", refuse("math domain error"), names=("C",))
    # "X" counts only as a word of its own, not as a letter inside another one.
    with pytest.raises(FuzzProblem, match="not naming"):
        check_call("harness", refuse("max exceeded"), names=("X",))
    with pytest.raises(FuzzProblem, match="IndexError"):
        check_call("harness", refuse("index 3", IndexError), names=DATA_WORDS)


def test_wrong_outputs_are_reported():
    with pytest.raises(FuzzProblem, match="wrong"):
        check_call(
            "harness", lambda: np.array([np.nan]), names=(), check=finite_array()
        )
    with pytest.raises(FuzzProblem, match="shape"):
        check_call("harness", lambda: np.ones(3), names=(), check=finite_array((2,)))
    with pytest.raises(FuzzProblem, match="sum to 1"):
        check_call(
            "harness",
            lambda: np.full((2, 2), 0.25),
            names=(),
            check=probabilities(2, 2),
        )


def test_report_table(tmp_path, monkeypatch):
    report = tmp_path / "fuzz.md"
    monkeypatch.setenv("FUZZ_REPORT", str(report))
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "harness-test")
    check_call("harness-report", lambda: 0.5, names=())
    _write_report()
    text = report.read_text()
    assert "| entry point | examples tried | unhandled exceptions" in text
    assert "`harness-report` | 1 | 0 | 0 | 0 | 0 |" in text
