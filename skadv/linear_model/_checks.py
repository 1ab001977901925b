"""Checks of the inputs of AdversarialLogisticRegression and of its solutions."""

from numbers import Integral

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import compute_class_weight
from sklearn.utils.extmath import safe_sparse_dot

from skadv.utils._warnings import warn_caller

#: The parameters of AdversarialLogisticRegression that enter float64 arithmetic
#: as scalars; epsilon, possibly an array, is checked by
#: skadv.utils._validation.check_budget.
_FLOAT_PARAMS = ("C", "tol", "learning_rate")


def check_numeric_params(params):
    """Refuse Python ints that the solvers cannot take as the numbers they denote.

    The parameter constraints accept any int in range, and Python ints are
    unbounded. An int is used as the float it denotes, which fails beyond the
    float64 range (about 1.8e308); ``n_jobs`` is handed to the operating
    system as a C int.

    Parameters
    ----------
    params : dict
        The estimator's parameters, as ``get_params(deep=False)`` gives them.

    Raises
    ------
    ValueError
        Naming the parameter whose value cannot be represented.

    Examples
    --------
    >>> from skadv.linear_model._checks import check_numeric_params
    >>> check_numeric_params({"C": 2**70, "tol": None, "n_jobs": None})
    """
    for name in _FLOAT_PARAMS:
        value = params.get(name)
        if isinstance(value, Integral) and not np.isfinite(_as_float(value)):
            hint = "; pass C=float('inf') for no penalty" if name == "C" else ""
            raise ValueError(
                f"{name} is an int of {int(value).bit_length()} bits, beyond the "
                f"float64 range (about 1.8e308){hint}."
            )
    n_jobs = params.get("n_jobs")
    limit = np.iinfo(np.intc).max
    if n_jobs is not None and not -limit <= n_jobs <= limit:
        raise ValueError(
            f"n_jobs must lie in [{-limit}, {limit}], got {n_jobs}; n_jobs=-1 "
            "uses every processor."
        )


def _as_float(value):
    try:
        return float(value)
    except OverflowError:
        return np.inf


def check_class_weight(class_weight, classes, y):
    """Validated weight of every class, in the order of ``classes``.

    Parameters
    ----------
    class_weight : dict, "balanced" or None
        Weights by class label; classes missing from a dict weigh 1. A dict may
        hold labels that are not classes only when it weighs every class (the
        rule of scikit-learn, for data where a rare class is absent).
    classes : ndarray of shape (n_classes,)
        Sorted class labels.
    y : ndarray of shape (n_samples,)
        Labels, for ``"balanced"``.

    Returns
    -------
    weights : ndarray of shape (n_classes,) or None
        None when ``class_weight`` is None.

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.linear_model._checks import check_class_weight
    >>> check_class_weight({1: 2.0}, np.array([0, 1]), np.array([0, 1, 1]))
    array([1., 2.])
    """
    if class_weight is None:
        return None
    if isinstance(class_weight, str):
        return compute_class_weight(class_weight, classes=classes, y=y)
    try:
        values = np.array(list(class_weight.values()), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"class_weight values must be numbers, got {class_weight!r}."
        ) from exc
    if values.ndim != 1 or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(
            "class_weight values must be finite and non-negative, got "
            f"{class_weight!r}."
        )
    known = set(classes.tolist())
    extra = [key for key in class_weight if key not in known]
    missing = [c for c in classes.tolist() if c not in class_weight]
    if extra and missing:
        raise ValueError(
            f"class_weight has keys {extra!r} that are not classes of y, and no "
            f"weight for the classes {missing!r}; its keys must be among the "
            f"classes {classes.tolist()!r}."
        )
    weights = np.ones(classes.shape[0])
    for k, c in enumerate(classes.tolist()):
        if c in class_weight:
            weights[k] = float(class_weight[c])
    return weights


def check_partial_fit_classes(classes, fitted_classes, class_weight, y):
    """Classes of a ``partial_fit`` call.

    Parameters
    ----------
    classes : array-like or None
        The ``classes`` argument of the call.
    fitted_classes : ndarray or None
        ``classes_`` of the first call; None on the first call.
    class_weight : dict, "balanced" or None
    y : ndarray of shape (n_samples,)
        Labels of the chunk, all of which must be classes.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
        Sorted classes.
    """
    if fitted_classes is not None:
        if classes is not None and not np.array_equal(
            np.unique(np.asarray(classes)), fitted_classes
        ):
            raise ValueError(
                f"classes={classes!r} differs from the classes of the first call, "
                f"{fitted_classes.tolist()!r}."
            )
        classes = fitted_classes
    else:
        if classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        classes = np.unique(np.asarray(classes))
        if classes.shape[0] < 2:
            raise ValueError(
                f"classes must hold at least 2 classes, got {classes.tolist()!r}."
            )
        if isinstance(class_weight, str) and class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' needs the full data and is not supported "
                "by partial_fit; pass a dict of class weights instead."
            )
    unknown = np.setdiff1d(y, classes)
    if unknown.size:
        raise ValueError(
            f"y contains classes {unknown.tolist()!r} that are not in classes_ "
            f"{classes.tolist()!r}."
        )
    return classes


def check_weight_scale(total_weight, C):
    """Reject a total sample weight ``S`` that ``F`` cannot be normalised by.

    Parameters
    ----------
    total_weight : float
        ``S``, the sum of the sample weights (times the class weights).
    C : float
        Inverse regularisation strength.

    Raises
    ------
    ValueError
        When ``S`` is not a positive normal float, or when ``1 / (C S)``, the
        weight of the penalty in ``F``, overflows.
    """
    info = np.finfo(np.float64)
    C = float(C)
    if not np.isfinite(total_weight):
        raise ValueError(
            "The sample weights (times the class weights) sum to more than float64 "
            "can hold; rescale sample_weight or class_weight."
        )
    if total_weight < info.tiny:
        raise ValueError(
            f"The sample weights (times the class weights) sum to {total_weight:g}, "
            f"below the smallest normal float64 ({info.tiny:g}): the loss cannot be "
            "normalised by it. Rescale sample_weight or class_weight."
        )
    if not np.isinf(C) and C * total_weight < 1.0 / info.max:
        raise ValueError(
            f"C times the sum of the sample weights is {C * total_weight:g}: the "
            "penalty would outweigh the data by more than float64 can represent. "
            "Increase C or rescale sample_weight."
        )


def warn_if_unbounded(X, problems, fitted, epsilon):
    """Warn when an unpenalised problem has its optimum at infinity.

    A solution under which every weighted sample keeps a positive robust
    margin ``y_i (<w, x_i> + b) - sum_j e_j |w_j|`` proves the data robustly
    separable: the margins grow in proportion to ``(w, b)``, so the loss keeps
    falling along that ray and has no minimiser. On data that are not
    separable no solution has all margins positive, so the warning never fires.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    problems : list of (ndarray, ndarray)
        Labels in {-1, +1} and sample weights of each binary problem.
    fitted : dict
        The new fitted attributes (``classes_``, ``coef_``, ``intercept_``).
    epsilon : ndarray of shape (n_features,)
    """
    coef, intercept = fitted["coef_"], fitted["intercept_"]
    scores = safe_sparse_dot(X, coef.T, dense_output=True) + intercept
    separable = []
    for k, (y_pm, s) in enumerate(problems):
        margins = y_pm * scores[:, k] - epsilon @ np.abs(coef[k])
        if np.all(margins[s > 0] > 0):
            separable.append(k)
    warn_separable(separable, fitted, epsilon)


def warn_separable(separable, fitted, epsilon):
    """The warning of :func:`warn_if_unbounded` for the problems found separable.

    Parameters
    ----------
    separable : list of int
        Indices of the binary problems whose data are robustly separable.
    fitted : dict
        The new fitted attributes (``classes_``, ``coef_``).
    epsilon : ndarray of shape (n_features,)
    """
    if not separable:
        return
    coef = fitted["coef_"]
    if coef.shape[0] == 1:
        which = "The training data are"
    else:
        labels = fitted["classes_"][separable].tolist()
        which = f"For the classes {labels!r}, the one-vs-rest training data are"
    if np.any(epsilon > 0):
        how = (
            "separable even under the attack (every sample keeps a positive margin "
            "against its worst-case perturbation)"
        )
    else:
        how = "linearly separable"
    norm = float(np.abs(coef[separable]).sum(axis=1).max())
    warn_caller(
        f"{which} {how}, so with C=inf the loss has no minimiser: it keeps "
        "decreasing as the coefficients grow, and coef_ (l1 norm "
        f"{norm:.3g}) only reflects where the solver stopped. Use a finite C.",
        ConvergenceWarning,
    )
