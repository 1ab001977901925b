"""Reading a table from a file or a frame, and tidying its cells.

Text files are read as plain strings: the separator is sniffed unless given,
whitespace around every string (cells and column names) is stripped, and a
cell that is then empty, or one of the missing-value markers, is missing. Only
then are columns of numbers recognised, so ``" 3.5 "`` and ``?`` in a numeric
column read as a number and a gap. Frames get the same stripping and markers.
"""

import csv
from pathlib import Path

import numpy as np

from ._errors import ReportInputError

_CSV_SUFFIXES = {".csv": ",", ".tsv": "\t", ".txt": None}
_PARQUET_SUFFIXES = (".parquet", ".pq")
_MAX_LISTED = 8

#: Cell texts read as missing besides pandas' own markers ("NA", "NaN", ...).
DEFAULT_NA_VALUES = ("?", "")

# The missing-value markers read_csv documents as its defaults; text files are
# read as plain strings and stripped first, so the report applies them itself.
_PANDAS_NA_VALUES = (
    "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
    "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip
_SNIFF_BYTES = 64 * 1024
_SNIFF_SEPARATORS = ",;\t|"


def listing(names):
    """`names` separated by commas, the first few only."""
    names = [str(n) for n in names]
    shown = ", ".join(names[:_MAX_LISTED])
    more = len(names) - _MAX_LISTED
    return shown + (f", ... ({more} more)" if more > 0 else "")


def names_list(value, parameter, *, none=()):
    """A list of stripped strings from a string or a list of them.

    None gives `none` (as a list, or None itself when `none` is None).
    """
    if value is None:
        return None if none is None else list(none)
    if isinstance(value, str):
        value = [value]
    try:
        items = list(value)
    except TypeError:
        items = [value]
    if not all(isinstance(v, str) for v in items):
        raise ReportInputError(
            lambda spell: (
                f"{spell(parameter)} must be a list of strings; got {value!r}"
            ),
            parameter=parameter,
        )
    return list(dict.fromkeys(v.strip() for v in items))


# --- reading -------------------------------------------------------------------


def _sniff_separator(path):
    """The separator of a text file, or None when the sample does not tell."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(_SNIFF_BYTES)
        if len(raw) == _SNIFF_BYTES and b"\n" in raw:
            raw = raw[: raw.rindex(b"\n")]  # whole lines only
        text = raw.decode("utf-8-sig")
        sep = csv.Sniffer().sniff(text, delimiters=_SNIFF_SEPARATORS).delimiter
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    header = text.splitlines()[0] if text.strip() else ""
    return sep if sep in header else None


def is_text_file(path):
    """Whether `path` names a CSV/TSV/TXT file by its suffix."""
    return Path(path).suffix.lower() in _CSV_SUFFIXES


def _subject(spell, parameter):
    return "data file" if parameter is None else f"{spell(parameter)} file"


def _read_text(path, sep):
    """All cells of a CSV/TSV file as strings, and the separator used."""
    import pandas as pd

    if sep is None:
        sep = _sniff_separator(path) or _CSV_SUFFIXES[path.suffix.lower()]
    # Read as text: whitespace and missing markers are handled on the cells
    # themselves, and numbers are recognised once they are clean.
    engine = "c" if sep is not None and len(sep) == 1 else "python"
    frame = pd.read_csv(
        path, sep=sep, engine=engine, dtype=str, keep_default_na=False, na_filter=False
    )
    return frame, sep


def read_file(path, sep, parameter=None):
    """Read a CSV/TSV or Parquet file: the frame and the separator used."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise ReportInputError(
            lambda spell: f"{_subject(spell, parameter)} not found: {path}",
            parameter=parameter,
        )
    if not path.is_file():
        raise ReportInputError(
            lambda spell: f"{_subject(spell, parameter)} path is not a file: {path}",
            parameter=parameter,
        )
    suffix = path.suffix.lower()
    try:
        if suffix in _PARQUET_SUFFIXES:
            if sep is not None and parameter is None:
                raise ReportInputError(
                    lambda spell: f"{spell('sep')} applies to text files, not {path}",
                    parameter="sep",
                )
            try:
                return pd.read_parquet(path), None
            except ImportError as exc:
                raise ReportInputError(
                    f"reading Parquet file {path} needs pyarrow or fastparquet: "
                    "install one, or convert the file to CSV"
                ) from exc
        if suffix in _CSV_SUFFIXES:
            return _read_text(path, sep)
    except ReportInputError:
        raise
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ReportInputError(
            lambda spell: (
                f"could not read {path}: {first_line}"
                if parameter is None
                else f"could not read {_subject(spell, parameter)} {path}: {first_line}"
            ),
            parameter=parameter,
        ) from exc
    raise ReportInputError(
        lambda spell: (
            f"unsupported {_subject(spell, parameter)} type "
            f"{suffix or '(none)'!r} for {path}: use .csv, .tsv, .txt, .parquet or .pq"
        ),
        parameter=parameter,
    )


# --- tidying -------------------------------------------------------------------


def _clean_column(series, na_values):
    """Strings stripped, missing markers as NaN; None when nothing is textual."""
    import pandas as pd

    dtype = series.dtype
    if not (
        pd.api.types.is_object_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_string_dtype(dtype)
    ):
        return None
    values = series.astype(object).to_numpy(dtype=object, copy=True)
    texts = np.array([isinstance(v, str) for v in values], dtype=bool)
    if not texts.any():
        return None
    stripped = np.array([v.strip() for v in values[texts]], dtype=object)
    missing = pd.Series(stripped).isin(na_values).to_numpy()
    stripped[missing] = np.nan
    values[texts] = stripped
    values[series.isna().to_numpy()] = np.nan
    return pd.Series(values, index=series.index, name=series.name, dtype=object)


def clean_frame(frame, na_values):
    """Copy of `frame`: names and strings stripped, missing markers as NaN.

    A frame's object column of numbers with a marker such as ``?`` becomes
    numeric once the marker is gone. The copy has a fresh index.
    """
    import pandas as pd

    names = [str(c).strip() for c in frame.columns]
    parts = []
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position].reset_index(drop=True)
        cleaned = _clean_column(series, na_values)
        if cleaned is not None:
            inferred = cleaned.infer_objects()
            numeric = pd.api.types.is_numeric_dtype(inferred.dtype)
            if numeric and not pd.api.types.is_bool_dtype(inferred.dtype):
                cleaned = inferred
        parts.append(series if cleaned is None else cleaned)
    if not parts:
        return pd.DataFrame(index=pd.RangeIndex(len(frame)))
    out = pd.concat(parts, axis=1, keys=range(len(parts)))
    out.columns = names
    return out


def recognise_numbers(X, text=()):
    """Columns of text whose every present cell is a number become float.

    Columns of `text` stay text: a column the caller calls categorical keeps
    its values as written (``"01"``, ``"1"``).
    """
    import pandas as pd

    for col in X.columns:
        present = X[col].notna().to_numpy()
        if col in text or X[col].dtype != object or not present.any():
            continue
        parsed = pd.to_numeric(X[col], errors="coerce").to_numpy(dtype=np.float64)
        if not np.isnan(parsed[present]).any():
            X[col] = parsed
    return X


def check_unique_columns(frame):
    """Raise when two columns of `frame` share a name."""
    names = [str(c) for c in frame.columns]
    seen, repeated = set(), []
    for name in names:
        if name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    if repeated:
        raise ReportInputError(
            f"duplicate column names: {listing(repr(n) for n in repeated)}; "
            "every column needs its own name"
        )


def drop_columns(frame, drop, target):
    """`frame` without the columns of `drop`, checked against its columns."""
    unknown = [c for c in drop if c not in frame.columns]
    if unknown:
        columns = listing(frame.columns)
        raise ReportInputError(
            lambda spell: (
                f"{spell('drop')} names unknown column {unknown[0]!r}; "
                f"columns are: {columns}"
            ),
            parameter="drop",
        )
    if target in drop:
        raise ReportInputError(
            lambda spell: f"{spell('drop')} names the target column {target!r}",
            parameter="drop",
        )
    return frame.drop(columns=list(drop))


def check_sep(sep, text_files):
    """`sep` checked: None, or a non-empty string when a text file is read."""
    if sep is None:
        return None
    if not isinstance(sep, str) or not sep:
        raise ReportInputError(
            lambda spell: f"{spell('sep')} must be a non-empty string; got {sep!r}",
            parameter="sep",
        )
    if not text_files:
        raise ReportInputError(
            lambda spell: f"{spell('sep')} applies to text data files only",
            parameter="sep",
        )
    return sep


def missing_markers(na_values):
    """The markers given (checked), and every text that reads as missing."""
    if na_values is None:
        na_values = DEFAULT_NA_VALUES
    extra = names_list(na_values, "na_values")
    return extra, list(dict.fromkeys(["", *_PANDAS_NA_VALUES, *extra]))
