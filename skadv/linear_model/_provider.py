"""The explanation protocol of AdversarialLogisticRegression.

Integrated Gradients and robust accuracy reach the linear model through the
private methods described in :mod:`skadv.utils._protocol`. Because the model is
linear, every one of them is closed form: the attributed logit is
``<w_target, x> + b_target`` and the worst case inside an l_inf ball shifts it
by ``<epsilon, |w|>``. The closed forms live in :mod:`skadv.utils._linear_form`,
shared with the adapter of scikit-learn's linear classifiers.
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from skadv.utils._linear_form import (
    linear_scores,
    logit_rows,
    path_inputs,
    robust_correct_linear,
    sigmoid_output_and_gradient,
)
from skadv.utils._validation import check_budget, class_indices


class LinearProviderMixin:
    """Closed-form logits, input gradients and robustness of a fitted linear model.

    Expects ``coef_`` of shape (1, n_features) for two classes or
    (n_classes, n_features) otherwise, ``intercept_``, ``classes_`` and
    ``n_features_in_``.
    """

    def _linear_logit(self, target):
        check_is_fitted(self)
        return logit_rows(self.coef_, self.intercept_, self.classes_.shape[0], target)

    def _output_and_gradient(self, X, target, output):
        check_is_fitted(self)
        X = path_inputs(X, self.n_features_in_)
        W, b = self._linear_logit(target)
        return sigmoid_output_and_gradient(X, W, b, output)

    def _robust_correct(self, X, y, epsilon, **attack_params):
        # The worst case of a linear model is closed form, so attack parameters
        # meant for iterative attacks have nothing to tune and are ignored.
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        eps = check_budget(epsilon, self.n_features_in_, broadcast=True)
        # An unknown label is marked -1 and counts as a wrong prediction.
        index = class_indices(y, self.classes_, unknown="mark")
        scores = linear_scores(X, self.coef_, self.intercept_)
        return robust_correct_linear(scores, self.coef_, eps, index)
