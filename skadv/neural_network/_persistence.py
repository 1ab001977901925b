"""The network of :class:`AdversarialMLPClassifier` and its optimizer, as state.

:class:`NetworkStateMixin` owns the pair ``module_`` / ``optimizer_``: building
an untrained network of the fitted architecture, placing it on a device with an
Adam optimizer for the current ``learning_rate_init`` (carrying the Adam
moments across the move or starting afresh), and pickling both through a CPU
state dict so that a model trained on a GPU unpickles on a CPU-only machine.
Like the estimator, this module never imports torch at import time.
"""

import numpy as np


class NetworkStateMixin:
    """Building, placing and pickling ``module_`` with its ``optimizer_``.

    The host class is the estimator: it provides the parameters
    (``architecture``, ``activation``, ``learning_rate_init``) and, once
    initialised, ``classes_``, ``n_features_in_``, ``_input_shape``,
    ``_hidden_layer_sizes`` and ``device_``.
    """

    def _build_module(self, seed, dtype):
        """An untrained network of the fitted architecture, in ``dtype``."""
        import torch

        from skadv.neural_network._modules import (
            build_module,
            check_logit_shape,
            seeded_build,
        )

        module = seeded_build(
            seed,
            build_module,
            self.architecture,
            self._input_shape,
            len(self.classes_),
            hidden_layer_sizes=self._hidden_layer_sizes,
            activation=self.activation,
        )
        if not isinstance(dtype, torch.dtype):
            dtype = getattr(torch, np.dtype(dtype).name)
        module = module.to(dtype)
        if callable(self.architecture):
            check_logit_shape(module, self.n_features_in_, len(self.classes_))
        return module

    def _move_to(self, device, optimizer_state="current"):
        """Move the network to ``device`` with a new Adam optimizer.

        Parameters
        ----------
        device : torch.device
            Target device.
        optimizer_state : "current", dict or None, default="current"
            Adam state to carry into the new optimizer: that of ``optimizer_``,
            a saved state dict, or None for a fresh optimizer.
        """
        import torch

        if isinstance(optimizer_state, str) and optimizer_state == "current":
            optimizer_state = self.optimizer_.state_dict()
        self.module_.to(device)
        self.optimizer_ = torch.optim.Adam(
            self.module_.parameters(), lr=self.learning_rate_init
        )
        if optimizer_state is not None:
            # load_state_dict casts state tensors to the parameters' device
            self.optimizer_.load_state_dict(optimizer_state)
            self._use_current_learning_rate()
        self.device_ = str(device)

    def _use_current_learning_rate(self):
        # A loaded or continued Adam state carries the rate it was built with;
        # the parameter, possibly changed with set_params since, decides.
        for group in self.optimizer_.param_groups:
            group["lr"] = self.learning_rate_init

    def __getstate__(self):
        state = super().__getstate__()
        if "module_" in state:
            from skadv.neural_network._device import state_to_bytes

            # the weights travel as a CPU state dict, never as pickled modules
            state = dict(state)
            state["module_"] = state_to_bytes(self.module_, self.optimizer_)
            state.pop("optimizer_", None)
        return state

    def __setstate__(self, state):
        blob = state.get("module_")
        super().__setstate__(state)
        if isinstance(blob, bytes):
            from skadv.neural_network._device import loadable_device, state_from_bytes

            saved = state_from_bytes(blob)
            floating = [t for t in saved["module"].values() if t.is_floating_point()]
            # load_state_dict would cast float64 weights into a float32 network
            dtype = floating[0].dtype if floating else np.float32
            self.module_ = self._build_module(0, dtype)
            self.module_.load_state_dict(saved["module"])
            self.module_.eval()
            self.device_ = "cpu"
            self._move_to(
                loadable_device(state["device_"]), optimizer_state=saved["optimizer"]
            )
