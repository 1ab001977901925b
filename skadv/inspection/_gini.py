"""The Gini index of attribution vectors, a measure of their concentration."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params


@validate_params(
    {
        "a": ["array-like"],
        "axis": [Integral],
        "offset": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def gini_index(a, *, axis=-1, offset=0.0):
    """Gini index of ``|a|`` along an axis (Hurley and Rickard, 2009).

    With ``v = |a|`` sorted in non-decreasing order ``v_(1) <= ... <= v_(d)``,

    .. math::

        G(v) = 1 - 2 \\sum_{k=1}^{d} \\frac{v_{(k)}}{\\lVert v \\rVert_1}
        \\, \\frac{d - k + 1/2}{d},

    formula (I.67) of Chalasani et al. (2020). Equivalently, ``G`` is twice the
    area between the diagonal and the Lorenz curve through the points
    ``(k / d, sum_{i <= k} v_(i) / ||v||_1)`` joined by straight segments, that is
    ``1 - 2 * (area under that curve)``.

    ``G`` lies in ``[0, 1 - 1/d]``: 0 when all entries are equal, ``1 - 1/d`` when
    a single entry is non-zero. It is invariant to scaling and to permutations of
    the entries, and larger values mean more concentrated (sparser) vectors.
    Each vector is divided by its largest entry before the sums are taken, so
    the result is accurate over the whole float64 range, from subnormal entries
    to entries near the largest float.

    The all-zero vector is defined to have ``G = 0``: it holds no mass at all, so
    nothing is concentrated, and 0 is also the limit along ``t * ones(d)`` as
    ``t -> 0``.

    Parameters
    ----------
    a : array-like of shape (..., d, ...)
        Attributions; their absolute values are used. Must be finite.
    axis : int, default=-1
        Axis holding the ``d`` entries of each vector.
    offset : float, default=0.0
        Non-negative constant added to every ``|a_i|`` before the index is
        taken. The official code of Chalasani et al. (2020) adds ``1e-7``
        (``One-layer-Experiments/advtrain/model_metrics.py`` and
        ``DNN-Experiments/MNIST/utils.py``, function ``gini``), which makes
        the index depend on the scale of the attributions: entries far below
        the offset count as ``offset``, so a vector with a few large entries
        and many tiny ones scores much lower than without it. The all-zero
        vector then has ``G = 0`` like any constant vector.

    Returns
    -------
    gini : float or ndarray
        A float for 1-d input, else an array with ``axis`` removed.

    Examples
    --------
    >>> from skadv.inspection import gini_index
    >>> gini_index([1.0, 1.0, 1.0, 1.0])
    0.0
    >>> gini_index([0.0, 0.0, -3.0, 0.0])
    0.75
    >>> gini_index([[1.0, 2.0], [0.0, 0.0]]).tolist()
    [0.16666666666666663, 0.0]
    >>> gini_index([1e-6, 0.0, 0.0, 0.0])
    0.75
    >>> round(gini_index([1e-6, 0.0, 0.0, 0.0], offset=1e-7), 4)
    0.5357
    """
    v = np.asarray(a)
    if v.dtype == object or not (np.issubdtype(v.dtype, np.number) or v.dtype == bool):
        raise TypeError(f"a must hold real numbers; got dtype {v.dtype}.")
    if np.iscomplexobj(v):
        raise TypeError("a must hold real numbers, not complex ones.")
    if v.ndim == 0:
        raise ValueError("a must have at least one dimension.")
    if not -v.ndim <= axis < v.ndim:
        raise ValueError(
            f"axis {axis} is out of bounds for an array of dimension {v.ndim}."
        )
    v = np.moveaxis(np.abs(v.astype(np.float64, copy=False)), axis, -1)
    d = v.shape[-1]
    if d == 0:
        raise ValueError("The Gini index needs at least one entry along axis.")
    if not np.all(np.isfinite(v)):
        raise ValueError("a must be finite (no NaN or infinity).")
    if offset:
        v = v + float(offset)
    # G is scale invariant, so dividing each vector by its largest entry changes
    # nothing but the range: the sum can no longer overflow (entries near 1e308)
    # and the weighted sum can no longer underflow (subnormal entries).
    peak = v.max(axis=-1, keepdims=True)
    v = np.sort(v / np.where(peak > 0, peak, 1.0), axis=-1)
    total = v.sum(axis=-1)
    k = np.arange(1, d + 1, dtype=np.float64)
    weighted = v @ ((d - k + 0.5) / d)
    safe = np.where(total > 0, total, 1.0)
    # Rounding can push equal entries a hair below 0, outside the index's range.
    gini = np.where(total > 0, np.maximum(1.0 - 2.0 * weighted / safe, 0.0), 0.0)
    return float(gini) if gini.ndim == 0 else gini


@validate_params(
    {"attributions": ["array-like"], "groups": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def feature_gini(attributions, groups):
    """Gini index over original features of each row's attributions.

    The absolute attributions of the encoded columns of each original feature
    are summed, and :func:`gini_index` is taken over those per-feature sums:
    the concentration of an explanation over the features a user knows, not
    over their one-hot columns. Features with no encoded column (dropped by
    the preprocessing) take no part.

    Parameters
    ----------
    attributions : array-like of shape (n_samples, n_encoded)
        Attributions in the encoded space, e.g. from
        :func:`integrated_gradients`. Must be finite real numbers.
    groups : array-like of int of shape (n_encoded,)
        Index of the original feature of each encoded column, such as
        ``FeatureImpactTransformer.groups_``.

    Returns
    -------
    gini : ndarray of shape (n_samples,)
        The feature-level Gini index of each row, in ``[0, 1 - 1/n_features]``.

    See Also
    --------
    gini_index : The Gini index of one vector.

    Examples
    --------
    >>> from skadv.inspection import feature_gini
    >>> attr = [[1.0, -1.0, 0.0], [0.5, 0.0, 0.5]]
    >>> feature_gini(attr, [0, 0, 1]).tolist()
    [0.5, 0.0]
    """
    attr = np.asarray(attributions)
    if attr.dtype == object or not (
        np.issubdtype(attr.dtype, np.number) or attr.dtype == bool
    ):
        raise TypeError(f"attributions must hold real numbers; got dtype {attr.dtype}.")
    if np.iscomplexobj(attr):
        raise TypeError("attributions must hold real numbers, not complex ones.")
    if attr.ndim != 2 or attr.shape[1] == 0:
        raise ValueError(
            "attributions must have shape (n_samples, n_encoded) with at least one "
            f"column; got {attr.shape}."
        )
    parents = np.asarray(groups)
    if parents.shape != (attr.shape[1],) or not np.issubdtype(
        parents.dtype, np.integer
    ):
        raise ValueError(
            f"groups must hold one integer per encoded column ({attr.shape[1]}); "
            f"got shape {parents.shape} and dtype {parents.dtype}."
        )
    if parents.min() < 0:
        raise ValueError("groups must hold non-negative feature indices.")
    if not np.all(np.isfinite(attr)):
        raise ValueError("attributions must be finite (no NaN or infinity).")
    # Only features that own a column count: renumber them 0, 1, ...
    _, compact = np.unique(parents, return_inverse=True)
    sums = np.zeros((attr.shape[0], compact.max() + 1))
    np.add.at(sums.T, compact, np.abs(attr.astype(np.float64)).T)
    return np.asarray(gini_index(sums, axis=1), dtype=np.float64).reshape(-1)
