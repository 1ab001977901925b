"""Solvers for one binary adversarial logistic regression problem.

The objective, divided by ``S = sum_i s_i`` so that tolerances do not depend on
the number or the scale of the sample weights, is

    F(w, b) = L(w, b) / S + [(1 - l1_ratio) / 2 * ||w||^2 + l1_ratio * ||w||_1] / (C S)

with ``L`` the closed-form adversarial loss of :mod:`skadv.linear_model._loss`.
When no term involves ``|w|`` (epsilon = 0 and l1_ratio = 0) the problem is
smooth in ``w`` and is solved as is. Otherwise ``w = p - q`` with ``p, q >= 0``:
at the optimum ``|w_j| = p_j + q_j`` (any common part of ``p_j`` and ``q_j``
only adds a non-negative cost), so both the budget ``sum_j e_j |w_j|`` and the L1
term become linear in ``(p, q)`` and the problem is smooth with simple bounds.

:func:`lbfgs` finds the exact optimum with scipy's L-BFGS-B; :func:`minibatch_epoch`
runs one epoch of projected minibatch SGD or Adam on the very same function.
"""

import functools

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import ThreadpoolController

from skadv.utils._warnings import warn_caller

# History size of L-BFGS-B: the split problem is ill-conditioned along the
# bounds, and a longer memory cuts the number of passes over the data far more
# than it adds to the cost of one iteration (O(maxcor * n_vars) flops and
# 2 * maxcor * n_vars floats of memory). On the benchmark data 50 takes 0 to 35%
# fewer iterations than 30 (most on one-hot and L1 problems), and 30 up to 40%
# fewer than 10.
_MAXCOR = 50
# Restarts of L-BFGS-B after a stop on the relative reduction of the objective
# with a projected gradient still above tol.
_MAX_RESTARTS = 5
# A fit whose projected gradient stays this many times above tol after the
# restarts is reported: it stalled rather than converged. Below the floor (in
# the mean-loss units of the gradient) the gradient itself is rounding noise,
# so a tol smaller than that cannot be reached and is not reported.
_STALL_FACTOR = 100.0
_STALL_FLOOR = float(np.sqrt(np.finfo(float).eps))
# scipy's status of an L-BFGS-B run that used up its iterations.
_LBFGSB_MAX_ITERATIONS = 1

_ADAM_BETA1 = 0.9
_ADAM_BETA2 = 0.999
_ADAM_EPS = 1e-8

# Relative rise of the objective over a whole minibatch run beyond which the
# step size is blamed: a sensible run ends below its start, or within the
# minibatch noise of the optimum when it starts there.
_GROWTH_MARGIN = 0.1


def penalty_scale(C, total_weight):
    """Weight ``1 / (C S)`` of the penalty in ``F``; 0 when ``C`` is infinite.

    The product is inverted, not ``1 / C`` divided by ``S``: a tiny ``C`` whose
    own inverse overflows is still usable with a large total weight.
    """
    return 0.0 if np.isinf(C) else 1.0 / (C * total_weight)


class BinaryProblem:
    """Objective of one binary problem in its solver parametrisation ``theta``.

    ``theta`` is ``w`` (plus ``b``) when the problem is smooth in ``w`` and
    ``(p, q)`` (plus ``b``) otherwise; see the module docstring.

    Parameters
    ----------
    design : LinearDesign
        Inputs, labels in {-1, +1} and sample weights; any object with the
        same ``n_samples``, ``n_features``, ``total_weight`` and
        ``loss_and_gradient`` will do (the design of a dask fit sums the
        kernel's terms over row blocks).
    epsilon : ndarray of shape (n_features,)
        Per-feature budgets.
    C : float
        Inverse regularisation strength; ``np.inf`` means no penalty.
    l1_ratio : float
        Share of the L1 term in the penalty.
    fit_intercept : bool
        Whether ``theta`` ends with an intercept.
    """

    def __init__(self, design, epsilon, C, l1_ratio, fit_intercept):
        self.design = design
        self.epsilon = epsilon
        self.l1_ratio = float(l1_ratio)
        self.fit_intercept = fit_intercept
        self.split = bool(np.any(epsilon > 0) or self.l1_ratio > 0)
        self.n_features = design.n_features
        self.total_weight = float(design.total_weight)
        self.C = float(C)
        self._penalty_scale = penalty_scale(self.C, self.total_weight)
        self.n_coef = 2 * self.n_features if self.split else self.n_features
        self.n_vars = self.n_coef + int(fit_intercept)
        self._grad_w = np.empty(self.n_features)

    def pack(self, w, b):
        """``theta`` of the coefficients ``w`` and the intercept ``b``."""
        theta = np.zeros(self.n_vars)
        if self.split:
            theta[: self.n_features] = np.maximum(w, 0.0)
            theta[self.n_features : self.n_coef] = np.maximum(-w, 0.0)
        else:
            theta[: self.n_coef] = w
        if self.fit_intercept:
            theta[-1] = b
        return theta

    def unpack(self, theta):
        """Coefficients ``w`` and intercept ``b`` of ``theta``."""
        d = self.n_features
        w = theta[:d] - theta[d : 2 * d] if self.split else theta[:d].copy()
        b = float(theta[-1]) if self.fit_intercept else 0.0
        return w, b

    def bounds(self):
        """L-BFGS-B bounds on ``theta`` (None when unconstrained)."""
        if not self.split:
            return None
        return [(0.0, None)] * self.n_coef + [(None, None)] * int(self.fit_intercept)

    def objective(
        self, theta, rows=None, loss_scale=None, penalty_scale=None, l2_in_grad=True
    ):
        """Value and gradient in ``theta``.

        Parameters
        ----------
        theta : ndarray of shape (n_vars,)
            Current point.
        rows : ndarray of int or None
            Rows of a minibatch; all rows when None.
        loss_scale, penalty_scale : float or None
            Multipliers of the data term and of the penalty; ``1 / S`` and
            ``1 / (C S)`` when None, which gives ``F``.
        l2_in_grad : bool, default=True
            Whether the gradient includes the L2 term; a solver that handles
            that term by its proximal step leaves it out. The value always
            includes it.

        Returns
        -------
        value : float
        grad : ndarray of shape (n_vars,)
        """
        if loss_scale is None:
            loss_scale = 1.0 / self.total_weight
        if penalty_scale is None:
            penalty_scale = self._penalty_scale
        d = self.n_features
        w, b = self.unpack(theta)
        if self.split:
            abs_w = theta[:d] + theta[d : 2 * d]
            r = float(self.epsilon @ abs_w)
        else:
            abs_w = None
            r = 0.0
        loss, grad_w, grad_b, grad_r = self.design.loss_and_gradient(
            w, b, r, rows=rows, out=self._grad_w
        )
        l2 = (1.0 - self.l1_ratio) * penalty_scale
        value = loss_scale * loss + (0.5 * l2 * float(w @ w) if l2 else 0.0)
        grad = np.empty(self.n_vars)
        smooth = loss_scale * grad_w
        if l2_in_grad and l2:
            smooth += l2 * w
        if self.split:
            l1 = self.l1_ratio * penalty_scale
            value += l1 * float(abs_w.sum())
            # d/dp and d/dq share the terms that only see |w| = p + q.
            shared = loss_scale * grad_r * self.epsilon + l1
            grad[:d] = shared + smooth
            grad[d : 2 * d] = shared - smooth
        else:
            grad[:d] = smooth
        if self.fit_intercept:
            grad[-1] = loss_scale * grad_b
        return value, grad

    def natural_objective(self, w, b):
        """The objective in the units of the docstring formula (not divided)."""
        theta = self.pack(w, b)
        value, _ = self.objective(theta)
        return value * self.total_weight


def lbfgs(problem, theta0, *, max_iter, tol, verbose=0):
    """Exact minimiser of ``problem`` by L-BFGS-B.

    Parameters
    ----------
    problem : BinaryProblem
    theta0 : ndarray of shape (n_vars,)
        Starting point (feasible).
    max_iter : int
        Maximum number of iterations.
    tol : float
        Stop when the largest entry of the projected gradient is below ``tol``.
    verbose : int
        Print a one-line summary when positive.

    Returns
    -------
    theta : ndarray of shape (n_vars,)
    n_iter : int
    """
    # L-BFGS-B's own linear algebra works on tiny matrices; a multithreaded BLAS
    # only adds synchronisation to it (tens of times slower on a busy machine),
    # while the kernels that matter run in numba's thread pool.
    with _threadpool_controller().limit(limits=1, user_api="blas"):
        result = _minimize_lbfgsb(problem, theta0, max_iter, tol)
        if result.success:
            result = _restart_stalled(problem, result, max_iter, tol)
    if not np.all(np.isfinite(result.x)):
        raise ValueError(
            "L-BFGS-B diverged: the coefficients overflowed to a non-finite value. "
            "Scale the features (for example with StandardScaler) or the sample "
            "weights, or increase C."
        )
    if not result.success:
        warn_caller(
            "L-BFGS-B did not converge: "
            f"{result.message}. Increase max_iter ({max_iter}) or scale the data.",
            ConvergenceWarning,
        )
    else:
        gradient = _projected_gradient(problem, result)
        if gradient > max(_STALL_FACTOR * tol, _STALL_FLOOR):
            warn_caller(
                "L-BFGS-B stopped making progress before the projected gradient "
                f"fell below tol={tol:g} (largest entry {gradient:.3g}); the "
                "coefficients may be far from the optimum. Scale the data or "
                "increase C.",
                ConvergenceWarning,
            )
    return result.x, int(min(result.nit, max_iter))


def _restart_stalled(problem, result, max_iter, tol):
    """Restart L-BFGS-B while it stops on a flat stretch far from the optimum.

    L-BFGS-B also stops when an iteration lowers the objective by less than
    ftol relative to it, which happens on flat stretches (nearly separable
    data with a tiny penalty) long before the gradient is small. A restart
    drops the curvature pairs that stalled it. A restart is kept only if it
    lowered the objective, and its own status is not reported: the caller
    judges the result by its projected gradient. ``result.nit`` counts the
    iterations of all runs.
    """
    n_iter = result.nit
    for _ in range(_MAX_RESTARTS):
        if n_iter >= max_iter:
            break
        if _projected_gradient(problem, result) <= max(tol, _STALL_FLOOR):
            break
        again = _minimize_lbfgsb(problem, result.x, max_iter - n_iter, tol)
        n_iter += again.nit
        if again.fun >= result.fun:
            break
        # an abnormal end of the line search is judged by the gradient; running
        # out of iterations is reported as such
        again.success = again.status != _LBFGSB_MAX_ITERATIONS
        result = again
        if not result.success:
            break
    result.nit = n_iter
    return result


def _projected_gradient(problem, result):
    """Largest entry of the projected gradient, as L-BFGS-B's own test measures it."""
    x, grad = result.x, result.jac
    bounds = problem.bounds()
    if bounds is None:
        return float(np.max(np.abs(grad), initial=0.0))
    lower = np.array([-np.inf if lo is None else lo for lo, _ in bounds])
    step = np.maximum(x - grad, lower) - x
    return float(np.max(np.abs(step), initial=0.0))


@functools.cache
def _threadpool_controller():
    # Finding the loaded BLAS libraries scans the process's shared objects,
    # which costs milliseconds: a fifth of a whole fit on Spambase. Libraries
    # loaded later are not seen, which only matters for BLAS loaded after the
    # first fit.
    return ThreadpoolController()


def _minimize_lbfgsb(problem, theta0, max_iter, tol):
    return minimize(
        problem.objective,
        theta0,
        method="L-BFGS-B",
        jac=True,
        bounds=problem.bounds(),
        options={
            "maxiter": max_iter,
            "maxcor": _MAXCOR,
            "gtol": tol,
            "ftol": 64 * np.finfo(float).eps,
            "maxls": 50,
        },
    )


class MinibatchState:
    """Iterate and optimiser state of projected minibatch SGD or Adam.

    Plain arrays only, so that estimators holding it stay picklable.

    Parameters
    ----------
    theta : ndarray of shape (n_vars,)
        Starting point.
    """

    def __init__(self, theta):
        self.theta = np.array(theta, dtype=np.float64)
        self.m = np.zeros_like(self.theta)
        self.v = np.zeros_like(self.theta)
        self.t = 0
        self.seen_weight = 0.0
        self.seen_samples = 0


def minibatch_epoch(
    problem,
    state,
    *,
    solver,
    learning_rate,
    batch_size,
    rng,
    total_weight=None,
    n_samples=None,
):
    """One pass of projected minibatch SGD or Adam over every row of ``problem``.

    Each step follows an unbiased estimate of the gradient of ``F``: the batch's
    data term is scaled by ``n / (|B| S)`` and the penalty by ``1 / (C S)``.
    Within ``partial_fit`` the full ``S`` is not known; ``total_weight`` then
    holds the weight seen so far. SGD takes the L2 term by its proximal step
    rather than by its gradient. Coordinates bounded below by zero are projected
    back after every step, so exact zeros appear as with L-BFGS-B.

    Parameters
    ----------
    problem : BinaryProblem
    state : MinibatchState
        Updated in place.
    solver : {"sgd", "adam"}
    learning_rate : float
    batch_size : int
    rng : numpy.random.Generator
        Shuffles the rows.
    total_weight : float or None
        ``S``; the problem's own total weight when None.
    n_samples : int or None
        Number of rows of the full data when ``problem`` holds one block of
        them and ``total_weight`` their weight; the steps are then those of an
        epoch over the full data. None leaves the rule of ``partial_fit``.

    Returns
    -------
    mean_value : float
        Average of the minibatch objectives over the epoch.

    Raises
    ------
    ValueError
        When the iterate, Adam's moments or the objective overflowed; ``state``
        is then left as the epoch made it.
    """
    n = problem.design.n_samples
    if total_weight is None:
        # A full pass: the samples counted by earlier partial_fit calls on this
        # state are not part of the problem and must not rescale its data term.
        mean_weight = problem.total_weight / n
        total_weight = problem.total_weight
    elif n_samples is not None:
        mean_weight = total_weight / n_samples
    else:
        mean_weight = total_weight / max(state.seen_samples, n)
    pen_scale = penalty_scale(problem.C, total_weight)
    # An explicit step on the L2 term multiplies w by 1 - lr * l2, which
    # diverges once lr * l2 > 2 (a small C or tiny sample weights); the
    # proximal step divides by 1 + lr * l2 instead and is stable for any lr.
    # Adam's steps are bounded by lr whatever the gradient, so it keeps the
    # explicit gradient.
    proximal = solver == "sgd"
    shrink = 1.0 / (1.0 + learning_rate * (1.0 - problem.l1_ratio) * pen_scale)
    order = rng.permutation(n)
    n_coef = problem.n_coef if problem.split else 0
    values = 0.0
    n_batches = 0
    # Overflows surface as non-finite iterates, reported by _check_finite.
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, n, batch_size):
            rows = order[start : start + batch_size]
            loss_scale = 1.0 / (rows.shape[0] * mean_weight)
            value, grad = problem.objective(
                state.theta, rows, loss_scale, pen_scale, l2_in_grad=not proximal
            )
            values += value
            n_batches += 1
            state.t += 1
            if proximal:
                state.theta -= learning_rate * grad
                _shrink_l2(problem, state.theta, shrink)
            else:
                _adam_step(state, grad, learning_rate)
            if n_coef:
                np.maximum(state.theta[:n_coef], 0.0, out=state.theta[:n_coef])
    mean_value = values / max(n_batches, 1)
    _check_finite(problem, state, mean_value, solver, learning_rate)
    return mean_value


def _adam_step(state, grad, learning_rate):
    state.m *= _ADAM_BETA1
    state.m += (1.0 - _ADAM_BETA1) * grad
    state.v *= _ADAM_BETA2
    state.v += (1.0 - _ADAM_BETA2) * grad * grad
    step = learning_rate * np.sqrt(1.0 - _ADAM_BETA2**state.t)
    step /= 1.0 - _ADAM_BETA1**state.t
    state.theta -= step * state.m / (np.sqrt(state.v) + _ADAM_EPS)


def _shrink_l2(problem, theta, shrink):
    """Proximal step of the L2 term: ``w`` times ``shrink``, in place."""
    if shrink == 1.0:
        return
    d = problem.n_features
    if not problem.split:
        theta[:d] *= shrink
        return
    # The term sees only w = p - q: its proximal step scales the difference
    # (by 1 / (1 + 2 lr l2), as both p and q move) and keeps p + q.
    p, q = theta[:d], theta[d : 2 * d]
    half_sum = 0.5 * (p + q)
    half_diff = (0.5 * shrink / (2.0 - shrink)) * (p - q)
    p[:] = half_sum + half_diff
    q[:] = half_sum - half_diff


def _check_finite(problem, state, mean_value, solver, learning_rate):
    if not np.all(np.isfinite(state.theta)):
        what = "the coefficients"
    elif solver == "adam" and not (
        np.all(np.isfinite(state.m)) and np.all(np.isfinite(state.v))
    ):
        what = "the gradient"
    elif not np.isfinite(mean_value):
        what = "the objective"
    else:
        return
    raise ValueError(
        f"The {solver} solver diverged: {what} overflowed to a non-finite value "
        f"after {state.t} steps (learning_rate={learning_rate:g}, "
        f"C={problem.C:g}, largest epsilon={np.max(problem.epsilon, initial=0):g}). "
        "Lower learning_rate, increase C, use a smaller epsilon, scale the "
        "features (for example with StandardScaler) or the sample weights, or "
        "use solver='lbfgs'."
    )


def fit_minibatch(
    problem,
    state,
    *,
    solver,
    learning_rate,
    batch_size,
    max_iter,
    tol,
    n_iter_no_change,
    rng,
    verbose=0,
    run_epoch=None,
):
    """Epochs of :func:`minibatch_epoch` until the objective stops improving.

    The rule of scikit-learn's stochastic solvers: stop once the epoch's mean
    objective has failed ``n_iter_no_change`` epochs in a row to beat the best
    one seen by more than ``tol``. The objective is divided by the total sample
    weight, so ``tol`` is an improvement of the mean loss, whatever the size of
    the data. A ConvergenceWarning follows when ``max_iter`` epochs were not
    enough, and when the run ends with a clearly higher objective than it
    started with: the sign of a step size too large for the data.

    Parameters
    ----------
    problem : BinaryProblem
    state : MinibatchState
        Updated in place.
    solver : {"sgd", "adam"}
    learning_rate : float
    batch_size : int
    max_iter : int
        Maximum number of epochs.
    tol : float
        Smallest improvement of the epoch's mean objective that counts.
    n_iter_no_change : int
        Epochs without such an improvement before stopping.
    rng : numpy.random.Generator
    verbose : int
    run_epoch : callable or None
        ``run_epoch(state, rng)`` runs one epoch and returns its mean
        objective, as :func:`minibatch_epoch` does on ``problem``; for data
        held in blocks that are fed to it one at a time. ``problem`` still
        gives the objective of the starting and the final point.

    Returns
    -------
    n_epochs : int

    Raises
    ------
    ValueError
        When an epoch overflows, see :func:`minibatch_epoch`.
    """
    start_value = problem.objective(state.theta)[0]
    best = np.inf
    stalled = 0
    for epoch in range(1, max_iter + 1):
        if run_epoch is not None:
            value = run_epoch(state, rng)
        else:
            value = minibatch_epoch(
                problem,
                state,
                solver=solver,
                learning_rate=learning_rate,
                batch_size=batch_size,
                rng=rng,
            )
        if verbose:
            print(f"epoch {epoch}: mean objective {value:.6g}")
        stalled = stalled + 1 if value > best - tol else 0
        best = min(best, value)
        if stalled >= n_iter_no_change:
            break
    else:
        warn_caller(
            f"{solver} reached max_iter={max_iter} epochs before the objective "
            f"stopped improving by tol={tol:g}; increase max_iter.",
            ConvergenceWarning,
        )
    # The epoch means are too noisy on small data to compare with anything,
    # but the exact objective of a sensible run never ends far above that of
    # its starting point; one full pass costs less than an epoch.
    end_value = problem.objective(state.theta)[0]
    if end_value > start_value + max(tol, _GROWTH_MARGIN * abs(start_value)):
        warn_caller(
            f"{solver} ended with an objective of {end_value:.6g}, above the "
            f"{start_value:.6g} of its starting point: learning_rate="
            f"{learning_rate:g} is too large for these data; lower it.",
            ConvergenceWarning,
        )
    return epoch
