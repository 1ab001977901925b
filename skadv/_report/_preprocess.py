"""The preprocessing every model of a report shares.

Categorical columns are one-hot encoded, "missing" being a category of its
own; numeric columns are standardised, median-imputed when they have gaps.
A column with very many categories is *collapsed*: its most frequent values
keep a column each and the rest share one. The natural, L1 and adversarial
models all see the same encoded columns, so their weights and attributions
compare column by column.
"""

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

MISSING_CATEGORY = "(missing)"

#: Most one-hot columns of a collapsed categorical column, the one shared by
#: its infrequent values included.
MAX_CATEGORIES = 30

#: Name of the encoded column shared by a collapsed column's infrequent values
#: (after the ``column_`` prefix, as ``(missing)``).
INFREQUENT_CATEGORY = "(infrequent)"

# What OneHotEncoder calls the shared column of infrequent categories.
_SKLEARN_INFREQUENT = "infrequent_sklearn"

_IS_NONE = np.frompyfunc(lambda value: value is None, 1, 1)


def _none_as_nan(X):
    """Copy of X with None cells as NaN: SimpleImputer sees only NaN as missing.

    An object column keeps None where pandas before 3.0 (and any explicit
    ``dtype=object``) stores a gap, which would otherwise become a category.
    """
    X = np.array(X, dtype=object)
    X[_IS_NONE(X).astype(bool)] = np.nan
    return X


def _collapsed_name(feature, category):
    """Encoded column name; the shared column of infrequent values reads as such."""
    category = INFREQUENT_CATEGORY if category == _SKLEARN_INFREQUENT else category
    return f"{feature}_{category}"


def _encoder(onehot):
    """Missing values as a category of their own, then `onehot`."""
    return Pipeline(
        [
            (
                "none_as_nan",
                FunctionTransformer(_none_as_nan, feature_names_out="one-to-one"),
            ),
            (
                "impute",
                SimpleImputer(strategy="constant", fill_value=MISSING_CATEGORY),
            ),
            ("onehot", onehot),
        ]
    )


def make_preprocessor(categorical, numeric, *, impute_numeric=False, collapse=()):
    """ColumnTransformer that one-hot encodes and standardises.

    Parameters
    ----------
    categorical, numeric : list of str
        Column names of each kind.
    impute_numeric : bool, default=False
        Fill gaps in numeric columns with the training median first.
    collapse : sequence of str, default=()
        Categorical columns with too many values to give each its own column:
        each gets at most :data:`MAX_CATEGORIES` columns, the most frequent
        values one each and the others, with values unseen in training, one
        shared ``(infrequent)`` column. Each must be in `categorical`.

    Returns
    -------
    preprocessor : ColumnTransformer
        Unfitted; its output columns are the categoricals' one-hot columns
        (the collapsed ones last) followed by the numeric columns.

    Raises
    ------
    ValueError
        If a column of `collapse` is not in `categorical`.

    Examples
    --------
    >>> import pandas as pd
    >>> from skadv._report import make_preprocessor
    >>> frame = pd.DataFrame({"c": ["a", None, "b"], "x": [1.0, 2.0, 3.0]})
    >>> pre = make_preprocessor(["c"], ["x"]).fit(frame)
    >>> list(pre.get_feature_names_out())
    ['c_(missing)', 'c_a', 'c_b', 'x']

    A collapsed column keeps its most frequent values and shares one column
    among the others:

    >>> from skadv._report._preprocess import MAX_CATEGORIES
    >>> towns = pd.DataFrame({"town": [f"t{i % 40}" for i in range(200)]})
    >>> pre = make_preprocessor(["town"], [], collapse=["town"]).fit(towns)
    >>> names = pre.get_feature_names_out()
    >>> len(names) == MAX_CATEGORIES, names[-1]
    (True, 'town_(infrequent)')
    """
    collapse = list(collapse)
    stray = [c for c in collapse if c not in categorical]
    if stray:
        raise ValueError(f"collapsed columns {stray} are not categorical")
    plain = [c for c in categorical if c not in collapse]
    transformers = []
    if plain:
        onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
        transformers.append(("cat", _encoder(onehot), plain))
    if collapse:
        onehot = OneHotEncoder(
            handle_unknown="infrequent_if_exist",
            max_categories=MAX_CATEGORIES,
            sparse_output=False,
            feature_name_combiner=_collapsed_name,
        )
        transformers.append(("collapsed", _encoder(onehot), collapse))
    if numeric:
        steps = [("scale", StandardScaler())]
        if impute_numeric:
            steps.insert(
                0,
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            )
        transformers.append(("num", Pipeline(steps), list(numeric)))
    return ColumnTransformer(transformers, verbose_feature_names_out=False)
