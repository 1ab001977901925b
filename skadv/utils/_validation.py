"""Checks of inputs shared by the estimators, the scores and the explanations.

Every concept checked in more than one place is checked here: class labels
and their positions in ``classes_``, the names of the columns a model sees,
and l_inf budgets. Nothing here imports torch.
"""

import numpy as np
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d

_UNKNOWN_POLICIES = ("raise", "mark")


def checked_labels(y, classes):
    """1-d class labels, refusing missing values and labels of another type.

    Labels of the right type that the model does not know are returned as
    they are: a score counts them as wrong predictions, while an explanation,
    which needs the class to attribute, refuses them (see the ``unknown``
    policies of :func:`class_indices`).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels; a column vector is flattened with a warning.
    classes : ndarray of shape (n_classes,) or None
        The model's ``classes_``, which ``y`` must be comparable with; None
        skips that check.

    Returns
    -------
    y : ndarray of shape (n_samples,)

    Raises
    ------
    ValueError
        When ``y`` is not 1-d, holds missing values (None or NaN), continuous
        values, labels of mixed types, or labels of a type other than that of
        ``classes``.

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.utils._validation import checked_labels
    >>> checked_labels([1, 0, 1], np.array([0, 1]))
    array([1, 0, 1])
    """
    # A column vector of labels would broadcast against the per-sample results.
    y = column_or_1d(y, warn=True)
    try:
        # type_of_target casts float labels to int to see whether they are
        # integral before it reports NaN; the cast's warning would only
        # precede that error.
        with np.errstate(invalid="ignore"):
            target_type = type_of_target(y, input_name="y")
    except TypeError as exc:
        raise ValueError(f"y must hold labels of a single type: {exc}") from exc
    if target_type in ("unknown", "continuous"):
        raise ValueError(
            "y must hold class labels (no missing values, no continuous values); "
            f"got labels of type {target_type!r}."
        )
    if classes is not None:
        try:
            unique_labels(y, classes)
        except ValueError as exc:
            raise ValueError(
                f"y and the classes_ of the estimator are not comparable: {exc}"
            ) from exc
    return y


def class_indices(y, classes, *, unknown="raise"):
    """Position of each label of ``y`` in the sorted ``classes``.

    The labels are first checked by :func:`checked_labels`: missing values,
    continuous values, mixed types and labels of another type than ``classes``
    are refused whatever ``unknown`` says.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels; a column vector is flattened with a warning.
    classes : ndarray of shape (n_classes,)
        Sorted class labels, such as a fitted classifier's ``classes_``.
    unknown : {"raise", "mark"}, default="raise"
        What to do with a label of the right type that is not in ``classes``.
        ``"raise"`` refuses it, as an explanation must, having no class to
        attribute. ``"mark"`` gives it the index -1, so that a score counts the
        sample as a wrong prediction.

    Returns
    -------
    index : ndarray of dtype intp and shape (n_samples,)
        ``classes[index[i]] == y[i]``, or -1 for an unknown label when
        ``unknown="mark"``.

    Raises
    ------
    ValueError
        When ``y`` fails :func:`checked_labels`, or, with ``unknown="raise"``,
        when it holds labels not in ``classes`` (up to 5 of them are named).

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.utils._validation import class_indices
    >>> classes = np.array(["cat", "dog"])
    >>> class_indices(["dog", "cat", "dog"], classes)
    array([1, 0, 1])
    >>> class_indices(["dog", "fox"], classes, unknown="mark")
    array([ 1, -1])
    """
    if not (isinstance(unknown, str) and unknown in _UNKNOWN_POLICIES):
        raise ValueError(
            f"unknown must be one of {_UNKNOWN_POLICIES}, got {unknown!r}."
        )
    classes = np.asarray(classes)
    y = checked_labels(y, classes)
    if classes.shape[0] == 0:
        known = np.zeros(y.shape, dtype=bool)
        index = np.zeros(y.shape, dtype=np.intp)
    else:
        # searchsorted only finds where a label would go; the comparison tells
        # whether it is there.
        index = np.minimum(np.searchsorted(classes, y), classes.shape[0] - 1)
        known = classes[index] == y
    if unknown == "raise" and not np.all(known):
        raise ValueError(
            f"y holds labels {np.unique(y[~known])[:5].tolist()} not in the "
            f"estimator's classes_ {classes.tolist()}."
        )
    return np.where(known, index, -1).astype(np.intp)


def default_feature_names(n_features, *, prefix="x"):
    """Names of unnamed columns, ``x0``, ``x1``, ... as scikit-learn calls them.

    Parameters
    ----------
    n_features : int
        Number of columns.
    prefix : str, default="x"
        Text before each column's index.

    Returns
    -------
    names : ndarray of dtype object and shape (n_features,)

    Examples
    --------
    >>> from skadv.utils._validation import default_feature_names
    >>> default_feature_names(3)
    array(['x0', 'x1', 'x2'], dtype=object)
    """
    return np.asarray([f"{prefix}{i}" for i in range(n_features)], dtype=object)


def encoded_feature_names(transformer):
    """Names of the columns a fitted transformer outputs, or None if it cannot say.

    Parameters
    ----------
    transformer : transformer or Pipeline
        A fitted transformer, such as the head ``pipeline[:-1]`` of a Pipeline
        (the steps before its final estimator).

    Returns
    -------
    names : ndarray of dtype object and shape (n_output_features,) or None
        What ``transformer.get_feature_names_out()`` gives; None when
        ``transformer`` has no such method, when the method fails (a step
        without it, names it cannot compute) or when it gives None (as an
        empty Pipeline does, whose output names are those of its input).

    Examples
    --------
    >>> from sklearn.preprocessing import OneHotEncoder
    >>> from skadv.utils._validation import encoded_feature_names
    >>> encoder = OneHotEncoder().fit([["a"], ["b"]])
    >>> encoded_feature_names(encoder)
    array(['x0_a', 'x0_b'], dtype=object)
    >>> encoded_feature_names(object()) is None
    True
    """
    try:
        names = transformer.get_feature_names_out()
    except (AttributeError, ValueError, TypeError):
        return None
    if names is None:
        return None
    return np.asarray(names, dtype=object)


def check_budget(epsilon, n_features, *, broadcast=False):
    """Validate an l_inf budget: one for all features, or one per feature.

    Parameters
    ----------
    epsilon : float or array-like of shape (n_features,)
        The budget(s), finite and non-negative.
    n_features : int
        Number of features the budget applies to.
    broadcast : bool, default=False
        Whether to repeat a scalar budget for every feature.

    Returns
    -------
    epsilon : ndarray of dtype float64 and shape () or (n_features,)
        A new array; of shape (n_features,) whenever ``broadcast`` is True.

    Raises
    ------
    InvalidParameterError
        (a TypeError and a ValueError) When ``epsilon`` does not hold real
        numbers.
    ValueError
        When ``epsilon`` has another shape, holds a negative, infinite or NaN
        budget, or an int beyond the float64 range.

    Examples
    --------
    >>> from skadv.utils._validation import check_budget
    >>> check_budget(0.5, 3)
    array(0.5)
    >>> check_budget(0.5, 3, broadcast=True)
    array([0.5, 0.5, 0.5])
    >>> check_budget([0.1, 0.0, 0.2], 3)
    array([0.1, 0. , 0.2])
    """
    try:
        eps = np.array(epsilon, dtype=np.float64)
    except OverflowError as exc:
        raise ValueError(
            f"epsilon must be finite and non-negative; it holds an int beyond "
            f"the float64 range (about 1.8e308): {exc}."
        ) from exc
    except (TypeError, ValueError) as exc:
        # Both a wrong type and a wrong value, as scikit-learn reports an
        # invalid parameter.
        raise InvalidParameterError(
            f"epsilon must be a real number or an array of {n_features} real "
            f"numbers, one non-negative budget per feature; got {epsilon!r}."
        ) from exc
    if eps.ndim != 0 and eps.shape != (n_features,):
        raise ValueError(
            "epsilon must be a scalar or an array of shape (n_features,), here "
            f"shape ({n_features},), one budget per feature; got shape {eps.shape}."
        )
    if not np.all(np.isfinite(eps)) or np.any(eps < 0):
        raise ValueError(
            f"epsilon must be finite and non-negative (>= 0), got {epsilon!r}."
        )
    if broadcast and eps.ndim == 0:
        eps = np.full(n_features, float(eps))
    return eps
