"""Metrics for adversarially trained models: robust accuracy and scorers."""

from skadv.metrics._gini_scorer import make_gini_scorer
from skadv.metrics._robust import make_robust_scorer, robust_accuracy_score

__all__ = [
    "make_gini_scorer",
    "make_robust_scorer",
    "robust_accuracy_score",
]
