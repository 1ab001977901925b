"""How numpy callers reach a fitted torch network: logits and the provider protocol.

:class:`TorchNetworkProviderMixin` gives an estimator with a fitted ``module_``
the batched logits its prediction methods share and the private provider
protocol of :mod:`skadv.utils._protocol` (``_output_and_gradient`` for
explanations, ``_robust_correct`` for robust accuracy). Like the estimator it
is mixed into, this module never imports torch at import time.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from skadv.neural_network._validation import (
    check_float32_range,
    check_restarts,
    validated_budget,
)
from skadv.utils._validation import class_indices

#: Exclusive upper bound of the seeds drawn from a random state.
_SEED_MAX = 2**31 - 1


class TorchNetworkProviderMixin:
    """Inference on ``self.module_`` for a classifier with ``classes_``.

    The host class provides ``module_`` (a network taking flat inputs in the
    dtype of its parameters and returning one logit per class), ``classes_``,
    ``clip`` and ``random_start``, and is validated with scikit-learn's
    ``validate_data``. Dense and scipy sparse inputs are accepted; sparse ones
    are densified one batch of rows at a time.
    """

    @property
    def _module_device(self):
        from skadv.utils._torch import module_device

        return module_device(self.module_)

    @property
    def input_dtype(self):
        """Numpy dtype the network computes in; explanations build inputs in it."""
        from skadv.utils._torch import network_dtype

        return np.dtype(str(network_dtype(self.module_)).removeprefix("torch."))

    def _validated_inputs(self, X):
        """``X`` checked against the fit: a float ndarray or a CSR matrix."""
        check_is_fitted(self)
        # Wrong widths, non-finite values and unsupported types must fail here,
        # not inside the network or as a silently meaningless output.
        X = validate_data(
            self,
            X,
            reset=False,
            accept_sparse="csr",
            dtype=(np.float64, np.float32),
            order="C",
        )
        check_float32_range(X, self.input_dtype)
        return X

    def _logits(self, X):
        """Validated ``X`` through the network: float64 logits per class."""
        from skadv.neural_network._inference import predict_logits

        X = self._validated_inputs(X)
        return predict_logits(self.module_, X, self._module_device)

    def _output_and_gradient(self, X, target, output):
        """Each row's target probability (softmax) or logit, and its input gradient."""
        from skadv.neural_network._inference import output_and_gradient

        check_is_fitted(self)
        if output not in ("proba", "logit"):
            raise ValueError(f"output must be 'proba' or 'logit', got {output!r}.")
        # Each batch is cast to the network's dtype (and densified) on its own.
        X = X.tocsr() if sp.issparse(X) else np.asarray(X)
        target = np.asarray(target, dtype=np.int64)
        return output_and_gradient(self.module_, X, target, output, self._module_device)

    def _robust_correct(
        self,
        X,
        y,
        epsilon,
        *,
        steps=None,
        step_size=None,
        restarts=1,
        random_state=None,
        clip="auto",
        attack="pgd",
    ):
        """PGD check of each row: an upper bound on its robust correctness.

        ``clip="auto"`` uses the estimator's ``clip``.
        A row counts as robust when it is correct on the clean point and after
        each of ``restarts`` attacks. ``steps`` and ``step_size`` default to the
        paper's schedule for this ``epsilon``, not to the training settings, so
        that the strength of the evaluation does not depend on how the model was
        trained. A sparse ``X`` is densified one batch of rows at a time.
        """
        from skadv.neural_network._inference import robust_correct
        from skadv.neural_network._training import build_attack

        X = self._validated_inputs(X)
        if isinstance(clip, str) and clip == "auto":
            clip = self.clip
        epsilon, clip = validated_budget(epsilon, clip, X.shape[1], self.input_dtype)
        check_restarts(restarts)
        device = self._module_device
        attack = build_attack(
            attack,
            epsilon,
            clip,
            device,
            check_random_state(random_state).randint(_SEED_MAX),
            steps=steps,
            step_size=step_size,
            random_start=self.random_start,
        )
        # A label the network does not know counts as a wrong prediction.
        index = class_indices(y, self.classes_, unknown="mark")
        return robust_correct(self.module_, X, index, attack, device, restarts=restarts)
