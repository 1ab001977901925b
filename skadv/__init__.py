"""Adversarial training and concise explanations, scikit-learn style.

skadv trains models under l_inf(epsilon) adversarial perturbations -- exactly for
linear models, with PGD for neural networks -- and explains them with Integrated
Gradients, the Gini index of attributions and per-feature impact reports.

Public names are loaded on first access, so ``import skadv`` stays light and never
imports torch: only fitting or predicting with a neural network does.
"""

import importlib

__version__ = "0.1.0.dev0"

# public name -> submodule that defines it
_LAZY = {
    "AdversarialLogisticRegression": "skadv.linear_model",
    "AdversarialMLPClassifier": "skadv.neural_network",
    "integrated_gradients": "skadv.inspection",
    "gini_index": "skadv.inspection",
    "FeatureImpactTransformer": "skadv.inspection",
    "robust_accuracy_score": "skadv.metrics",
    "make_robust_scorer": "skadv.metrics",
    "make_gini_scorer": "skadv.metrics",
    "generate_report": "skadv._report",
}

_SUBMODULES = [
    "datasets",
    "inspection",
    "linear_model",
    "metrics",
    "model_selection",
    "neural_network",
    "utils",
]

__all__ = sorted(_LAZY) + _SUBMODULES + ["__version__"]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"skadv.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'skadv' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
