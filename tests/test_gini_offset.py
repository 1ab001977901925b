"""gini_index(offset=) against the official code's convention of adding 1e-7."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.utils._param_validation import InvalidParameterError

from skadv.inspection import gini_index

OFFICIAL_OFFSET = 1e-7


def _gini_ranked_sum(v, offset):
    """The rank-weighted form sum((2i - n - 1) v_(i)) / (n sum v) on |v| + offset.

    The form the official evaluation of Chalasani et al. uses, written
    independently of the library's (I.67)-based computation.
    """
    v = np.sort(np.abs(np.asarray(v, dtype=np.float64)) + offset)
    n = v.shape[0]
    rank = np.arange(1, n + 1)
    return float(np.sum((2 * rank - n - 1) * v) / (n * np.sum(v)))


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.float64,
        st.integers(1, 40),
        elements=st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False),
    ),
    st.sampled_from([1e-7, 1e-3, 1.0]),
)
def test_matches_the_rank_weighted_formula(v, offset):
    assert gini_index(v, offset=offset) == pytest.approx(
        _gini_ranked_sum(v, offset), abs=1e-10
    )


def test_zero_offset_is_the_default():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(5, 12))
    np.testing.assert_array_equal(gini_index(A, offset=0.0), gini_index(A))


def test_offset_makes_the_index_depend_on_scale():
    # one large attribution among many tiny ones: the convention that matters
    # for nearly saturated models, whose attributions are all small
    v = np.r_[1.0, np.full(99, 1e-9)]
    assert gini_index(v) == pytest.approx(gini_index(1e-6 * v), rel=1e-12)
    big = gini_index(v, offset=OFFICIAL_OFFSET)
    small = gini_index(1e-6 * v, offset=OFFICIAL_OFFSET)
    assert big == pytest.approx(_gini_ranked_sum(v, OFFICIAL_OFFSET), abs=1e-12)
    assert big > 0.98
    assert small < 0.9 * big
    # an all-zero vector becomes a constant one
    assert gini_index(np.zeros(6), offset=OFFICIAL_OFFSET) == pytest.approx(
        0.0, abs=1e-12
    )


def test_offset_along_an_axis_and_without_mutation():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(3, 7, 4)) * 1e-6
    before = A.copy()
    rows = gini_index(A, axis=1, offset=OFFICIAL_OFFSET)
    assert rows.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert rows[i, j] == pytest.approx(
                _gini_ranked_sum(A[i, :, j], OFFICIAL_OFFSET), abs=1e-12
            )
    np.testing.assert_array_equal(A, before)


@pytest.mark.parametrize("offset", [-1e-7, np.inf, np.nan, "1e-7"])
def test_bad_offset(offset):
    with pytest.raises(InvalidParameterError, match="offset"):
        gini_index([1.0, 2.0], offset=offset)
