"""Integrated Gradients for skadv estimators, Pipelines and torch modules.

The attribution of feature ``i`` of ``x`` relative to a baseline ``u`` is

.. math::

    IG_i(x) = (x_i - u_i) \\int_0^1 \\partial_i F(u + \\alpha (x - u)) \\, d\\alpha.

Models are reached only through the provider protocol of
:mod:`skadv.utils._protocol`, after :func:`skadv.utils._resolve.resolve_model`
has found the provider: ``_output_and_gradient`` for quadrature and
``_linear_logit`` for the exact form of Lemma 4.1 of Chalasani et al. (2020).
"""

import sys
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from skadv.inspection._baselines import BASELINE_STRATEGIES, resolve_baselines
from skadv.inspection._baselines import resolve_target as _resolve_target
from skadv.inspection._exact_linear import exact_linear_ig
from skadv.inspection._quadrature import (
    MAX_N_STEPS,
    QUADRATURE_METHODS,
    custom_rule,
    quadrature_rule,
)
from skadv.utils._dask import is_dask_collection
from skadv.utils._protocol import check_output, has_linear_form, provider_input_dtype
from skadv.utils._resolve import resolve_model, unwrap_model
from skadv.utils._validation import default_feature_names


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


def _attribute(resolved, U, tgt, output, method, n_steps, batch_size, with_values):
    """Flat attributions and, when asked or free, the outputs at X and at U."""
    provider, Xf = resolved.provider, resolved.X
    linear = has_linear_form(provider, output)
    if isinstance(method, str) and method == "auto":
        method = "exact" if linear else "gausslegendre"
    if isinstance(method, str) and method == "exact":
        if not linear:
            raise ValueError(
                "method='exact' needs a linear model whose attributed output "
                f"(output={output!r}) has the form A(<w, x> + b); "
                f"{type(getattr(provider, 'estimator', provider)).__name__} does "
                "not. Use a quadrature method such as 'gausslegendre'."
            )
        # The exact form is one dense expression the size of its result.
        dense = Xf.toarray() if sp.issparse(Xf) else Xf
        attr, (f_x, f_u) = exact_linear_ig(provider, dense, U, tgt, output)
        return attr, f_x, f_u
    if isinstance(method, str):
        alphas, weights = quadrature_rule(method, n_steps)
    else:
        alphas, weights = custom_rule(method)
    attr = _quadrature_ig(provider, Xf, U, tgt, output, alphas, weights, batch_size)
    if not with_values:
        return attr, None, None
    f_x = _outputs(provider, Xf, tgt, output, batch_size)
    f_u = _outputs(provider, U, tgt, output, batch_size)
    return attr, f_x, f_u


def _is_dataframe(X):
    # pandas is imported by whoever built a DataFrame; never import it here.
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(X, pd.DataFrame)


def _wants_frame(X, sample_shape):
    """Labelled output: for table-shaped samples given as, or asked as, pandas."""
    if len(sample_shape) != 1:
        return False
    return _is_dataframe(X) or get_config()["transform_output"] == "pandas"


def _column_names(estimator, resolved, X):
    d = resolved.X.shape[1]
    names = resolved.feature_names
    model = unwrap_model(estimator)
    sees_x = not (isinstance(model, Pipeline) and len(model) > 1)
    if names is None and sees_x and _is_dataframe(X):
        # A torch module has no names of its own but sees X's columns as given.
        names = X.columns
    if names is None or len(names) != d:
        return default_feature_names(d)
    return np.asarray([str(name) for name in names], dtype=object)


def _labelled(attr, delta, X, names):
    import pandas as pd

    index = X.index if _is_dataframe(X) else None
    frame = pd.DataFrame(attr, index=index, columns=pd.Index(names))
    if delta is None:
        return frame
    return frame, pd.Series(delta, index=frame.index, name="delta")


@validate_params(
    {
        "estimator": "no_validation",
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like", None],
        "baselines": [StrOptions(set(BASELINE_STRATEGIES)), Real, "array-like", None],
        "target": [Integral, "array-like", None],
        "output": [StrOptions({"proba", "logit", "decision"})],
        "n_steps": [Interval(Integral, 1, MAX_N_STEPS, closed="both")],
        "method": [StrOptions({"auto", "exact", *QUADRATURE_METHODS}), tuple],
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
        A :class:`dask.array.Array` (dense or CSR chunks) is explained lazily,
        one block of rows at a time with the same arguments, and gives dask
        arrays with its row chunks; ``baselines="median"`` is then refused and
        ``"mean"`` is computed at call time, in one pass over the blocks.
    y : array-like of shape (n_samples,), default=None
        True labels (for a torch module, output indices). When given and
        ``target`` is None, each row attributes the output of its true class,
        the choice made in the paper.
    baselines : {"zero", "mean", "median"}, float, array-like or None, \
default=None
        The reference ``u``: None or ``"zero"`` means zeros (the paper's
        choice), ``"mean"`` and ``"median"`` the column statistic of the rows of
        ``X`` in the space the model sees (sparse ``X`` included), a float fills
        every feature, one sample (shape ``X.shape[1:]``) is shared by all rows,
        or one baseline per sample (shape ``X.shape``). For a Pipeline,
        baselines live in the space the last step sees; to explain against the
        training mean rather than that of ``X``, pass
        ``baseline_from(estimator, X_train)``.
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
        ``"riemann_trapezoid"``). Ignored by ``method="exact"`` and by a
        rule given as ``(alphas, weights)``. The bound
        keeps the Gauss-Legendre nodes, whose computation grows with the cube
        of ``n_steps``, accurate to rounding and quick to compute; 1000 nodes
        already integrate polynomials of degree 1999 exactly.
    method : {"auto", "exact", "gausslegendre", "riemann_left", "riemann_right", \
"riemann_middle", "riemann_trapezoid"} or tuple (alphas, weights), \
default="auto"
        ``"auto"`` is ``"exact"`` when the attributed output of the model is of
        the form of Lemma 4.1 (a linear model; for a multinomial one only
        ``output="logit"``) and ``"gausslegendre"`` otherwise. ``"exact"`` is
        Lemma 4.1 and needs that form. A tuple ``(alphas, weights)`` of 1-d
        finite arrays of the same non-zero length, ``alphas`` in [0, 1], is a
        quadrature rule of its own: ``sum_k weights[k] * grad(u + alphas[k] (x
        - u))``; the paper's variant for networks, for instance, is nodes
        ``arange(1, S) / S`` with weights ``1 / (S - 1)``. The node
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
    attributions : ndarray of shape (n_samples, n_features) or X.shape, or \
DataFrame
        Float64 attributions, in the space the last estimator sees. A pandas
        DataFrame when ``X`` is one (same index) or when scikit-learn's
        ``transform_output`` is ``"pandas"``, for samples of one dimension:
        its columns are the names of the model's input features (for a
        Pipeline, ``pipeline[:-1].get_feature_names_out()``; ``x0, x1, ...``
        when unknown).
    delta : ndarray of shape (n_samples,) or Series
        Only when ``return_convergence_delta`` is True; a pandas Series on the
        index of ``attributions`` when that is a DataFrame. For a dask ``X``
        both are dask arrays, slices of one computation per block (compute
        them together with ``dask.compute``).

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
    if is_dask_collection(X):
        # Imported here: only a caller holding a dask collection has dask.
        from skadv.inspection._dask_ig import dask_integrated_gradients

        return dask_integrated_gradients(
            estimator, X, y, baselines=baselines, target=target, output=output,
            n_steps=n_steps, method=method, internal_batch_size=internal_batch_size,
            return_convergence_delta=return_convergence_delta,
        )  # fmt: skip
    resolved = resolve_model(estimator, X, batch_size=internal_batch_size)
    check_output(resolved.provider, output)
    U = resolve_baselines(baselines, resolved.X, resolved.sample_shape)
    tgt = _resolve_target(resolved, y, target)
    attr, f_x, f_u = _attribute(
        resolved, U, tgt, output, method, n_steps, internal_batch_size,
        return_convergence_delta,
    )  # fmt: skip
    if not np.all(np.isfinite(attr)):
        raise ValueError(
            "The attributions are not finite: the model's outputs or gradients "
            "overflow along the path from the baselines to X (inputs beyond the "
            "range of the model's dtype?). Rescale X."
        )
    n = resolved.X.shape[0]
    delta = attr.sum(axis=1) - (f_x - f_u) if return_convergence_delta else None
    if _wants_frame(X, resolved.sample_shape):
        names = _column_names(estimator, resolved, X)
        return _labelled(attr, delta, X, names)
    attr = attr.reshape((n,) + tuple(resolved.sample_shape))
    return attr if delta is None else (attr, delta)
