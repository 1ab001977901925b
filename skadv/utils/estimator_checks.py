"""Checks that a model keeps the gradient-provider contract.

The contract is defined in :mod:`skadv.utils._protocol`. A model family is
correct, as far as explanations and robust accuracy are concerned, when it
passes :func:`check_provider`; :func:`provider_checks` yields the same checks
one by one, and :func:`parametrize_with_provider_checks` turns them into pytest
parameters, as :func:`sklearn.utils.estimator_checks.parametrize_with_checks`
does for scikit-learn's estimator checks.

Every check takes ``(estimator, X=None, y=None)``. The estimator may be a fitted
skadv estimator, a Pipeline or :class:`~sklearn.frozen.FrozenEstimator` around
one, or a ``torch.nn.Module`` returning logits (checked through the adapter
that explanations use, and then ``X`` is required). An unfitted estimator is
fitted by the check, on ``X, y`` or on a small generated problem.
"""

import re
from functools import partial

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.utils import get_tags

from skadv.inspection import integrated_gradients
from skadv.utils._protocol import OUTPUTS, has_linear_form, has_robust_correct
from skadv.utils._provider_checks import (
    ATTACK_PARAMS,
    check_gradients_finite_differences,
    check_linear_logit,
    check_output_and_gradient,
    check_provider_members,
    check_robust_correct,
    evaluate,
    final_estimator,
    generated_problem,
    label_index,
    prepared,
    require,
    unknown_label,
)
from skadv.utils._resolve import is_fitted_model, is_torch_module, unfreeze

__all__ = ["check_provider", "parametrize_with_provider_checks", "provider_checks"]

#: Quadrature nodes of the completeness check of models without a linear form.
_N_STEPS = 64
#: Relative error allowed on completeness: exact IG only rounds; the quadrature
#: of a network with ReLU kinks along the path errs by O(1 / n_steps) per kink.
_COMPLETENESS_RTOL = {"exact": 1e-9, "quadrature": 2e-2}


def check_integrated_gradients_completeness(estimator, X=None, y=None):
    """Check attributions sum to ``F(x) - F(u)`` through ``integrated_gradients``.

    The exact method is used when the model has a linear form, Gauss-Legendre
    quadrature on 64 nodes otherwise.

    Takes the arguments of :func:`~skadv.utils.estimator_checks.check_provider`.
    """
    name = "check_integrated_gradients_completeness"
    case = prepared(estimator, X, y)
    method = "exact" if has_linear_form(case.provider) else "gausslegendre"
    rtol = _COMPLETENESS_RTOL["exact" if method == "exact" else "quadrature"]
    n = case.Xf.shape[0]
    for output in OUTPUTS:
        attr, delta = integrated_gradients(
            case.estimator,
            case.X,
            case.y,
            output=output,
            method=method,
            n_steps=_N_STEPS,
            return_convergence_delta=True,
        )
        require(
            attr.shape == (n,) + tuple(case.resolved.sample_shape)
            and delta.shape == (n,),
            name,
            f"attributions of shape {attr.shape} and deltas of shape {delta.shape}.",
        )
        index = label_index(case, case.y)
        f_x = evaluate(case, case.Xf, index, output)[0]
        f_u = evaluate(case, np.zeros_like(case.Xf), index, output)[0]
        tol = rtol * max(np.abs(f_x).max(), np.abs(f_u).max(), 1.0)
        worst = float(np.abs(delta).max())
        require(
            worst <= tol,
            name,
            f"output {output!r}, method {method!r}: |sum(IG) - (F(x) - F(u))| "
            f"reaches {worst:.3g}, above {tol:.3g}.",
        )


def _refuses(call, expected=ValueError):
    try:
        call()
    except expected:
        return True
    return False


def check_target_validation(estimator, X=None, y=None):
    """Check out-of-range targets and unknown labels are refused.

    Both go through :func:`~skadv.inspection.integrated_gradients`, which must
    raise a ValueError rather than attribute a class the model does not have.

    Takes the arguments of :func:`~skadv.utils.estimator_checks.check_provider`.
    """
    name = "check_target_validation"
    case = prepared(estimator, X, y)
    n = case.Xf.shape[0]
    index = np.zeros(n, dtype=np.intp)
    index[-1] = case.n_classes
    for target in (case.n_classes, -1, index):
        require(
            _refuses(
                lambda t=target: integrated_gradients(
                    case.estimator, case.X, target=t, n_steps=2
                )
            ),
            name,
            f"target {np.max(target)} or {np.min(target)} outside [0, "
            f"{case.n_classes}) was not refused with a ValueError.",
        )
    unknown = unknown_label(case)
    if unknown is None:
        return
    labels = np.concatenate([np.asarray(case.y)[:-1], [unknown]])
    require(
        _refuses(
            lambda: integrated_gradients(case.estimator, case.X, labels, n_steps=2)
        ),
        name,
        f"y with the unknown label {unknown!r} was not refused with a ValueError.",
    )


def check_width_validation(estimator, X=None, y=None):
    """Check inputs of the wrong width are refused before any computation.

    Takes the arguments of :func:`~skadv.utils.estimator_checks.check_provider`.
    """
    name = "check_width_validation"
    case = prepared(estimator, X, y)
    wider = np.hstack([case.Xf, case.Xf[:, :1]])
    require(
        _refuses(lambda: integrated_gradients(case.provider, wider, n_steps=2)),
        name,
        "X with one column too many was not refused with a ValueError.",
    )


def _snapshot(*arrays):
    return [a.copy() if sp.issparse(a) else np.array(a, copy=True) for a in arrays]


def _same(before, after):
    if sp.issparse(before):
        return (before != after).nnz == 0
    # NaN is a value like any other here, but only floats can hold it.
    return np.array_equal(before, after, equal_nan=before.dtype.kind in "fc")


def check_inputs_not_mutated(estimator, X=None, y=None):
    """Check no member of the contract writes into the arrays it is given.

    Takes the arguments of :func:`~skadv.utils.estimator_checks.check_provider`.
    """
    name = "check_inputs_not_mutated"
    case = prepared(estimator, X, y)
    n = case.Xf.shape[0]
    target = np.arange(n, dtype=np.intp) % case.n_classes
    inputs = [case.Xf, case.Xf.astype(case.dtype), target, np.asarray(case.y)]
    before = _snapshot(*inputs)
    for output in OUTPUTS:
        for X_in in inputs[:2]:
            evaluate(case, X_in, target, output)
    user_X = np.asarray(case.X) if not hasattr(case.X, "iloc") else case.X
    before_user = _snapshot(np.asarray(user_X))
    integrated_gradients(case.estimator, user_X, inputs[3], n_steps=4)
    if has_linear_form(case.provider):
        case.provider._linear_logit(target)
    if not case.is_module:
        case.provider.predict(case.Xf)
    if has_robust_correct(case.provider):
        case.provider._robust_correct(case.Xf, inputs[3], 0.1, **ATTACK_PARAMS)
    for label, old, new in zip(
        ("X", "X in input_dtype", "target", "y"), before, inputs
    ):
        require(_same(old, new), name, f"{label} was modified.")
    require(_same(before_user[0], np.asarray(user_X)), name, "X was modified.")


def _checks_for(estimator):
    """The checks that apply to ``estimator``, fitted or not."""
    final = final_estimator(estimator)
    module = is_torch_module(unfreeze(estimator))
    yield check_provider_members
    yield check_output_and_gradient
    yield check_gradients_finite_differences
    yield check_integrated_gradients_completeness
    yield check_target_validation
    if not module:
        yield check_width_validation
    if has_linear_form(final):
        yield check_linear_logit
    if has_robust_correct(final):
        yield check_robust_correct
    yield check_inputs_not_mutated


def provider_checks(estimator, X=None, y=None):
    """Yield the provider checks that apply to ``estimator``, one by one.

    Which checks apply depends only on the kind of model (a linear form, robust
    accuracy, a torch module), so the estimator may be unfitted; each check
    then fits it on ``X, y`` (a generated binary problem when None). Pass a
    fitted estimator to fit nothing.

    Parameters
    ----------
    estimator : estimator, Pipeline or torch.nn.Module
        The model to check.
    X : array-like of shape (n_samples, ...), default=None
        Inputs the checks run on (at most their first 24 rows); generated when
        None, except for a torch module, which needs them.
    y : array-like of shape (n_samples,), default=None
        Labels of ``X``; derived from the predictions when None.

    Yields
    ------
    estimator : estimator, Pipeline or torch.nn.Module
        The ``estimator`` passed.
    check : callable
        ``check(estimator)`` runs one check; it raises an AssertionError that
        names it when the model breaks the contract.

    See Also
    --------
    check_provider : Run every check.
    parametrize_with_provider_checks : The checks as pytest parameters.

    Examples
    --------
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> from skadv.utils.estimator_checks import provider_checks
    >>> for estimator, check in provider_checks(AdversarialLogisticRegression()):
    ...     check(estimator)
    """
    for check in _checks_for(estimator):
        yield estimator, partial(check, X=X, y=y)


def _problems(estimator, X, y):
    """The fitted models and data sets that ``check_provider`` runs the checks on."""
    if is_torch_module(unfreeze(estimator)) and X is None:
        raise ValueError("X is needed to check a torch module: samples of its input.")
    if is_fitted_model(estimator):
        yield estimator, X, y
        return
    if X is not None:
        yield clone(estimator).fit(X, y), X, y
        return
    tags = get_tags(estimator).classifier_tags
    for n_classes in (2, 3) if tags is None or tags.multi_class else (2,):
        X_k, y_k = generated_problem(n_classes)
        yield clone(estimator).fit(X_k, y_k), X_k, y_k


def check_provider(estimator, X=None, y=None):
    """Check that a model keeps the gradient-provider contract.

    Runs every check of :func:`provider_checks`: the contract members and their
    types (``classes_``, ``n_features_in_``, ``predict``, ``input_dtype``), the
    shapes and dtypes of ``_output_and_gradient`` for every target class and
    both outputs, its gradients against finite differences, the completeness of
    :func:`~skadv.inspection.integrated_gradients`, the refusal of
    out-of-range targets, unknown labels and inputs of the wrong width,
    ``_linear_logit`` and ``_robust_correct`` where the model has them, and
    that no input is modified. The contract is described in
    :mod:`skadv.utils._protocol`.

    Parameters
    ----------
    estimator : estimator, Pipeline or torch.nn.Module
        The model to check. An unfitted estimator is fitted once on ``X, y``,
        or, when ``X`` is None, on a generated binary problem and (when its
        tags allow it) a three-class one of 200 rows and 4 features. A torch
        module is checked through the adapter explanations use.
    X : array-like of shape (n_samples, ...), default=None
        Inputs the checks run on (at most their first 24 rows); generated when
        None, except for a torch module, which needs them.
    y : array-like of shape (n_samples,), default=None
        Labels of ``X``; derived from the predictions when None.

    Raises
    ------
    AssertionError
        On the first check that fails, with a message that names it.
    ValueError
        When a torch module is given without ``X``.

    See Also
    --------
    provider_checks : The same checks, one by one.

    Examples
    --------
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> from skadv.utils.estimator_checks import check_provider
    >>> check_provider(AdversarialLogisticRegression(epsilon=0.1))
    """
    for fitted, X_k, y_k in _problems(estimator, X, y):
        for model, check in provider_checks(fitted, X_k, y_k):
            try:
                check(model)
            except AssertionError:
                raise
            except Exception as exc:
                raise AssertionError(
                    f"{check.func.__name__}: {type(exc).__name__}: {exc}"
                ) from exc


def _check_id(obj):
    if isinstance(obj, partial):
        return obj.func.__name__
    # scikit-learn's repr shows only the parameters that differ from the defaults.
    return (
        re.sub(r"\s", "", str(obj))
        if hasattr(obj, "get_params")
        else type(obj).__name__
    )


def parametrize_with_provider_checks(estimators):
    """Pytest decorator running every provider check on every estimator.

    Parameters
    ----------
    estimators : list of estimators, Pipelines or torch.nn.Module
        The models to check; fitted ones are checked as they are, on inputs
        generated from their width (a torch module is checked on random
        inputs it cannot know the shape of, so it is better checked with
        :func:`check_provider` and its ``X``).

    Returns
    -------
    decorator : pytest.MarkDecorator
        Parametrizes the test with ``estimator`` and ``check``; the test calls
        ``check(estimator)``.

    See Also
    --------
    provider_checks : The pairs behind the parameters.

    Examples
    --------
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> from skadv.utils.estimator_checks import parametrize_with_provider_checks
    >>> @parametrize_with_provider_checks([AdversarialLogisticRegression()])
    ... def test_provider(estimator, check):
    ...     check(estimator)
    """
    import pytest

    pairs = [pair for estimator in estimators for pair in provider_checks(estimator)]
    return pytest.mark.parametrize("estimator, check", pairs, ids=_check_id)
