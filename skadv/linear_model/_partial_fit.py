"""One epoch of AdversarialLogisticRegression's minibatch solver per partial_fit call.

Each call continues every one-vs-rest problem from the state the previous call
left (the parameters, the optimiser's moments and the total sample weight
seen), so that a stream of chunks trains the model as successive epochs over
one growing data set would.
"""

import copy

import numpy as np
from sklearn.utils import check_random_state

from skadv.linear_model._checks import check_partial_fit_classes, check_weight_scale
from skadv.linear_model._solvers import MinibatchState, minibatch_epoch
from skadv.utils._validation import check_budget


def partial_fit_arrays(estimator, X, y, classes, sample_weight):
    """One epoch of the minibatch solver of ``estimator`` on in-memory data.

    The first call (no fitted state) starts every binary problem at zero;
    later calls continue from the stored states. The epoch works on copies of
    the states and of the random generator, committed once it has finished,
    so that a call that fails leaves the estimator as it was.

    Returns
    -------
    estimator : AdversarialLogisticRegression
        Updated.
    """
    first = not hasattr(estimator, "classes_") or estimator._minibatch_states is None
    X, y, sample_weight, attributes = estimator._check_fit_data(
        X, y, sample_weight, reset=first
    )
    classes = check_partial_fit_classes(
        classes, None if first else estimator.classes_, estimator.class_weight, y
    )
    eps = check_budget(estimator.epsilon, X.shape[1], broadcast=True)
    problems = estimator._problems(y, sample_weight, classes)
    # The epoch updates the states and the generator in place: it works on
    # copies, which replace the originals only once it has finished.
    rng = copy.deepcopy(getattr(estimator, "_partial_rng", None))
    if first:
        states = [
            MinibatchState(np.zeros(estimator._problem(X, *p, eps).n_vars))
            for p in problems
        ]
        n_iters = np.zeros(len(problems), dtype=np.int32)
    else:
        states = copy.deepcopy(estimator._minibatch_states)
        n_iters = estimator.n_iter_
    if rng is None:
        rng = np.random.default_rng(
            check_random_state(estimator.random_state).randint(np.iinfo(np.int32).max)
        )
    check_weight_scale(states[0].seen_weight + problems[0][1].sum(), estimator.C)
    results = []
    for (y_pm, s), state, n_iter in zip(problems, states, n_iters):
        problem = estimator._problem(X, y_pm, s, eps)
        state.seen_weight += problem.total_weight
        state.seen_samples += X.shape[0]
        minibatch_epoch(
            problem,
            state,
            solver=estimator.solver,
            learning_rate=float(estimator.learning_rate),
            batch_size=estimator.batch_size,
            rng=rng,
            total_weight=state.seen_weight,
        )
        w, b = problem.unpack(state.theta)
        results.append((w, b, n_iter + 1, state))
    fitted = estimator._fitted(classes, results)
    estimator._commit({**attributes, **fitted, "_partial_rng": rng}, reset=first)
    return estimator
