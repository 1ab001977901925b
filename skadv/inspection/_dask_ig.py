"""Integrated Gradients of a dask array, one block of rows at a time.

Every attribution depends on its own row only (its baseline, its target and
the path between them), so a dask array of inputs is explained block by block:
each block of rows goes through the in-memory
:func:`~skadv.inspection.integrated_gradients` with the same arguments, where
the block lives, and the attributions form a dask array with the row chunks of
the inputs. A task holds one block, its attributions and at most
``internal_batch_size`` path points at once.

This module is imported only once a dask collection has been passed.
"""

import numpy as np
import scipy.sparse as sp
from sklearn import config_context

from skadv.inspection._baselines import resolve_baselines
from skadv.inspection._quadrature import custom_rule, quadrature_rule
from skadv.utils._dask import (
    is_dask_array,
    map_rows,
    reduce_rows,
    row_blocks,
    rows_like,
)
from skadv.utils._dask_models import split_dask_model
from skadv.utils._protocol import check_output, has_input_gradients, has_linear_form
from skadv.utils._resolve import (
    as_numpy_array,
    check_width,
    gradient_provider,
    is_torch_module,
    unwrap_model,
)


def model_inputs(estimator, X):
    """The model each block is explained with, and the dask inputs it sees.

    Parameters
    ----------
    estimator : estimator, Pipeline or torch.nn.Module
        As accepted by :func:`~skadv.inspection.integrated_gradients`.
    X : dask.array.Array of shape (n_samples, ...)
        Inputs in the raw space of ``estimator``.

    Returns
    -------
    model : estimator or torch.nn.Module
        The final estimator of a Pipeline (wrappers looked through), or the
        torch module.
    X_final : dask.array.Array
        ``X`` through the Pipeline's preprocessing, block by block and lazily
        (see :func:`~skadv.utils._dask.split_dask_model`).
    """
    estimator = unwrap_model(estimator)
    if is_torch_module(estimator):
        if not is_dask_array(X):
            raise TypeError(
                "A torch module explains dask arrays; got a "
                f"{type(X).__name__}. Convert a dask DataFrame with "
                "df.to_dask_array(lengths=True)."
            )
        if X.ndim < 2:
            raise ValueError(
                f"X must have shape (n_samples, ...); got a {X.ndim}-d dask array."
            )
        return estimator, row_blocks(X)
    return split_dask_model(estimator, X)


def _check_model(model, X_final, output, method, n_steps, target):
    """The checks that need no data, made before any block is computed."""
    if isinstance(method, tuple):
        custom_rule(method)
    elif method not in ("auto", "exact"):
        quadrature_rule(method, n_steps)
    if is_torch_module(model):
        return
    provider = gradient_provider(model, None)
    check_width(model, X_final)
    if has_input_gradients(model):
        # The outputs a scikit-learn model defines are found on rows of data,
        # so its blocks check them.
        check_output(provider, output)
        if method == "exact" and not has_linear_form(provider, output):
            raise ValueError(
                "method='exact' needs a linear model whose attributed output "
                f"(output={output!r}) has the form A(<w, x> + b); "
                f"{type(model).__name__} does not. Use a quadrature method such "
                "as 'gausslegendre'."
            )
    n_classes = len(provider.classes_)
    if np.ndim(target) == 0 and target is not None and not 0 <= target < n_classes:
        raise ValueError(
            f"target must lie in [0, {n_classes - 1}] (the model has {n_classes} "
            f"classes); got values in [{target}, {target}]."
        )


def _flat_mean(block):
    """Column sums of a block of flattened rows, and its number of rows."""
    if sp.issparse(block):
        sums = np.asarray(block.sum(axis=0), dtype=np.float64).ravel()
    else:
        block = np.asarray(block, dtype=np.float64)
        sums = block.reshape(block.shape[0], -1).sum(axis=0)
    return np.append(sums, block.shape[0])[None]


def dask_row_mean(X_final):
    """Column means of the rows of a dask array, computed in one pass.

    Parameters
    ----------
    X_final : dask.array.Array of shape (n_samples, ...)
        Inputs in the space the model sees, in blocks of rows (dense or CSR).

    Returns
    -------
    mean : ndarray of shape X_final.shape[1:]
        The mean of every input over the rows, float64.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from skadv.inspection._dask_ig import dask_row_mean
    >>> X = da.from_array(np.array([[0.0, 2.0], [2.0, 4.0], [4.0, 0.0]]), chunks=2)
    >>> dask_row_mean(X)
    array([2., 2.])
    """
    width = int(np.prod(X_final.shape[1:]))
    totals = reduce_rows(_flat_mean, X_final, width + 1).compute().sum(axis=0)
    if totals[-1] == 0:
        raise ValueError("baselines='mean' needs at least one row of X.")
    return (totals[:-1] / totals[-1]).reshape(X_final.shape[1:])


def row_statistic_of(X_final, strategy):
    """The baseline named ``strategy`` of a dask array of inputs.

    Parameters
    ----------
    X_final : dask.array.Array of shape (n_samples, ...)
        Inputs in the space the model sees.
    strategy : {"zero", "mean", "median"}
        ``"zero"`` needs no data; ``"mean"`` is computed exactly, in one pass
        over the blocks. ``"median"`` is refused: an exact median of every
        column needs all the rows at once.

    Returns
    -------
    baseline : ndarray of shape X_final.shape[1:]

    Raises
    ------
    ValueError
        For ``"median"``.
    """
    if strategy == "zero":
        return np.zeros(X_final.shape[1:])
    if strategy == "mean":
        return dask_row_mean(X_final)
    raise ValueError(
        "baselines='median' is not computed for dask arrays: an exact median of "
        "every column needs all the rows at once. Use baselines='mean', or pass a "
        "median row computed on an in-memory sample, e.g. "
        "baseline_from(estimator, X_sample, 'median')."
    )


def _baselines(baselines, X_final):
    """(per-sample dask rows or None, baseline shared by every block or None)."""
    sample_shape = X_final.shape[1:]
    if baselines is None:
        return None, None
    if isinstance(baselines, str):
        return None, row_statistic_of(X_final, baselines)
    if not is_dask_array(baselines):
        baselines = as_numpy_array(baselines)
    shape = np.shape(baselines)
    if len(shape) == len(sample_shape) + 1 and shape[0] != 1:
        if tuple(shape[1:]) != tuple(sample_shape):
            raise ValueError(
                "baselines given per sample must have shape (n_samples,) + "
                f"{tuple(sample_shape)}; got shape {shape}."
            )
        return rows_like(baselines, X_final, "baselines"), None
    if is_dask_array(baselines):
        # One sample, small: computed once and shared by every block.
        baselines = baselines.compute()
    # Checks type, shape and finiteness now, against rows of the right width.
    dummy = np.empty((0, int(np.prod(sample_shape))))
    resolve_baselines(baselines, dummy, sample_shape)
    return None, baselines


def _target(target, X_final):
    """(per-sample target rows or None, target shared by every block)."""
    if target is None or np.ndim(target) == 0:
        return None, target
    return rows_like(target, X_final, "target"), None


class _ExplainBlock:
    """In-memory Integrated Gradients of one block of rows (picklable)."""

    def __init__(self, model, params, width, with_delta):
        self.model = model
        self.params = params
        self.width = width
        self.with_delta = with_delta

    def __call__(self, X, y, target_rows, baseline_rows, *, target, baselines):
        from skadv.inspection._integrated_gradients import integrated_gradients

        n = X.shape[0]
        # Labelled output is a property of the whole result, not of a block.
        with config_context(transform_output="default"):
            result = integrated_gradients(
                self.model,
                X,
                y,
                baselines=baselines if baseline_rows is None else baseline_rows,
                target=target if target_rows is None else target_rows,
                return_convergence_delta=self.with_delta,
                **self.params,
            )
        if not self.with_delta:
            return np.asarray(result).reshape(n, self.width)
        attr, delta = result
        return np.column_stack([np.asarray(attr).reshape(n, self.width), delta])


def dask_integrated_gradients(
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
    """Lazy Integrated Gradients of a dask array of inputs, block by block.

    The arguments are those of :func:`~skadv.inspection.integrated_gradients`,
    which calls this function when ``X`` is a dask array; every block of rows
    is explained by it in memory with the same arguments.

    Parameters
    ----------
    estimator : estimator, Pipeline or torch.nn.Module
        The model. A Pipeline's fitted preprocessing is applied to each
        block of ``X`` lazily (see :func:`model_inputs`); its final estimator
        explains each block.
    X : dask.array.Array of shape (n_samples, ...)
        Inputs, dense or with scipy.sparse CSR chunks; chunks along other axes
        than the first are merged.
    y : array-like or dask.array.Array of shape (n_samples,), default=None
        True labels, split into the row blocks of the inputs.
    baselines : {"zero", "mean"}, float, array-like, dask.array.Array or None
        A float or one sample is shared by every block. ``"mean"`` is the
        exact column mean of all the rows, computed once, at call time, in one
        pass over the blocks: kept lazy, it would hold every block in memory
        until the last one had been summed. ``"median"`` is refused (an
        exact column median needs all the rows at once). One baseline per
        sample, as a dask array (or an in-memory one), is split into the row
        blocks of the inputs.
    target : int, array-like or dask.array.Array of shape (n_samples,), \
default=None
        Class indices; per-sample ones are split into the row blocks.
    output, n_steps, method, internal_batch_size, return_convergence_delta
        As for :func:`~skadv.inspection.integrated_gradients`.

    Returns
    -------
    attributions : dask.array.Array of float64 and shape X.shape
        Lazy; the row chunks of the inputs the model sees (those of ``X``
        unless a preprocessing step changes them).
    delta : dask.array.Array of shape (n_samples,)
        Only when ``return_convergence_delta`` is True. Both arrays are slices
        of one computation per block: computed together (``dask.compute(attr,
        delta)``), every block is explained once.

    Notes
    -----
    The checks that need no data (the model, the method, the output, a shared
    target and baseline, the width of ``X``) are made at call time; those that
    need the values (labels, per-sample targets and baselines, finiteness of
    the attributions) raise when the result is computed. Labelled (pandas)
    output is not produced for dask inputs.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from skadv.inspection import integrated_gradients
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> X = np.random.default_rng(0).normal(size=(6, 3))
    >>> clf = AdversarialLogisticRegression().fit(X, [0, 1, 0, 1, 1, 0])
    >>> lazy = integrated_gradients(clf, da.from_array(X, chunks=(4, 3)))
    >>> lazy.chunks
    ((4, 2), (3,))
    >>> bool(np.allclose(lazy.compute(), integrated_gradients(clf, X)))
    True
    """
    model, X_final = model_inputs(estimator, X)
    _check_model(model, X_final, output, method, n_steps, target)
    baseline_rows, shared_baseline = _baselines(baselines, X_final)
    target_rows, shared_target = _target(target, X_final)
    sample_shape = X_final.shape[1:]
    width = int(np.prod(sample_shape))
    params = {
        "output": output,
        "n_steps": n_steps,
        "method": method,
        "internal_batch_size": internal_batch_size,
    }
    block = _ExplainBlock(model, params, width, return_convergence_delta)
    result = map_rows(
        block,
        X_final,
        width + return_convergence_delta,
        np.float64,
        rows_like(y, X_final, "y"),
        target_rows,
        baseline_rows,
        target=shared_target,
        baselines=shared_baseline,
    )
    attr = result[:, :width] if return_convergence_delta else result
    if len(sample_shape) > 1:
        attr = attr.reshape((X_final.shape[0],) + tuple(sample_shape))
    if not return_convergence_delta:
        return attr
    return attr, result[:, width]
