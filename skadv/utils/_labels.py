"""The check of class labels shared by the scores and the explanations."""

import numpy as np
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d


def checked_labels(y, classes):
    """1-d class labels, refusing missing values and labels of another type.

    Labels of the right type that the model does not know are returned as
    they are: a score counts them as wrong predictions, while an explanation,
    which needs the class to attribute, refuses them itself.

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
    >>> from skadv.utils._labels import checked_labels
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
