"""Gradient provider for a plain ``torch.nn.Module`` that returns logits.

It lives with model resolution (:mod:`skadv.utils._resolve`), which imports it
only when a torch module is resolved: it imports torch.

The module receives inputs of shape ``(n_samples, *sample_shape)`` and must return
logits of shape ``(n_samples, n_classes)``; a single column (or a 1-d output) is
read as the logit of class 1 of a binary problem, like a binary linear model:
class 1 attributes ``+logit`` and class 0 attributes ``-logit``, and ``"proba"`` is
the sigmoid of that. With several columns ``"proba"`` is the softmax probability of
the target column and ``"logit"`` the target column itself. The conversion of
rows to tensors and the input gradient are those of :mod:`skadv.utils._torch`,
shared with :class:`~skadv.neural_network.AdversarialMLPClassifier`.
"""

import numpy as np
import torch

from skadv.utils._torch import (
    as_tensor,
    module_device,
    network_dtype,
    target_value_and_input_gradient,
)


class TorchModuleProvider:
    """Expose a logits-returning torch module through the gradient protocol.

    Parameters
    ----------
    module : torch.nn.Module
        The model. It is used as is: its mode (train or eval) and its parameters
        are left untouched, and its gradients are not accumulated.
    sample_shape : tuple of int
        Shape of one input sample, e.g. ``(1, 28, 28)`` for an image.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from skadv.utils._torch_provider import TorchModuleProvider
    >>> net = torch.nn.Linear(3, 2).double()
    >>> provider = TorchModuleProvider(net, (3,))
    >>> values, grads = provider._output_and_gradient(
    ...     np.ones((4, 3)), np.zeros(4, dtype=int), "logit")
    >>> values.shape, grads.shape
    ((4,), (4, 3))
    """

    def __init__(self, module, sample_shape):
        self.module = module
        self.sample_shape = tuple(sample_shape)
        self._dtype = network_dtype(module, default=torch.get_default_dtype())
        self._device = module_device(module)
        self._n_outputs = None
        # numpy dtype in which inputs are best built: no conversion copy needed.
        self.input_dtype = np.dtype(str(self._dtype).removeprefix("torch."))

    def _as_tensor(self, X):
        tensor = as_tensor(X, self._device, self._dtype)
        return tensor.reshape((X.shape[0],) + self.sample_shape)

    def _forward(self, inputs):
        out = self.module(inputs)
        if not isinstance(out, torch.Tensor) or out.ndim not in (1, 2):
            raise TypeError(
                "A torch module passed to skadv must return a tensor of logits of "
                "shape (n_samples, n_classes) or (n_samples,); got "
                f"{getattr(out, 'shape', type(out).__name__)}."
            )
        return out.reshape(out.shape[0], -1)

    @property
    def n_classes(self):
        """Number of classes: 2 for a single logit column, else the width."""
        if self._n_outputs is None:
            raise AttributeError("n_classes is known after the first forward pass.")
        return max(self._n_outputs, 2)

    def probe(self, X):
        """Run one row to learn the number of outputs; returns ``n_classes``."""
        try:
            with torch.no_grad():
                out = self._forward(self._as_tensor(X[:1]))
        except RuntimeError as exc:
            # A shape mismatch surfaces here first, as a torch error that names
            # matrices rather than the user's X.
            raise ValueError(
                f"The torch module cannot be applied to X of shape {X.shape} "
                f"(samples of shape {self.sample_shape}): {exc}"
            ) from exc
        self._n_outputs = out.shape[1]
        return self.n_classes

    def predict_index(self, X, batch_size=None):
        """Index of the predicted class of every row of the flat input ``X``."""
        step = X.shape[0] if batch_size is None else max(int(batch_size), 1)
        parts = []
        with torch.no_grad():
            for start in range(0, X.shape[0], max(step, 1)):
                out = self._forward(self._as_tensor(X[start : start + step]))
                if out.shape[1] == 1:
                    parts.append((out[:, 0] > 0).long().cpu().numpy())
                else:
                    parts.append(out.argmax(dim=1).cpu().numpy())
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.intp)

    def _output_and_gradient(self, X, target, output):
        """Values (float64) and input gradients (in the module's dtype) of the
        attributed output; see :mod:`skadv.utils._protocol`."""
        values, grads = target_value_and_input_gradient(
            self._forward, self._as_tensor(X), target, output
        )
        # Gradients stay in the module's dtype (no float64 copy of a large array);
        # callers accumulate them in float64.
        return (
            values.cpu().numpy().astype(np.float64),
            grads.cpu().numpy().reshape(X.shape[0], -1),
        )
