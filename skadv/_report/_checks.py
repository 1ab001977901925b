"""What the report checks of a table's target and columns before fitting.

The target must look like a class label: 2 to :data:`MAX_CLASSES` classes,
named as written and sorted (numbers by value), optionally with a chosen
positive class last. The feature columns are checked for what would mislead
the explanations: a column of nearly one value (noted), one that looks like an
identifier (dropped unless kept, since one-hot encoding it gives a column per
row), and one with so many values that its rare ones share a column.
"""

import numpy as np

from ._errors import ReportInputError
from ._preprocess import MAX_CATEGORIES
from ._read import listing

#: Share of rows holding one value from which a column is noted as near-constant.
NEAR_CONSTANT_SHARE = 0.95

#: Share of distinct values above which a categorical column looks like an ID.
ID_DISTINCT_SHARE = 0.5

#: Rows an integer column unique per row needs to look like an ID.
ID_MIN_ROWS = 20

#: Most classes a target may have: more look like a number or an ID.
MAX_CLASSES = 50


# --- the target ------------------------------------------------------------------


def label_text(value):
    """A target label as the report names it: text stripped, 1.0 as 1."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))  # 1.0 in a column with gaps reads as 1
    return str(value.item() if hasattr(value, "item") else value)


def label_texts(values):
    """:func:`label_text` of each value, as an object array."""
    return np.array([label_text(v) for v in values], dtype=object)


def label_order(label):
    """Sort key: numbers by value before any text, text alphabetically."""
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def code_target(labels, target, positive_class):
    """Class names and the codes of `labels` into them."""
    classes = sorted(set(labels), key=label_order)
    if not classes:
        raise ReportInputError(
            f"target column {target!r} has no values (no rows, or all missing); "
            "a report needs two classes"
        )
    if len(classes) < 2:
        raise ReportInputError(
            f"target column {target!r} has a single class ({classes[0]!r}); "
            "a report needs two classes"
        )
    if len(classes) > MAX_CLASSES:
        raise ReportInputError(
            lambda spell: (
                f"target column {target!r} has {len(classes)} distinct values, "
                f"more than the {MAX_CLASSES} classes a report handles; it does not "
                "look like a class label (a continuous or ID column?): choose "
                f"another {spell('target')}"
            ),
            parameter="target",
        )
    classes = with_positive_class(classes, target, positive_class)
    index = {name: code for code, name in enumerate(classes)}
    return classes, np.array([index[v] for v in labels], dtype=np.int64)


def with_positive_class(classes, target, positive_class):
    """`classes` with `positive_class` (binary targets only) moved last."""
    if positive_class is None:
        return list(classes)
    if not isinstance(positive_class, str):
        positive_class = label_text(positive_class)
    positive = positive_class.strip()
    if len(classes) != 2:
        raise ReportInputError(
            lambda spell: (
                f"{spell('positive_class')} applies to binary targets; target "
                f"column {target!r} has {len(classes)} classes"
            ),
            parameter="positive_class",
        )
    if positive not in classes:
        raise ReportInputError(
            lambda spell: (
                f"{spell('positive_class', positive)} is not a label of target "
                f"column {target!r}; labels are: {listing(classes)}"
            ),
            parameter="positive_class",
        )
    return [c for c in classes if c != positive] + [positive]


# --- the columns -----------------------------------------------------------------


def _note(kind, column, message):
    return {"kind": kind, "column": column, "message": message}


def _value_text(value):
    if isinstance(value, str):
        return repr(value)
    if value is None or np.isnan(value):
        return "missing"
    return f"{value:g}"


def _looks_like_id(series, categorical, n_rows):
    distinct = series.nunique(dropna=True)
    if categorical:
        return distinct == n_rows or distinct > ID_DISTINCT_SHARE * n_rows
    # A row number or a key stored as a number: integers, one per row, none
    # missing; a measurement is rarely that.
    values = series.to_numpy(dtype=np.float64)
    return bool(
        n_rows > ID_MIN_ROWS
        and distinct == n_rows
        and np.array_equal(values, np.round(values))
    )


def _id_note(col, series, kept):
    distinct = series.nunique(dropna=True)
    found = (
        f"column {col!r} has {distinct} distinct values in {len(series)} rows, "
        "like an identifier"
    )
    if kept:
        return _note("id_like_kept", col, f"{found}; kept as asked.")
    return _note("id_like", col, f"{found}: dropped (keep it to use it anyway).")


def column_checks(X, categorical, keep):
    """Notes on the columns of `X`, the ID-like ones to drop, the ones to collapse."""
    n_rows = len(X)
    notes, id_like, collapsed = [], [], []
    for col in X.columns:
        series = X[col]
        is_categorical = col in categorical
        if _looks_like_id(series, is_categorical, n_rows):
            notes.append(_id_note(col, series, kept=col in keep))
            if col not in keep:
                id_like.append(col)
                continue
        counts = series.value_counts(dropna=False)
        share = counts.iloc[0] / n_rows
        # A numeric column that is mostly one value (a sparse count, say) is
        # standardised like any other; a categorical one leaves a rare one-hot
        # column whose attributions mislead.
        if is_categorical and share >= NEAR_CONSTANT_SHARE:
            message = (
                f"column {col!r} has one value ({_value_text(counts.index[0])}) in "
                f"{share:.1%} of rows; its attributions say little about the others."
            )
            notes.append(_note("near_constant", col, message))
        if is_categorical and len(counts) > MAX_CATEGORIES:
            collapsed.append({"column": col, "n_categories": int(len(counts))})
            message = (
                f"column {col!r} has {len(counts)} distinct values; the "
                f"{MAX_CATEGORIES - 1} most frequent are encoded one by one, the "
                "others together in one column."
            )
            notes.append(_note("high_cardinality", col, message))
    return notes, id_like, collapsed


def check_keep(keep, columns):
    """Raise unless every column of `keep` is a feature column."""
    unknown = [c for c in keep if c not in columns]
    if unknown:
        shown = listing(columns)
        raise ReportInputError(
            lambda spell: (
                f"{spell('keep')} names unknown column {unknown[0]!r}; feature "
                f"columns are: {shown}"
            ),
            parameter="keep",
        )


def without_id_like(X, categorical, numeric, keep):
    """The column checks: notes, `X` and the kinds without the ID-like columns."""
    notes, id_like, collapsed = column_checks(X, categorical, keep)
    if id_like and len(id_like) == X.shape[1]:
        shown = listing(id_like)
        raise ReportInputError(
            lambda spell: (
                f"every feature column looks like an identifier ({shown}); name "
                f"the ones to use in {spell('keep')}"
            ),
            parameter="keep",
        )
    X = X.drop(columns=id_like)
    categorical = [c for c in categorical if c not in id_like]
    numeric = [c for c in numeric if c not in id_like]
    return X, categorical, numeric, notes, id_like, collapsed
