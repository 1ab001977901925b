"""The preprocessing every model of a report shares.

Categorical columns are one-hot encoded, "missing" being a category of its
own; numeric columns are standardised, median-imputed when they have gaps.
The natural, L1 and adversarial models all see the same encoded columns, so
their weights and attributions compare column by column.
"""

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

MISSING_CATEGORY = "(missing)"

_IS_NONE = np.frompyfunc(lambda value: value is None, 1, 1)


def _none_as_nan(X):
    """Copy of X with None cells as NaN: SimpleImputer sees only NaN as missing.

    An object column keeps None where pandas before 3.0 (and any explicit
    ``dtype=object``) stores a gap, which would otherwise become a category.
    """
    X = np.array(X, dtype=object)
    X[_IS_NONE(X).astype(bool)] = np.nan
    return X


def make_preprocessor(categorical, numeric, *, impute_numeric=False):
    """ColumnTransformer that one-hot encodes and standardises.

    Parameters
    ----------
    categorical, numeric : list of str
        Column names of each kind.
    impute_numeric : bool, default=False
        Fill gaps in numeric columns with the training median first.

    Returns
    -------
    preprocessor : ColumnTransformer
        Unfitted; its output columns are the categoricals' one-hot columns
        followed by the numeric columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from skadv._report import make_preprocessor
    >>> frame = pd.DataFrame({"c": ["a", None, "b"], "x": [1.0, 2.0, 3.0]})
    >>> pre = make_preprocessor(["c"], ["x"]).fit(frame)
    >>> list(pre.get_feature_names_out())
    ['c_(missing)', 'c_a', 'c_b', 'x']
    """
    transformers = []
    if categorical:
        encode = Pipeline(
            [
                (
                    "none_as_nan",
                    FunctionTransformer(_none_as_nan, feature_names_out="one-to-one"),
                ),
                (
                    "impute",
                    SimpleImputer(strategy="constant", fill_value=MISSING_CATEGORY),
                ),
                (
                    "onehot",
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
            ]
        )
        transformers.append(("cat", encode, list(categorical)))
    if numeric:
        steps = [("scale", StandardScaler())]
        if impute_numeric:
            steps.insert(
                0,
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            )
        transformers.append(("num", Pipeline(steps), list(numeric)))
    return ColumnTransformer(transformers, verbose_feature_names_out=False)
