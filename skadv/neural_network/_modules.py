"""Builders for the torch networks that :class:`AdversarialMLPClassifier` trains.

Every network built here takes flat inputs of shape (n_samples, n_features), the
layout scikit-learn requires. Networks that want images get a leading
:class:`torch.nn.Unflatten` so that attacks, gradients and per-feature budgets all
live in the flat feature space the user passed in.

This module imports torch at import time; the estimator only imports it lazily.
"""

import math
from numbers import Integral

import torch
from torch import nn

from skadv.utils._torch import eval_mode, module_device, network_dtype

_ACTIVATIONS = {
    "identity": nn.Identity,
    "logistic": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
}


def build_mlp(n_features, hidden_layer_sizes, n_outputs, activation="relu"):
    """Fully connected network ``n_features -> hidden... -> n_outputs``.

    Parameters
    ----------
    n_features : int
        Width of the input.
    hidden_layer_sizes : sequence of int
        Width of each hidden layer; empty gives a linear model.
    n_outputs : int
        Number of logits.
    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        Non-linearity after every hidden layer.

    Returns
    -------
    module : torch.nn.Sequential
        The network, mapping (n_samples, n_features) to (n_samples, n_outputs).
    """
    layers = []
    width = n_features
    for size in hidden_layer_sizes:
        layers.append(nn.Linear(width, int(size)))
        layers.append(_ACTIVATIONS[activation]())
        width = int(size)
    layers.append(nn.Linear(width, n_outputs))
    return nn.Sequential(*layers)


def build_madry_cnn(input_shape, n_outputs, activation="relu"):
    """The MNIST network of Madry et al. (2018), used by the paper for (Fashion-)MNIST.

    Two 5x5 convolutions with 32 and 64 filters ("same" padding), each followed by
    the activation and a 2x2 max-pooling, then a 1024-unit fully connected layer and
    the output layer.

    Parameters
    ----------
    input_shape : tuple of int
        ``(channels, height, width)`` of one image.
    n_outputs : int
        Number of logits.
    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        Non-linearity after each convolution and the hidden dense layer.

    Returns
    -------
    module : torch.nn.Sequential
        The network, mapping flat (n_samples, channels * height * width) inputs
        to (n_samples, n_outputs).
    """
    channels, height, width = input_shape
    if height < 4 or width < 4:
        raise ValueError(
            "architecture='cnn' pools twice by 2x2 and needs images of at least "
            f"4x4 pixels; got input_shape={tuple(input_shape)}."
        )
    act = _ACTIVATIONS[activation]
    flat = 64 * (height // 4) * (width // 4)
    return nn.Sequential(
        nn.Unflatten(1, (channels, height, width)),
        nn.Conv2d(channels, 32, kernel_size=5, padding=2),
        act(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, kernel_size=5, padding=2),
        act(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(flat, 1024),
        act(),
        nn.Linear(1024, n_outputs),
    )


def resolve_input_shape(input_shape, n_features, architecture):
    """Check ``input_shape`` against ``n_features`` and fill in a default.

    Parameters
    ----------
    input_shape : tuple of int or None
        Shape of one sample as the network sees it.
    n_features : int
        Number of columns of the 2-D input.
    architecture : str or callable
        ``"cnn"`` infers a one-channel square image when ``input_shape`` is None.

    Returns
    -------
    input_shape : tuple of int
        ``(n_features,)`` for flat networks without an explicit shape.
    """
    if input_shape is None:
        if architecture == "cnn":
            side = math.isqrt(n_features)
            if side * side != n_features:
                raise ValueError(
                    "architecture='cnn' needs input_shape=(channels, height, width) "
                    f"when n_features={n_features} is not a perfect square."
                )
            return (1, side, side)
        return (n_features,)
    shape = tuple(input_shape)
    if not shape or not all(
        isinstance(s, Integral) and not isinstance(s, bool) and s > 0 for s in shape
    ):
        raise ValueError(
            f"input_shape must be a tuple of positive ints, got {input_shape!r}."
        )
    if math.prod(shape) != n_features:
        raise ValueError(
            f"input_shape={shape} holds {math.prod(shape)} values but X has "
            f"{n_features} features."
        )
    if architecture == "cnn" and len(shape) != 3:
        raise ValueError(
            "architecture='cnn' needs input_shape=(channels, height, width), "
            f"got {shape}."
        )
    return shape


def build_module(
    architecture, input_shape, n_outputs, *, hidden_layer_sizes, activation
):
    """Build the network for the estimator's ``architecture`` parameter.

    Parameters
    ----------
    architecture : {"mlp", "cnn"} or callable
        A callable is called as ``architecture(input_shape, n_outputs)`` and must
        return a :class:`torch.nn.Module` mapping tensors of shape
        ``(n_samples, *input_shape)`` to logits of shape ``(n_samples, n_outputs)``.
    input_shape : tuple of int
        Shape of one sample, as returned by :func:`resolve_input_shape`.
    n_outputs : int
        Number of logits (the number of classes).
    hidden_layer_sizes : sequence of int
        Used by ``"mlp"`` only.
    activation : str
        Used by ``"mlp"`` and ``"cnn"``.

    Returns
    -------
    module : torch.nn.Module
        A network taking flat inputs of shape (n_samples, prod(input_shape)).
    """
    n_features = math.prod(input_shape)
    if architecture == "mlp":
        return build_mlp(n_features, hidden_layer_sizes, n_outputs, activation)
    if architecture == "cnn":
        return build_madry_cnn(input_shape, n_outputs, activation)
    module = architecture(tuple(input_shape), n_outputs)
    if not isinstance(module, nn.Module):
        raise TypeError(
            "architecture must return a torch.nn.Module when called as "
            f"architecture(input_shape, n_outputs); it returned "
            f"{type(module).__name__}."
        )
    if len(input_shape) > 1:
        return nn.Sequential(nn.Unflatten(1, tuple(input_shape)), module)
    return module


def check_logit_shape(module, n_features, n_outputs):
    """Run a custom network on zeros: flat rows must give ``n_outputs`` logits.

    Called before any training, so that a network that does not fit ``X`` or
    the classes fails with a message naming ``architecture`` rather than deep
    inside torch, or later as a wrong prediction.

    Parameters
    ----------
    module : torch.nn.Module
        The network as it will be trained, taking flat inputs.
    n_features : int
        Width of the flat input.
    n_outputs : int
        Number of classes; one logit each is expected.
    """
    dtype = network_dtype(module)
    probe = torch.zeros((2, n_features), dtype=dtype, device=module_device(module))
    # a forward pass may draw random numbers; the caller's generator stays as it was
    with torch.random.fork_rng(devices=[]), eval_mode(module), torch.no_grad():
        try:
            out = module(probe)
        except Exception as exc:  # any failure of the user's network, reported whole
            raise ValueError(
                "architecture returned a network that fails on a batch of shape "
                f"(2, {n_features}) in {str(dtype).removeprefix('torch.')}, the "
                f"layout and dtype of the training inputs: {exc}"
            ) from exc
    if not isinstance(out, torch.Tensor):
        raise ValueError(
            "architecture must return a network whose output is a tensor of "
            f"logits; it returned a {type(out).__name__}."
        )
    if tuple(out.shape) != (2, n_outputs):
        raise ValueError(
            "architecture must return a network with one logit per class: "
            f"expected an output of shape (2, {n_outputs}) for a batch of 2 "
            f"samples and {n_outputs} classes, got shape {tuple(out.shape)}."
        )


def penalized_weights(module):
    """The parameters that ``alpha`` and ``l1`` penalize: weights, not biases.

    Parameters
    ----------
    module : torch.nn.Module
        The network.

    Returns
    -------
    weights : list of torch.Tensor
        Every trainable parameter with at least two dimensions.
    """
    return [p for p in module.parameters() if p.requires_grad and p.dim() > 1]


def seeded_build(seed, build, *args, **kwargs):
    """Call ``build`` with torch's global generator temporarily seeded.

    Layer initialisers draw from the global generator; forking it keeps the
    initial weights reproducible without disturbing the caller's random state.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build(*args, **kwargs)
