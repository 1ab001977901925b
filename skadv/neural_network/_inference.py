"""Batched work on a network's inputs: training rows, logits, gradients, robustness.

These are the torch halves of the estimator's prediction methods and of the
provider protocol (``_output_and_gradient``, ``_robust_correct``), and the rows
that training draws its minibatches from. Each inference function runs the
network in eval mode and puts it back in the mode it found, works through the
rows batch by batch to bound memory, differentiates with respect to the inputs
only (parameter gradients are never touched), and returns float64 ndarrays.

Inputs are cast batch by batch to the dtype of the network's parameters (see
:func:`~skadv.utils._torch.network_dtype`), and a scipy sparse ``X`` is
densified one batch at a time, so no dense copy of a whole sparse matrix is
ever made. The conversions, the eval mode and the input gradient of a target
output are those of :mod:`skadv.utils._torch`, shared with the provider of
plain torch modules.
"""

import numpy as np
import scipy.sparse as sp
import torch

from skadv.utils._torch import (
    as_tensor,
    eval_mode,
    network_dtype,
    target_value_and_input_gradient,
)

#: Rows per forward pass at inference; bounds memory for large inputs.
INFERENCE_BATCH_SIZE = 512


class SparseRows:
    """A CSR matrix seen by the epoch loop as a tensor of rows on the device.

    Indexing with a tensor of row indices gives those rows as a dense tensor,
    so that training on sparse data holds one minibatch densified at a time.

    Parameters
    ----------
    X : scipy sparse matrix or array of shape (n_samples, n_features)
        Training inputs, converted to CSR for fast row selection.
    device : torch.device
        Device of the network.
    dtype : torch.dtype
        Dtype of the network.
    """

    def __init__(self, X, device, dtype):
        self.matrix = X.tocsr()
        self.device = torch.device(device)
        self.dtype = dtype
        self.shape = self.matrix.shape

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, index):
        if isinstance(index, torch.Tensor):
            index = index.cpu().numpy()
        return as_tensor(self.matrix[index], self.device, self.dtype)


def training_rows(X, device, dtype):
    """``X`` as the epoch loop indexes it: a tensor, or :class:`SparseRows`.

    A dense ``X`` moves to the device once, in the network's dtype; a sparse
    one stays on the host and is densified one minibatch at a time.

    Parameters
    ----------
    X : ndarray or scipy sparse matrix or array of shape (n_samples, n_features)
        Validated training inputs.
    device : torch.device
        Device of the network.
    dtype : torch.dtype
        Dtype of the network.

    Returns
    -------
    rows : torch.Tensor or SparseRows
    """
    if sp.issparse(X):
        return SparseRows(X, device, dtype)
    return as_tensor(X, device, dtype=dtype)


def _batches(n_samples, batch_size):
    for start in range(0, n_samples, batch_size):
        yield slice(start, min(start + batch_size, n_samples))


def predict_logits(module, X, device, batch_size=INFERENCE_BATCH_SIZE):
    """Logits of ``X`` as a float64 ndarray of shape (n_samples, n_outputs).

    Parameters
    ----------
    module : torch.nn.Module
        The network.
    X : ndarray or scipy sparse matrix of shape (n_samples, n_features)
        Inputs.
    device : torch.device
        Device of ``module``.
    batch_size : int, default=512
        Rows per forward pass.

    Returns
    -------
    logits : ndarray of shape (n_samples, n_outputs)
    """
    dtype = network_dtype(module)
    out = []
    with eval_mode(module), torch.no_grad():
        for rows in _batches(X.shape[0], batch_size):
            logits = module(as_tensor(X[rows], device, dtype))
            out.append(logits.double().cpu().numpy())
    if not out:
        return np.empty((0, 0))
    return np.concatenate(out)


def output_and_gradient(
    module, X, target, output, device, batch_size=INFERENCE_BATCH_SIZE
):
    """Values and input gradients of each row's target probability or logit.

    Parameters
    ----------
    module : torch.nn.Module
        The network.
    X : ndarray or scipy sparse matrix of shape (n_samples, n_features)
        Inputs.
    target : ndarray of shape (n_samples,)
        Output index per row.
    output : {"proba", "logit"}
        The softmax probability or the logit of the target.
    device : torch.device
        Device of ``module``.
    batch_size : int, default=512
        Rows per forward and backward pass.

    Returns
    -------
    values : ndarray of shape (n_samples,)
    gradients : ndarray of shape (n_samples, n_features)
    """
    dtype = network_dtype(module)
    values = np.empty(X.shape[0])
    grads = np.empty(X.shape, dtype=np.float64)
    with eval_mode(module):
        for rows in _batches(X.shape[0], batch_size):
            value, grad = target_value_and_input_gradient(
                module, as_tensor(X[rows], device, dtype), target[rows], output
            )
            values[rows] = value.double().cpu().numpy()
            grads[rows] = grad.double().cpu().numpy()
    return values, grads


def robust_correct(
    module, X, y, attack, device, *, restarts, batch_size=INFERENCE_BATCH_SIZE
):
    """Whether each row stays correct on the clean point and after every restart.

    Parameters
    ----------
    module : torch.nn.Module
        The network.
    X : ndarray or scipy sparse matrix of shape (n_samples, n_features)
        Inputs.
    y : ndarray of shape (n_samples,)
        Class indices, with -1 for labels the model does not know (never correct).
    attack : callable
        ``attack(module, X_batch, y_batch)`` returning adversarial inputs.
    device : torch.device
        Device of ``module``.
    restarts : int
        Attacks per row; a row must survive all of them.
    batch_size : int, default=512
        Rows attacked together.

    Returns
    -------
    correct : ndarray of bool of shape (n_samples,)
    """
    dtype = network_dtype(module)
    correct = np.empty(X.shape[0], dtype=bool)
    with eval_mode(module):
        for rows in _batches(X.shape[0], batch_size):
            X_batch = as_tensor(X[rows], device, dtype)
            known = torch.as_tensor(y[rows] >= 0, device=device)
            y_batch = as_tensor(np.maximum(y[rows], 0), device, dtype=torch.long)
            with torch.no_grad():
                ok = (module(X_batch).argmax(1) == y_batch) & known
            for _ in range(restarts):
                X_adv = attack(module, X_batch, y_batch)
                with torch.no_grad():
                    ok &= module(X_adv).argmax(1) == y_batch
            correct[rows] = ok.cpu().numpy()
    return correct
