"""The torch pieces of training on one minibatch: attack, loss terms and step.

:func:`build_attack` turns the estimator's attack parameters into a callable
``attack(module, X, y)``; :func:`cross_entropy` and :func:`weight_penalty` are
the two terms of the training loss and :func:`optimizer_step` applies it. The
estimator's overridable hooks (``train_step``, ``attack_batch``,
``compute_loss``, ``data_loss``, ``penalty``, in
:mod:`skadv.neural_network._train_hooks`) are made of these, and the epoch loop
in :mod:`skadv.neural_network._fit_loop` calls ``train_step`` once per batch.
"""

import numpy as np
import torch
import torch.nn.functional as F

from skadv.neural_network._attacks import fgsm, paper_schedule, pgd
from skadv.neural_network._device import make_generator
from skadv.neural_network._modules import penalized_weights
from skadv.utils._torch import as_tensor


class AttackSpec:
    """An attack with its budget and settings bound: ``attack(module, X, y)``.

    Parameters
    ----------
    kind : {"pgd", "fgsm"} or None
        None means natural training: the call returns ``X`` unchanged.
    epsilon : torch.Tensor
        Budget, a scalar or per-feature tensor on the training device.
    clip : None or (torch.Tensor, torch.Tensor)
        Data range on the training device.
    steps : int
        PGD steps (ignored by FGSM).
    step_size : float or None
        Step size; None lets FGSM use ``1.25 * epsilon``.
    random_start : bool
        Start from a random point of the ball.
    generator : torch.Generator
        Source of the random starts, on the training device.
    """

    def __init__(self, kind, epsilon, clip, steps, step_size, random_start, generator):
        self.kind = kind
        self.epsilon = epsilon
        self.clip = clip
        self.steps = steps
        self.step_size = step_size
        self.random_start = random_start
        self.generator = generator

    def __call__(self, module, X, y):
        if self.kind is None:
            return X
        common = dict(
            step_size=self.step_size,
            random_start=self.random_start,
            clip=self.clip,
            generator=self.generator,
        )
        if self.kind == "fgsm":
            return fgsm(module, X, y, self.epsilon, **common)
        return pgd(module, X, y, self.epsilon, steps=self.steps, **common)


def build_attack(kind, epsilon, clip, device, seed, *, steps, step_size, random_start):
    """Bind an attack to its budget, with the paper's schedule for missing settings.

    Parameters
    ----------
    kind : {"pgd", "fgsm"} or None
        The attack; a budget of zero everywhere turns any attack off.
    epsilon : ndarray
        Validated budget, scalar or of shape (n_features,).
    clip : None or (ndarray, ndarray)
        Validated data range.
    device : torch.device
        Where the attack runs.
    seed : int
        Seed of the random starts.
    steps, step_size : int or None, float or None
        ``None`` takes the paper's schedule ``100 * max(epsilon) + 10`` steps of
        0.01 for PGD, capped at 200 steps (see
        :func:`~skadv.neural_network._attacks.paper_schedule`); FGSM's step
        size then stays ``1.25 * epsilon``.
    random_start : bool
        Start from a random point of the ball.

    Returns
    -------
    attack : AttackSpec
    """
    if not np.any(epsilon > 0):
        kind = None
    paper_steps, paper_step_size = paper_schedule(np.max(epsilon))
    if steps is None:
        steps = paper_steps
    if step_size is None and kind == "pgd":
        step_size = paper_step_size
    # Kept in float64: the attacks cast the budget and the range to the dtype
    # of the inputs they perturb, whatever the network's dtype.
    wide = torch.float64
    clip = None if clip is None else tuple(as_tensor(c, device, wide) for c in clip)
    return AttackSpec(
        kind,
        as_tensor(epsilon, device, wide),
        clip,
        int(steps),
        step_size,
        random_start,
        make_generator(device, seed),
    )


def weight_penalty(module, n_samples, *, alpha, l1):
    """The ``alpha`` and ``l1`` penalties of the weights, as one scalar.

    ``alpha`` is an L2 penalty scaled like scikit-learn's MLP,
    ``0.5 * alpha * ||W||^2 / n_samples``; ``l1`` is the paper's L1 baseline,
    ``l1 * ||W||_1``. Biases are not penalized.

    Parameters
    ----------
    module : torch.nn.Module
        The network.
    n_samples : int
        Size of the minibatch the penalty is added to.
    alpha, l1 : float
        Penalty strengths.

    Returns
    -------
    penalty : torch.Tensor or float
        A 0-d tensor attached to the graph of the weights, or ``0.0`` when
        both strengths are zero.
    """
    penalty = 0.0
    if alpha or l1:
        weights = penalized_weights(module)
        if alpha:
            squares = sum(w.pow(2).sum() for w in weights)
            penalty = penalty + 0.5 * alpha * squares / n_samples
        if l1:
            penalty = penalty + l1 * sum(w.abs().sum() for w in weights)
    return penalty


def cross_entropy(module, X, y):
    """Mean cross-entropy of the network's logits of ``X`` against ``y``.

    Parameters
    ----------
    module : torch.nn.Module
        The network, in the mode the loss should be computed in.
    X : torch.Tensor of shape (n_samples, n_features)
        Inputs.
    y : torch.Tensor of shape (n_samples,)
        Class indices.

    Returns
    -------
    loss : torch.Tensor
        A 0-d tensor attached to the graph of the parameters.
    """
    return F.cross_entropy(module(X), y)


def optimizer_step(optimizer, loss):
    """One step of ``optimizer`` down the gradient of ``loss``.

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
        The network's optimizer.
    loss : torch.Tensor
        A differentiable 0-d loss.

    Returns
    -------
    loss : torch.Tensor
        The loss, detached.
    """
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.detach()


def batch_loss_total(loss, n_samples):
    """``loss * n_samples`` as a float64 tensor, without a device synchronisation.

    A train step may return a float or a 0-d tensor; keeping tensors on their
    device lets the epoch sum its losses without waiting for the GPU each batch.
    """
    if isinstance(loss, torch.Tensor):
        return loss.detach().to(torch.float64).reshape(()) * n_samples
    return torch.tensor(float(loss) * n_samples, dtype=torch.float64)
