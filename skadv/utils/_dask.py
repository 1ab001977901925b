"""Recognising dask collections without importing dask.

skadv never imports dask on its own: whoever built a dask array or DataFrame
has already imported it, so these checks look it up in :data:`sys.modules`.
An input can only be a dask collection if dask is loaded, and ``import skadv``
stays free of dask's import cost whether or not it is installed.
"""

import sys

import numpy as np


def is_dask_array(X):
    """Whether ``X`` is a :class:`dask.array.Array`.

    Parameters
    ----------
    X : object
        Any object.

    Returns
    -------
    bool
        True if ``X`` is a dask array. Never imports dask.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from skadv.utils._dask import is_dask_array
    >>> is_dask_array(da.zeros((4, 2), chunks=2))
    True
    >>> is_dask_array(np.zeros((4, 2)))
    False
    """
    da = sys.modules.get("dask.array")
    return da is not None and isinstance(X, da.Array)


def is_dask_collection(X):
    """Whether ``X`` is any dask collection (array, DataFrame, Series, bag...).

    Parameters
    ----------
    X : object
        Any object.

    Returns
    -------
    bool
        True if ``X`` is a dask collection. Never imports dask.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from skadv.utils._dask import is_dask_collection
    >>> is_dask_collection(da.ones(3, chunks=2))
    True
    >>> is_dask_collection(np.ones(3))
    False
    """
    dask = sys.modules.get("dask")
    if dask is None:
        return False
    # A type, e.g. the class of a dask array, is not a collection itself.
    if isinstance(X, type):
        return False
    return bool(dask.is_dask_collection(X))


def _unknown(sizes):
    return any(size != size for size in sizes)  # NaN is the only value != itself


def _unknown_rows_error(name):
    return ValueError(
        f"The number of rows of every chunk of {name} must be known to align it "
        "with the rows of X; a dask array built from a DataFrame has unknown "
        "chunk sizes. Call X.compute_chunk_sizes(), or build it with "
        "df.to_dask_array(lengths=True)."
    )


def row_blocks(X, name="X"):
    """``X`` as a dask array split into blocks of rows only.

    Blocks must hold whole samples for a model to be applied to each of them,
    so chunks along the other axes are merged, lazily.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, ...)
        Samples along the first axis; that axis may have unknown chunk sizes.
    name : str, default="X"
        Named in the error messages.

    Returns
    -------
    X : dask.array.Array
        One chunk along every axis but the first.

    Raises
    ------
    ValueError
        When ``X`` is a scalar or the size of an axis other than the first is
        unknown.

    Examples
    --------
    >>> import dask.array as da
    >>> from skadv.utils._dask import row_blocks
    >>> row_blocks(da.zeros((6, 4), chunks=(3, 2))).chunks
    ((3, 3), (4,))
    """
    if X.ndim < 1:
        raise ValueError(f"{name} must hold samples along its first axis; got 0-d.")
    for axis in range(1, X.ndim):
        if _unknown(X.chunks[axis]):
            raise ValueError(
                f"The size of axis {axis} of {name} is unknown; the width of a "
                "sample must be known. Call compute_chunk_sizes() first."
            )
    if all(len(X.chunks[axis]) == 1 for axis in range(1, X.ndim)):
        return X
    return X.rechunk({axis: -1 for axis in range(1, X.ndim)})


def rows_like(values, X, name):
    """Per-sample ``values`` as a dask array split into the row blocks of ``X``.

    Parameters
    ----------
    values : array-like or dask.array.Array of shape (n_samples, ...) or None
        One entry per row of ``X``: labels, weights, targets, baselines. An
        in-memory array is split into the blocks of ``X``; a dask array with
        other row chunks is rechunked, lazily.
    X : dask.array.Array of shape (n_samples, ...)
        Split into blocks of rows (see :func:`row_blocks`).
    name : str
        Named in the error messages.

    Returns
    -------
    values : dask.array.Array or None
        With the row chunks of ``X`` and one chunk along its other axes.

    Raises
    ------
    ValueError
        When the numbers of rows differ, or when they cannot be compared
        because chunk sizes are unknown.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from skadv.utils._dask import rows_like
    >>> X = da.zeros((5, 2), chunks=(2, 2))
    >>> rows_like(np.arange(5), X, "y").chunks
    ((2, 2, 1),)
    """
    import dask.array as da

    if values is None:
        return None
    if not is_dask_array(values):
        values = np.asarray(values)
    if values.ndim < 1:
        raise ValueError(f"{name} must hold one entry per sample; got a scalar.")
    if is_dask_array(values):
        values = row_blocks(values, name)
        if values.chunks[0] == X.chunks[0]:
            return values
    if _unknown(X.chunks[0]) or _unknown(values.shape[:1]):
        raise _unknown_rows_error("X" if _unknown(X.chunks[0]) else name)
    if values.shape[0] != X.shape[0]:
        raise ValueError(
            f"{name} has {values.shape[0]} rows, but X has {X.shape[0]} samples."
        )
    chunks = (X.chunks[0],) + tuple((size,) for size in values.shape[1:])
    if is_dask_array(values):
        return values.rechunk(chunks)
    return da.from_array(values, chunks=chunks)


def _blockwise_rows(func, X, n_out, dtype, rows, block_args, kwargs):
    """One call of ``func`` per block of rows of ``X``, as a dask array."""
    import dask.array as da

    X = row_blocks(X)
    args = [X, tuple(range(X.ndim))]
    if rows:
        func = _SameRows(func, len(rows))
    for k, values in enumerate(rows):
        values = rows_like(values, X, f"row argument {k}")
        if values is None:
            args += [None, None]
        else:
            extra = tuple(range(X.ndim + 1, X.ndim + values.ndim))
            args += [values, (0,) + extra]
    if block_args is not None:
        if len(block_args) != X.numblocks[0]:
            raise ValueError(
                f"block_args holds {len(block_args)} values for "
                f"{X.numblocks[0]} blocks of rows."
            )
        holder = np.empty(len(block_args), dtype=object)
        holder[:] = list(block_args)
        args += [da.from_array(holder, chunks=1), (0,)]
        func = _WithBlockArg(func)
    out_index = (0,) if n_out is None else (0, X.ndim)
    new_axes = {} if n_out is None else {X.ndim: n_out}
    meta = np.empty((0,) * len(out_index), dtype=dtype)
    # Every argument has the row blocks of X, so blocks are paired by position.
    result = da.blockwise(
        func, out_index, *args, new_axes=new_axes, dtype=dtype, meta=meta,
        concatenate=True, align_arrays=False, **kwargs,
    )  # fmt: skip
    return result, meta


class _SameRows:
    """``func``, after checking that its row arguments match the block (picklable).

    Blocks of unknown sizes are paired by position; should two such arrays
    not be split alike, this refuses to pair rows that do not belong together.
    """

    def __init__(self, func, n_rows_args):
        self.func = func
        self.n_rows_args = n_rows_args

    def __call__(self, block, *args, **kwargs):
        for values in args[: self.n_rows_args]:
            if values is not None and values.shape[0] != block.shape[0]:
                raise ValueError(
                    f"A block of X has {block.shape[0]} rows, but the matching "
                    f"block of a per-sample argument has {values.shape[0]}: "
                    "arrays of unknown chunk sizes are split differently. Call "
                    "compute_chunk_sizes() on them."
                )
        return self.func(block, *args, **kwargs)


class _WithBlockArg:
    """``func`` given the value of its block, not the one-element array holding it."""

    def __init__(self, func):
        self.func = func

    def __call__(self, *args, **kwargs):
        *args, holder = args
        return self.func(*args, holder[0], **kwargs)


def map_rows(func, X, n_out, dtype, *rows, block_args=None, **kwargs):
    """Apply an in-memory function of rows to every block of rows of ``X``.

    The result is lazy: ``func`` runs where each block lives when the result is
    computed, and holds one block (and its own work memory) at a time.

    Parameters
    ----------
    func : callable
        ``func(X_block, *row_blocks, [block_arg], **kwargs)`` returning an
        ndarray of ``len(X_block)`` rows: of shape ``(n_rows,)`` when
        ``n_out`` is None, else ``(n_rows, n_out)``. It receives the blocks as
        they are stored (ndarrays, or scipy.sparse matrices), and is not
        called for a block without rows.
    X : dask.array.Array of shape (n_samples, ...)
        The samples; chunks along other axes than the first are merged.
    n_out : int or None
        Width of the result; None for one value per row.
    dtype : dtype
        Dtype of the result.
    *rows : array-like, dask.array.Array or None
        Per-sample arguments (labels, weights...), split into the row blocks of
        ``X`` (see :func:`rows_like`); None is passed as None.
    block_args : sequence, default=None
        One value per block of rows, passed after the row blocks (a seed per
        block, for instance).
    **kwargs : dict
        Passed to every call; a dask array here is computed once and passed
        whole to every block.

    Returns
    -------
    result : dask.array.Array of shape (n_samples,) or (n_samples, n_out)
        With the row chunks of ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from skadv.utils._dask import map_rows
    >>> X = da.from_array(np.arange(6.0).reshape(3, 2), chunks=(2, 2))
    >>> map_rows(lambda b: b.sum(axis=1), X, None, np.float64).compute()
    array([1., 5., 9.])
    """
    rows_func = _Rows(func, n_out, dtype)
    return _blockwise_rows(rows_func, X, n_out, dtype, rows, block_args, kwargs)[0]


class _Rows:
    """``func`` of a block of rows, an empty result for an empty block (picklable).

    Estimators refuse inputs without rows, and a dask array may hold empty
    blocks (after filtering, for instance).
    """

    def __init__(self, func, n_out, dtype):
        self.func = func
        self.n_out = n_out
        self.dtype = dtype

    def __call__(self, block, *args, **kwargs):
        if block.shape[0] == 0:
            shape = (0,) if self.n_out is None else (0, self.n_out)
            return np.empty(shape, dtype=self.dtype)
        return self.func(block, *args, **kwargs)


def reduce_rows(func, X, n_out, *rows, block_args=None, **kwargs):
    """Partial results of an in-memory function, one row per block of ``X``.

    A block without rows contributes zeros, the partial sums of nothing.

    Parameters
    ----------
    func : callable
        As for :func:`map_rows`, but returning an ndarray of shape
        ``(1, n_out)``: the block's partial sums, say.
    X : dask.array.Array of shape (n_samples, ...)
        The samples.
    n_out : int
        Number of partial results per block.
    *rows : array-like, dask.array.Array or None
        Per-sample arguments, as for :func:`map_rows`.
    block_args : sequence, default=None
        One value per block of rows, as for :func:`map_rows`.
    **kwargs : dict
        Passed to every call.

    Returns
    -------
    partials : dask.array.Array of dtype float64 and shape (n_blocks, n_out)
        To be computed and combined by the caller.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from skadv.utils._dask import reduce_rows
    >>> X = da.from_array(np.arange(6.0).reshape(3, 2), chunks=(2, 2))
    >>> reduce_rows(lambda b: [[b.sum(), len(b)]], X, 2).compute()
    array([[6., 2.],
           [9., 1.]])
    """
    import dask.array as da

    result, meta = _blockwise_rows(
        _Partials(func, n_out), X, n_out, np.float64, rows, block_args, kwargs
    )
    chunks = ((1,) * result.numblocks[0],) + result.chunks[1:]
    return da.Array(result.dask, result.name, chunks, meta=meta)


class _Partials:
    """``func`` with its result checked and cast to a float64 row (picklable)."""

    def __init__(self, func, n_out):
        self.func = func
        self.n_out = n_out

    def __call__(self, block, *args, **kwargs):
        if block.shape[0] == 0:
            return np.zeros((1, self.n_out))
        out = np.asarray(self.func(block, *args, **kwargs), dtype=np.float64)
        return out.reshape(1, self.n_out)
