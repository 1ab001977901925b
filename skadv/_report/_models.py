"""The pipeline, the epsilon sweep and the report's three model types.

All three models share one preprocessing (one-hot encoding of categoricals,
"missing" being a category of its own; standardised numerics, median-imputed
when they have gaps) and are fitted on the same training split:

- ``natural``: epsilon = 0 with scikit-learn's default L2 penalty (C = 1).
  Some tables (Mushroom) are linearly separable, where an unpenalised
  optimum does not exist, so a mild L2 term keeps the weights finite.
- ``l1``: epsilon = 0 with a pure L1 penalty. The paper states its strength
  as lambda on the *mean* loss; the estimator puts C on the *summed* loss, so
  ``C = 1 / (lambda * n_train)`` gives the same optimum.
- ``adversarial``: the chosen epsilon, with the same C as ``natural``.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from ._epsilon import select_epsilon
from ._preprocess import make_preprocessor

MODEL_NAMES = ("natural", "l1", "adversarial")
MODEL_TITLES = {
    "natural": "Natural",
    "l1": "Natural + L1",
    "adversarial": "Adversarial",
}


def make_model_pipeline(table, **estimator_params):
    """Preprocessing followed by an AdversarialLogisticRegression.

    Parameters
    ----------
    table : TabularData
        The table, for its column kinds.
    **estimator_params
        Passed to :class:`~skadv.linear_model.AdversarialLogisticRegression`.

    Returns
    -------
    pipeline : Pipeline
        Steps ``"encode"`` and ``"model"``, unfitted.
    """
    from ..linear_model import AdversarialLogisticRegression

    impute = bool(table.numeric) and bool(table.X[table.numeric].isna().any().any())
    pre = make_preprocessor(table.categorical, table.numeric, impute_numeric=impute)
    model = AdversarialLogisticRegression(**estimator_params)
    return Pipeline([("encode", pre), ("model", model)])


def _own_epsilon_robust_accuracy(estimator, X, y):
    """Scorer: robust accuracy at the epsilon the candidate was trained with."""
    from ..metrics import robust_accuracy_score

    epsilon = estimator.named_steps["model"].epsilon
    return robust_accuracy_score(estimator, X, y, epsilon=epsilon)


@dataclass
class Sweep:
    """Cross-validated scores of each epsilon candidate.

    Attributes
    ----------
    epsilons : ndarray of shape (n_candidates,)
    accuracy, robust_accuracy, gini : ndarray of shape (n_candidates,)
        Means over the folds (robust accuracy at each candidate's own eps).
    accuracy_std, robust_accuracy_std, gini_std : ndarray
        Standard deviations over the folds.
    index : int
        Position of the chosen epsilon.
    fixed : bool
        Whether the epsilon was imposed by the user rather than chosen.
    best_estimator : Pipeline
        The chosen candidate refitted on the whole training split.
    """

    epsilons: np.ndarray
    accuracy: np.ndarray
    accuracy_std: np.ndarray
    robust_accuracy: np.ndarray
    robust_accuracy_std: np.ndarray
    gini: np.ndarray
    gini_std: np.ndarray
    index: int
    fixed: bool
    best_estimator: object

    @property
    def chosen(self):
        return float(self.epsilons[self.index])


def sweep_epsilon(
    pipeline, X, y, grid, *, fixed, tolerance, cv, random_state, n_jobs=None
):
    """Cross-validate every epsilon of `grid` and pick one (see select_epsilon).

    Parameters
    ----------
    pipeline : Pipeline
        Unfitted pipeline whose ``"model"`` step has an ``epsilon``.
    X, y : training data.
    grid : sequence of float
        Candidates, sorted.
    fixed : float or None
        Epsilon imposed by the user, if any.
    tolerance : float
        Accepted accuracy drop below the best candidate.
    cv : int
        Number of stratified folds.
    random_state : int
        Seed of the fold shuffling.
    n_jobs : int or None
        Parallel fits.

    Returns
    -------
    sweep : Sweep
    """
    from ..metrics import make_gini_scorer

    scoring = {
        "accuracy": "accuracy",
        "robust_accuracy": _own_epsilon_robust_accuracy,
        "gini": make_gini_scorer(),
    }

    def refit(cv_results):
        return select_epsilon(
            cv_results["param_model__epsilon"].astype(float),
            cv_results["mean_test_accuracy"],
            cv_results["mean_test_gini"],
            tolerance=tolerance,
            fixed=fixed,
        )

    search = GridSearchCV(
        pipeline,
        {"model__epsilon": list(grid)},
        scoring=scoring,
        refit=refit,
        cv=StratifiedKFold(cv, shuffle=True, random_state=random_state),
        n_jobs=n_jobs,
        error_score="raise",
    )
    search.fit(X, y)
    res = search.cv_results_

    def col(key):
        return np.asarray(res[key], dtype=float)

    return Sweep(
        epsilons=col("param_model__epsilon"),
        accuracy=col("mean_test_accuracy"),
        accuracy_std=col("std_test_accuracy"),
        robust_accuracy=col("mean_test_robust_accuracy"),
        robust_accuracy_std=col("std_test_robust_accuracy"),
        gini=col("mean_test_gini"),
        gini_std=col("std_test_gini"),
        index=int(search.best_index_),
        fixed=fixed is not None,
        best_estimator=search.best_estimator_,
    )


def l1_C(l1_lambda, n_train):
    """C of the summed-loss objective equal to lambda on the mean loss.

    Examples
    --------
    >>> from skadv._report import l1_C
    >>> round(l1_C(0.01, 5686), 6)
    0.017587
    """
    return 1.0 / (l1_lambda * n_train)


def fit_models(pipeline, X, y, sweep, *, l1_lambda):
    """The three fitted model types, keyed by ``MODEL_NAMES``.

    The adversarial model is the sweep's refitted best candidate; the other
    two are fitted here on the same data.
    """
    from sklearn.base import clone

    natural = clone(pipeline).set_params(model__epsilon=0.0).fit(X, y)
    l1 = clone(pipeline).set_params(
        model__epsilon=0.0, model__l1_ratio=1.0, model__C=l1_C(l1_lambda, len(y))
    )
    l1.fit(X, y)
    return {"natural": natural, "l1": l1, "adversarial": sweep.best_estimator}
