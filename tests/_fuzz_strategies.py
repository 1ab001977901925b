"""Hypothesis strategies of hostile inputs for the fuzz suite.

Feature matrices in every container the estimators may meet (dense arrays of many
dtypes, Fortran-ordered and read-only ones, lists, CSR / CSC / COO with duplicate
entries, sparse arrays, pandas frames with nullable and categorical dtypes), labels
in many encodings, sample weights and parameter sets with one hostile value.
"""

import warnings

import numpy as np
import scipy.sparse as sp
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning

HOSTILE_SCALARS = st.sampled_from(
    [
        -1,
        0,
        -0.5,
        1.5,
        float("nan"),
        float("inf"),
        -float("inf"),
        1e308,
        "bad",
        "",
        None,
        True,
        [1, 2],
        (0.0, 1.0),
        {"a": 1},
        1j,
        np.float32("nan"),
        np.int64(-3),
        object(),
        2**70,
    ]
)

DTYPES = (
    "float64",
    "float32",
    "float16",
    "int64",
    "int8",
    "uint8",
    "bool",
    "object",
    "complex128",
)
CONTAINERS = (
    "ndarray",
    "fortran",
    "readonly",
    "list",
    "csr",
    "csc",
    "coo_dup",
    "csr_array",
    "coo_array",
    "frame",
    "frame_Float64",
    "frame_Int64",
    "frame_boolean",
    "frame_category",
)


@st.composite
def base_values(draw, n_rows, n_cols, special=True):
    """Float values, mostly ordinary, sometimes with NaN, inf or huge entries."""
    values = draw(
        st.lists(
            st.floats(-5, 5, allow_nan=False, width=32),
            min_size=n_rows * n_cols,
            max_size=n_rows * n_cols,
        )
    )
    arr = np.asarray(values, dtype=np.float64).reshape(n_rows, n_cols)
    if special and arr.size and draw(st.integers(0, 3)) == 0:
        value = draw(st.sampled_from([np.nan, np.inf, -np.inf, 1e300, 3e38, 1e-310]))
        i, j = draw(st.integers(0, n_rows - 1)), draw(st.integers(0, n_cols - 1))
        arr[i, j] = value
    return arr


def _coo_with_duplicates(arr, array_api):
    rows, cols = np.nonzero(arr)
    data = arr[rows, cols]
    # Each stored entry is split in two halves that sum to the original value.
    rows, cols = np.concatenate([rows, rows]), np.concatenate([cols, cols])
    with np.errstate(all="ignore"):
        data = np.concatenate([data / 2, data / 2])
    build = sp.coo_array if array_api else sp.coo_matrix
    return build((data, (rows, cols)), shape=arr.shape)


def wrap(arr, container, dtype="float64"):
    """``arr`` (2-d float) in the given container and dtype."""
    import pandas as pd

    if container.startswith("frame"):
        columns = [f"f{j}" for j in range(arr.shape[1])]
        frame = pd.DataFrame(arr, columns=columns)
        if container == "frame_Float64":
            frame = frame.astype("Float64")
            if frame.size:
                frame.iloc[0, 0] = pd.NA
        elif container == "frame_Int64":
            frame = pd.DataFrame(np.round(np.nan_to_num(arr)), columns=columns)
            frame = frame.clip(-100, 100).astype("Int64")
        elif container == "frame_boolean":
            frame = (frame > 0).astype("boolean")
        elif container == "frame_category":
            frame = frame.round().astype("category")
        return frame
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        typed = arr.astype(dtype) if dtype != "object" else arr.astype(object)
    if container == "ndarray":
        return typed
    if container == "fortran":
        return np.asfortranarray(typed)
    if container == "readonly":
        typed = typed.copy()
        typed.flags.writeable = False
        return typed
    if container == "list":
        return typed.tolist()
    if typed.dtype == object:
        typed = arr
    elif typed.dtype == np.float16:  # scipy.sparse has no float16
        typed = typed.astype(np.float32)
    if container == "csr":
        return sp.csr_matrix(typed)
    if container == "csc":
        return sp.csc_matrix(typed)
    if container == "csr_array":
        return sp.csr_array(typed)
    if container == "coo_dup":
        return _coo_with_duplicates(typed, array_api=False)
    if container == "coo_array":
        return _coo_with_duplicates(typed, array_api=True)
    raise AssertionError(container)


@st.composite
def hostile_X(draw, n_cols, *, min_rows=0, max_rows=6, odd_shapes=True):
    """A feature matrix in any container and dtype; ``n_cols`` is the usual width.

    Returns ``(X, n_rows)``; ``n_rows`` is what a correct output's first
    dimension must be.
    """
    n_rows = draw(st.integers(min_rows, max_rows))
    width = n_cols
    if odd_shapes and draw(st.integers(0, 5)) == 0:
        width = draw(st.sampled_from([0, 1, n_cols + 1]))
    arr = draw(base_values(n_rows, width))
    shape_kind = "2d"
    if odd_shapes:
        shape_kind = draw(st.sampled_from(["2d"] * 8 + ["1d", "3d", "scalar"]))
    if shape_kind == "1d":
        return arr.ravel(), n_rows
    if shape_kind == "3d":
        return arr.reshape(n_rows, width, 1), n_rows
    if shape_kind == "scalar":
        return np.float64(1.0), n_rows
    container = draw(st.sampled_from(CONTAINERS))
    dtype = draw(st.sampled_from(DTYPES))
    return wrap(arr, container, dtype), n_rows


@st.composite
def hostile_y(draw, n_rows, classes=(0, 1)):
    """Labels of length ``n_rows`` (usually) in a variety of encodings."""
    import pandas as pd

    kind = draw(
        st.sampled_from(
            [
                "int",
                "int",
                "str",
                "bool",
                "one_class",
                "multiclass",
                "float_nan",
                "object_none",
                "wrong_length",
                "column",
                "series_Int64",
                "series_category",
                "list",
                "float",
            ]
        )
    )
    picks = np.asarray(
        draw(st.lists(st.sampled_from(classes), min_size=n_rows, max_size=n_rows)),
        dtype=np.int64,
    )
    if n_rows >= 2:
        picks[:2] = classes[:2]
    if kind == "int":
        return picks
    if kind == "str":
        return np.asarray([f"c{v}" for v in picks])
    if kind == "bool":
        return picks.astype(bool)
    if kind == "one_class":
        return np.zeros(n_rows, dtype=np.int64)
    if kind == "multiclass":
        return np.arange(n_rows) % 3
    if kind == "float_nan":
        out = picks.astype(float)
        if n_rows:
            out[-1] = np.nan
        return out
    if kind == "object_none":
        out = picks.astype(object)
        if n_rows:
            out[-1] = None
        return out
    if kind == "wrong_length":
        return np.concatenate([picks, [0]])
    if kind == "column":
        return picks.reshape(-1, 1)
    if kind == "series_Int64":
        return pd.Series(picks, dtype="Int64")
    if kind == "series_category":
        return pd.Series(picks).astype("category")
    if kind == "list":
        return picks.tolist()
    return picks.astype(np.float32)


@st.composite
def hostile_weights(draw, n_rows):
    """None or sample weights, sometimes negative, NaN, zero or misshapen."""
    kind = draw(
        st.sampled_from(["none", "ok", "zero", "negative", "nan", "inf", "short", "2d"])
    )
    if kind == "none":
        return None
    w = np.asarray(
        draw(st.lists(st.floats(0.1, 3.0), min_size=n_rows, max_size=n_rows))
    )
    if kind == "zero":
        w[:] = 0.0
    elif kind in ("negative", "nan", "inf") and n_rows:
        w[0] = {"negative": -1.0, "nan": np.nan, "inf": np.inf}[kind]
    elif kind == "short":
        w = w[:-1]
    elif kind == "2d":
        w = w.reshape(-1, 1)
    return w


def quietly(fit):
    """``fit()`` without the warnings that short fits on hostile labels raise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", DataConversionWarning)
        return fit()


def clean_data(n_rows=12, n_cols=3, n_classes=2, seed=0):
    """Well-behaved training data: Gaussian inputs, every class present."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_cols))
    y = np.arange(n_rows) % n_classes
    X[:, 0] += y
    return X, y


@st.composite
def params_with_one_bad(draw, valid, *, hostile=HOSTILE_SCALARS, extra=None):
    """``(params, bad_name)``: valid choices with at most one hostile value.

    ``valid`` maps names to strategies of valid values; ``extra`` to strategies
    of parameter-specific hostile values.
    """
    params = {name: draw(strategy) for name, strategy in valid.items()}
    bad = draw(st.sampled_from([None, *sorted(valid)]))
    if bad is not None:
        choices = [hostile]
        if extra and bad in extra:
            choices.append(extra[bad])
        params[bad] = draw(st.one_of(*choices))
    return params, bad


def asks_for_forever(params, names):
    """Whether a valid but astronomically large count (``2**70`` epochs or
    attack steps) is among ``names``: honouring it is right and only stalls the
    search, so tests skip such examples."""
    return any(
        isinstance(params.get(name), int)
        and not isinstance(params.get(name), bool)
        and params[name] > 10**6
        for name in names
    )
