"""Model resolution: from what a user passes to the gradient provider it holds.

An explanation may be asked of a fitted estimator, a Pipeline ending in one, a
:class:`~sklearn.frozen.FrozenEstimator` wrapping either, or a plain
``torch.nn.Module``. :func:`resolve_model` turns each of them into one view, a
:class:`ResolvedModel`: a provider of the protocol of
:mod:`skadv.utils._protocol`, the flat float64 inputs it sees, and the classes
it distinguishes.

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
from skadv.utils._validation import class_indices

_SUPPORTED = (
    "a fitted skadv estimator (such as AdversarialLogisticRegression or "
    "AdversarialMLPClassifier), a fitted Pipeline whose last step is one, or a "
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
    """

    def __init__(self, provider, X, sample_shape, n_classes, classes, predict):
        self.provider = provider
        self.X = X
        self.sample_shape = sample_shape
        self.n_classes = n_classes
        self.classes = classes
        self.predict = predict


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


def unfreeze(estimator):
    """The estimator a :class:`~sklearn.frozen.FrozenEstimator` wraps, or itself.

    Parameters
    ----------
    estimator : object
        Any model.

    Returns
    -------
    estimator : object

    Examples
    --------
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skadv.utils._resolve import unfreeze
    >>> model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    >>> unfreeze(FrozenEstimator(model)) is model
    True
    """
    # FrozenEstimator keeps a fitted model through clone(); explain what it wraps.
    frozen = sys.modules.get("sklearn.frozen")
    if frozen is not None and isinstance(estimator, frozen.FrozenEstimator):
        return estimator.estimator
    return estimator


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
    if not hasattr(unfreeze(estimator), "fit"):
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


def resolve_model(estimator, X, *, batch_size=None):
    """Find the gradient provider and the flat float64 inputs it sees.

    Parameters
    ----------
    estimator : estimator, Pipeline or torch.nn.Module
        The model to explain; :class:`~sklearn.frozen.FrozenEstimator` wrappers
        are looked through.
    X : array-like or sparse matrix
        Inputs in the space of ``estimator`` (the raw space for a Pipeline).
    batch_size : int or None
        Rows per forward pass when predicting classes of a torch module.

    Returns
    -------
    resolved : ResolvedModel
        Provider, flat inputs, sample shape, number of classes, class labels
        (None for a torch module) and a function giving predicted class indices.

    Raises
    ------
    TypeError
        When the final estimator provides no input gradients.
    ValueError
        When ``X`` does not fit the model (width, shape, non-finite values).

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
    estimator = unfreeze(estimator)
    if is_torch_module(estimator):
        return _resolve_torch_module(estimator, X, batch_size)
    final, X_final, _ = (
        final_estimator_and_inputs(estimator, X)
        if isinstance(estimator, Pipeline)
        else (estimator, X, None)
    )
    final = unfreeze(final)
    if not has_input_gradients(final):
        raise TypeError(
            "integrated_gradients needs input gradients, which "
            f"{type(final).__name__} does not provide. Supported models: "
            f"{_SUPPORTED}."
        )
    check_is_fitted(final)
    # Sparse X stays sparse (CSR, for row blocks): the quadrature densifies one
    # block of rows at a time.
    flat = check_array(X_final, accept_sparse="csr", dtype=np.float64, input_name="X")
    # The exact path multiplies by the coefficients directly, without the
    # estimator's own input checks.
    check_width(final, flat)
    classes = np.asarray(final.classes_)

    def predict():
        return class_indices(final.predict(X_final), classes)

    return ResolvedModel(final, flat, flat.shape[1:], len(classes), classes, predict)
