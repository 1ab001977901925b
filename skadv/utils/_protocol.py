"""The gradient-provider protocol: what explanations and metrics ask of a model.

Inspection and metrics code never imports an estimator module. A model family
opts in by implementing the members of the protocol classes below; adding a new
family means adding these members, nothing else, and
:func:`skadv.utils.estimator_checks.check_provider` tells whether they keep the
contract.

The classes are :class:`typing.Protocol` definitions: they document the members
and their types, and a model need not inherit from them.

- :class:`GradientProvider` (required for explanations): ``_output_and_gradient``
  and, optionally, ``input_dtype`` and ``supported_outputs`` (the outputs it
  defines, checked by :func:`check_output`).
- :class:`ClassifierProvider`: what resolution reads from a fitted estimator
  besides its gradients (``classes_``, ``n_features_in_``, ``predict``).
- :class:`LinearFormProvider` (optional): ``_linear_logit``, for exact
  Integrated Gradients, and ``linear_outputs``, the outputs it is exact for.
- :class:`RobustnessProvider` (optional): ``_robust_correct``, for robust
  accuracy.

Shapes use ``n`` for the number of rows, ``d`` for the number of features the
model sees (after any Pipeline preprocessing) and ``k`` for the number of
classes.

Dtype rule. Values are always float64. Gradients are float64, or in the
provider's ``input_dtype`` when that is narrower: the linear models return
float64 gradients; :class:`~skadv.neural_network.AdversarialMLPClassifier`
returns float64 gradients whatever the dtype of its network (``input_dtype`` is
float32 for a network fitted on float32 data); the adapter of a plain
``torch.nn.Module`` returns gradients in the module's own dtype, its
``input_dtype``, so that a float32 module makes no float64 copy of a large
array. Callers accumulate gradients in float64.
"""

from typing import Protocol

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from skadv.utils._validation import encoded_feature_names

#: The outputs a provider attributes.
OUTPUTS = ("proba", "logit")


class GradientProvider(Protocol):
    """The required member of every model that can be explained.

    Attributes
    ----------
    input_dtype : numpy.dtype
        Optional (the linear models have none). The floating dtype the
        provider computes in. Explanations build their path points directly in
        it, so a float32 model receives float32 inputs without a conversion
        copy. Absent means float64 (see :func:`provider_input_dtype`).
    supported_outputs : tuple of str
        Optional. The outputs the provider defines, a subset of ``OUTPUTS``;
        absent means both. A model without probabilities (a linear SVM)
        defines only ``"logit"``, its decision values; explanations refuse
        the others through :func:`check_output`.
    output_reasons : dict of str to str
        Optional. For an output left out of ``supported_outputs``, the
        sentence saying why, which :func:`check_output` reports.
    """

    def _output_and_gradient(self, X, target, output):
        """Values and input gradients of each row's attributed output.

        Parameters
        ----------
        X : ndarray of shape (n, d)
            Inputs in the space the model itself sees, float64 or
            ``input_dtype``; explanations pass dense rows (a linear model also
            accepts a CSR matrix). Never modified.
        target : ndarray of int of shape (n,)
            Class index of every row: a position in ``classes_`` (an output
            column for a torch module), in ``[0, k)``.
        output : {"proba", "logit"}
            The attributed function ``F``: the target class's probability or
            its logit (for a binary model with one logit ``z``, class 1
            attributes ``z`` and class 0 ``-z``; ``"proba"`` is the sigmoid of
            that).

        Returns
        -------
        values : ndarray of dtype float64 and shape (n,)
            ``values[i] = F_target[i](X[i])``.
        gradients : ndarray of shape (n, d)
            ``gradients[i] = dF_target[i]/dx (X[i])``, float64 or
            ``input_dtype`` (see the dtype rule of this module).
        """


class ClassifierProvider(GradientProvider, Protocol):
    """A fitted estimator as model resolution reads it.

    Attributes
    ----------
    classes_ : ndarray of shape (k,)
        Sorted, distinct class labels, at least two; targets are positions in
        it and labels are turned into positions by a sorted search.
    n_features_in_ : int
        ``d``; inputs of another width are refused before any computation.
    """

    classes_: np.ndarray
    n_features_in_: int

    def predict(self, X):
        """Predicted labels, elements of ``classes_``, of shape (n,).

        Without ``y`` or ``target``, an explanation attributes the predicted
        class, and robust correctness at ``epsilon=0`` is plain correctness.
        """


class LinearFormProvider(Protocol):
    """Optional member of models whose attributed logit is linear in ``x``.

    Attributes
    ----------
    linear_outputs : tuple of str
        Optional. The outputs that are the sigmoid (``"proba"``) or the
        identity (``"logit"``) of the logit of ``_linear_logit``, for which
        the exact form of Lemma 4.1 holds; absent means both. A multinomial
        model lists only ``"logit"``: its probability is a softmax over every
        class (see :func:`has_linear_form`).
    """

    def _linear_logit(self, target):
        """Weights and intercept of each row's attributed logit.

        Parameters
        ----------
        target : ndarray of int of shape (n,)
            Class index of every row, in ``[0, k)``.

        Returns
        -------
        W : ndarray of dtype float64 and shape (n, d)
        b : ndarray of dtype float64 and shape (n,)
            The ``"logit"`` output of row ``i`` is ``X[i] @ W[i] + b[i]`` and,
            when ``"proba"`` is among the ``linear_outputs``, its ``"proba"``
            output is the sigmoid of that, as ``_output_and_gradient``
            computes them. This enables exact
            Integrated Gradients (Lemma 4.1 of Chalasani et al., 2020).
        """


class RobustnessProvider(Protocol):
    """Optional member of models whose robust accuracy can be computed."""

    def _robust_correct(self, X, y, epsilon, **attack_params):
        """Whether each row stays correctly classified under l_inf(epsilon).

        Parameters
        ----------
        X : ndarray or CSR matrix of shape (n, d)
            Inputs in the space the model sees. Never modified.
        y : ndarray of shape (n,)
            True labels; a label not in ``classes_`` is never correct.
        epsilon : float or ndarray of shape (d,)
            Non-negative budget, per feature when an array.
        **attack_params : dict
            Attack settings, already checked by
            :func:`skadv.metrics._robust.check_attack_params`; a model whose
            worst case is exact ignores them.

        Returns
        -------
        robust : ndarray of dtype bool and shape (n,)
            Exact for linear models, an attack-based upper bound for networks.
            At ``epsilon=0`` it is ``predict(X) == y``; a robust row is always
            a correct one.
        """


def provider_input_dtype(provider):
    """The dtype a provider computes in: its ``input_dtype``, else float64.

    Parameters
    ----------
    provider : object
        A gradient provider.

    Returns
    -------
    dtype : numpy.dtype

    Examples
    --------
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> from skadv.utils._protocol import provider_input_dtype
    >>> provider_input_dtype(AdversarialLogisticRegression())
    dtype('float64')
    """
    return np.dtype(getattr(provider, "input_dtype", np.float64))


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


def supported_outputs(provider):
    """The outputs a provider defines: its ``supported_outputs``, else both.

    Parameters
    ----------
    provider : object
        A gradient provider.

    Returns
    -------
    outputs : tuple of str
        A subset of ``("proba", "logit")``.

    Examples
    --------
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> from skadv.utils._protocol import supported_outputs
    >>> supported_outputs(AdversarialLogisticRegression())
    ('proba', 'logit')
    """
    return tuple(getattr(provider, "supported_outputs", OUTPUTS))


def check_output(provider, output):
    """Refuse an output the provider does not define.

    Parameters
    ----------
    provider : object
        A gradient provider; it may declare ``supported_outputs`` (default
        ``("proba", "logit")``) and, in ``output_reasons``, why it lacks one.
    output : {"proba", "logit", "decision"}
        The attributed output; ``"decision"`` is an alias of ``"logit"``.

    Returns
    -------
    output : {"proba", "logit"}
        ``output``, with the alias resolved.

    Raises
    ------
    ValueError
        When ``output`` is not one of the outputs, or not one ``provider``
        defines (such as probabilities of a model without ``predict_proba``).

    Examples
    --------
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> from skadv.utils._protocol import check_output
    >>> check_output(AdversarialLogisticRegression(), "decision")
    'logit'
    """
    if isinstance(output, str) and output == "decision":
        output = "logit"
    if not isinstance(output, str) or output not in OUTPUTS:
        raise ValueError(
            f"output must be 'proba', 'logit' or 'decision'; got {output!r}."
        )
    if output in supported_outputs(provider):
        return output
    reasons = getattr(provider, "output_reasons", None) or {}
    reason = reasons.get(output) or (
        f"{type(provider).__name__} does not define the {output!r} output"
    )
    alternatives = " or ".join(
        "output='logit' (its decision values)" if o == "logit" else f"output={o!r}"
        for o in supported_outputs(provider)
    )
    raise ValueError(f"{reason}; use {alternatives} instead.")


def has_linear_form(estimator, output=None):
    """Whether ``estimator`` attributes an output of the form ``A(<w, x> + b)``.

    Parameters
    ----------
    estimator : object
        A fitted estimator (not a Pipeline) or a gradient provider.
    output : {"proba", "logit", "decision"} or None, default=None
        None asks whether the attributed logits are linear (whether the
        estimator implements ``_linear_logit``). Given, whether the exact
        closed form of Lemma 4.1 holds for that output: the provider must also
        define it and list it in its ``linear_outputs`` (default both). The
        probability of a multinomial model is the softmax of all its logits,
        not a function of the target's logit alone, so only its ``"logit"``
        output has the closed form.

    Returns
    -------
    bool
        True when the closed form holds (for ``output``, when given).

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skadv.utils import has_linear_form
    >>> has_linear_form(DecisionTreeClassifier())
    False
    """
    if not callable(getattr(estimator, "_linear_logit", None)):
        return False
    if output is None:
        return True
    if isinstance(output, str) and output == "decision":
        output = "logit"
    linear = tuple(getattr(estimator, "linear_outputs", OUTPUTS))
    return output in linear and output in supported_outputs(estimator)


def has_robust_correct(estimator):
    """Whether ``estimator`` can tell which rows stay correct under attack.

    Parameters
    ----------
    estimator : object
        An estimator (not a Pipeline).

    Returns
    -------
    bool
        True when the estimator implements ``_robust_correct``.

    Examples
    --------
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> from skadv.utils._protocol import has_robust_correct
    >>> has_robust_correct(AdversarialLogisticRegression())
    True
    """
    return callable(getattr(estimator, "_robust_correct", None))


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
        if len(head):
            return final, head.transform(X), encoded_feature_names(head)
        return final, X, getattr(final, "feature_names_in_", None)
    return estimator, X, getattr(estimator, "feature_names_in_", None)
