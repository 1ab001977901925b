"""Adversarially trained neural networks (torch is imported only when fitting)."""

from skadv.neural_network._mlp import AdversarialMLPClassifier

__all__ = ["AdversarialMLPClassifier"]
