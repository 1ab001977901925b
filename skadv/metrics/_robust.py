"""Robust accuracy under l_inf(epsilon) perturbations, and its scorer."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from skadv.utils._dask import is_dask_collection, reduce_rows, rows_like
from skadv.utils._dask_models import split_dask_model
from skadv.utils._protocol import has_robust_correct
from skadv.utils._resolve import split_model
from skadv.utils._sklearn_linear import SklearnLinearProvider, is_linear_candidate
from skadv.utils._validation import checked_labels

#: The attack parameters of the networks' robust accuracy, with their domains.
#: A step size must be finite: an infinite one times a zero gradient sign is
#: NaN, and NaN inputs make the score meaningless.
_ATTACK_PARAMETER_CONSTRAINTS = {
    "attack": [StrOptions({"pgd", "fgsm"})],
    "steps": [Interval(Integral, 1, None, closed="left"), None],
    "step_size": [Interval(Real, 0, np.inf, closed="neither"), None],
    "restarts": [Interval(Integral, 1, None, closed="left")],
    "random_state": ["random_state"],
    "clip": [StrOptions({"auto"}), tuple, list, None],
}


def check_attack_params(attack_params, caller):
    """Refuse unknown names and out-of-range values of the attack parameters.

    Every estimator gets the same check, including those whose worst case is
    exact and that ignore the attack, so that a typo or a bad value fails
    wherever the scorer is used.

    Parameters
    ----------
    attack_params : dict
        The ``**attack_params`` of ``caller``.
    caller : str
        Named in the messages.
    """
    unknown = sorted(set(attack_params) - set(_ATTACK_PARAMETER_CONSTRAINTS))
    if unknown:
        raise TypeError(
            f"{caller} got unexpected attack parameters {unknown}; the accepted "
            f"ones are {sorted(_ATTACK_PARAMETER_CONSTRAINTS)}."
        )
    # bool is an Integral and a Real, but True steps or a True step size is a bug.
    for name in ("steps", "step_size", "restarts"):
        if isinstance(attack_params.get(name), (bool, np.bool_)):
            raise ValueError(
                f"The {name!r} attack parameter of {caller} must be a number, "
                f"not {attack_params[name]!r}."
            )
    constraints = {name: _ATTACK_PARAMETER_CONSTRAINTS[name] for name in attack_params}
    validate_parameter_constraints(constraints, attack_params, caller)
    clip = attack_params.get("clip")
    if isinstance(clip, (tuple, list)):
        _check_clip(clip, caller)


def _check_clip(clip, caller):
    # The shapes depend on the data and are checked by the estimator; NaN
    # bounds, though, would pass every comparison and silently void the range.
    try:
        low, high = (np.asarray(bound, dtype=np.float64) for bound in clip)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"The 'clip' attack parameter of {caller} must be 'auto', None or a "
            f"(low, high) pair of numbers or arrays; got {clip!r}."
        ) from exc
    if np.isnan(low).any() or np.isnan(high).any():
        raise ValueError(
            f"The 'clip' attack parameter of {caller} must not hold NaN; got {clip!r}."
        )


def checked_sample_weight(sample_weight, n_samples):
    """``sample_weight`` as float64 weights of a weighted mean over the rows.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
        The weights; None weighs every row 1.
    n_samples : int
        Number of rows.

    Returns
    -------
    weights : ndarray of shape (n_samples,) or None
        Finite, non-negative, with a positive sum, and divided by the largest
        weight (which leaves the weighted mean unchanged) so that their sum
        cannot overflow.
    """
    if sample_weight is None:
        return None
    try:
        weights = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"sample_weight must hold numbers; got {type(sample_weight).__name__}."
        ) from exc
    if weights.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},), one weight per "
            f"sample; got shape {weights.shape}."
        )
    if not np.all(np.isfinite(weights)):
        raise ValueError("sample_weight must be finite (no NaN or infinity).")
    if np.any(weights < 0):
        raise ValueError("sample_weight must be non-negative.")
    if not np.any(weights > 0):
        raise ValueError("sample_weight must not be all zero.")
    return weights / weights.max()


@validate_params(
    {
        "estimator": [object],
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "epsilon": [Interval(Real, 0, None, closed="left"), "array-like"],
        "sample_weight": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def robust_accuracy_score(
    estimator, X, y, *, epsilon, sample_weight=None, **attack_params
):
    """Share of samples that stay correctly classified under every l_inf attack.

    A sample ``(x, y)`` counts when the prediction is ``y`` at every ``x + delta``
    with ``|delta_j| <= epsilon_j``. For linear models (skadv's and
    scikit-learn's) the worst case is closed form and the score is exact; for
    models that need an attack (such as networks) it is an upper bound on the
    true robust accuracy.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted classifier implementing ``_robust_correct``, a fitted
        scikit-learn linear classifier (``coef_``, ``intercept_`` and a
        ``decision_function`` linear in X, such as ``LogisticRegression``,
        ``LinearSVC`` or ``SGDClassifier``), or a Pipeline ending in either;
        :class:`~sklearn.frozen.FrozenEstimator` wrappers and fitted searches
        (their ``best_estimator_``) are looked through. For a Pipeline the
        budget applies in the space its final estimator sees (after the
        preprocessing steps). Linear models place no
        bound on the data range; networks keep perturbed inputs within their
        own ``clip`` unless ``clip`` is passed as an attack parameter.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Inputs.
    y : array-like of shape (n_samples,)
        True labels.
    epsilon : float or array-like of shape (n_features,)
        l_inf budget, per feature when an array.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights: finite, non-negative and not all zero.
    **attack_params : dict
        Settings of the estimator's attack, checked for every estimator but
        ignored where the worst case is exact. For
        :class:`~skadv.neural_network.AdversarialMLPClassifier`:

        - ``attack`` : {"pgd", "fgsm"}, default="pgd".
        - ``steps`` : int >= 1, default=None. None follows the paper's schedule
          ``round(100 * max(epsilon)) + 10``, capped at 200 steps (the step
          size then grows to ``(max(epsilon) + 0.1) / 200``), so a large budget
          never makes the attack run unboundedly long.
        - ``step_size`` : finite float > 0, default=None. None means 0.01 for
          PGD (see ``steps``) and ``1.25 * epsilon`` for FGSM.
        - ``restarts`` : int >= 1, default=1. A sample must survive every one.
        - ``random_state`` : int, RandomState instance or None, default=None.
          Seeds the random starts.
        - ``clip`` : "auto", None or (low, high), default="auto". Data range of
          the perturbed inputs; "auto" is the estimator's own ``clip``.

        Any other name raises a TypeError.

    Returns
    -------
    score : float
        Weighted share of robustly correct samples; equals the accuracy when
        ``epsilon=0``. Samples whose label the estimator does not know count
        as not robustly correct.

    Raises
    ------
    ValueError
        For missing (NaN or None) or continuous labels, labels of another type
        than ``classes_`` (strings for a model of integer classes), sample
        weights that are not finite, negative or all zero, and attack
        parameters out of their range.

    Notes
    -----
    A dask array ``X`` (with ``y`` and ``sample_weight`` in memory or as dask
    arrays, rechunked to the row blocks of ``X`` when needed) is scored block
    by block where the blocks live; only three numbers per block come back,
    and the score is their weighted reduction, equal to the in-memory score
    up to rounding. A Pipeline's preprocessing is applied to ``X`` first:
    lazily when its steps map dask arrays to dask arrays. An attack with
    random starts (networks) draws them per block, from seeds drawn from
    ``random_state``: the score is reproducible with a fixed ``random_state``
    but differs from the in-memory one by the randomness of the starts.

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> from skadv.metrics import robust_accuracy_score
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> y = np.array([0, 0, 1, 1])
    >>> clf = AdversarialLogisticRegression(epsilon=0.0, C=100.0).fit(X, y)
    >>> robust_accuracy_score(clf, X, y, epsilon=0.0)
    1.0
    >>> robust_accuracy_score(clf, X, y, epsilon=1.5)
    0.5
    """
    check_attack_params(attack_params, "robust_accuracy_score")
    if is_dask_collection(X):
        return _dask_robust_accuracy(
            estimator, X, y, epsilon, sample_weight, attack_params
        )
    final, X_final, _ = split_model(estimator, X)
    provider = _robustness_provider(final, X_final)
    y = checked_labels(y, getattr(provider, "classes_", None))
    check_consistent_length(X_final, y)
    sample_weight = checked_sample_weight(sample_weight, y.shape[0])
    correct = provider._robust_correct(X_final, y, epsilon, **attack_params)
    return float(np.average(np.asarray(correct), weights=sample_weight))


def weighted_partials(values, sample_weight):
    """One block's share of a weighted mean over rows: ``[scale, sum, weight]``.

    The sums are divided by the block's largest weight, ``scale``, so that
    they cannot overflow; :func:`combine_weighted` rescales them to the
    largest weight of all blocks.

    Parameters
    ----------
    values : ndarray of shape (n,)
        The block's per-row values.
    sample_weight : ndarray of shape (n,) or None
        The block's weights, checked as by :func:`checked_sample_weight`
        except that a block may weigh all its rows 0.

    Returns
    -------
    partials : ndarray of shape (1, 3)
    """
    values = np.asarray(values, dtype=np.float64)
    if sample_weight is None:
        return np.array([[1.0, values.sum(), values.shape[0]]])
    try:
        weights = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError("sample_weight must hold numbers.") from exc
    if weights.shape != values.shape:
        raise ValueError(
            "sample_weight must have shape (n_samples,), one weight per sample; "
            f"got a block of shape {weights.shape} for {values.shape[0]} rows."
        )
    if not np.all(np.isfinite(weights)):
        raise ValueError("sample_weight must be finite (no NaN or infinity).")
    if np.any(weights < 0):
        raise ValueError("sample_weight must be non-negative.")
    scale = weights.max() if weights.shape[0] else 0.0
    if scale == 0:
        return np.zeros((1, 3))
    weights = weights / scale
    return np.array([[scale, weights @ values, weights.sum()]])


def combine_weighted(partials):
    """The weighted mean from the :func:`weighted_partials` of every block.

    Parameters
    ----------
    partials : ndarray of shape (n_blocks, 3)

    Returns
    -------
    mean : float

    Raises
    ------
    ValueError
        When no row has a positive weight.

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.metrics._robust import combine_weighted, weighted_partials
    >>> values, weights = np.array([1.0, 0.0, 1.0]), np.array([1.0, 2.0, 1.0])
    >>> blocks = [weighted_partials(values[:2], weights[:2]),
    ...           weighted_partials(values[2:], weights[2:])]
    >>> combine_weighted(np.vstack(blocks))
    0.5
    """
    partials = np.asarray(partials, dtype=np.float64).reshape(-1, 3)
    top = partials[:, 0].max() if partials.shape[0] else 0.0
    if top == 0:
        raise ValueError("sample_weight must not be all zero.")
    rescale = partials[:, 0] / top
    return float((rescale @ partials[:, 1]) / (rescale @ partials[:, 2]))


class _RobustBlock:
    """Weighted count of the robustly correct rows of one block (picklable)."""

    def __init__(self, final, epsilon, attack_params):
        self.final = final
        self.epsilon = epsilon
        self.attack_params = attack_params

    def __call__(self, X, y, sample_weight, seed):
        provider = _robustness_provider(self.final, X)
        y = checked_labels(y, getattr(provider, "classes_", None))
        params = {**self.attack_params, "random_state": seed}
        correct = provider._robust_correct(X, y, self.epsilon, **params)
        return weighted_partials(correct, sample_weight)


def _dask_robust_accuracy(estimator, X, y, epsilon, sample_weight, attack_params):
    """robust_accuracy_score of a dask array: per-block counts, reduced here."""
    final, X_final = split_dask_model(estimator, X)
    # Fails now, not in every task, for a model that cannot certify robustness.
    if not has_robust_correct(final):
        _robustness_provider(final, None)
    # An attack with random starts draws them per block, from one seed each.
    seeds = check_random_state(attack_params.get("random_state")).randint(
        np.iinfo(np.int32).max, size=X_final.numblocks[0]
    )
    block = _RobustBlock(final, epsilon, attack_params)
    y = rows_like(y, X_final, "y")
    sample_weight = rows_like(sample_weight, X_final, "sample_weight")
    partials = reduce_rows(block, X_final, 3, y, sample_weight, block_args=seeds)
    return combine_weighted(partials.compute())


def _robustness_provider(final, X_final):
    """``final`` when it certifies robustness, else the adapter of a linear one."""
    if has_robust_correct(final):
        return final
    if not is_linear_candidate(final):
        raise TypeError(
            "robust_accuracy_score needs an estimator that can certify robustness "
            "(a skadv estimator such as AdversarialLogisticRegression or "
            "AdversarialMLPClassifier, a fitted scikit-learn linear classifier "
            "such as LogisticRegression or LinearSVC, or a Pipeline ending in "
            f"one); got {type(final).__name__}."
        )
    check_is_fitted(final)
    # The adapter checks on the first rows that the model is linear in X.
    return SklearnLinearProvider(final, X_final)


@validate_params(
    {"epsilon": [Interval(Real, 0, None, closed="left"), "array-like"]},
    prefer_skip_nested_validation=True,
)
def make_robust_scorer(*, epsilon, **attack_params):
    """Scorer computing :func:`robust_accuracy_score` at a fixed budget.

    Parameters
    ----------
    epsilon : float or array-like of shape (n_features,)
        l_inf budget, per feature when an array.
    **attack_params : dict
        Settings of the estimator's attack, as in
        :func:`robust_accuracy_score`; checked here, before any scoring.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sample_weight=None)`` returning the robust
        accuracy (greater is better), usable as ``scoring`` in model selection.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import cross_val_score
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> from skadv.metrics import make_robust_scorer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 3))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> scores = cross_val_score(AdversarialLogisticRegression(), X, y, cv=3,
    ...                          scoring=make_robust_scorer(epsilon=0.1))
    >>> scores.shape
    (3,)
    """
    check_attack_params(attack_params, "make_robust_scorer")
    return _RobustScorer(epsilon, attack_params)


class _RobustScorer:
    """Picklable callable behind :func:`make_robust_scorer`."""

    def __init__(self, epsilon, attack_params):
        self.epsilon = epsilon
        self.attack_params = attack_params

    def __call__(self, estimator, X, y, sample_weight=None):
        return robust_accuracy_score(
            estimator,
            X,
            y,
            epsilon=self.epsilon,
            sample_weight=sample_weight,
            **self.attack_params,
        )

    def __repr__(self):
        return f"make_robust_scorer(epsilon={self.epsilon!r})"
