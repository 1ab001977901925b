"""Checks of :class:`AdversarialMLPClassifier` inputs that need the data's shape.

``_parameter_constraints`` validates types and ranges; what depends on
``n_features`` or on the fitted classes (per-feature budgets, clip bounds, label
sets of later ``fit``/``partial_fit`` calls) is checked here, with numpy only,
so that bad input fails with a clear message before torch sees it.
"""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.utils.multiclass import unique_labels

from skadv.utils._validation import check_budget


def validated_budget(epsilon, clip, n_features, dtype=np.float32):
    """Float arrays for ``epsilon`` and the ``clip`` bounds, checked against X.

    Parameters
    ----------
    epsilon : float or array-like of shape (n_features,)
        The l_inf budget.
    clip : None or (low, high)
        Data range; each bound a scalar or an array of shape (n_features,),
        ``-inf`` or ``inf`` leaving that side unbounded.
    n_features : int
        Number of columns of ``X``.
    dtype : numpy dtype, default=np.float32
        Dtype the network computes in: the budget must fit in it and the
        range must stay non-empty once rounded to it.

    Returns
    -------
    epsilon : ndarray of shape () or (n_features,)
        Finite and non-negative, as :func:`~skadv.utils._validation.check_budget`
        checks it, and within the range of ``dtype``.
    clip : None or (ndarray, ndarray)
        Bounds broadcast to shape (n_features,), with ``low < high``.
    """
    dtype = np.dtype(dtype)
    limit = np.finfo(dtype).max
    epsilon = check_budget(epsilon, n_features)
    if np.any(epsilon > limit):
        # the attacks would perturb by inf, and inf - inf is NaN
        raise ValueError(
            f"epsilon must lie within the {dtype} range of the network "
            f"(<= {limit:.4g}); got a budget of {np.max(epsilon):.4g}."
        )
    if clip is None:
        return epsilon, None
    try:
        low, high = clip
        low = np.asarray(low, dtype=np.float64)
        high = np.asarray(high, dtype=np.float64)
        low, high = np.broadcast_arrays(low, high, np.empty(n_features))[:2]
        if low.shape != (n_features,):
            raise ValueError("a bound of more than one dimension")
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "clip must be None or a (low, high) pair of scalars or arrays of "
            f"shape (n_features,) = ({n_features},); got {clip!r}."
        ) from exc
    if np.isnan(low).any() or np.isnan(high).any():
        raise ValueError(f"clip bounds must not be NaN; got {clip!r}.")
    # the attacks clamp in the network's dtype, where close or huge bounds merge
    with np.errstate(over="ignore"):
        merged = low.astype(dtype) >= high.astype(dtype)
    if np.any(merged):
        raise ValueError(
            f"clip needs low < high for every feature, also once rounded to "
            f"{dtype}, the dtype of the network; got {clip!r}."
        )
    return epsilon, (low.copy(), high.copy())


def check_float32_range(X, network_dtype):
    """Refuse a float64 ``X`` whose values a float32 network would overflow to inf.

    Parameters
    ----------
    X : ndarray or scipy sparse matrix of shape (n_samples, n_features)
        Validated, finite inputs.
    network_dtype : numpy dtype
        Dtype the network computes in; nothing is checked unless float32.
    """
    if np.dtype(network_dtype) != np.float32 or X.dtype == np.float32:
        return
    values = X.data if sp.issparse(X) else X
    limit = np.finfo(np.float32).max
    if values.size and (values.max() > limit or values.min() < -limit):
        raise ValueError(
            f"X holds values beyond the float32 range (|x| > {limit:.4g}) of a "
            "network trained on float32 data; they would overflow to inf inside "
            "it. Rescale X."
        )


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


def check_two_classes(classes):
    """Refuse fewer than two classes, which leave nothing to classify."""
    if len(classes) < 2:
        found = f"1 class ({classes[0]!r})" if len(classes) else "no class"
        raise ValueError(
            "AdversarialMLPClassifier needs samples of at least 2 classes; "
            f"got {found}."
        )


def partial_fit_classes(y, classes, fitted_classes):
    """The classes of a ``partial_fit`` call, checked against ``y`` and earlier calls.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Labels of this call.
    classes : array-like or None
        The ``classes`` argument; required on the first call.
    fitted_classes : ndarray or None
        ``classes_`` of the earlier calls, None on the first.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
    """
    if fitted_classes is None:
        if classes is None:
            raise ValueError("classes must be passed on the first partial_fit.")
        fitted_classes = unique_labels(classes)
        check_two_classes(fitted_classes)
    elif classes is not None and not np.array_equal(
        fitted_classes, unique_labels(classes)
    ):
        raise ValueError(
            f"classes={classes!r} differs from the classes of the first "
            f"partial_fit call, {fitted_classes!r}."
        )
    check_known_labels(y, fitted_classes, "partial_fit")
    return fitted_classes
