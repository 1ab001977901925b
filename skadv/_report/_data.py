"""Reading the report's input table and deciding how each column is encoded.

The report accepts the two bundled datasets by name, a CSV or Parquet file, or
an in-memory DataFrame, and optionally a held-out test file. Whatever the
source, it ends as a :class:`TabularData`: categorical columns as ``object``
arrays of strings with ``np.nan`` for missing values (so "missing" can become
a category of its own), numeric columns as ``float64``, and a target coded
``0 .. k-1`` into its class names.

Real files need some tidying first: the separator of a text file is sniffed,
whitespace around strings is stripped, and markers such as ``?`` count as
missing. Columns that would mislead the explanations are flagged: a column of
(nearly) one value, one that looks like an identifier (dropped unless kept),
one with so many values that they are collapsed. Every problem is a
:class:`ReportInputError` raised before any model is fitted.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._checks import (
    ID_DISTINCT_SHARE,
    MAX_CLASSES,
    NEAR_CONSTANT_SHARE,
    check_keep,
    code_target,
    label_order,
    label_texts,
    with_positive_class,
    without_id_like,
)
from ._errors import ReportInputError
from ._preprocess import MAX_CATEGORIES
from ._read import (
    DEFAULT_NA_VALUES,
    check_sep,
    check_unique_columns,
    clean_frame,
    drop_columns,
    is_text_file,
    listing,
    missing_markers,
    names_list,
    read_file,
    recognise_numbers,
)

__all__ = ["DEFAULT_NA_VALUES", "TabularData", "load_table"]

BUNDLED = ("mushroom", "spambase")

#: Largest magnitude accepted in a numeric column. Standardising squares the
#: deviations from the mean, which overflows float64 for values near 1e154;
#: this bound leaves room for any realistic number of rows.
MAX_MAGNITUDE = 1e100


@dataclass
class TabularData:
    """A classification table ready for the report's pipeline.

    Attributes
    ----------
    name : str
        Short name shown in the report (dataset name or file name).
    source : str
        ``"bundled"``, ``"frame"`` or the path that was read.
    X : pandas.DataFrame
        Feature columns only, categoricals as ``object`` with ``np.nan``.
    y : ndarray of int of shape (n_samples,)
        Class codes ``0 .. k-1`` into `class_names`, rows with a missing
        target removed.
    target : str
        Name of the target column.
    class_names : list of str
        Readable names of the classes, in sorted label order (a bundled
        dataset keeps its own); for a binary target the second is the
        positive class whose probability is explained (moved there when
        asked for).
    categorical, numeric : list of str
        Feature columns of each kind, in table order.
    n_dropped : int
        Rows removed because their target was missing.
    notes : list of dict
        What the column checks found, each ``{"kind", "column", "message"}``;
        kinds ``"near_constant"``, ``"id_like"``, ``"id_like_kept"`` and
        ``"high_cardinality"``.
    dropped : list of dict
        Columns left out, each ``{"column", "reason"}`` with reason
        ``"requested"`` or ``"id_like"``.
    collapsed : list of dict
        Categorical columns encoded with at most ``MAX_CATEGORIES`` columns,
        each ``{"column", "n_categories"}`` (missing counted as a category).
    X_test, y_test : pandas.DataFrame and ndarray of int, or None
        The rows of a held-out test file, encoded as `X` and `y`.
    n_dropped_test : int
        Rows of the test file removed because their target was missing.
    test_file : str or None
        Path of the test file.
    settings : dict
        The thresholds of the checks and how the file was read:
        ``near_constant_share``, ``id_distinct_share``, ``max_categories``,
        ``max_classes``, ``na_values`` and ``sep`` (None unless a text file).

    Examples
    --------
    >>> from skadv._report import load_table
    >>> table = load_table("mushroom")
    >>> table.X.shape, table.class_names, int(table.X["stalk-root"].isna().sum())
    ((8124, 22), ['poisonous', 'edible'], 2480)
    >>> table.task, table.test_source, table.notes[0]["kind"]
    ('binary', 'split', 'near_constant')
    """

    name: str
    source: str
    X: object
    y: np.ndarray
    target: str
    class_names: list
    categorical: list = field(default_factory=list)
    numeric: list = field(default_factory=list)
    n_dropped: int = 0
    notes: list = field(default_factory=list)
    dropped: list = field(default_factory=list)
    collapsed: list = field(default_factory=list)
    X_test: object = None
    y_test: object = None
    n_dropped_test: int = 0
    test_file: object = None
    settings: dict = field(default_factory=dict)

    @property
    def task(self):
        """``"binary"`` or ``"multiclass"``."""
        return "binary" if len(self.class_names) == 2 else "multiclass"

    @property
    def positive_class(self):
        """The class whose probability is explained (binary), else None."""
        return self.class_names[1] if self.task == "binary" else None

    @property
    def test_source(self):
        """``"file"`` with a held-out test file, else ``"split"``."""
        return "split" if self.X_test is None else "file"


def _load_bundled(name):
    from .. import datasets

    loader = {"mushroom": datasets.load_mushroom, "spambase": datasets.load_spambase}
    bunch = loader[name](as_frame=True)
    X = bunch.data.copy()
    y = np.asarray(bunch.target)
    target = getattr(bunch.target, "name", None) or "target"
    class_names = [str(c) for c in bunch.target_names]
    return X, y, target, class_names


def _split_target(frame, target):
    check_unique_columns(frame)
    if target is None:
        columns = listing(frame.columns)
        raise ReportInputError(
            lambda spell: (
                f"{spell('target')} is required with a data file; "
                f"columns are: {columns}"
            ),
            parameter="target",
        )
    if target not in frame.columns:
        raise ReportInputError(
            f"unknown target column {target!r}; columns are: " + listing(frame.columns)
        )
    y = frame[target]
    keep = y.notna().to_numpy()
    X = frame.loc[keep].drop(columns=[target]).reset_index(drop=True)
    return X, label_texts(y[keep].to_numpy()), int((~keep).sum())


# --- column kinds ----------------------------------------------------------------


def _resolve_kinds(X, categorical, numeric):
    """Split the feature columns into categorical and numeric ones."""
    import pandas as pd

    columns = [str(c) for c in X.columns]
    X.columns = columns
    for given in (categorical or [], numeric or []):
        unknown = [c for c in given if c not in columns]
        if unknown:
            raise ReportInputError(
                f"unknown column {unknown[0]!r}; feature columns are: "
                + listing(columns)
            )
    both = set(categorical or []) & set(numeric or [])
    if both:
        raise ReportInputError(
            f"column {sorted(both)[0]!r} is listed as both categorical and numeric"
        )
    cat = set(categorical or [])
    num = set(numeric or [])
    for col in columns:
        if col in cat or col in num:
            continue
        dtype = X[col].dtype
        is_num = pd.api.types.is_numeric_dtype(dtype)
        if is_num and not pd.api.types.is_bool_dtype(dtype):
            num.add(col)
        else:
            cat.add(col)
    return [c for c in columns if c in cat], [c for c in columns if c in num]


def _numeric_values(series, col):
    """`series` as float64, with a message naming `col` when it is not numbers."""
    import pandas as pd

    missing = series.isna().to_numpy()
    try:
        values = pd.to_numeric(series, errors="raise").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    except (ValueError, TypeError) as exc:
        bad = series[pd.to_numeric(series, errors="coerce").isna() & ~missing]
        example = bad.iloc[0] if len(bad) else "?"
        raise ReportInputError(
            f"column {col!r} is listed as numeric but holds {example!r}"
        ) from exc
    present = values[~missing]
    if not np.isfinite(present).all():
        raise ReportInputError(f"column {col!r} holds infinite values")
    largest = float(np.max(np.abs(present), initial=0.0))
    if largest > MAX_MAGNITUDE:
        raise ReportInputError(
            f"column {col!r} holds values as large as {largest:.3g}; numeric "
            f"columns are standardised and may not exceed {MAX_MAGNITUDE:g} "
            "in magnitude: rescale the column"
        )
    return values


def _normalise_columns(X, categorical, numeric, *, allow_empty=False):
    """Copy of `X`: strings + nan for categoricals, float64 for numerics."""
    import pandas as pd

    for col in X.columns:
        if not allow_empty and X[col].isna().all():
            raise ReportInputError(f"column {col!r} has only missing values")
    out = {}
    for col in X.columns:
        series = X[col]
        if col in categorical:
            missing = series.isna().to_numpy()
            values = series.astype(object).to_numpy(dtype=object, copy=True)
            values[~missing] = [str(v) for v in values[~missing]]
            values[missing] = np.nan
            out[col] = values
        else:
            out[col] = _numeric_values(series, col)
    frame = pd.DataFrame(out, columns=list(X.columns), index=X.index)
    for col in categorical:
        frame[col] = frame[col].astype(object)
    return frame


# --- the held-out test file --------------------------------------------------------


def _test_error(what):
    """The error for a test file that does not match; `what` follows its name."""
    return ReportInputError(
        lambda spell: f"{spell('test_data')} {what}", parameter="test_data"
    )


def _check_test_columns(frame, columns):
    missing = [c for c in columns if c not in frame.columns]
    extra = [c for c in frame.columns if c not in columns]
    if missing or extra:
        parts = [f"missing {listing(missing)}"] if missing else []
        parts += [f"extra {listing(extra)}"] if extra else []
        raise _test_error(
            "has other columns than the training data: " + "; ".join(parts)
        )


def _load_test_data(test_data, sep, na_values, drop, target, columns, table):
    """The held-out rows encoded as the training ones, and the rows dropped."""
    import pandas as pd

    if isinstance(test_data, pd.DataFrame):
        frame = test_data
    else:
        frame, _ = read_file(test_data, sep, parameter="test_data")
    frame = clean_frame(frame, na_values)
    frame = frame.drop(columns=[c for c in drop if c in frame.columns])
    check_unique_columns(frame)
    _check_test_columns(frame, columns)
    labels = frame[target]
    present = labels.notna().to_numpy()
    labels = label_texts(labels[present].to_numpy())
    unseen = sorted(set(labels) - set(table.class_names), key=label_order)
    if unseen:
        raise _test_error(
            "holds target labels not in the training data: "
            + listing(map(repr, unseen))
        )
    if not present.any():
        raise _test_error(f"has no row with a value in target column {target!r}")
    index = {name: code for code, name in enumerate(table.class_names)}
    X = frame.loc[present, list(table.X.columns)].reset_index(drop=True)
    try:
        X = _normalise_columns(X, table.categorical, table.numeric, allow_empty=True)
    except ReportInputError as exc:
        raise _test_error(f"file: {exc}") from exc
    y = np.array([index[v] for v in labels], dtype=np.int64)
    return X, y, int((~present).sum())


# --- the whole table ---------------------------------------------------------------


def _from_bundled(data, target, drop, positive_class, test_data):
    """Features, codes, target and class names of a bundled dataset."""
    if target is not None:
        raise ReportInputError(
            lambda spell: (
                f"{spell('target')} applies to data files only; "
                f"{data} has its own target"
            ),
            parameter="target",
        )
    if test_data is not None:
        raise ReportInputError(
            lambda spell: (
                f"{spell('test_data')} applies to data files only; "
                f"{data} is split for testing"
            ),
            parameter="test_data",
        )
    X, y, target, class_names = _load_bundled(data.lower())
    X = drop_columns(X, drop, target)
    classes = with_positive_class(class_names, target, positive_class)
    recode = np.array([classes.index(name) for name in class_names], dtype=np.int64)
    return X, recode[y], target, classes


def _from_table(data, target, sep, na_values, drop, categorical, positive_class):
    """Name, source, columns, features, codes, classes, rows dropped, separator."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        frame, used = data, None
        name, source = "dataframe", "frame"
    else:
        frame, used = read_file(data, sep)
        name, source = Path(data).name, str(data)
    frame = clean_frame(frame, na_values)
    check_unique_columns(frame)
    if target is not None:
        frame = drop_columns(frame, drop, target)
    X, labels, n_dropped = _split_target(frame, target)
    classes, y = code_target(labels, target, positive_class)
    if not isinstance(data, pd.DataFrame) and is_text_file(data):
        X = recognise_numbers(X, text=categorical or ())
    return name, source, list(frame.columns), X, y, classes, n_dropped, used


def _settings(na_values, sep):
    """The thresholds of the checks and how the table was read."""
    return {
        "near_constant_share": NEAR_CONSTANT_SHARE,
        "id_distinct_share": ID_DISTINCT_SHARE,
        "max_categories": MAX_CATEGORIES,
        "max_classes": MAX_CLASSES,
        "na_values": list(na_values),
        "sep": sep,
    }


def load_table(
    data="mushroom",
    *,
    target=None,
    categorical=None,
    numeric=None,
    sep=None,
    na_values=DEFAULT_NA_VALUES,
    drop=None,
    keep=None,
    positive_class=None,
    test_data=None,
):
    """Load and tidy the table a report is made from.

    Parameters
    ----------
    data : {"mushroom", "spambase"}, path-like or pandas.DataFrame
        A bundled dataset by name, a CSV/TSV/Parquet file, or a frame.
    target : str, default=None
        Target column; required for files and frames, not allowed with a
        bundled dataset. It may have 2 to ``MAX_CLASSES`` classes.
    categorical, numeric : list of str, default=None
        Columns to one-hot encode / to standardise. Columns in neither list
        are inferred: numbers are numeric, everything else (strings,
        booleans, categories) is categorical.
    sep : str, default=None
        Separator of a text file; None sniffs it among ``,``, ``;``, tab and
        ``|`` (the suffix decides when the sample does not tell).
    na_values : list of str, default=DEFAULT_NA_VALUES
        Cell texts read as missing besides pandas' markers (``NA``, ``NaN``,
        ``null``, ...), compared once whitespace is stripped; None means the
        default, ``?`` and empty cells.
    drop : list of str, default=None
        Columns left out before anything else; not the target.
    keep : list of str, default=None
        Columns used even though they look like identifiers.
    positive_class : str, default=None
        For a binary target, the label whose probability is explained; None
        means the second label in sorted order.
    test_data : path-like or pandas.DataFrame, default=None
        A held-out test table with the same columns (after `drop`), read by
        the same rules; its target labels must all occur in `data`.

    Returns
    -------
    table : TabularData
        The tidy table; its ``notes`` say what the column checks found.

    Raises
    ------
    ReportInputError
        For a missing or unreadable file, an unknown column, a target with
        fewer than two or more than ``MAX_CLASSES`` classes, a column of only
        missing values, or a test file that does not match.

    Examples
    --------
    >>> import pandas as pd
    >>> from skadv._report import load_table
    >>> frame = pd.DataFrame({"age": [30, 40, None, 50],
    ...                       "colour": [" red", None, "blue ", "?"],
    ...                       "label": ["no", "yes", "yes", "no"]})
    >>> table = load_table(frame, target="label")
    >>> table.categorical, table.numeric, table.class_names, table.y.tolist()
    (['colour'], ['age'], ['no', 'yes'], [0, 1, 1, 0])
    >>> table.X["colour"].tolist()
    ['red', nan, 'blue', nan]
    >>> load_table(frame, target="label", positive_class="no").class_names
    ['yes', 'no']
    """
    import pandas as pd

    extra_na, na_markers = missing_markers(na_values)
    drop, keep = names_list(drop, "drop"), names_list(keep, "keep")
    bundled = isinstance(data, str) and data.lower() in BUNDLED
    in_memory = bundled or isinstance(data, pd.DataFrame)
    sep = check_sep(sep, text_files=not in_memory or test_data is not None)
    target = None if target is None else str(target).strip()
    categorical = names_list(categorical, "categorical", none=None)
    numeric = names_list(numeric, "numeric", none=None)
    if bundled:
        X, y, target, class_names = _from_bundled(
            data, target, drop, positive_class, test_data
        )
        name, source, columns, n_dropped, used = data.lower(), "bundled", None, 0, None
    else:
        name, source, columns, X, y, class_names, n_dropped, used = _from_table(
            data, target, sep, na_markers, drop, categorical, positive_class
        )
    if X.shape[1] == 0:
        raise ReportInputError(f"no feature columns besides the target {target!r}")
    check_keep(keep, list(X.columns))
    categorical, numeric = _resolve_kinds(X, categorical, numeric)
    X = _normalise_columns(X, categorical, numeric)
    X, categorical, numeric, notes, id_like, collapsed = without_id_like(
        X, categorical, numeric, keep
    )
    table = TabularData(
        name=name,
        source=source,
        X=X,
        y=y,
        target=str(target),
        class_names=class_names,
        categorical=categorical,
        numeric=numeric,
        n_dropped=n_dropped,
        notes=notes,
        dropped=[{"column": c, "reason": "requested"} for c in drop]
        + [{"column": c, "reason": "id_like"} for c in id_like],
        collapsed=collapsed,
        settings=_settings(extra_na, used),
    )
    if test_data is not None:
        table.X_test, table.y_test, table.n_dropped_test = _load_test_data(
            test_data, sep, na_markers, drop, target, columns, table
        )
        if not isinstance(test_data, pd.DataFrame):
            table.test_file = str(test_data)
    return table
