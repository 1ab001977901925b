"""Baselines and targets of Integrated Gradients, resolved to arrays.

A baseline is the reference input ``u`` the attributions are measured from. The
all-zero encoded input is the paper's choice, but on one-hot encoded data it is
an input no row resembles: every category column is "off", so a near-constant
category gets a large attribution only for differing from an impossible
reference. The statistics ``"mean"`` and ``"median"`` are taken over rows of
inputs in the space the model sees (after a Pipeline's preprocessing), so that
the reference is a typical row instead.
"""

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import StrOptions, validate_params

from skadv.utils._dask import is_dask_array
from skadv.utils._resolve import as_numpy_array, resolve_model
from skadv.utils._validation import class_indices

#: The baselines given by name: the origin, or a statistic of the rows of X.
BASELINE_STRATEGIES = ("zero", "mean", "median")


def _sparse_median(X):
    """Column medians of a sparse matrix, counting its implicit zeros."""
    X = sp.csc_array(X)
    n = X.shape[0]
    medians = np.empty(X.shape[1])
    for j in range(X.shape[1]):
        stored = X.data[X.indptr[j] : X.indptr[j + 1]]
        # The implicit zeros are values of the column like any other.
        values = np.concatenate([stored, np.zeros(n - len(stored))])
        medians[j] = np.median(values)
    return medians


def row_statistic(X, strategy):
    """The baseline named ``strategy`` of the rows of a flat float64 ``X``.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, d)
        Inputs in the space the model sees.
    strategy : {"zero", "mean", "median"}
        The statistic, taken column by column.

    Returns
    -------
    baseline : ndarray of shape (d,)

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.inspection._baselines import row_statistic
    >>> row_statistic(np.array([[0.0, 1.0], [2.0, 5.0], [4.0, 6.0]]), "median")
    array([2., 5.])
    """
    if strategy not in BASELINE_STRATEGIES:
        raise ValueError(
            f"baselines given by name must be one of {list(BASELINE_STRATEGIES)}; "
            f"got {strategy!r}."
        )
    if strategy == "zero":
        return np.zeros(X.shape[1])
    if X.shape[0] == 0:
        raise ValueError(f"baselines={strategy!r} needs at least one row of X.")
    if strategy == "mean":
        return np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
    if sp.issparse(X):
        return _sparse_median(X)
    return np.median(X, axis=0)


def resolve_baselines(baselines, X, sample_shape):
    """Baselines as a float64 array of X's shape (n, d), checked.

    Parameters
    ----------
    baselines : None, str, float or array-like
        As accepted by :func:`~skadv.inspection.integrated_gradients`.
    X : ndarray or sparse matrix of shape (n, d)
        The flat inputs the model sees; statistics are taken over its rows.
    sample_shape : tuple of int
        Shape of one sample as given (``(d,)`` except for a torch module).

    Returns
    -------
    U : ndarray of shape (n, d)
        A read-only broadcast view when one baseline is shared by all rows.

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.inspection._baselines import resolve_baselines
    >>> resolve_baselines("mean", np.array([[0.0, 2.0], [2.0, 4.0]]), (2,)).tolist()
    [[1.0, 3.0], [1.0, 3.0]]
    """
    n, d = X.shape
    if baselines is None:
        return np.zeros((n, d))
    if isinstance(baselines, str):
        return np.broadcast_to(row_statistic(X, baselines), (n, d))
    # A dict or a set has a length and passes as array-like, but holds no
    # ordered values a baseline could be read from.
    if isinstance(baselines, (Mapping, AbstractSet, bytes)):
        raise TypeError(
            "baselines must be None, one of 'zero', 'mean', 'median', a real "
            f"number or an array of real numbers; got a {type(baselines).__name__}."
        )
    U = np.asarray(as_numpy_array(baselines))
    if U.dtype.kind not in "biufO":
        raise TypeError(
            f"baselines must hold real numbers; got an array of dtype {U.dtype}."
        )
    try:
        U = U.astype(np.float64)
    except OverflowError as exc:
        raise ValueError(f"baselines must be finite floats: {exc}.") from exc
    except (TypeError, ValueError) as exc:
        raise TypeError(f"baselines must hold real numbers: {exc}") from exc
    if U.ndim == 0:
        U = np.full((n, d), float(U))
    elif U.shape in (tuple(sample_shape), (1,) + tuple(sample_shape)):
        U = np.broadcast_to(U.reshape(1, d), X.shape)
    elif U.shape == (n,) + tuple(sample_shape):
        U = U.reshape(n, d)
    else:
        raise ValueError(
            "baselines must be None, a scalar, one of 'zero', 'mean', 'median', "
            f"one sample of shape {tuple(sample_shape)} or one per sample of shape "
            f"{(n,) + tuple(sample_shape)}; got shape {U.shape}."
        )
    if not np.all(np.isfinite(U)):
        raise ValueError("baselines must be finite.")
    return U


@validate_params(
    {
        "estimator": "no_validation",
        "X": ["array-like", "sparse matrix"],
        "strategy": [StrOptions(set(BASELINE_STRATEGIES))],
    },
    prefer_skip_nested_validation=True,
)
def baseline_from(estimator, X, strategy="mean"):
    """A baseline row for Integrated Gradients: a statistic of the model's inputs.

    The statistic is taken column by column over the rows of ``X`` after a
    Pipeline's preprocessing, in the space where attributions are computed.
    Passing the training data fixes the reference once, so that test rows are
    explained against the training mean rather than against their own::

        integrated_gradients(pipe, X_test, baselines=baseline_from(pipe, X_train))

    ``baselines="mean"`` in :func:`integrated_gradients` instead takes the mean
    of the explained rows themselves.

    Parameters
    ----------
    estimator : estimator, Pipeline or torch.nn.Module
        A fitted model accepted by :func:`integrated_gradients`.
    X : array-like, sparse matrix or dask array of shape (n_samples, n_features)
        Rows in the raw space of ``estimator`` (before a Pipeline's encoders),
        typically the training data. Sparse inputs stay sparse; a dask array
        is reduced block by block (``"median"`` is refused for it).
    strategy : {"mean", "median", "zero"}, default="mean"
        The column statistic; ``"zero"`` gives the origin (the default baseline
        of :func:`integrated_gradients`).

    Returns
    -------
    baseline : ndarray of shape (d,)
        One row in the space the model sees (for a torch module taking samples
        of several dimensions, of shape ``X.shape[1:]``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import OneHotEncoder
    >>> from skadv.inspection import baseline_from
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> X = np.array([["a"], ["a"], ["a"], ["b"]])
    >>> pipe = make_pipeline(OneHotEncoder(), AdversarialLogisticRegression())
    >>> baseline_from(pipe.fit(X, [0, 0, 1, 1]), X).tolist()
    [0.75, 0.25]
    """
    if is_dask_array(X):
        from skadv.inspection._dask_ig import row_statistic_of
        from skadv.utils._dask_models import split_dask_model

        # One pass over the blocks; the rows are never gathered in memory.
        return row_statistic_of(split_dask_model(estimator, X)[1], strategy)
    resolved = resolve_model(estimator, X)
    return row_statistic(resolved.X, strategy).reshape(resolved.sample_shape)


def _target_range_error(n_classes, low, high):
    return ValueError(
        f"target must lie in [0, {n_classes - 1}] (the model has {n_classes} "
        f"classes); got values in [{low}, {high}]."
    )


def _checked_target(resolved, target):
    n = resolved.X.shape[0]
    # An int beyond int64 would become an object array, reported as a wrong
    # type rather than as the out-of-range index it is.
    if isinstance(target, Integral) and not 0 <= target < resolved.n_classes:
        raise _target_range_error(resolved.n_classes, target, target)
    idx = np.asarray(target)
    if idx.ndim == 0:
        idx = np.full(n, idx)
    if idx.shape != (n,):
        raise ValueError(
            f"target must be an int or hold one int per sample ({n}); got "
            f"shape {idx.shape}."
        )
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(
            "target holds class indices (positions in classes_, or output "
            f"columns of a torch module) and must be integer; got {idx.dtype}."
        )
    if np.any((idx < 0) | (idx >= resolved.n_classes)):
        raise _target_range_error(resolved.n_classes, idx.min(), idx.max())
    return idx.astype(np.intp)


def resolve_target(resolved, y, target):
    """Class index of the attributed output of every row.

    Parameters
    ----------
    resolved : ResolvedModel
        The model, from :func:`~skadv.utils._resolve.resolve_model`.
    y : array-like of shape (n,) or None
        True labels (output indices for a torch module).
    target : int, array-like of shape (n,) or None
        Explicit class indices; they take precedence over ``y``.

    Returns
    -------
    target : ndarray of intp and shape (n,)
        ``target`` checked, else the class of ``y``, else the predicted class.
    """
    n = resolved.X.shape[0]
    if target is not None:
        return _checked_target(resolved, target)
    if y is None:
        return np.asarray(resolved.predict(), dtype=np.intp)
    y = np.asarray(as_numpy_array(y))
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"y must have shape ({n},); got {y.shape}.")
    if resolved.classes is None:
        if not np.issubdtype(y.dtype, np.integer) or np.any(
            (y < 0) | (y >= resolved.n_classes)
        ):
            raise ValueError(
                "For a torch module y must hold output indices in "
                f"[0, {resolved.n_classes - 1}]."
            )
        return y.astype(np.intp)
    # Missing labels, labels of another type than classes_ and labels it does
    # not hold are refused: there is no class to attribute.
    return class_indices(y, resolved.classes, unknown="raise")
