"""The small protocol through which explanations and metrics reach the models.

Inspection and metrics code never imports an estimator module. Instead, a model
family opts in by implementing some of the private methods below; adding a new
family means adding these methods, nothing else.

``_output_and_gradient(X, target, output)``
    Values and input gradients of the attributed output.

    - ``X``: float ndarray or sparse matrix of shape (n_samples, n_features),
      in the space the estimator itself sees (after any Pipeline preprocessing).
    - ``target``: int ndarray of shape (n_samples,), indices into ``classes_``.
    - ``output``: ``"proba"`` or ``"logit"``.

    Returns ``(values, gradients)``: float64 arrays of shapes (n_samples,) and
    (n_samples, n_features), ``values[i] = F_target[i](X[i])`` and
    ``gradients[i] = dF_target[i]/dx (X[i])``.

``_linear_logit(target)``
    Only for models whose attributed output is ``A(<w, x> + b)``. Returns
    ``(W, b)`` of shapes (n_samples, n_features) and (n_samples,), such that the
    ``"logit"`` output of row ``i`` is ``X[i] @ W[i] + b[i]`` and its ``"proba"``
    output is ``sigmoid`` of that. This enables exact Integrated Gradients.

``_robust_correct(X, y, epsilon, **attack_params)``
    Boolean ndarray of shape (n_samples,): whether each sample stays correctly
    classified under l_inf(epsilon) perturbations of ``X``. Exact for linear
    models, an attack-based upper bound on robust accuracy for networks.
"""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted


def has_input_gradients(estimator):
    """Whether ``estimator`` exposes input gradients of its outputs.

    Parameters
    ----------
    estimator : object
        A fitted estimator (not a Pipeline).

    Returns
    -------
    bool
        True when the estimator implements ``_output_and_gradient``.

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skadv.utils import has_input_gradients
    >>> has_input_gradients(DecisionTreeClassifier())
    False
    """
    return callable(getattr(estimator, "_output_and_gradient", None))


def has_linear_form(estimator):
    """Whether ``estimator`` attributes an output of the form ``A(<w, x> + b)``.

    Parameters
    ----------
    estimator : object
        A fitted estimator (not a Pipeline).

    Returns
    -------
    bool
        True when the estimator implements ``_linear_logit``.

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skadv.utils import has_linear_form
    >>> has_linear_form(DecisionTreeClassifier())
    False
    """
    return callable(getattr(estimator, "_linear_logit", None))


def final_estimator_and_inputs(estimator, X):
    """Split a Pipeline into its final estimator and the inputs that estimator sees.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted estimator, or a fitted Pipeline whose last step is one.
    X : array-like or sparse matrix of shape (n_samples, n_features)
        Inputs in the space of ``estimator`` (the raw space for a Pipeline).

    Returns
    -------
    final_estimator : estimator
        ``estimator`` itself, or the Pipeline's last step.
    X_final : ndarray, sparse matrix or DataFrame
        ``X`` passed through every step but the last (``X`` unchanged otherwise).
    feature_names : ndarray of str or None
        Names of the columns of ``X_final`` when they are known.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skadv.utils import final_estimator_and_inputs
    >>> X, y = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0]]), [0, 1, 1]
    >>> pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    >>> final, Xt, names = final_estimator_and_inputs(pipe, X)
    >>> type(final).__name__, Xt.shape, list(names)
    ('LogisticRegression', (3, 2), ['x0', 'x1'])
    """
    if isinstance(estimator, Pipeline):
        check_is_fitted(estimator)
        head, final = estimator[:-1], estimator[-1]
        X_final = head.transform(X) if len(head) else X
        names = None
        if len(head):
            try:
                names = np.asarray(head.get_feature_names_out(), dtype=object)
            except (AttributeError, ValueError, TypeError):
                names = None
        else:
            names = getattr(final, "feature_names_in_", None)
        return final, X_final, names
    return estimator, X, getattr(estimator, "feature_names_in_", None)
