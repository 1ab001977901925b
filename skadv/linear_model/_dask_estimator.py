"""AdversarialLogisticRegression.fit on dask arrays: the checks, the solves, the commit.

:class:`~skadv.linear_model._dask_fit.DaskFitData` reads the data once to
check it and count the classes; each binary problem is then solved by the
estimator's own solver on a :class:`~skadv.linear_model._dask_fit.DaskDesign`,
whose every evaluation is a map-reduce over the blocks. As in memory, the
fitted attributes replace the old ones in one step once every problem is
solved.
"""

import numpy as np

from skadv.linear_model._checks import (
    check_numeric_params,
    check_weight_scale,
    warn_separable,
)
from skadv.linear_model._dask_fit import DaskFitData, block_epoch, solve_all
from skadv.linear_model._solvers import BinaryProblem
from skadv.utils._validation import check_budget


def fit_dask(estimator, X, y, sample_weight):
    """Fit ``estimator`` (an AdversarialLogisticRegression) on dask arrays.

    The checking pass of :class:`DaskFitData`, then one solve per binary
    problem whose every objective evaluation is a map-reduce over the blocks;
    the fitted attributes are committed at once, as by an in-memory fit.

    Returns
    -------
    estimator : AdversarialLogisticRegression
        Fitted.
    """
    check_numeric_params(estimator.get_params(deep=False))
    data = DaskFitData(X, y, sample_weight)
    estimator._check_two_classes(data.classes)
    d = data.n_features
    eps = check_budget(estimator.epsilon, d, broadcast=True)
    balances = data.problems(estimator.class_weight)
    check_weight_scale(data.total_weight, estimator.C)
    coef, intercept = estimator._starting_points(balances, d)
    previous = estimator._previous_states(len(balances))
    seeds = estimator._seeds(len(balances))

    def solve(k, abort):
        problem = BinaryProblem(
            data.design(k, abort),
            eps,
            estimator.C,
            estimator.l1_ratio,
            estimator.fit_intercept,
        )
        run_epoch = None
        if estimator.solver != "lbfgs":
            run_epoch = block_epoch(
                data,
                k,
                lambda x, y_pm, s: estimator._problem(x, y_pm, s, eps),
                solver=estimator.solver,
                learning_rate=float(estimator.learning_rate),
                batch_size=estimator.batch_size,
            )
        return estimator._solve_problem(
            problem, coef[k], intercept[k], previous[k], seeds[k], run_epoch
        )

    results = solve_all(solve, len(balances), estimator.n_jobs)
    fitted = estimator._fitted(data.classes, results)
    if estimator.C == np.inf:
        separable = data.unbounded_problems(fitted["coef_"], fitted["intercept_"], eps)
        warn_separable(separable, fitted, eps)
    estimator._commit({"n_features_in_": d, **fitted}, reset=True)
    return estimator
