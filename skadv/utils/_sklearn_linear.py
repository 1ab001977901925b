"""A fitted scikit-learn linear classifier as a gradient provider.

Any fitted classifier whose ``decision_function`` is ``X @ coef_.T +
intercept_`` and whose ``predict`` takes the class of the largest decision
value (``LogisticRegression``, ``SGDClassifier``, ``LinearSVC``,
``RidgeClassifier``, ``Perceptron``, ...) is explained and scored exactly as
skadv's own linear models are: :class:`SklearnLinearProvider` implements the
protocol of :mod:`skadv.utils._protocol` with the closed forms of
:mod:`skadv.utils._linear_form`. Resolution builds one adapter per call and
checks, on a few rows of the data, that the model is what the closed forms
assume; a model that is not gets a TypeError saying why.

Probabilities are those of the model's own ``predict_proba``: the sigmoid of
the decision value for a binary model (the closed form of Lemma 4.1 holds), the
softmax of the decision values for a multinomial one, normalised one-vs-rest
sigmoids (``SGDClassifier(loss="log_loss")``) or clipped scores
(``loss="modified_huber"``, normalised for more than two classes). Only the
binary sigmoid is a function of the target's logit of the form of Lemma 4.1,
so only the ``"logit"`` output of the other models has the closed form; their
``"proba"`` output is integrated by quadrature. The normalised clipped scores
of a multiclass ``modified_huber`` model are steep where they nearly vanish
and jump to uniform where they all do (as ``predict_proba`` makes them), so
their attributions need not be complete. A model without ``predict_proba``
defines only ``"logit"``, its decision values.
"""

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, softmax
from sklearn.utils.validation import validate_data

from skadv.utils._linear_form import (
    argmax_indices,
    linear_scores,
    logit_rows,
    path_inputs,
    robust_correct_linear,
    row_logits,
    sigmoid_output_and_gradient,
)
from skadv.utils._protocol import check_output
from skadv.utils._validation import check_budget, class_indices

#: Rows of the caller's data on which resolution compares the model with the
#: closed forms: enough to catch a model that is not linear, cheap at any size.
_N_PROBE_ROWS = 5

#: How ``predict_proba`` may map the decision values, tried in this order
#: unless the model's ``loss`` names one.
_BINARY_LINKS = ("sigmoid", "huber")
_MULTICLASS_LINKS = ("softmax", "ovr_sigmoid", "ovr_huber")
_LOSS_LINKS = {"log_loss": "ovr_sigmoid", "modified_huber": "ovr_huber"}


def is_linear_candidate(estimator):
    """Whether ``estimator`` may be a linear classifier: it has a decision_function.

    Parameters
    ----------
    estimator : object
        A final estimator (not a Pipeline).

    Returns
    -------
    bool
        True when it has ``decision_function`` and provides no gradients of
        its own; whether it really is linear is checked on fitting data by
        :class:`SklearnLinearProvider`.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skadv.utils._sklearn_linear import is_linear_candidate
    >>> is_linear_candidate(LogisticRegression()), is_linear_candidate(
    ...     DecisionTreeClassifier())
    (True, False)
    """
    if callable(getattr(estimator, "_output_and_gradient", None)):
        return False
    return callable(getattr(estimator, "decision_function", None))


def not_linear_reason(estimator):
    """Why a model without input gradients cannot be read as a linear one.

    Parameters
    ----------
    estimator : object
        A final estimator (not a Pipeline).

    Returns
    -------
    reason : str
        A clause to put in an error message.

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skadv.utils._sklearn_linear import not_linear_reason
    >>> not_linear_reason(DecisionTreeClassifier())
    'it has no decision_function linear in its input (coef_, intercept_)'
    """
    calibrated = type(estimator).__name__.startswith("Calibrated")
    if calibrated or hasattr(estimator, "calibrated_classifiers_"):
        method = getattr(estimator, "method", None)
        how = f" ({method})" if isinstance(method, str) else ""
        return (
            "it maps the decision values of its base estimator through a fitted "
            f"calibration{how}, which is not linear in its input"
        )
    return "it has no decision_function linear in its input (coef_, intercept_)"


def _weights(estimator):
    """``coef_`` (2-d, dense, float64), ``intercept_`` per row and ``classes_``."""
    name = type(estimator).__name__
    # A kernel SVM raises AttributeError on coef_; getattr turns that into None.
    coef = getattr(estimator, "coef_", None)
    intercept = getattr(estimator, "intercept_", None)
    classes = getattr(estimator, "classes_", None)
    if coef is None or intercept is None or classes is None:
        raise TypeError(
            f"{name} has no coef_, intercept_ and classes_: its decision_function "
            "is not linear in its input (a kernel, a tree or a calibration), so "
            "it has no closed-form input gradients."
        )
    coef = coef.toarray() if sp.issparse(coef) else np.asarray(coef)
    coef = np.atleast_2d(coef.astype(np.float64))
    classes = np.asarray(classes)
    if coef.ndim != 2 or classes.ndim != 1 or classes.shape[0] < 2:
        raise TypeError(
            f"{name} must be a fitted classifier of one label column and at least "
            f"two classes, with a 2-d coef_; got classes_ of shape {classes.shape} "
            f"and coef_ of shape {coef.shape}."
        )
    k, rows = classes.shape[0], coef.shape[0]
    if rows != k and not (rows == 1 and k == 2):
        raise TypeError(
            f"{name}.coef_ has {rows} rows, but a linear classifier of {k} classes "
            f"has {'1 or 2' if k == 2 else k} (one score per class): its "
            "decision_function is not one linear score per class."
        )
    intercept = np.asarray(intercept, dtype=np.float64).ravel()
    if intercept.shape[0] == 1:
        intercept = np.repeat(intercept, rows)
    if intercept.shape != (rows,):
        raise TypeError(
            f"{name}.intercept_ has {intercept.shape[0]} values; expected {rows}."
        )
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
        raise ValueError(f"{name} holds non-finite coef_ or intercept_.")
    if np.any(classes[:-1] >= classes[1:]):
        raise TypeError(f"{name}.classes_ must be sorted and distinct.")
    return coef, intercept, classes


def _binary_link(z, link):
    """Probability of the class whose logit is ``z``, and its derivative in ``z``."""
    if link == "sigmoid":
        proba = expit(z)
        return proba, proba * expit(-z)
    # modified_huber: (clip(z, -1, 1) + 1) / 2, flat outside [-1, 1].
    return (np.clip(z, -1.0, 1.0) + 1.0) / 2.0, 0.5 * (np.abs(z) < 1.0)


def _multiclass_link(scores, link):
    """Probabilities ``p`` and rates ``r``: ``dp_k = r_k w_k - p_k sum_j r_j w_j``."""
    if link == "softmax":
        proba = softmax(scores, axis=1)
        return proba, proba
    if link == "ovr_sigmoid":
        s = expit(scores)
        total = s.sum(axis=1, keepdims=True)
        return s / total, s * expit(-scores) / total
    q = (np.clip(scores, -1.0, 1.0) + 1.0) / 2.0
    total = q.sum(axis=1, keepdims=True)
    # The model makes a row whose clipped scores are all zero uniform, and
    # there the scores are flat: no rate.
    zero = total == 0
    safe = np.where(zero, 1.0, total)
    proba = np.where(zero, 1.0 / scores.shape[1], q / safe)
    rate = np.where(zero, 0.0, 0.5 * (np.abs(scores) < 1.0) / safe)
    return proba, rate


def _all_probabilities(scores, link):
    """What ``predict_proba`` gives under ``link``, of shape (n, k)."""
    if scores.shape[1] == 1:
        z = scores[:, 0]
        return np.column_stack([_binary_link(-z, link)[0], _binary_link(z, link)[0]])
    return _multiclass_link(scores, link)[0]


def _head_rows(X, n_rows):
    """The first rows of ``X``, of the type the estimator was given."""
    if hasattr(X, "iloc"):
        return X.iloc[:n_rows]
    if sp.issparse(X):
        return X.tocsr()[:n_rows]
    return np.asarray(X)[:n_rows]


def _tolerance(estimator, rows, flat, coef, intercept):
    # Scores summed in another order, or in float32 (weights or inputs of that
    # dtype), differ by rounding that grows with the magnitude of the terms.
    magnitude = np.asarray(abs(flat) @ np.abs(coef).T) + np.abs(intercept)
    dtypes = [getattr(estimator.coef_, "dtype", None), getattr(rows, "dtype", None)]
    dtypes += list(getattr(rows, "dtypes", ()))
    floats = [t for t in dtypes if isinstance(t, np.dtype) and t.kind == "f"]
    eps = max([np.finfo(np.float64).eps] + [np.finfo(t).eps for t in floats])
    return 1e3 * eps * (1.0 + magnitude)


def _check_linear(estimator, rows, flat, coef, intercept, classes):
    """Refuse a model whose decision values or predictions the closed forms miss."""
    name = type(estimator).__name__
    ours = linear_scores(flat, coef, intercept)
    theirs = np.asarray(estimator.decision_function(rows), dtype=np.float64)
    theirs = theirs.reshape(theirs.shape[0], -1)
    tol = _tolerance(estimator, rows, flat, coef, intercept)
    if theirs.shape != ours.shape or not np.all(np.abs(theirs - ours) <= tol):
        raise TypeError(
            f"{name}.decision_function is not X @ coef_.T + intercept_: the model "
            "is not linear in its input, so it has no closed-form gradients."
        )
    predicted = np.asarray(estimator.predict(rows))
    if not np.array_equal(predicted, classes[argmax_indices(theirs)]):
        raise TypeError(
            f"{name}.predict is not the class of the largest decision value (of a "
            "positive one for two classes), so its predictions are not those of "
            "a linear classifier."
        )
    return ours, tol


def _proba_link(estimator, rows, scores, tol):
    """The link reproducing ``predict_proba`` on ``rows``, or None and why not."""
    name = type(estimator).__name__
    if not hasattr(estimator, "predict_proba"):
        return None, f"{name} defines no probabilities (it has no predict_proba)"
    expected = np.asarray(estimator.predict_proba(rows), dtype=np.float64)
    links = _BINARY_LINKS if scores.shape[1] == 1 else _MULTICLASS_LINKS
    hint = getattr(estimator, "loss", None)
    hinted = _LOSS_LINKS.get(hint) if isinstance(hint, str) else None
    if scores.shape[1] == 1 and hinted:
        hinted = hinted.removeprefix("ovr_")
    # A named loss goes first: where a few rows cannot tell two links apart
    # (saturated probabilities), the model's own one is chosen.
    for link in sorted(links, key=lambda candidate: candidate != hinted):
        proba = _all_probabilities(scores, link)
        if proba.shape == expected.shape and np.all(
            np.abs(proba - expected) <= tol.max(axis=1, keepdims=True)
        ):
            return link, None
    return None, (
        f"{name}.predict_proba is not the sigmoid, the softmax or a normalised "
        "one-vs-rest function of its decision values, so its probabilities "
        "cannot be attributed"
    )


class SklearnLinearProvider:
    """A fitted scikit-learn linear classifier through the provider protocol.

    Parameters
    ----------
    estimator : classifier
        Fitted, with ``coef_``, ``intercept_``, ``classes_`` and a
        ``decision_function`` equal to ``X @ coef_.T + intercept_``.
    X : array-like or sparse matrix of shape (n_samples, n_features), default=None
        Inputs of the estimator; its first rows check that the estimator is
        linear and find how ``predict_proba`` maps its decision values.
        Without it nothing is checked and ``"proba"`` is left out.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        The estimator's weights, dense float64.
    intercept_ : ndarray of shape (coef_.shape[0],)
        Its intercepts, one per row of ``coef_``.
    classes_ : ndarray of shape (n_classes,)
        Its classes.
    n_features_in_ : int
        Width of its inputs.
    supported_outputs : tuple of str
        ``("proba", "logit")`` when ``predict_proba`` is reproduced, else
        ``("logit",)``.
    linear_outputs : tuple of str
        Outputs with the closed form of Lemma 4.1: both for a binary model
        with sigmoid probabilities, ``("logit",)`` otherwise.
    output_reasons : dict
        Why ``"proba"`` is not supported, when it is not.

    Raises
    ------
    TypeError
        When the estimator is not a linear classifier of that form.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadv.utils._sklearn_linear import SklearnLinearProvider
    >>> X, y = np.array([[-1.0, 0.0], [1.0, 0.5], [2.0, 1.0]]), [0, 1, 1]
    >>> provider = SklearnLinearProvider(LogisticRegression().fit(X, y), X)
    >>> provider.supported_outputs, provider.linear_outputs
    (('proba', 'logit'), ('proba', 'logit'))
    >>> values, grads = provider._output_and_gradient(X, np.array([1, 1, 1]),
    ...                                               "proba")
    >>> values.shape, grads.shape
    ((3,), (3, 2))
    """

    def __init__(self, estimator, X=None):
        self.estimator = estimator
        self.coef_, self.intercept_, self.classes_ = _weights(estimator)
        self.n_features_in_ = self.coef_.shape[1]
        names = getattr(estimator, "feature_names_in_", None)
        if names is not None:
            self.feature_names_in_ = names
        self._link, reason = None, "no data was given to check predict_proba on"
        if X is not None:
            rows = _head_rows(X, _N_PROBE_ROWS)
            flat = validate_data(
                estimator, rows, accept_sparse="csr", dtype=np.float64, reset=False
            )
            args = (self.coef_, self.intercept_, self.classes_)
            # The halved rows lie between the data and the origin, where a model
            # linear only on the data itself would show.
            _check_linear(estimator, rows * 0.5, flat * 0.5, *args)
            scores, tol = _check_linear(estimator, rows, flat, *args)
            self._link, reason = _proba_link(estimator, rows, scores, tol)
        proba = self._link is not None
        self.supported_outputs = ("proba", "logit") if proba else ("logit",)
        self.linear_outputs = (
            ("proba", "logit") if self._link == "sigmoid" else ("logit",)
        )
        self.output_reasons = {} if proba else {"proba": reason}

    def _validated(self, X):
        # The estimator's own checks: its width and its feature names.
        return validate_data(
            self.estimator, X, accept_sparse="csr", dtype=np.float64, reset=False
        )

    def predict(self, X):
        """Labels of the largest linear score, as the estimator predicts them."""
        scores = linear_scores(self._validated(X), self.coef_, self.intercept_)
        return self.classes_[argmax_indices(scores)]

    def _linear_logit(self, target):
        return logit_rows(self.coef_, self.intercept_, self.classes_.shape[0], target)

    def _output_and_gradient(self, X, target, output):
        output = check_output(self, output)
        X = path_inputs(X, self.n_features_in_)
        W, b = self._linear_logit(target)
        if output == "logit" or self._link == "sigmoid":
            return sigmoid_output_and_gradient(X, W, b, output)
        if self.coef_.shape[0] == 1:
            proba, slope = _binary_link(row_logits(X, W, b), self._link)
            return proba, slope[:, None] * W
        scores = linear_scores(X, self.coef_, self.intercept_)
        proba, rate = _multiclass_link(scores, self._link)
        rows, target = np.arange(X.shape[0]), np.asarray(target, dtype=np.intp)
        mixed = rate @ self.coef_
        value = proba[rows, target]
        return value, rate[rows, target][:, None] * W - value[:, None] * mixed

    def _robust_correct(self, X, y, epsilon, **attack_params):
        # The worst case is closed form: attack parameters have nothing to tune.
        X = self._validated(X)
        eps = check_budget(epsilon, self.n_features_in_, broadcast=True)
        index = class_indices(y, self.classes_, unknown="mark")
        scores = linear_scores(X, self.coef_, self.intercept_)
        return robust_correct_linear(scores, self.coef_, eps, index)

    def __repr__(self):
        return f"SklearnLinearProvider({self.estimator!r})"
