"""Which original feature each encoded column comes from.

Feature impact sums attributions of encoded columns back onto the original
features. The map is read from fitted preprocessing steps: a OneHotEncoder spreads
one feature over a block of columns (fewer with ``drop`` and with infrequent
categories merged), a ColumnTransformer routes column subsets through its
transformers, a Pipeline composes its steps, and one-to-one transformers (scalers,
imputers, passthrough) keep each column's identity, recognised through
``get_feature_names_out``. Anything else needs an explicit mapping.
"""

from numbers import Integral

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from skadv.utils._resolve import unwrap_model
from skadv.utils._validation import default_feature_names, encoded_feature_names


def _one_hot_parents(encoder):
    counts = []
    infrequent = getattr(encoder, "infrequent_categories_", None)
    for i, cats in enumerate(encoder.categories_):
        count = len(cats)
        if encoder.drop_idx_ is not None and encoder.drop_idx_[i] is not None:
            count -= 1
        if infrequent is not None and infrequent[i] is not None:
            count -= len(infrequent[i]) - 1
        counts.append(count)
    parents = np.repeat(np.arange(len(counts)), counts)
    if len(parents) != len(encoder.get_feature_names_out()):
        raise ValueError(
            "Could not match the columns of the OneHotEncoder to its input "
            "features; pass the grouping explicitly with groups=."
        )
    return parents


def _column_transformer_parents(ct, n_in):
    parents = np.full(sum(s.stop - s.start for s in ct.output_indices_.values()), -1)
    input_indices = getattr(ct, "_transformer_to_input_indices", None)
    if input_indices is None:
        raise ValueError(
            "This ColumnTransformer does not expose its column routing; pass the "
            "grouping explicitly with groups=."
        )
    for name, trans, _ in ct.transformers_:
        out = ct.output_indices_[name]
        if out.stop == out.start:
            continue
        inputs = np.asarray(input_indices[name], dtype=np.intp)
        parents[out] = inputs[column_parents(trans, len(inputs))]
    return parents


def _pipeline_parents(pipe, n_in):
    parents = np.arange(n_in)
    for _, step in pipe.steps:
        parents = parents[column_parents(step, len(parents))]
    return parents


def _parents_by_name(trans, n_in):
    names_in = getattr(trans, "feature_names_in_", None)
    if names_in is None:
        names_in = default_feature_names(n_in)
    names_out = encoded_feature_names(trans)
    lookup = {name: i for i, name in enumerate(np.asarray(names_in).tolist())}
    if names_out is None or any(name not in lookup for name in names_out):
        raise ValueError(
            f"Cannot tell which input features the columns of {type(trans).__name__} "
            "come from (only OneHotEncoder, ColumnTransformer, Pipeline and "
            "one-to-one transformers are read); pass the grouping explicitly with "
            "groups=."
        )
    return np.asarray([lookup[name] for name in names_out], dtype=np.intp)


def column_parents(transformer, n_in):
    """Index of the input feature behind each output column of a fitted transformer.

    Parameters
    ----------
    transformer : transformer, "passthrough", "drop" or None
        A fitted transformer, or a ColumnTransformer / Pipeline step placeholder.
    n_in : int
        Number of input features of ``transformer``.

    Returns
    -------
    parents : ndarray of shape (n_out,)
        ``parents[j]`` is the input column that output column ``j`` encodes.

    Raises
    ------
    ValueError
        When an output column cannot be traced to exactly one input feature.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import OneHotEncoder
    >>> from skadv.inspection._grouping import column_parents
    >>> enc = OneHotEncoder().fit([["a", "x"], ["b", "y"], ["c", "y"]])
    >>> column_parents(enc, 2).tolist()
    [0, 0, 0, 1, 1]
    """
    if transformer is None or (
        isinstance(transformer, str) and transformer == "passthrough"
    ):
        return np.arange(n_in)
    if isinstance(transformer, str) and transformer == "drop":
        return np.zeros(0, dtype=np.intp)
    if isinstance(transformer, Pipeline):
        return _pipeline_parents(transformer, n_in)
    if isinstance(transformer, ColumnTransformer):
        return _column_transformer_parents(transformer, n_in)
    if isinstance(transformer, OneHotEncoder):
        return _one_hot_parents(transformer)
    return _parents_by_name(transformer, n_in)


def groups_from_mapping(groups, encoded_names):
    """Parent group of each encoded column from an explicit mapping.

    Parameters
    ----------
    groups : dict
        Original feature name -> list of encoded columns (names or indices).
        Columns that no group names stand alone, under their own name.
    encoded_names : ndarray of str
        Names of the encoded columns.

    Returns
    -------
    parents : ndarray of shape (n_encoded,)
        Group index of each encoded column.
    group_names : ndarray of object
        Name of each group.

    Examples
    --------
    >>> from skadv.inspection._grouping import groups_from_mapping
    >>> parents, names = groups_from_mapping(
    ...     {"color": ["color_red", "color_blue"]}, ["color_red", "color_blue", "size"])
    >>> parents.tolist(), names.tolist()
    ([0, 0, 1], ['color', 'size'])
    """
    encoded_names = [str(name) for name in encoded_names]
    lookup = {name: i for i, name in enumerate(encoded_names)}
    parents = np.full(len(encoded_names), -1, dtype=np.intp)
    names = []
    for group, columns in groups.items():
        if isinstance(columns, (str, Integral)):
            columns = [columns]
        for column in columns:
            if isinstance(column, (Integral, np.integer)) and not isinstance(
                column, bool
            ):
                index = int(column)
                if not 0 <= index < len(encoded_names):
                    raise ValueError(
                        f"groups[{group!r}] names column {index}, but there are "
                        f"only {len(encoded_names)} encoded columns."
                    )
            elif column in lookup:
                index = lookup[column]
            else:
                raise ValueError(
                    f"groups[{group!r}] names an unknown encoded column {column!r}; "
                    f"known columns start with {encoded_names[:5]}."
                )
            if parents[index] != -1:
                raise ValueError(
                    f"Encoded column {encoded_names[index]!r} is in two groups."
                )
            parents[index] = len(names)
        names.append(str(group))
    for index in np.flatnonzero(parents == -1):
        parents[index] = len(names)
        names.append(encoded_names[index])
    return parents, np.asarray(names, dtype=object)


def model_grouping(model, n_encoded, groups=None):
    """Encoded column names, their original features and those features' names.

    Parameters
    ----------
    model : estimator, Pipeline or torch.nn.Module
        The fitted model whose inputs are grouped;
        :class:`~sklearn.frozen.FrozenEstimator` and fitted searches are looked
        through.
    n_encoded : int
        Number of columns the final estimator sees.
    groups : dict, default=None
        Explicit grouping: original feature name -> list of encoded columns
        (names or indices); unlisted columns stand alone. None reads it from a
        Pipeline's fitted preprocessing (each column on its own otherwise).

    Returns
    -------
    encoded_names : ndarray of object of shape (n_encoded,)
        Names of the encoded columns (``x0, x1, ...`` when unknown).
    parents : ndarray of intp of shape (n_encoded,)
        Index into ``feature_names`` of the feature behind each column.
    feature_names : ndarray of object
        Names of the original features (of the groups for ``groups``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import OneHotEncoder
    >>> from skadv.inspection._grouping import model_grouping
    >>> X = np.array([["a", "x"], ["b", "y"], ["c", "y"]])
    >>> pipe = make_pipeline(OneHotEncoder(), LogisticRegression()).fit(X, [0, 1, 1])
    >>> encoded, parents, names = model_grouping(pipe, 5)
    >>> encoded.tolist(), parents.tolist(), names.tolist()
    (['x0_a', 'x0_b', 'x0_c', 'x1_x', 'x1_y'], [0, 0, 0, 1, 1], ['x0', 'x1'])
    """
    model = unwrap_model(model)
    has_head = isinstance(model, Pipeline) and len(model) > 1
    head_names = getattr(model, "feature_names_in_", None) if has_head else None
    if has_head:
        encoded = encoded_feature_names(model[:-1])
    else:
        # The model, or the one step of a Pipeline, sees the raw inputs.
        encoded = getattr(model, "feature_names_in_", None)
    if encoded is None or len(encoded) != n_encoded:
        encoded = default_feature_names(n_encoded)
    encoded = np.asarray(encoded, dtype=object)
    if groups is not None:
        parents, names = groups_from_mapping(groups, encoded)
    elif has_head:
        n_in = model.n_features_in_
        parents = column_parents(model[:-1], n_in)
        names = head_names if head_names is not None else default_feature_names(n_in)
    else:
        parents, names = np.arange(n_encoded), encoded
    return encoded, np.asarray(parents, dtype=np.intp), np.asarray(names, object)
