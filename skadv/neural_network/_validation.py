"""Checks of :class:`AdversarialMLPClassifier` inputs that need the data's shape.

``_parameter_constraints`` validates types and ranges; what depends on
``n_features`` or on the fitted classes (per-feature budgets, clip bounds, label
sets of later ``fit``/``partial_fit`` calls) is checked here, with numpy only,
so that bad input fails with a clear message before torch sees it.
"""

from numbers import Integral

import numpy as np
from sklearn.utils.multiclass import unique_labels


def validated_budget(epsilon, clip, n_features):
    """Float arrays for ``epsilon`` and the ``clip`` bounds, checked against X.

    Parameters
    ----------
    epsilon : float or array-like of shape (n_features,)
        The l_inf budget.
    clip : None or (low, high)
        Data range; each bound a scalar or an array of shape (n_features,).
    n_features : int
        Number of columns of ``X``.

    Returns
    -------
    epsilon : ndarray of shape () or (n_features,)
        Finite and non-negative.
    clip : None or (ndarray, ndarray)
        Bounds broadcast to shape (n_features,), with ``low < high``.
    """
    epsilon = np.asarray(epsilon, dtype=np.float64)
    if epsilon.ndim not in (0, 1) or (
        epsilon.ndim == 1 and epsilon.shape[0] != n_features
    ):
        raise ValueError(
            "epsilon must be a scalar or an array of shape (n_features,) = "
            f"({n_features},), got shape {epsilon.shape}."
        )
    if not np.all(np.isfinite(epsilon)) or np.any(epsilon < 0):
        raise ValueError("epsilon must be finite and >= 0.")
    if clip is None:
        return epsilon, None
    try:
        low, high = clip
        low = np.asarray(low, dtype=np.float64)
        high = np.asarray(high, dtype=np.float64)
        low, high = np.broadcast_arrays(low, high, np.empty(n_features))[:2]
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "clip must be None or a (low, high) pair of scalars or arrays of "
            f"shape (n_features,) = ({n_features},); got {clip!r}."
        ) from exc
    if np.any(low >= high):
        raise ValueError(f"clip needs low < high for every feature; got {clip!r}.")
    return epsilon, (low.copy(), high.copy())


def checked_hidden_layer_sizes(hidden_layer_sizes):
    """``hidden_layer_sizes`` as a tuple of positive ints.

    Parameters
    ----------
    hidden_layer_sizes : int or array-like of int
        Widths of the hidden layers.

    Returns
    -------
    sizes : tuple of int
    """
    sizes = np.atleast_1d(np.asarray(hidden_layer_sizes))
    if sizes.ndim != 1 or (
        sizes.size
        and (not np.issubdtype(sizes.dtype, np.integer) or np.any(sizes <= 0))
    ):
        raise ValueError(
            "hidden_layer_sizes must be a sequence of positive ints, got "
            f"{hidden_layer_sizes!r}."
        )
    return tuple(int(s) for s in sizes)


def check_restarts(restarts):
    """Reject anything but an int >= 1 for the number of attack restarts."""
    if isinstance(restarts, bool) or not (
        isinstance(restarts, Integral) and restarts >= 1
    ):
        raise ValueError(f"restarts must be an int >= 1, got {restarts!r}.")


def check_known_labels(y, classes, method):
    """Refuse labels of ``y`` outside ``classes``, naming the calling method.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Labels of a later ``fit`` (warm start) or ``partial_fit`` call.
    classes : ndarray of shape (n_classes,)
        The classes the network was built for.
    method : str
        Used in the message.
    """
    unknown = np.setdiff1d(unique_labels(y), classes)
    if unknown.size:
        raise ValueError(
            f"y contains labels not in classes: {unknown!r}; {method} can only "
            f"continue training on the classes of the first call, {classes!r}."
        )


def label_indices(y, classes):
    """Index of each label of ``y`` in the sorted ``classes``, -1 when unknown.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels.
    classes : ndarray of shape (n_classes,)
        Sorted class labels.

    Returns
    -------
    index : ndarray of int of shape (n_samples,)
    """
    y = np.asarray(y)
    index = np.searchsorted(classes, y).clip(0, len(classes) - 1)
    return np.where(classes[index] == y, index, -1)
