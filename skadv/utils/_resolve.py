"""Model resolution: from what a user passes to the gradient provider it holds.

An explanation may be asked of a fitted estimator, a Pipeline ending in one, a
:class:`~sklearn.frozen.FrozenEstimator` or a fitted search (``GridSearchCV``,
``RandomizedSearchCV``: its ``best_estimator_``) wrapping either, or a plain
``torch.nn.Module``. :func:`resolve_model` turns each of them into one view, a
:class:`ResolvedModel`: a provider of the protocol of
:mod:`skadv.utils._protocol`, the flat float64 inputs it sees, and the classes
it distinguishes. A scikit-learn linear classifier has no provider members of
its own; :class:`~skadv.utils._sklearn_linear.SklearnLinearProvider` provides
them, so that everything downstream sees one protocol.

Nothing here imports torch at import time: a torch module can only exist once
its caller has imported torch, and the adapter that exposes one through the
protocol (:class:`~skadv.utils._torch_provider.TorchModuleProvider`) is
imported only when a module is resolved.
"""

import sys

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from skadv.utils._protocol import final_estimator_and_inputs, has_input_gradients
from skadv.utils._sklearn_linear import (
    SklearnLinearProvider,
    is_linear_candidate,
    not_linear_reason,
)
from skadv.utils._validation import class_indices

_SUPPORTED = (
    "a fitted skadv estimator (such as AdversarialLogisticRegression or "
    "AdversarialMLPClassifier), a fitted scikit-learn linear classifier (coef_, "
    "intercept_ and a decision_function linear in X, such as LogisticRegression "
    "or LinearSVC), a fitted Pipeline whose last step is one, or a "
    "torch.nn.Module that returns logits"
)


class ResolvedModel:
    """The model as explanations see it: flat float64 inputs and class indices.

    Parameters
    ----------
    provider : object
        The gradient provider: the final estimator, or the adapter of a torch
        module (which has ``input_dtype`` but no ``classes_``).
    X : ndarray or CSR matrix of dtype float64 and shape (n, d)
        The inputs in the space ``provider`` sees, one flat row per sample.
    sample_shape : tuple of int
        Shape of one sample as given, ``(d,)`` except for a torch module.
    n_classes : int
        Number of classes (output columns, at least 2, for a torch module).
    classes : ndarray of shape (n_classes,) or None
        The labels the class indices stand for; None for a torch module, whose
        targets and labels are output indices.
    predict : callable
        ``predict()`` gives the predicted class index of every row of ``X``.
    feature_names : ndarray of str of shape (d,) or None, default=None
        Names of the columns of ``X``: for a Pipeline those its preprocessing
        outputs (``get_feature_names_out``), for a bare estimator its
        ``feature_names_in_``; None when unknown (a torch module).
    """

    def __init__(
        self, provider, X, sample_shape, n_classes, classes, predict, feature_names=None
    ):
        self.provider = provider
        self.X = X
        self.sample_shape = sample_shape
        self.n_classes = n_classes
        self.classes = classes
        self.predict = predict
        self.feature_names = feature_names


def is_torch_module(obj):
    """Whether ``obj`` is a ``torch.nn.Module``, without importing torch.

    Parameters
    ----------
    obj : object
        Anything.

    Returns
    -------
    bool

    Examples
    --------
    >>> from skadv.utils._resolve import is_torch_module
    >>> is_torch_module(object())
    False
    """
    # A torch module can only exist once torch has been imported by the caller.
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.nn.Module)


def _is_search(estimator):
    # BaseSearchCV is private; every scikit-learn search derives from it.
    return any(
        cls.__name__ == "BaseSearchCV" and cls.__module__.startswith("sklearn.")
        for cls in type(estimator).__mro__
    )


def _frozen_inner(estimator):
    frozen = sys.modules.get("sklearn.frozen")
    if frozen is not None and isinstance(estimator, frozen.FrozenEstimator):
        return estimator.estimator
    return None


def unwrap_model(estimator):
    """The model a FrozenEstimator or a fitted search wraps, looked through repeatedly.

    Parameters
    ----------
    estimator : object
        Any model. A :class:`~sklearn.frozen.FrozenEstimator` gives the
        estimator it keeps; a fitted ``GridSearchCV``, ``RandomizedSearchCV``
        or other scikit-learn search gives its ``best_estimator_``. An
        unfitted search is returned as it is, for the fit check that follows.

    Returns
    -------
    estimator : object

    Raises
    ------
    ValueError
        For a search fitted with ``refit=False``, which holds no
        ``best_estimator_``.

    Examples
    --------
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skadv.utils._resolve import unwrap_model
    >>> X, y = [[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1]
    >>> search = GridSearchCV(LogisticRegression(), {"C": [1.0]}, cv=2).fit(X, y)
    >>> unwrap_model(FrozenEstimator(search)) is search.best_estimator_
    True
    """
    while True:
        inner = _frozen_inner(estimator)
        if (
            inner is None
            and _is_search(estimator)
            and hasattr(estimator, "cv_results_")
        ):
            inner = getattr(estimator, "best_estimator_", None)
            if inner is None:
                raise ValueError(
                    f"This {type(estimator).__name__} was fitted with "
                    f"refit={estimator.refit!r} and holds no best_estimator_ to "
                    "explain or score; fit it with refit=True (or a callable "
                    "choosing the candidate), or pass the chosen estimator fitted."
                )
        if inner is None:
            return estimator
        estimator = inner


#: The former name of :func:`unwrap_model`, which looked only through a
#: FrozenEstimator.
unfreeze = unwrap_model


def is_fitted_model(estimator):
    """Whether ``estimator`` can be explained as it is, without fitting it first.

    Parameters
    ----------
    estimator : object
        An estimator, a Pipeline, a FrozenEstimator or a torch module.

    Returns
    -------
    bool
        True for a model without ``fit`` (a torch module already holds its
        weights) and for one that :func:`~sklearn.utils.validation.check_is_fitted`
        accepts.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadv.utils._resolve import is_fitted_model
    >>> is_fitted_model(LogisticRegression())
    False
    """
    # Only a FrozenEstimator is looked through: an unfitted search is not fitted.
    inner = _frozen_inner(estimator)
    if not hasattr(estimator if inner is None else inner, "fit"):
        return True
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True


def as_numpy_array(X):
    """``X`` itself, or a numpy copy of it when it is a torch tensor.

    Parameters
    ----------
    X : object
        An array-like, possibly a torch tensor on any device.

    Returns
    -------
    X : object
        A tensor becomes an ndarray; anything else is returned unchanged.

    Examples
    --------
    >>> from skadv.utils._resolve import as_numpy_array
    >>> as_numpy_array([1.0, 2.0])
    [1.0, 2.0]
    """
    # Duck-typed on the module name, so that torch need not be imported.
    if type(X).__module__.startswith("torch"):
        X = X.detach().cpu().numpy()
    return X


def check_width(estimator, X):
    """Refuse inputs whose number of columns differs from the fitted one.

    Parameters
    ----------
    estimator : object
        A fitted estimator; without ``n_features_in_`` nothing is checked.
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Inputs in the space ``estimator`` sees.

    Raises
    ------
    ValueError
        When ``n_features`` differs from ``estimator.n_features_in_``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadv.utils._resolve import check_width
    >>> model = LogisticRegression().fit([[0.0, 1.0], [1.0, 0.0]], [0, 1])
    >>> check_width(model, np.zeros((1, 3)))
    Traceback (most recent call last):
    ...
    ValueError: X has 3 features, but LogisticRegression expects 2.
    """
    expected = getattr(estimator, "n_features_in_", None)
    if expected is not None and X.shape[1] != expected:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} expects "
            f"{expected}."
        )


def _resolve_torch_module(module, X, batch_size):
    # The adapter imports torch, which the caller of a torch module already has.
    from skadv.utils._torch_provider import TorchModuleProvider

    raw = np.asarray(as_numpy_array(X))
    if raw.ndim < 2 or raw.shape[0] == 0:
        raise ValueError(
            "X must hold at least one sample, with shape (n_samples, ...); "
            f"got shape {raw.shape}."
        )
    flat = check_array(raw.reshape(raw.shape[0], -1), dtype=np.float64, input_name="X")
    provider = TorchModuleProvider(module, raw.shape[1:])
    n_classes = provider.probe(flat)
    return ResolvedModel(
        provider,
        flat,
        raw.shape[1:],
        n_classes,
        None,
        lambda: provider.predict_index(flat, batch_size),
    )


def split_model(estimator, X):
    """The final estimator, the inputs it sees and their names.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted model; FrozenEstimator wrappers, fitted searches and nested
        Pipelines are looked through (see :func:`unwrap_model`).
    X : array-like or sparse matrix
        Inputs in the space of ``estimator`` (the raw space for a Pipeline).

    Returns
    -------
    final : estimator
        The last step, unwrapped.
    X_final : array-like or sparse matrix
        ``X`` passed through every preprocessing step.
    feature_names : ndarray of str or None
        Names of the columns of ``X_final`` when they are known.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skadv.utils._resolve import split_model
    >>> X, y = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0]]), [0, 1, 1]
    >>> pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    >>> final, Xt, names = split_model(FrozenEstimator(pipe), X)
    >>> type(final).__name__, Xt.shape, list(names)
    ('LogisticRegression', (3, 2), ['x0', 'x1'])
    """
    model = unwrap_model(estimator)
    names = (
        None
        if isinstance(model, Pipeline)
        else getattr(model, "feature_names_in_", None)
    )
    while isinstance(model, Pipeline):
        final, X, names = final_estimator_and_inputs(model, X)
        model = unwrap_model(final)
    return model, X, names


def _unsupported(final, caller):
    return TypeError(
        f"{caller} needs input gradients, which {type(final).__name__} does not "
        f"provide: {not_linear_reason(final)}. Supported models: {_SUPPORTED}."
    )


def gradient_provider(final, X_final=None, *, caller="integrated_gradients"):
    """The provider of a final estimator: itself, or the adapter of a linear one.

    Parameters
    ----------
    final : estimator
        A final estimator, not a Pipeline (see :func:`split_model`).
    X_final : array-like or sparse matrix, default=None
        Inputs it sees; the first rows check that a scikit-learn classifier is
        linear (see :class:`~skadv.utils._sklearn_linear.SklearnLinearProvider`).
    caller : str, default="integrated_gradients"
        Named in the error message.

    Returns
    -------
    provider : object
        ``final`` when it implements the protocol, else the adapter of a
        scikit-learn linear classifier.

    Raises
    ------
    TypeError
        When ``final`` is neither, saying why.
    NotFittedError
        When ``final`` is not fitted.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.svm import LinearSVC
    >>> from skadv.utils._resolve import gradient_provider
    >>> X, y = np.array([[-1.0, 0.0], [1.0, 0.5], [2.0, 1.0]]), [0, 1, 1]
    >>> gradient_provider(LinearSVC().fit(X, y), X).supported_outputs
    ('logit',)
    """
    if has_input_gradients(final):
        check_is_fitted(final)
        return final
    if not is_linear_candidate(final):
        raise _unsupported(final, caller)
    check_is_fitted(final)
    return SklearnLinearProvider(final, X_final)


def _names_of_width(names, width):
    if names is None or len(names) != width:
        return None
    return np.asarray(names, dtype=object)


def resolve_model(estimator, X, *, batch_size=None):
    """Find the gradient provider and the flat float64 inputs it sees.

    Parameters
    ----------
    estimator : estimator, Pipeline or torch.nn.Module
        The model to explain; :class:`~sklearn.frozen.FrozenEstimator` wrappers
        and fitted searches (their ``best_estimator_``) are looked through. A
        scikit-learn linear classifier is reached through
        :class:`~skadv.utils._sklearn_linear.SklearnLinearProvider`.
    X : array-like or sparse matrix
        Inputs in the space of ``estimator`` (the raw space for a Pipeline).
    batch_size : int or None
        Rows per forward pass when predicting classes of a torch module.

    Returns
    -------
    resolved : ResolvedModel
        Provider, flat inputs, sample shape, number of classes, class labels
        (None for a torch module), a function giving predicted class indices
        and the names of the provider's input columns.

    Raises
    ------
    TypeError
        When the final estimator provides no input gradients and is not a
        linear classifier.
    ValueError
        When ``X`` does not fit the model (width, shape, non-finite values), or
        for a search fitted with ``refit=False``.

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> from skadv.utils._resolve import resolve_model
    >>> X, y = np.array([[-1.0, 0.0], [1.0, 0.5], [2.0, 1.0]]), ["a", "b", "b"]
    >>> resolved = resolve_model(AdversarialLogisticRegression().fit(X, y), X)
    >>> resolved.n_classes, resolved.classes.tolist(), resolved.predict().tolist()
    (2, ['a', 'b'], [0, 1, 1])
    """
    estimator = unwrap_model(estimator)
    if is_torch_module(estimator):
        return _resolve_torch_module(estimator, X, batch_size)
    final, X_final, names = split_model(estimator, X)
    if not (has_input_gradients(final) or is_linear_candidate(final)):
        raise _unsupported(final, "integrated_gradients")
    check_is_fitted(final)
    # Sparse X stays sparse (CSR, for row blocks): the quadrature densifies one
    # block of rows at a time.
    flat = check_array(X_final, accept_sparse="csr", dtype=np.float64, input_name="X")
    # The exact path multiplies by the coefficients directly, without the
    # estimator's own input checks.
    check_width(final, flat)
    provider = gradient_provider(final, X_final)
    classes = np.asarray(provider.classes_)

    def predict():
        return class_indices(provider.predict(X_final), classes)

    return ResolvedModel(
        provider,
        flat,
        flat.shape[1:],
        len(classes),
        classes,
        predict,
        _names_of_width(names, flat.shape[1]),
    )
