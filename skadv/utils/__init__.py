"""Utilities: estimator discovery and the protocol that explanations rely on."""

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
