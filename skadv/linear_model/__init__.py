"""Linear models trained exactly against l_inf adversarial perturbations."""

from skadv.linear_model._logistic import AdversarialLogisticRegression

__all__ = ["AdversarialLogisticRegression"]
