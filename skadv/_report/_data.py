"""Reading the report's input table and deciding how each column is encoded.

The report accepts the two bundled datasets by name, a CSV or Parquet file, or
an in-memory DataFrame. Whatever the source, it ends as a :class:`TabularData`:
categorical columns as ``object`` arrays of strings with ``np.nan`` for missing
values (so "missing" can become a category of its own), numeric columns as
``float64``, and a binary target. Every problem is a :class:`ReportInputError`
raised before any model is fitted.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._errors import ReportInputError

BUNDLED = ("mushroom", "spambase")
_CSV_SUFFIXES = {".csv": ",", ".tsv": "\t", ".txt": None}
_PARQUET_SUFFIXES = (".parquet", ".pq")
_MAX_LISTED = 8

#: Largest magnitude accepted in a numeric column. Standardising squares the
#: deviations from the mean, which overflows float64 for values near 1e154;
#: this bound leaves room for any realistic number of rows.
MAX_MAGNITUDE = 1e100


@dataclass
class TabularData:
    """A binary classification table ready for the report's pipeline.

    Attributes
    ----------
    name : str
        Short name shown in the report (dataset name or file name).
    source : str
        ``"bundled"``, ``"frame"`` or the path that was read.
    X : pandas.DataFrame
        Feature columns only, categoricals as ``object`` with ``np.nan``.
    y : ndarray of shape (n_samples,)
        Target labels, rows with a missing target removed.
    target : str
        Name of the target column.
    class_names : list of str
        Readable names of the two classes, in sorted label order; the second
        is the positive class whose probability is explained.
    categorical, numeric : list of str
        Feature columns of each kind, in table order.
    n_dropped : int
        Rows removed because their target was missing.

    Examples
    --------
    >>> from skadv._report import load_table
    >>> table = load_table("mushroom")
    >>> table.X.shape, table.class_names, int(table.X["stalk-root"].isna().sum())
    ((8124, 22), ['poisonous', 'edible'], 2480)
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


def _listing(names):
    names = [str(n) for n in names]
    shown = ", ".join(names[:_MAX_LISTED])
    more = len(names) - _MAX_LISTED
    return shown + (f", ... ({more} more)" if more > 0 else "")


def _read_file(path):
    """Read a CSV/TSV or Parquet file into a DataFrame."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise ReportInputError(f"data file not found: {path}")
    if not path.is_file():
        raise ReportInputError(f"data path is not a file: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix in _PARQUET_SUFFIXES:
            try:
                return pd.read_parquet(path)
            except ImportError as exc:
                raise ReportInputError(
                    f"reading Parquet file {path} needs pyarrow or fastparquet: "
                    "install one, or convert the file to CSV"
                ) from exc
        if suffix in _CSV_SUFFIXES:
            sep = _CSV_SUFFIXES[suffix]
            return pd.read_csv(path, sep=sep, engine="python" if sep is None else "c")
    except ReportInputError:
        raise
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ReportInputError(f"could not read {path}: {first_line}") from exc
    raise ReportInputError(
        f"unsupported data file type {suffix or '(none)'!r} for {path}: "
        "use .csv, .tsv, .txt, .parquet or .pq"
    )


def _load_bundled(name):
    from .. import datasets

    loader = {"mushroom": datasets.load_mushroom, "spambase": datasets.load_spambase}
    bunch = loader[name](as_frame=True)
    X = bunch.data.copy()
    y = np.asarray(bunch.target)
    target = getattr(bunch.target, "name", None) or "target"
    class_names = [str(c) for c in bunch.target_names]
    return X, y, target, class_names


def _check_unique_columns(frame):
    names = [str(c) for c in frame.columns]
    seen, repeated = set(), []
    for name in names:
        if name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    if repeated:
        raise ReportInputError(
            f"duplicate column names: {_listing(repr(n) for n in repeated)}; "
            "every column needs its own name"
        )


def _split_target(frame, target):
    _check_unique_columns(frame)
    if target is None:
        columns = _listing(frame.columns)
        raise ReportInputError(
            lambda spell: (
                f"{spell('target')} is required with a data file; "
                f"columns are: {columns}"
            ),
            parameter="target",
        )
    if target not in frame.columns:
        raise ReportInputError(
            f"unknown target column {target!r}; columns are: " + _listing(frame.columns)
        )
    y = frame[target]
    keep = y.notna().to_numpy()
    X = frame.loc[keep].drop(columns=[target]).reset_index(drop=True)
    y = y[keep].to_numpy()
    if y.dtype == object or not np.issubdtype(y.dtype, np.number):
        y = y.astype(str).astype(object)
    return X, y, int((~keep).sum())


def _check_target(y, target):
    classes = np.unique(y)
    if len(classes) == 0:
        raise ReportInputError(
            f"target column {target!r} has no values (no rows, or all missing); "
            "a report needs two classes"
        )
    if len(classes) < 2:
        only = repr(classes[0].item() if hasattr(classes[0], "item") else classes[0])
        detail = f"a single class ({only})"
        raise ReportInputError(
            f"target column {target!r} has {detail}; a report needs two classes"
        )
    if len(classes) > 2:
        raise ReportInputError(
            f"target column {target!r} has {len(classes)} classes "
            f"({_listing(classes)}); the report explains binary targets only"
        )
    return [str(c) for c in classes]


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
                + _listing(columns)
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


def _normalise_columns(X, categorical, numeric):
    """Copy of `X`: strings + nan for categoricals, float64 for numerics."""
    import pandas as pd

    for col in X.columns:
        if X[col].isna().all():
            raise ReportInputError(f"column {col!r} has only missing values")
    out = {}
    for col in X.columns:
        series = X[col]
        missing = series.isna().to_numpy()
        if col in categorical:
            values = series.astype(object).to_numpy(dtype=object, copy=True)
            values[~missing] = [str(v) for v in values[~missing]]
            values[missing] = np.nan
            out[col] = values
        else:
            try:
                out[col] = pd.to_numeric(series, errors="raise").to_numpy(
                    dtype=np.float64, na_value=np.nan
                )
            except (ValueError, TypeError) as exc:
                bad = series[pd.to_numeric(series, errors="coerce").isna() & ~missing]
                example = bad.iloc[0] if len(bad) else "?"
                raise ReportInputError(
                    f"column {col!r} is listed as numeric but holds {example!r}"
                ) from exc
            present = out[col][~missing]
            if not np.isfinite(present).all():
                raise ReportInputError(f"column {col!r} holds infinite values")
            largest = float(np.max(np.abs(present), initial=0.0))
            if largest > MAX_MAGNITUDE:
                raise ReportInputError(
                    f"column {col!r} holds values as large as {largest:.3g}; numeric "
                    f"columns are standardised and may not exceed {MAX_MAGNITUDE:g} "
                    "in magnitude: rescale the column"
                )
    frame = pd.DataFrame(out, columns=list(X.columns))
    for col in categorical:
        frame[col] = frame[col].astype(object)
    return frame


def load_table(data="mushroom", *, target=None, categorical=None, numeric=None):
    """Load and tidy the table a report is made from.

    Parameters
    ----------
    data : {"mushroom", "spambase"}, path-like or pandas.DataFrame
        A bundled dataset by name, a CSV/TSV/Parquet file, or a frame.
    target : str, default=None
        Target column; required for files and frames, not allowed with a
        bundled dataset.
    categorical, numeric : list of str, default=None
        Columns to one-hot encode / to standardise. Columns in neither list
        are inferred from their dtype: numbers are numeric, everything else
        (strings, booleans, categories) is categorical.

    Returns
    -------
    table : TabularData
        The tidy table.

    Raises
    ------
    ReportInputError
        For a missing or unreadable file, an unknown column, a target with
        fewer or more than two classes, or a column of only missing values.

    Examples
    --------
    >>> import pandas as pd
    >>> from skadv._report import load_table
    >>> frame = pd.DataFrame({"age": [30, 40, None, 50],
    ...                       "colour": ["red", None, "blue", "red"],
    ...                       "label": ["no", "yes", "yes", "no"]})
    >>> table = load_table(frame, target="label")
    >>> table.categorical, table.numeric, table.class_names
    (['colour'], ['age'], ['no', 'yes'])
    """
    import pandas as pd

    n_dropped = 0
    if isinstance(data, pd.DataFrame):
        name, source = "dataframe", "frame"
        X, y, n_dropped = _split_target(data, target)
        class_names = None
    elif isinstance(data, str) and data.lower() in BUNDLED:
        if target is not None:
            raise ReportInputError(
                lambda spell: (
                    f"{spell('target')} applies to data files only; "
                    f"{data} has its own target"
                ),
                parameter="target",
            )
        name, source = data.lower(), "bundled"
        X, y, target, class_names = _load_bundled(name)
    else:
        frame = _read_file(data)
        name, source = Path(data).name, str(data)
        X, y, n_dropped = _split_target(frame, target)
        class_names = None
    labels = _check_target(y, target)
    if class_names is None or len(class_names) != 2:
        class_names = labels
    if X.shape[1] == 0:
        raise ReportInputError(f"no feature columns besides the target {target!r}")
    categorical, numeric = _resolve_kinds(X, categorical, numeric)
    X = _normalise_columns(X, categorical, numeric)
    return TabularData(
        name=name,
        source=source,
        X=X,
        y=y,
        target=str(target),
        class_names=class_names,
        categorical=categorical,
        numeric=numeric,
        n_dropped=n_dropped,
    )
