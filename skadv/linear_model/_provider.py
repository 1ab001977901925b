"""The explanation protocol of AdversarialLogisticRegression.

Integrated Gradients and robust accuracy reach the linear model through the
private methods described in :mod:`skadv.utils._protocol`. Because the model is
linear, every one of them is closed form: the attributed logit is
``<w_target, x> + b_target`` and the worst case inside an l_inf ball shifts it
by ``<epsilon, |w|>``.
"""

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from skadv.utils._validation import check_budget, class_indices


class LinearProviderMixin:
    """Closed-form logits, input gradients and robustness of a fitted linear model.

    Expects ``coef_`` of shape (1, n_features) for two classes or
    (n_classes, n_features) otherwise, ``intercept_``, ``classes_`` and
    ``n_features_in_``.
    """

    def _linear_logit(self, target):
        check_is_fitted(self)
        target = np.asarray(target, dtype=np.intp)
        if np.any((target < 0) | (target >= self.classes_.shape[0])):
            raise ValueError(
                f"target must index classes_ (0 to {self.classes_.shape[0] - 1})."
            )
        if self.coef_.shape[0] == 1:
            sign = np.where(target == 1, 1.0, -1.0)
            return sign[:, None] * self.coef_[0], sign * self.intercept_[0]
        return self.coef_[target], self.intercept_[target].copy()

    def _output_and_gradient(self, X, target, output):
        check_is_fitted(self)
        X = check_array(X, accept_sparse="csr", dtype=np.float64)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but this model expects "
                f"{self.n_features_in_}."
            )
        W, b = self._linear_logit(target)
        product = X.multiply(W) if sp.issparse(X) else X * W
        logit = np.asarray(product.sum(axis=1)).ravel() + b
        if output == "logit":
            return logit, W
        if output != "proba":
            raise ValueError(f"output must be 'proba' or 'logit', got {output!r}.")
        proba = expit(logit)
        return proba, (proba * expit(-logit))[:, None] * W

    def _robust_correct(self, X, y, epsilon, **attack_params):
        # The worst case of a linear model is closed form, so attack parameters
        # meant for iterative attacks have nothing to tune and are ignored.
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        eps = check_budget(epsilon, self.n_features_in_, broadcast=True)
        # An unknown label is marked -1 and counts as a wrong prediction; any
        # class stands in for it in the arithmetic below.
        index = class_indices(y, self.classes_, unknown="mark")
        known = index >= 0
        true = np.maximum(index, 0)
        scores = safe_sparse_dot(X, self.coef_.T, dense_output=True) + self.intercept_
        if self.coef_.shape[0] == 1:
            shift = float(eps @ np.abs(self.coef_[0]))
            score = scores[:, 0]
            correct = np.where(true == 1, score - shift > 0, score + shift <= 0)
            return correct & known
        # shift[k, t]: largest gain of score k over score t inside the ball.
        shift = np.array([np.abs(row - self.coef_) @ eps for row in self.coef_])
        rows = np.arange(scores.shape[0])
        gain = scores - scores[rows, true][:, None] + shift[:, true].T
        k = np.arange(scores.shape[1])[None, :]
        # predict takes the first maximum, so a tie with a lower class already
        # loses while a tie with a higher class still wins.
        lost = np.where(k < true[:, None], gain >= 0, gain > 0)
        lost[rows, true] = False
        return ~lost.any(axis=1) & known
