"""Fitted models applied to dask arrays block by block: predictions and inputs.

A fitted model acts on each row on its own, so its predictions (and a fitted
Pipeline's preprocessing) for a block of rows are that block of the result.
Everything here builds lazy dask arrays of such block results; nothing is
gathered in memory.
"""

import numpy as np
from sklearn.pipeline import Pipeline

from skadv.utils._dask import (
    _unknown,
    is_dask_array,
    is_dask_collection,
    map_rows,
    row_blocks,
)

#: The prediction methods of a classifier that :func:`lazy_prediction` maps.
PREDICTION_METHODS = (
    "decision_function",
    "predict",
    "predict_log_proba",
    "predict_proba",
)


class _PredictBlock:
    """One prediction method of a fitted estimator, applied to a block (picklable)."""

    def __init__(self, estimator, method):
        self.estimator = estimator
        self.method = method

    def __call__(self, block):
        return getattr(self.estimator, self.method)(block)


def lazy_prediction(estimator, method, X):
    """A classifier's prediction on a dask array, as a dask array.

    Every block of rows is predicted in memory by the estimator's own method,
    so the lazy result equals the in-memory one row for row.

    Parameters
    ----------
    estimator : classifier
        Fitted, with ``classes_`` and ``n_features_in_``; binary decision
        values are one column (raveled), as for scikit-learn's classifiers.
    method : {"decision_function", "predict", "predict_log_proba", \
"predict_proba"}
        The method to map; it must accept a block of ``X`` as stored (an
        ndarray, or a scipy.sparse matrix for CSR chunks).
    X : dask.array.Array of shape (n_samples, n_features)
        Inputs; chunks along the columns are merged, unknown row chunk sizes
        are fine.

    Returns
    -------
    result : dask.array.Array
        Of shape ``(n_samples,)`` (labels, or binary decision values) or
        ``(n_samples, n_classes)``, with the row chunks of ``X``.

    Raises
    ------
    ValueError
        When ``X`` is not 2-d or has another number of features than seen in
        ``fit``.
    NotFittedError
        When the estimator is not fitted.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadv.utils._dask_models import lazy_prediction
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> lazy = lazy_prediction(clf, "predict", da.from_array(X, chunks=2))
    >>> lazy.chunks, lazy.compute().tolist()
    (((2, 2),), [0, 0, 1, 1])
    """
    from sklearn.utils.validation import check_is_fitted

    if method not in PREDICTION_METHODS:
        raise ValueError(
            f"method must be one of {list(PREDICTION_METHODS)}; got {method!r}."
        )
    check_is_fitted(estimator)
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2D dask array of shape (n_samples, n_features), got a "
            f"{X.ndim}D one."
        )
    X = row_blocks(X)
    expected = getattr(estimator, "n_features_in_", None)
    if expected is not None and X.shape[1] != expected:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} is "
            f"expecting {expected} features as input."
        )
    classes = np.asarray(estimator.classes_)
    n_classes = len(classes)
    if method == "predict":
        n_out, dtype = None, classes.dtype
    elif method == "decision_function":
        n_out, dtype = (None if n_classes == 2 else n_classes), np.float64
    else:
        n_out, dtype = n_classes, np.float64
    return map_rows(_PredictBlock(estimator, method), X, n_out, dtype)


def _as_row_blocks(X_final, X):
    """The inputs a final estimator sees as a dask array in blocks of rows."""
    import dask.array as da
    import scipy.sparse as sp

    if is_dask_array(X_final):
        return row_blocks(X_final)
    if is_dask_collection(X_final):
        raise TypeError(
            "The inputs the model sees must be a dask array; got a "
            f"{type(X_final).__name__}. Convert a dask DataFrame with "
            "df.to_dask_array(lengths=True)."
        )
    # A preprocessing step that does not keep dask arrays (a scikit-learn
    # transformer) has computed its output in memory; it is split like X.
    if hasattr(X_final, "iloc"):
        X_final = X_final.to_numpy()
    sparse = sp.issparse(X_final)
    X_final = sp.csr_matrix(X_final) if sparse else np.asarray(X_final)
    rows = X.chunks[0] if is_dask_array(X) else "auto"
    if rows == "auto" or _unknown(rows):
        rows = "auto"
    chunks = (rows,) + tuple(-1 for _ in X_final.shape[1:])
    return da.from_array(X_final, chunks=chunks, asarray=not sparse)


class _BlockTransform:
    """Picklable task: a fitted preprocessing applied to one block of rows."""

    def __init__(self, head):
        self.head = head

    def __call__(self, block):
        return self.head.transform(block)


def _transformed_blocks(head, X):
    """``head.transform`` of a dask array, block by block, lazily.

    A fitted preprocessing transforms each row on its own, so its output for
    a block of rows is that block of its output: nothing is gathered in
    memory, and the blocks stay where they are. The width and the kind of the
    output (dense or sparse) are read from the transform of the first row.
    """
    import scipy.sparse as sp

    if not is_dask_array(X):
        # In memory already (an earlier step computed it): transform as is.
        return head.transform(X)
    X = row_blocks(X)
    probe = head.transform(X[:1].compute())
    if hasattr(probe, "iloc"):
        raise TypeError(
            "A preprocessing step that outputs DataFrames cannot run on the "
            "blocks of a dask array; set its output to the default "
            "(set_output(transform='default'))."
        )
    sparse = sp.issparse(probe)
    meta = sp.csr_matrix((0, probe.shape[1])) if sparse else np.asarray(probe)[:0]
    return X.map_blocks(
        _BlockTransform(head),
        dtype=probe.dtype,
        chunks=(X.chunks[0], (probe.shape[1],)),
        meta=meta,
    )


def split_dask_model(estimator, X):
    """The final estimator of a model and the dask array of inputs it sees.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted model; :class:`~sklearn.frozen.FrozenEstimator` wrappers,
        fitted searches and nested Pipelines are looked through.
    X : dask collection of shape (n_samples, n_features)
        Inputs in the raw space of ``estimator``.

    Returns
    -------
    final : estimator
        The last step, unwrapped.
    X_final : dask.array.Array of shape (n_samples, n_encoded)
        ``X`` through every preprocessing step, in blocks of rows: the
        fitted preprocessing runs lazily on each block where it lives (a
        transform acts on each row on its own), so the blocks flow into the
        final estimator one by one and are never gathered in memory.

    Raises
    ------
    ValueError
        When the inputs of the final estimator are not 2-d.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from skadv.utils._dask_models import split_dask_model
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> pipe = make_pipeline(FunctionTransformer(np.negative), LogisticRegression())
    >>> final, Xt = split_dask_model(pipe.fit(X, [0, 0, 1, 1]), da.from_array(X, 2))
    >>> type(final).__name__, Xt.chunks
    ('LogisticRegression', ((2, 2), (1,)))
    """
    from skadv.utils._resolve import unwrap_model

    model = unwrap_model(estimator)
    X_final = X
    while isinstance(model, Pipeline):
        if len(model) > 1:
            X_final = _transformed_blocks(model[:-1], X_final)
        model = unwrap_model(model.steps[-1][1])
    final = model
    X_final = _as_row_blocks(X_final, X)
    if X_final.ndim != 2:
        raise ValueError(
            "Expected the inputs of the model to be 2-d, of shape (n_samples, "
            f"n_features); got {X_final.ndim} dimensions."
        )
    return final, X_final
