"""Utilities: estimator discovery and the protocol that explanations rely on.

The checks of that protocol, :mod:`skadv.utils.estimator_checks`, are imported
on their own: they drive the explanations, which import this package.
"""

from skadv.utils._discovery import all_estimators
from skadv.utils._protocol import (
    final_estimator_and_inputs,
    has_input_gradients,
    has_linear_form,
)

__all__ = [
    "all_estimators",
    "final_estimator_and_inputs",
    "has_input_gradients",
    "has_linear_form",
]
