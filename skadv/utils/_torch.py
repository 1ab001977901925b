"""The torch computations that the network estimator and the module provider share.

:class:`~skadv.neural_network.AdversarialMLPClassifier` and the provider of a
plain ``torch.nn.Module`` (:mod:`skadv.utils._torch_provider`) both turn
numpy rows into tensors, run a network without disturbing its mode, and
differentiate one output per row with respect to the inputs. Each of these is
written here once.

This module imports torch at import time. It is imported only inside functions
or by modules that are themselves imported only when torch is needed, so that
``import skadv`` never imports torch.
"""

from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
import torch


def as_tensor(values, device, dtype=torch.float32):
    """Copy ``values`` onto ``device`` as a dense tensor of ``dtype``.

    Parameters
    ----------
    values : scalar, array-like or scipy sparse matrix
        The data; a sparse matrix is densified, so pass only the rows needed.
    device : str or torch.device
        Where the tensor goes.
    dtype : torch.dtype, default=torch.float32
        Its dtype.

    Returns
    -------
    tensor : torch.Tensor
        Of the shape of ``values``; on the CPU in the dtype of ``values`` it
        shares their memory.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from skadv.utils._torch import as_tensor
    >>> as_tensor(np.arange(3), "cpu", torch.float64)
    tensor([0., 1., 2.], dtype=torch.float64)
    """
    if sp.issparse(values):
        values = values.toarray()
    values = np.asarray(values)
    if not (values.flags.writeable and values.flags.c_contiguous):
        # torch cannot wrap read-only memory (a memmap, say) nor every stride
        values = values.copy(order="C")
    return torch.as_tensor(values, dtype=dtype, device=device)


def network_dtype(module, default=torch.float32):
    """Floating dtype of a network's parameters.

    Parameters
    ----------
    module : torch.nn.Module
        The network.
    default : torch.dtype, default=torch.float32
        The dtype of a network without floating parameters.

    Returns
    -------
    dtype : torch.dtype

    Examples
    --------
    >>> import torch
    >>> from skadv.utils._torch import network_dtype
    >>> network_dtype(torch.nn.Linear(2, 1).double())
    torch.float64
    """
    for tensor in module.parameters():
        if tensor.is_floating_point():
            return tensor.dtype
    return default


def module_device(module):
    """Device of the first parameter or buffer of ``module``.

    Parameters
    ----------
    module : torch.nn.Module
        The network.

    Returns
    -------
    device : torch.device
        The CPU for a module without parameters or buffers.

    Examples
    --------
    >>> import torch
    >>> from skadv.utils._torch import module_device
    >>> module_device(torch.nn.Linear(2, 1))
    device(type='cpu')
    """
    for tensor in module.parameters():
        return tensor.device
    for tensor in module.buffers():
        return tensor.device
    return torch.device("cpu")


@contextmanager
def eval_mode(module):
    """Put ``module`` in eval mode inside the block, then restore its mode.

    Parameters
    ----------
    module : torch.nn.Module
        The network.

    Yields
    ------
    module : torch.nn.Module
        The same network, in eval mode.

    Examples
    --------
    >>> import torch
    >>> from skadv.utils._torch import eval_mode
    >>> net = torch.nn.Dropout().train()
    >>> with eval_mode(net):
    ...     net.training
    False
    >>> net.training
    True
    """
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)


def target_value_and_input_gradient(forward, inputs, target, output):
    """Each row's target output and its gradient with respect to that row.

    The output of row ``i`` is the softmax probability (``"proba"``) or the
    logit (``"logit"``) of class ``target[i]``. A single logit column is read
    as the logit of class 1 of a binary problem, as for a binary linear model:
    class 1 takes ``+logit`` and class 0 ``-logit``, and ``"proba"`` is the
    sigmoid of that. Only the inputs are differentiated, so no parameter
    gradient is written, and the network's mode is left to the caller.

    Parameters
    ----------
    forward : callable
        Maps a tensor like ``inputs`` to logits of shape (n_samples, n_outputs);
        a ``torch.nn.Module`` will do.
    inputs : torch.Tensor of shape (n_samples, ...)
        The rows, in the dtype and on the device of the network.
    target : array-like or torch.Tensor of shape (n_samples,)
        Output index per row.
    output : {"proba", "logit"}
        Which output to differentiate.

    Returns
    -------
    values : torch.Tensor of shape (n_samples,)
        The chosen outputs, detached, in the dtype of the logits.
    gradients : torch.Tensor of the shape of ``inputs``
        Their input gradients, in the dtype of ``inputs``.

    Examples
    --------
    >>> import torch
    >>> from skadv.utils._torch import target_value_and_input_gradient
    >>> net = torch.nn.Linear(2, 3, bias=False).double()
    >>> values, grads = target_value_and_input_gradient(
    ...     net, torch.ones(4, 2, dtype=torch.float64), [0, 1, 2, 0], "logit")
    >>> torch.equal(grads[1], net.weight[1].detach())
    True
    """
    if output not in ("proba", "logit"):
        raise ValueError(f"output must be 'proba' or 'logit', got {output!r}.")
    inputs = inputs.detach().requires_grad_(True)
    if isinstance(target, torch.Tensor):
        target = target.to(device=inputs.device, dtype=torch.long)
    else:
        target = as_tensor(target, inputs.device, torch.long)
    with torch.enable_grad():
        logits = forward(inputs)
        if logits.shape[1] == 1:
            signed = (2.0 * target.to(logits.dtype) - 1.0) * logits[:, 0]
            values = torch.sigmoid(signed) if output == "proba" else signed
        else:
            scores = torch.softmax(logits, dim=1) if output == "proba" else logits
            values = scores.gather(1, target[:, None])[:, 0]
        # rows are independent, so the gradient of the sum is each row's own
        (gradients,) = torch.autograd.grad(values.sum(), inputs)
    return values.detach(), gradients
