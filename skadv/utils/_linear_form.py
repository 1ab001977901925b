"""Closed forms of a classifier whose scores are linear in its input.

A model of this kind holds ``coef`` of shape (1, d) for two classes (one score
``z``, class 1 when ``z > 0``) or (k, d) for k classes (one score per class,
the first largest wins), and an ``intercept`` of matching length. Everything
explanations and robust accuracy need of it is closed form: the attributed
logit of a target class is ``<w_target, x> + b_target`` (``z`` for class 1 and
``-z`` for class 0 of a binary model), its input gradient is ``w_target``, and
the worst case inside an l_inf ball shifts each score difference by
``<epsilon, |w_k - w_t|>``.

skadv's own linear models and the adapter of scikit-learn's linear
classifiers (:mod:`skadv.utils._sklearn_linear`) both compute through these
functions, so that the two agree by construction.
"""

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.utils import check_array
from sklearn.utils.extmath import safe_sparse_dot


def path_inputs(X, n_features):
    """Points of an integration path as float64 rows of the model's width.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n, d)
    n_features : int
        Number of columns the model was fitted on.

    Returns
    -------
    X : ndarray or CSR matrix of float64 and shape (n, n_features)

    Examples
    --------
    >>> from skadv.utils._linear_form import path_inputs
    >>> path_inputs([[1, 2]], 2)
    array([[1., 2.]])
    """
    X = check_array(X, accept_sparse="csr", dtype=np.float64)
    if X.shape[1] != n_features:
        raise ValueError(
            f"X has {X.shape[1]} features, but this model expects {n_features}."
        )
    return X


def logit_rows(coef, intercept, n_classes, target):
    """Weights and intercept of each row's attributed logit.

    Parameters
    ----------
    coef : ndarray of shape (1, d) or (n_classes, d)
        Weights; one row for a binary model.
    intercept : ndarray of shape (coef.shape[0],)
        Intercepts.
    n_classes : int
        Number of classes.
    target : array-like of int of shape (n,)
        Class index of every row, in ``[0, n_classes)``.

    Returns
    -------
    W : ndarray of shape (n, d)
    b : ndarray of shape (n,)
        Class 1 of a binary model attributes the score ``z``, class 0 ``-z``.

    Raises
    ------
    ValueError
        When a target does not index a class.

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.utils._linear_form import logit_rows
    >>> W, b = logit_rows(np.array([[1.0, -2.0]]), np.array([0.5]), 2, [1, 0])
    >>> W.tolist(), b.tolist()
    ([[1.0, -2.0], [-1.0, 2.0]], [0.5, -0.5])
    """
    target = np.asarray(target, dtype=np.intp)
    if np.any((target < 0) | (target >= n_classes)):
        raise ValueError(f"target must index classes_ (0 to {n_classes - 1}).")
    if coef.shape[0] == 1:
        sign = np.where(target == 1, 1.0, -1.0)
        return sign[:, None] * coef[0], sign * intercept[0]
    return coef[target], intercept[target].copy()


def row_logits(X, W, b):
    """``X[i] @ W[i] + b[i]`` for every row, dense or CSR ``X``.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n, d)
    W : ndarray of shape (n, d)
    b : ndarray of shape (n,)

    Returns
    -------
    logits : ndarray of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.utils._linear_form import row_logits
    >>> row_logits(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]]), np.array([1.0]))
    array([12.])
    """
    product = X.multiply(W) if sp.issparse(X) else X * W
    return np.asarray(product.sum(axis=1)).ravel() + b


def sigmoid_output_and_gradient(X, W, b, output):
    """Values and input gradients of ``A(X[i] @ W[i] + b[i])``.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n, d)
        Inputs, float64.
    W : ndarray of shape (n, d)
    b : ndarray of shape (n,)
        The attributed logits, as :func:`logit_rows` gives them.
    output : {"proba", "logit"}
        ``A`` is the sigmoid for ``"proba"``, the identity for ``"logit"``.

    Returns
    -------
    values : ndarray of shape (n,)
    gradients : ndarray of shape (n, d)

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.utils._linear_form import sigmoid_output_and_gradient
    >>> X, W, b = np.zeros((1, 2)), np.array([[1.0, -1.0]]), np.zeros(1)
    >>> values, grads = sigmoid_output_and_gradient(X, W, b, "proba")
    >>> values.tolist(), grads.tolist()
    ([0.5], [[0.25, -0.25]])
    """
    logit = row_logits(X, W, b)
    if output == "logit":
        return logit, W
    if output != "proba":
        raise ValueError(f"output must be 'proba' or 'logit', got {output!r}.")
    proba = expit(logit)
    return proba, (proba * expit(-logit))[:, None] * W


def linear_scores(X, coef, intercept):
    """Scores ``X @ coef.T + intercept`` of shape (n, coef.shape[0]).

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n, d)
    coef : ndarray of shape (r, d)
    intercept : ndarray of shape (r,)

    Returns
    -------
    scores : ndarray of shape (n, r)

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.utils._linear_form import linear_scores
    >>> linear_scores(np.eye(2), np.array([[1.0, 2.0]]), np.array([0.5]))
    array([[1.5],
           [2.5]])
    """
    return safe_sparse_dot(X, coef.T, dense_output=True) + intercept


def argmax_indices(scores):
    """Predicted class indices of linear scores (first largest; ``z > 0`` binary).

    Parameters
    ----------
    scores : ndarray of shape (n, 1) or (n, k)

    Returns
    -------
    index : ndarray of intp of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.utils._linear_form import argmax_indices
    >>> argmax_indices(np.array([[0.0], [1.0]])).tolist()
    [0, 1]
    """
    if scores.shape[1] == 1:
        return (scores[:, 0] > 0).astype(np.intp)
    return scores.argmax(axis=1).astype(np.intp)


def robust_correct_linear(scores, coef, eps, index):
    """Whether each row keeps its true class at every point of the l_inf ball.

    Parameters
    ----------
    scores : ndarray of shape (n, r)
        Linear scores of the rows, :func:`linear_scores`.
    coef : ndarray of shape (r, d)
        Weights; one row for a binary model.
    eps : ndarray of shape (d,)
        Non-negative budget per feature.
    index : ndarray of intp of shape (n,)
        True class index of every row; -1 marks a label the model does not
        know, which is never correct.

    Returns
    -------
    robust : ndarray of bool of shape (n,)
        Exact: the argmax rule of :func:`argmax_indices` gives the true class
        for every perturbation ``|delta_j| <= eps_j``.

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.utils._linear_form import robust_correct_linear
    >>> coef, scores = np.array([[1.0]]), np.array([[0.5], [2.0]])
    >>> robust_correct_linear(scores, coef, np.array([1.0]), np.array([1, 1]))
    array([False,  True])
    """
    known = index >= 0
    # Any class stands in for an unknown label in the arithmetic below.
    true = np.maximum(index, 0)
    if coef.shape[0] == 1:
        shift = float(eps @ np.abs(coef[0]))
        score = scores[:, 0]
        correct = np.where(true == 1, score - shift > 0, score + shift <= 0)
        return correct & known
    # shift[k, t]: largest gain of score k over score t inside the ball.
    shift = np.array([np.abs(row - coef) @ eps for row in coef])
    rows = np.arange(scores.shape[0])
    gain = scores - scores[rows, true][:, None] + shift[:, true].T
    k = np.arange(scores.shape[1])[None, :]
    # The first maximum wins, so a tie with a lower class already loses while
    # a tie with a higher class still wins.
    lost = np.where(k < true[:, None], gain >= 0, gain > 0)
    lost[rows, true] = False
    return ~lost.any(axis=1) & known
