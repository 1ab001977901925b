"""A None cell of a categorical column is a missing value, on every pandas release."""

import numpy as np
import pytest

from skadv._report import make_preprocessor

pd = pytest.importorskip("pandas")


@pytest.mark.parametrize("gap", [None, np.nan])
def test_none_and_nan_both_become_the_missing_category(gap):
    # an explicit object column keeps None as it is (pandas < 3 does so for
    # every column of strings); it must not turn into a category "None"
    column = pd.Series(["a", gap, "b", None], dtype=object)
    frame = pd.DataFrame({"c": column, "x": [1.0, 2.0, 3.0, 4.0]})
    before = frame.copy()
    pre = make_preprocessor(["c"], ["x"]).fit(frame)
    assert list(pre.get_feature_names_out()) == ["c_(missing)", "c_a", "c_b", "x"]
    encoded = pre.transform(frame)
    np.testing.assert_array_equal(encoded[:, 0], [0, 1, 0, 1])
    pd.testing.assert_frame_equal(frame, before)
