"""l_inf attacks on torch classifiers, as pure functions of (model, X, y, epsilon).

Both attacks work on flat inputs of shape (n_samples, n_features), so the budget
``epsilon`` and the data range ``clip`` may be scalars or per-feature tensors.
They put the model in eval mode while attacking and restore its previous mode
afterwards, and they differentiate with respect to the input only, so no
gradient ever reaches ``param.grad``.
"""

import torch
import torch.nn.functional as F

from skadv.utils._torch import eval_mode

#: Step size of the paper's MNIST schedule (features scaled to [0, 1]).
PAPER_STEP_SIZE = 0.01

#: Most steps the default schedule takes, whatever the budget.
MAX_SCHEDULE_STEPS = 200


def paper_schedule(epsilon_max):
    """Steps and step size of the paper's PGD schedule for a budget ``epsilon_max``.

    The paper (after Madry et al.) uses ``k = 100 * epsilon + 10`` steps of size
    ``a = 0.01`` on MNIST. The walk length ``k * a = epsilon + 0.1`` always
    exceeds the budget, so the attack can reach every vertex of the ball.

    Budgets above 1.9 (beyond the range of features scaled to [0, 1]) would
    make the step count grow without bound, so it is capped at
    :data:`MAX_SCHEDULE_STEPS` = 200 and the step size grows instead, to
    ``(epsilon + 0.1) / 200``: the walk keeps its length ``epsilon + 0.1``.

    Parameters
    ----------
    epsilon_max : float
        The largest per-feature budget.

    Returns
    -------
    steps : int
    step_size : float
    """
    epsilon_max = float(epsilon_max)
    steps = int(round(100.0 * epsilon_max + 10.0))
    if steps <= MAX_SCHEDULE_STEPS:
        return steps, PAPER_STEP_SIZE
    return MAX_SCHEDULE_STEPS, (epsilon_max + 0.1) / MAX_SCHEDULE_STEPS


def _as_tensor(value, like):
    return torch.as_tensor(value, dtype=like.dtype, device=like.device)


def bounds(X, epsilon, clip):
    """Elementwise lower and upper bounds of the ball around ``X`` within ``clip``.

    Intersecting the ball with the data range once, before the attack, turns
    every later projection into a single clamp. Where a feature of ``X`` lies
    more than its budget outside the range the two boxes do not meet; that
    feature is then pinned to the point of the ball nearest the range, so an
    attack never moves a feature by more than its budget.
    """
    epsilon = _as_tensor(epsilon, X)
    ball_lower, ball_upper = X - epsilon, X + epsilon
    if clip is None:
        return ball_lower, ball_upper
    # An empty intersection would make clamp return its upper bound, which can
    # lie anywhere outside the ball; keeping each bound inside the ball avoids it.
    lower = torch.minimum(torch.maximum(ball_lower, _as_tensor(clip[0], X)), ball_upper)
    upper = torch.maximum(torch.minimum(ball_upper, _as_tensor(clip[1], X)), ball_lower)
    return lower, upper


def project(X_adv, X, epsilon, clip):
    """Project ``X_adv`` onto the l_inf ball of radius ``epsilon`` around ``X``.

    The ball is intersected with the data range ``clip`` (``None`` or a pair of
    scalars or per-feature tensors); both are boxes, so the Euclidean projection
    onto their intersection is an elementwise clamp (see :func:`bounds` for
    features whose ball misses the range).
    """
    return torch.clamp(X_adv, *bounds(X, epsilon, clip))


def _random_start(X, epsilon, lower, upper, generator):
    noise = torch.rand(X.shape, generator=generator, device=X.device, dtype=X.dtype)
    return torch.clamp(X + (2.0 * noise - 1.0) * epsilon, lower, upper)


def _sign_step(model, X_adv, y, step_size):
    X_adv = X_adv.detach().requires_grad_(True)
    loss = F.cross_entropy(model(X_adv), y, reduction="sum")
    (grad,) = torch.autograd.grad(loss, X_adv)
    return (X_adv + step_size * grad.sign()).detach()


def pgd(
    model,
    X,
    y,
    epsilon,
    *,
    steps,
    step_size,
    random_start=True,
    clip=None,
    generator=None,
):
    """Projected gradient descent (Madry et al., 2018) in the l_inf ball.

    Starting from a uniformly random point of the ball (or from ``X``), takes
    ``steps`` steps of size ``step_size`` along the sign of the input gradient of
    the cross-entropy loss, projecting onto the ball and the data range after
    every step.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (n_samples, n_features) to logits.
    X : torch.Tensor of shape (n_samples, n_features)
        Clean inputs.
    y : torch.Tensor of shape (n_samples,)
        Class indices (long).
    epsilon : float or torch.Tensor of shape (n_features,)
        Budget, per feature when a tensor.
    steps : int
        Number of gradient steps.
    step_size : float or torch.Tensor of shape (n_features,)
        Size of each step.
    random_start : bool, default=True
        Start from a uniform random point of the ball.
    clip : None or (low, high)
        Data range; each bound a scalar or a per-feature tensor.
    generator : torch.Generator, default=None
        Source of the random start, on the device of ``X``.

    Returns
    -------
    X_adv : torch.Tensor of shape (n_samples, n_features)
        Detached adversarial inputs, within the ball and the data range.
    """
    X = X.detach()
    epsilon = _as_tensor(epsilon, X)
    # Per-feature step sizes may arrive as numpy arrays, which torch cannot
    # multiply into a tensor.
    step_size = _as_tensor(step_size, X)
    lower, upper = bounds(X, epsilon, clip)
    with eval_mode(model), torch.enable_grad():
        X_adv = (
            _random_start(X, epsilon, lower, upper, generator) if random_start else X
        )
        for _ in range(steps):
            X_adv = torch.clamp(_sign_step(model, X_adv, y, step_size), lower, upper)
    return X_adv


def fgsm(
    model,
    X,
    y,
    epsilon,
    *,
    step_size=None,
    random_start=True,
    clip=None,
    generator=None,
):
    """Fast gradient sign attack from a random start (Wong, Rice and Kolter, 2020).

    One sign-gradient step of size ``1.25 * epsilon`` from a uniformly random
    point of the ball, projected onto the ball and the data range. This is the
    attack of "fast adversarial training", at the cost of a single backward pass.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (n_samples, n_features) to logits.
    X : torch.Tensor of shape (n_samples, n_features)
        Clean inputs.
    y : torch.Tensor of shape (n_samples,)
        Class indices (long).
    epsilon : float or torch.Tensor of shape (n_features,)
        Budget, per feature when a tensor.
    step_size : float or torch.Tensor, default=None
        ``None`` means ``1.25 * epsilon``.
    random_start : bool, default=True
        Start from a uniform random point of the ball (plain FGSM when False).
    clip : None or (low, high)
        Data range; each bound a scalar or a per-feature tensor.
    generator : torch.Generator, default=None
        Source of the random start, on the device of ``X``.

    Returns
    -------
    X_adv : torch.Tensor of shape (n_samples, n_features)
        Detached adversarial inputs, within the ball and the data range.
    """
    # One PGD step of a larger size: the two attacks differ only in schedule.
    if step_size is None:
        step_size = 1.25 * _as_tensor(epsilon, X)
    return pgd(
        model,
        X,
        y,
        epsilon,
        steps=1,
        step_size=step_size,
        random_start=random_start,
        clip=clip,
        generator=generator,
    )
