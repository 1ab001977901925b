"""The held-out scores of one point of a linear path, from its weights alone.

Every point of a path is scored on the same held-out rows of its fold. The
public scores (``predict``, :func:`~skadv.metrics.robust_accuracy_score`,
:func:`~skadv.inspection.integrated_gradients`) would each validate those rows
and their labels again at every point, which on a fine grid costs as much as
the fits. :class:`FoldScorer` checks them once; each point then costs a few
products with its weights, through the closed forms the public functions
themselves use (:mod:`skadv.utils._linear_form` and Lemma 4.1).
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

from skadv.inspection import feature_gini, gini_index, integrated_gradients
from skadv.inspection._baselines import resolve_baselines
from skadv.inspection._exact_linear import exact_linear_ig
from skadv.utils._linear_form import (
    argmax_indices,
    linear_scores,
    robust_correct_linear,
)
from skadv.utils._protocol import has_linear_form
from skadv.utils._validation import class_indices


def count_nonzero(coef):
    """Number of weights that are not zero up to the solver's rounding.

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.model_selection._path_scores import count_nonzero
    >>> count_nonzero(np.array([[1.0, 1e-12, 0.0, -2.0]]))
    2
    """
    # L-BFGS-B on the split w = p - q leaves exact zeros where a bound is
    # active, but p and q can both stay a rounding error above theirs.
    coef = np.asarray(coef)
    scale = np.abs(coef).max() if coef.size else 0.0
    return int(np.count_nonzero(np.abs(coef) > 1e-8 * max(scale, 1e-300)))


class FoldScorer:
    """Scores of the points of a path on one fold's held-out rows.

    Parameters
    ----------
    X_test : ndarray or sparse matrix of shape (n_test, d)
        Held-out rows in the space the final model sees.
    y_test : ndarray of shape (n_test,)
        Their labels.
    baselines : None or array-like
        Integrated Gradients baselines of the rows (None for zeros).
    robust_epsilon : float
        l_inf budget of the robust accuracy.
    parents : ndarray of intp of shape (d,)
        Original feature of each column, for the feature-level Gini index.

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> from skadv.model_selection._path_scores import FoldScorer
    >>> X = np.array([[-2.0, 0.5], [-1.0, 0.0], [1.0, 0.2], [2.0, -0.5]])
    >>> y = np.array([0, 0, 1, 1])
    >>> model = AdversarialLogisticRegression().fit(X, y)
    >>> scorer = FoldScorer(X, y, None, 0.1, np.array([0, 1]))
    >>> scorer(model)["accuracy"]
    1.0
    """

    def __init__(self, X_test, y_test, baselines, robust_epsilon, parents):
        self.X = X_test
        self.y = y_test
        self.baselines = baselines
        self.robust_epsilon = float(robust_epsilon)
        self.parents = parents
        self._index = None
        self._dense = None
        self._U = None

    def _prepared(self, classes):
        # The labels and the rows are checked once, at the first point: every
        # model of a path on a fold has the same classes_.
        if self._index is None:
            # The attributed class must be one the model knows, as in
            # integrated_gradients: an unseen test label is refused.
            self._index = class_indices(self.y, classes, unknown="raise")
            self.X = check_array(self.X, accept_sparse="csr", dtype=np.float64)
            self._dense = self.X.toarray() if sp.issparse(self.X) else self.X
            self._U = resolve_baselines(
                self.baselines, self._dense, (self._dense.shape[1],)
            )
        return self._index

    def _attributions(self, model):
        if has_linear_form(model, "proba"):
            attr, _ = exact_linear_ig(model, self._dense, self._U, self._index, "proba")
            return attr
        # A multinomial model's probabilities are not of the form of
        # Lemma 4.1: the general route integrates them.
        return integrated_gradients(
            model, self._dense, target=self._index, baselines=self._U
        )

    def __call__(self, model):
        """The scores of a fitted model of the path, as a dict."""
        index = self._prepared(model.classes_)
        coef = np.asarray(model.coef_, dtype=np.float64)
        scores = linear_scores(self.X, coef, model.intercept_)
        pred = argmax_indices(scores)
        eps = np.full(coef.shape[1], self.robust_epsilon)
        attr = self._attributions(model)
        return {
            "accuracy": float(np.mean(pred == index)),
            "robust_accuracy": float(
                np.mean(robust_correct_linear(scores, coef, eps, index))
            ),
            "gini": float(np.mean(gini_index(attr, axis=1))),
            "feature_gini": float(np.mean(feature_gini(attr, self.parents))),
            "n_nonzero": count_nonzero(coef),
            "n_iter": int(np.sum(model.n_iter_)),
            "single_class": bool(np.unique(pred).shape[0] < 2),
        }
