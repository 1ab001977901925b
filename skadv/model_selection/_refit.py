"""The paper's epsilon-selection rule as a ``refit`` callable of a search.

A multi-metric :class:`~sklearn.model_selection.GridSearchCV` records, per
candidate, the fold scores of every scorer in ``cv_results_``. The callable of
:func:`most_concise_within` reads them and returns the index of the chosen
candidate. Its guards need two scores that no standard scorer gives: the number
of classes a candidate predicts on a fold, and the share of the majority class
in that fold. :func:`conciseness_scoring` returns the whole scoring dict.
"""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from skadv.metrics import make_gini_scorer
from skadv.metrics._robust import checked_sample_weight
from skadv.model_selection._rule import select_index

#: Names of the guard scores in ``cv_results_``.
GUARD_KEYS = ("n_predicted_classes", "majority_rate")


class _PredictedClassesScorer:
    """Number of distinct classes the estimator predicts on the scored rows."""

    def __call__(self, estimator, X, y, sample_weight=None):
        return float(np.unique(np.asarray(estimator.predict(X))).shape[0])

    def __repr__(self):
        return "n_predicted_classes_scorer()"


class _MajorityRateScorer:
    """Weighted share of the most frequent label among the scored rows."""

    def __call__(self, estimator, X, y, sample_weight=None):
        y = np.asarray(y)
        weights = checked_sample_weight(sample_weight, y.shape[0])
        _, inverse = np.unique(y, return_inverse=True)
        counts = np.bincount(inverse.ravel(), weights=weights)
        return float(counts.max() / counts.sum())

    def __repr__(self):
        return "majority_rate_scorer()"


def conciseness_scoring(baselines=None, **gini_params):
    """The scoring dict that :func:`most_concise_within` needs.

    Parameters
    ----------
    baselines : None, float or array-like, default=None
        Baselines of the Integrated Gradients behind the Gini scorer, as in
        :func:`~skadv.metrics.make_gini_scorer`.
    **gini_params : dict
        Further keyword arguments of :func:`~skadv.metrics.make_gini_scorer`.

    Returns
    -------
    scoring : dict
        ``"accuracy"``: the accuracy; ``"gini"``: the mean Gini index of the
        attributions (:func:`~skadv.metrics.make_gini_scorer`);
        ``"n_predicted_classes"``: the number of distinct classes predicted on
        the fold; ``"majority_rate"``: the share of the most frequent class in
        the fold (the accuracy of always answering it). Add more scorers to the
        dict as needed.

    Examples
    --------
    >>> from skadv.model_selection import conciseness_scoring
    >>> sorted(conciseness_scoring())
    ['accuracy', 'gini', 'majority_rate', 'n_predicted_classes']
    """
    return {
        "accuracy": "accuracy",
        "gini": make_gini_scorer(baselines=baselines, **gini_params),
        "n_predicted_classes": _PredictedClassesScorer(),
        "majority_rate": _MajorityRateScorer(),
    }


def _split_scores(cv_results, name):
    # The order of the folds does not matter to the guards.
    keys = [
        key
        for key in cv_results
        if key.startswith("split") and key.endswith(f"_test_{name}")
    ]
    if not keys:
        raise ValueError(
            f"most_concise_within needs the per-fold scores split<k>_test_{name} "
            "in cv_results_, which scikit-learn's searches record."
        )
    return np.column_stack([np.asarray(cv_results[key], float) for key in keys])


def _epsilon_strength(cv_results):
    names = sorted(k for k in cv_results if k.startswith("param_"))
    names = [k for k in names if k.endswith("epsilon")]
    if not names:
        return None
    column = cv_results[names[0]]
    mask = np.ma.getmaskarray(column)
    values = np.ma.getdata(column)
    # A per-feature budget counts by its largest entry.
    return np.array(
        [
            np.nan if masked else float(np.max(np.asarray(value, dtype=float)))
            for value, masked in zip(values, mask)
        ]
    )


class _MostConciseWithin:
    """Picklable callable behind :func:`most_concise_within`."""

    def __init__(self, tolerance, accuracy, conciseness):
        self.tolerance = tolerance
        self.accuracy = accuracy
        self.conciseness = conciseness

    def _check_keys(self, cv_results):
        needed = (self.accuracy, self.conciseness, *GUARD_KEYS)
        missing = [n for n in needed if f"mean_test_{n}" not in cv_results]
        if missing:
            raise ValueError(
                f"most_concise_within needs the scores {list(needed)} in "
                f"cv_results_; {missing} are missing. Pass "
                "scoring=conciseness_scoring() (from skadv.model_selection), or "
                "add its entries to your own scoring dict, under these names."
            )

    def __call__(self, cv_results):
        self._check_keys(cv_results)
        n_classes = _split_scores(cv_results, "n_predicted_classes")
        # A fold whose scoring failed (NaN) cannot vouch for its candidate.
        single = ~np.all(n_classes >= 2, axis=1)
        return select_index(
            cv_results[f"mean_test_{self.accuracy}"],
            cv_results[f"mean_test_{self.conciseness}"],
            tolerance=self.tolerance,
            single_class=single,
            majority_rate=cv_results["mean_test_majority_rate"],
            strength=_epsilon_strength(cv_results),
        )

    def __repr__(self):
        return (
            f"most_concise_within(tolerance={self.tolerance!r}, "
            f"accuracy={self.accuracy!r}, conciseness={self.conciseness!r})"
        )


@validate_params(
    {
        "tolerance": [Interval(Real, 0, 1, closed="both")],
        "accuracy": [str],
        "conciseness": [str],
    },
    prefer_skip_nested_validation=True,
)
def most_concise_within(tolerance=0.02, *, accuracy="accuracy", conciseness="gini"):
    """A ``refit`` callable choosing the most concise candidate of near-best accuracy.

    The rule of Chalasani et al. (2020) for choosing epsilon: among the
    candidates whose mean test accuracy is within ``tolerance`` of the best mean
    accuracy, the one with the highest mean conciseness (Gini index of the
    attributions); ties go to the larger epsilon (the first parameter of the
    search whose name ends in ``"epsilon"``, by its largest entry for a
    per-feature budget), or to the first candidate when the search has none.

    Two guards come first: a candidate is never chosen if it predicts a single
    class on any fold (its explanations say nothing about the data), or if its
    mean accuracy does not beat the mean majority-class rate. The best accuracy
    is that of the candidates passing the guards. The guards read the
    ``"n_predicted_classes"`` and ``"majority_rate"`` scores that
    :func:`conciseness_scoring` provides.

    Parameters
    ----------
    tolerance : float, default=0.02
        Accuracy a candidate may lose against the best one, in [0, 1].
    accuracy : str, default="accuracy"
        Name of the accuracy score in the search's scoring dict.
    conciseness : str, default="gini"
        Name of the conciseness score in the search's scoring dict.

    Returns
    -------
    refit : callable
        ``refit(cv_results) -> int``, picklable. It raises a ValueError when a
        needed score is missing from ``cv_results`` (saying how to add it) and
        when no candidate passes the guards.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> from skadv.model_selection import conciseness_scoring, most_concise_within
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(90, 4))
    >>> y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
    >>> search = GridSearchCV(
    ...     AdversarialLogisticRegression(), {"epsilon": [0.0, 0.1, 0.3]}, cv=3,
    ...     scoring=conciseness_scoring(), refit=most_concise_within(0.05),
    ... ).fit(X, y)
    >>> search.best_params_["epsilon"] in (0.0, 0.1, 0.3)
    True
    """
    return _MostConciseWithin(float(tolerance), accuracy, conciseness)
