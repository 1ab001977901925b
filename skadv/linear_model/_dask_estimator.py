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
from skadv.linear_model._dask_fit import DaskFitData, solve_all
from skadv.linear_model._solvers import BinaryProblem, minibatch_epoch
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


def block_epoch(data, k, make_problem, *, solver, learning_rate, batch_size):
    """An epoch of the minibatch solver as one pass over the blocks of ``X``.

    The blocks are computed in order, one at a time (the next one while the
    current one is trained on), and each block's rows are shuffled within the
    block; the steps are those of an epoch over the full data (the data term
    scaled by its total weight and number of rows). With a single block it is
    the in-memory epoch.

    Parameters
    ----------
    data : DaskFitData
    k : int
        The binary problem.
    make_problem : callable
        ``make_problem(X_block, y_pm, weights)`` returns its BinaryProblem.
    solver, learning_rate, batch_size
        As for :func:`~skadv.linear_model._solvers.minibatch_epoch`.

    Returns
    -------
    run_epoch : callable
        ``run_epoch(state, rng)``, for
        :func:`~skadv.linear_model._solvers.fit_minibatch`.
    """

    def run_epoch(state, rng):
        total, n_batches = 0.0, 0
        for x, y_pm, weights in data.blocks(k):
            mean = minibatch_epoch(
                make_problem(x, y_pm, weights),
                state,
                solver=solver,
                learning_rate=learning_rate,
                batch_size=batch_size,
                rng=rng,
                total_weight=data.total_weight,
                n_samples=data.n_samples,
            )
            batches = -(-x.shape[0] // batch_size)
            total += mean * batches
            n_batches += batches
        return total / max(n_batches, 1)

    return run_epoch
