"""Robust accuracy under l_inf(epsilon) perturbations, and its scorer."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import column_or_1d

from skadv.utils import final_estimator_and_inputs


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
    with ``|delta_j| <= epsilon_j``. For linear models the worst case is closed
    form and the score is exact; for models that need an attack (such as
    networks) it is an upper bound on the true robust accuracy.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted classifier implementing ``_robust_correct``, or a Pipeline ending
        in one. For a Pipeline the budget applies in the space its final
        estimator sees (after the preprocessing steps). Linear models place no
        bound on the data range; networks keep perturbed inputs within their
        own ``clip`` unless ``clip`` is passed as an attack parameter.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Inputs.
    y : array-like of shape (n_samples,)
        True labels.
    epsilon : float or array-like of shape (n_features,)
        l_inf budget, per feature when an array.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.
    **attack_params : dict
        Passed to the estimator's attack (ignored where the worst case is exact).

    Returns
    -------
    score : float
        Weighted share of robustly correct samples; equals the accuracy when
        ``epsilon=0``.

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
    final, X_final, _ = final_estimator_and_inputs(estimator, X)
    robust_correct = getattr(final, "_robust_correct", None)
    if not callable(robust_correct):
        raise TypeError(
            "robust_accuracy_score needs an estimator that can certify robustness "
            "(a skadv estimator such as AdversarialLogisticRegression or "
            "AdversarialMLPClassifier, or a Pipeline ending in one); got "
            f"{type(final).__name__}."
        )
    # A column vector of labels would broadcast against the per-sample results.
    y = column_or_1d(y, warn=True)
    if y.shape[0] != X_final.shape[0]:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: {X_final.shape[0]} and "
            f"{y.shape[0]}."
        )
    correct = np.asarray(robust_correct(X_final, y, epsilon, **attack_params))
    return float(np.average(correct, weights=sample_weight))


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
        Passed to the estimator's attack.

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
