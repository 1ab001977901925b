"""Integrated Gradients for skadv estimators, Pipelines and torch modules.

The attribution of feature ``i`` of ``x`` relative to a baseline ``u`` is

.. math::

    IG_i(x) = (x_i - u_i) \\int_0^1 \\partial_i F(u + \\alpha (x - u)) \\, d\\alpha.

Models are reached only through the provider protocol of
:mod:`skadv.utils._protocol`, after :func:`skadv.utils._resolve.resolve_model`
has found the provider: ``_output_and_gradient`` for quadrature and
``_linear_logit`` for the exact form of Lemma 4.1 of Chalasani et al. (2020).
"""

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from skadv.inspection._exact_linear import exact_linear_ig
from skadv.inspection._quadrature import (
    MAX_N_STEPS,
    QUADRATURE_METHODS,
    quadrature_rule,
)
from skadv.utils._protocol import has_linear_form, provider_input_dtype
from skadv.utils._resolve import (
    as_numpy_array,
    resolve_model,
)
from skadv.utils._validation import class_indices


def _resolve_baselines(baselines, X, sample_shape):
    n, d = X.shape
    if baselines is None:
        return np.zeros((n, d))
    # A dict or a set has a length and passes as array-like, but holds no
    # ordered values a baseline could be read from.
    if isinstance(baselines, (Mapping, AbstractSet, str, bytes)):
        raise TypeError(
            "baselines must be None, a real number or an array of real numbers; "
            f"got a {type(baselines).__name__}."
        )
    U = np.asarray(as_numpy_array(baselines))
    if U.dtype.kind not in "biufO":
        raise TypeError(
            f"baselines must hold real numbers; got an array of dtype {U.dtype}."
        )
    try:
        U = U.astype(np.float64)
    except OverflowError as exc:
        raise ValueError(f"baselines must be finite floats: {exc}.") from exc
    except (TypeError, ValueError) as exc:
        raise TypeError(f"baselines must hold real numbers: {exc}") from exc
    if U.ndim == 0:
        U = np.full((n, d), float(U))
    elif U.shape in (tuple(sample_shape), (1,) + tuple(sample_shape)):
        U = np.broadcast_to(U.reshape(1, d), X.shape)
    elif U.shape == (n,) + tuple(sample_shape):
        U = U.reshape(n, d)
    else:
        raise ValueError(
            "baselines must be None, a scalar, one sample of shape "
            f"{tuple(sample_shape)} or one per sample of shape "
            f"{(n,) + tuple(sample_shape)}; got shape {U.shape}."
        )
    if not np.all(np.isfinite(U)):
        raise ValueError("baselines must be finite.")
    return U


def _target_range_error(n_classes, low, high):
    return ValueError(
        f"target must lie in [0, {n_classes - 1}] (the model has {n_classes} "
        f"classes); got values in [{low}, {high}]."
    )


def _resolve_target(resolved, y, target):
    n = resolved.X.shape[0]
    if target is not None:
        # An int beyond int64 would become an object array, reported as a
        # wrong type rather than as the out-of-range index it is.
        if isinstance(target, Integral) and not 0 <= target < resolved.n_classes:
            raise _target_range_error(resolved.n_classes, target, target)
        idx = np.asarray(target)
        if idx.ndim == 0:
            idx = np.full(n, idx)
        if idx.shape != (n,):
            raise ValueError(
                f"target must be an int or hold one int per sample ({n}); got "
                f"shape {idx.shape}."
            )
        if not np.issubdtype(idx.dtype, np.integer):
            raise TypeError(
                "target holds class indices (positions in classes_, or output "
                f"columns of a torch module) and must be integer; got {idx.dtype}."
            )
        if np.any((idx < 0) | (idx >= resolved.n_classes)):
            raise _target_range_error(resolved.n_classes, idx.min(), idx.max())
        return idx.astype(np.intp)
    if y is None:
        return np.asarray(resolved.predict(), dtype=np.intp)
    y = np.asarray(as_numpy_array(y))
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"y must have shape ({n},); got {y.shape}.")
    if resolved.classes is None:
        if not np.issubdtype(y.dtype, np.integer) or np.any(
            (y < 0) | (y >= resolved.n_classes)
        ):
            raise ValueError(
                "For a torch module y must hold output indices in "
                f"[0, {resolved.n_classes - 1}]."
            )
        return y.astype(np.intp)
    # Missing labels, labels of another type than classes_ and labels it does
    # not hold are refused: there is no class to attribute.
    return class_indices(y, resolved.classes, unknown="raise")


def _blocks(n_rows, n_steps, batch_size):
    """Yield (row slice, step slice) pairs of at most ``batch_size`` evaluations."""
    if batch_size is None:
        yield slice(0, n_rows), slice(0, n_steps)
        return
    if batch_size >= n_steps:
        rows = batch_size // n_steps
        for start in range(0, n_rows, rows):
            yield slice(start, start + rows), slice(0, n_steps)
        return
    for row in range(n_rows):
        for start in range(0, n_steps, batch_size):
            yield slice(row, row + 1), slice(start, start + batch_size)


def _dense_rows(X, rows):
    """Rows of X as a dense float64 array, whether X is sparse or not."""
    block = X[rows]
    return block.toarray() if sp.issparse(block) else block


def _check_representable(X, U, dtype):
    # Casting to a float32 model would turn such values into inf silently.
    limit = np.finfo(dtype).max
    for name, values in (("X", X), ("baselines", U)):
        if values.shape[0] and values.shape[1] and abs(values).max() > limit:
            raise ValueError(
                f"{name} holds values beyond the range of the model's "
                f"{np.dtype(dtype).name} inputs (|value| <= {limit:.4g})."
            )


def _quadrature_ig(provider, X, U, target, output, alphas, weights, batch_size):
    """Path integral of the gradients by a quadrature rule, in bounded blocks."""
    n, d = X.shape
    # A provider may evaluate in a narrower dtype (a float32 torch module); building
    # the path directly in it avoids a float64 copy of every point.
    dtype = provider_input_dtype(provider)
    _check_representable(X, U, dtype)
    integral = np.zeros((n, d))
    for rows, steps in _blocks(n, len(alphas), batch_size):
        u = U[rows].astype(dtype)
        diff = (_dense_rows(X, rows) - U[rows]).astype(dtype)
        a = alphas[steps].astype(dtype)
        points = np.multiply(a[:, None, None], diff[None])
        points += u[None]
        tgt = np.tile(target[rows], len(a))
        _, grads = provider._output_and_gradient(points.reshape(-1, d), tgt, output)
        del points
        grads = grads.reshape(len(a), -1, d)
        # Accumulating step by step in float64 never makes a float64 copy of
        # float32 gradients.
        block = integral[rows]
        for weight, grad in zip(weights[steps], grads):
            block += weight * grad
        integral[rows] = block
    step = n if batch_size is None else max(batch_size, 1)
    for start in range(0, n, step):
        rows = slice(start, start + step)
        integral[rows] *= _dense_rows(X, rows) - U[rows]
    return integral


def _outputs(provider, X, target, output, batch_size):
    step = X.shape[0] if batch_size is None else batch_size
    parts = [
        provider._output_and_gradient(
            _dense_rows(X, slice(s, s + step)), target[s : s + step], output
        )[0]
        for s in range(0, X.shape[0], step)
    ]
    return np.concatenate(parts)


@validate_params(
    {
        "estimator": "no_validation",
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like", None],
        "baselines": [Real, "array-like", None],
        "target": [Integral, "array-like", None],
        "output": [StrOptions({"proba", "logit", "decision"})],
        "n_steps": [Interval(Integral, 1, MAX_N_STEPS, closed="both")],
        "method": [StrOptions({"auto", "exact", *QUADRATURE_METHODS})],
        "internal_batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "return_convergence_delta": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def integrated_gradients(
    estimator,
    X,
    y=None,
    *,
    baselines=None,
    target=None,
    output="proba",
    n_steps=50,
    method="auto",
    internal_batch_size=None,
    return_convergence_delta=False,
):
    """Integrated Gradients attributions of a fitted model's output.

    For every row ``x`` of ``X`` and its baseline ``u``,

    .. math::

        IG_i(x) = (x_i - u_i) \\int_0^1 \\partial_i F(u + \\alpha (x - u))
        \\, d\\alpha,

    where ``F`` is the attributed output of the target class. For a linear model,
    ``F(x) = A(\\langle w, x \\rangle + b)`` and Lemma 4.1 of Chalasani et al.
    (2020) gives the integral in closed form,

    .. math::

        IG(x) = \\frac{A(z_x) - A(z_u)}{z_x - z_u} (x - u) \\odot w,
        \\qquad z_v = \\langle w, v \\rangle + b,

    whose limit as ``z_x - z_u -> 0`` is ``A'(z_u) (x - u) * w``; the divided
    difference is evaluated without cancellation, so this limit needs no special
    case. The attributions are complete: they sum to ``F(x) - F(u)``.

    Parameters
    ----------
    estimator : estimator, Pipeline or torch.nn.Module
        A fitted skadv estimator that provides input gradients, a fitted Pipeline
        whose last step is one, or a ``torch.nn.Module`` mapping inputs of shape
        ``(n_samples, *X.shape[1:])`` to logits of shape ``(n_samples,
        n_classes)`` (one column reads as the logit of class 1). For a Pipeline
        the attributions are computed in the space the last step sees, after the
        encoders; the names of those columns are
        ``pipeline[:-1].get_feature_names_out()``.
        :class:`~sklearn.frozen.FrozenEstimator` wrappers are looked through.
    X : array-like of shape (n_samples, n_features) or (n_samples, ...)
        Inputs to explain. Any shape with samples first for a torch module.
    y : array-like of shape (n_samples,), default=None
        True labels (for a torch module, output indices). When given and
        ``target`` is None, each row attributes the output of its true class,
        the choice made in the paper.
    baselines : None, float or array-like, default=None
        The reference ``u``: None means zeros, a float fills every feature, one
        sample (shape ``X.shape[1:]``) is shared by all rows, or one baseline per
        sample (shape ``X.shape``). For a Pipeline, baselines live in the space
        the last step sees.
    target : int or array-like of shape (n_samples,), default=None
        Class index of the attributed output: a position in ``classes_`` (an
        output column for a torch module), either one for all rows or one per
        row. None means the class of ``y`` when given, else the predicted class.
    output : {"proba", "logit", "decision"}, default="proba"
        The attributed function ``F``. ``"proba"``: the predicted probability of
        the target class (softmax for a multi-output torch module). For a
        one-vs-rest multiclass linear model it is the target class's own
        sigmoid ``sigmoid(X @ coef_[k] + intercept_[k])`` -- not the normalised
        probability of ``predict_proba``, which is not of the form of Lemma 4.1.
        For a binary linear model class 1 attributes ``sigmoid(decision)`` and
        class 0 ``sigmoid(-decision)``. ``"logit"`` (alias ``"decision"``): the
        corresponding logit, ``decision`` or ``-decision`` for a binary model.
    n_steps : int, default=50
        Number of quadrature nodes, from 1 to 1000 (at least 2 for
        ``"riemann_trapezoid"``). Ignored by ``method="exact"``. The bound
        keeps the Gauss-Legendre nodes, whose computation grows with the cube
        of ``n_steps``, accurate to rounding and quick to compute; 1000 nodes
        already integrate polynomials of degree 1999 exactly.
    method : {"auto", "exact", "gausslegendre", "riemann_left", "riemann_right", \
"riemann_middle", "riemann_trapezoid"}, default="auto"
        ``"auto"`` is ``"exact"`` for linear models and ``"gausslegendre"``
        otherwise. ``"exact"`` is Lemma 4.1 and needs a linear model. The node
        placements match the usual Integrated Gradients conventions, except
        ``"riemann_trapezoid"``, which is the proper trapezoid rule: ``n_steps``
        nodes on ``linspace(0, 1, n_steps)`` with spacing ``1 / (n_steps - 1)``
        and halved end weights. Weights of ``1 / n_steps`` at those nodes would
        sum to ``(n_steps - 1) / n_steps`` and break completeness by that factor.
    internal_batch_size : int, default=None
        Largest number of (row, step) points evaluated at once; bounds memory to
        about ``internal_batch_size * n_features`` floats. None evaluates all
        ``n_samples * n_steps`` points at once. Results do not depend on it.
    return_convergence_delta : bool, default=False
        Also return ``sum(IG) - (F(x) - F(u))`` per row, which measures the
        quadrature error (only rounding for the exact method, bounded in the
        Notes).

    Returns
    -------
    attributions : ndarray of shape (n_samples, n_features) or X.shape
        Float64 attributions, in the space the last estimator sees.
    delta : ndarray of shape (n_samples,)
        Only when ``return_convergence_delta`` is True.

    See Also
    --------
    gini_index : Concentration of the attributions.
    FeatureImpactTransformer : Attributions aggregated over a dataset.

    Notes
    -----
    The quadrature methods use the same nodes as captum's
    ``IntegratedGradients`` at equal ``n_steps``, and the same weights except
    for ``"riemann_trapezoid"``: captum evaluates that rule at
    ``linspace(0, 1, n_steps)`` but weighs the nodes ``1 / n_steps`` with halved
    ends, so its weights sum to ``(n_steps - 1) / n_steps`` and its
    attributions fall short of completeness by that factor (even for a linear
    model). skadv uses the trapezoid rule proper, spacing ``1 / (n_steps - 1)``;
    its result is captum's times ``n_steps / (n_steps - 1)``.

    Rounding: for ``method="exact"`` completeness holds up to the rounding of
    the sums that form the logits. With ``d`` features, ``w`` and ``b`` the
    weights and intercept of the attributed logit ``z`` and
    ``B = 2 (d + 2) 2^-52 (sum_j |x_j w_j| + sum_j |u_j w_j| + |b|)``, the
    returned ``delta`` satisfies ``|delta| <= B`` for ``output="logit"`` and
    ``|delta| <= B / 4 + 1e-12`` for ``output="proba"``, whose divided
    difference of the sigmoid is computed in log space and stays accurate at
    logits up to about 1e308. Logits that overflow float64 raise a
    ``ValueError``.

    Memory: without ``internal_batch_size`` all ``n_samples * n_steps`` path
    points, their activations and their gradients are held at once. Torch
    modules are evaluated in their own dtype and device.

    References
    ----------
    Sundararajan, Taly and Yan, "Axiomatic Attribution for Deep Networks", ICML
    2017. Chalasani et al., "Concise Explanations of Neural Networks using
    Adversarial Training", ICML 2020.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from skadv.inspection import integrated_gradients
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(),
    ...                           torch.nn.Linear(8, 3)).double()
    >>> X = np.random.default_rng(0).normal(size=(5, 4))
    >>> attr, delta = integrated_gradients(net, X, target=2,
    ...                                    return_convergence_delta=True)
    >>> attr.shape, bool(np.abs(delta).max() < 1e-6)
    ((5, 4), True)
    """
    if output == "decision":
        output = "logit"
    resolved = resolve_model(estimator, X, batch_size=internal_batch_size)
    Xf = resolved.X
    U = _resolve_baselines(baselines, Xf, resolved.sample_shape)
    tgt = _resolve_target(resolved, y, target)
    linear = has_linear_form(resolved.provider)
    if method == "auto":
        method = "exact" if linear else "gausslegendre"
    if method == "exact":
        if not linear:
            raise ValueError(
                "method='exact' needs a linear model (one that provides "
                f"_linear_logit); {type(resolved.provider).__name__} does not. "
                "Use a quadrature method such as 'gausslegendre'."
            )
        # The exact form is one dense expression the size of its result.
        dense = Xf.toarray() if sp.issparse(Xf) else Xf
        attr, (f_x, f_u) = exact_linear_ig(resolved.provider, dense, U, tgt, output)
    else:
        alphas, weights = quadrature_rule(method, n_steps)
        attr = _quadrature_ig(
            resolved.provider, Xf, U, tgt, output, alphas, weights, internal_batch_size
        )
        if return_convergence_delta:
            f_x = _outputs(resolved.provider, Xf, tgt, output, internal_batch_size)
            f_u = _outputs(resolved.provider, U, tgt, output, internal_batch_size)
    if not np.all(np.isfinite(attr)):
        raise ValueError(
            "The attributions are not finite: the model's outputs or gradients "
            "overflow along the path from the baselines to X (inputs beyond the "
            "range of the model's dtype?). Rescale X."
        )
    attr = attr.reshape((Xf.shape[0],) + tuple(resolved.sample_shape))
    if return_convergence_delta:
        delta = attr.reshape(Xf.shape[0], -1).sum(axis=1) - (f_x - f_u)
        return attr, delta
    return attr
