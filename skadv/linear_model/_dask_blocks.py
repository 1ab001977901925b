"""The row blocks of a fit on dask arrays: their checks, and computing them.

``X`` must be a 2-d dask array split along its rows only, with known chunk
sizes, into numpy or scipy.sparse blocks; ``y`` and ``sample_weight`` are in
memory (split here at the block boundaries of ``X``) or dask arrays with the
row chunks of ``X``. Nothing is rechunked behind the caller's back: a
mismatch is a ValueError that says how to rechunk. Dask DataFrames are
refused with the conversion to use, ``df.to_dask_array(lengths=True)``.
"""

import concurrent.futures
import sys

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import _check_sample_weight, column_or_1d

from skadv.utils._dask import is_dask_array, is_dask_collection


def dataframe_error(name):
    """The TypeError for a dask DataFrame or Series given as ``name``."""
    return TypeError(
        f"{name} is a dask DataFrame or Series; convert it to a dask array with "
        f"known chunk sizes first: {name}.to_dask_array(lengths=True)."
    )


def _has_unknown(sizes):
    return any(size != size for size in sizes)  # NaN is the only value != itself


def check_dask_matrix(X):
    """Check that ``X`` is a row-chunked 2-d dask array of known chunk sizes.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Blocks of numbers, dense (ndarray) or scipy.sparse.

    Returns
    -------
    X : dask.array.Array
        The same array.

    Raises
    ------
    TypeError
        When ``X`` is a dask DataFrame, or its blocks are neither ndarrays nor
        scipy.sparse matrices, or do not hold real numbers.
    ValueError
        When ``X`` is not 2-d, has unknown chunk sizes, is split along its
        columns, or has no rows or no columns.

    Examples
    --------
    >>> import dask.array as da
    >>> from skadv.linear_model._dask_blocks import check_dask_matrix
    >>> check_dask_matrix(da.zeros((6, 3), chunks=(2, 3))).numblocks
    (3, 1)
    >>> check_dask_matrix(da.zeros((6, 3), chunks=(2, 2)))
    Traceback (most recent call last):
    ...
    ValueError: X is split into 2 chunks along its columns; each block must \
hold whole rows. Rechunk it with X.rechunk({1: -1}).
    """
    if not is_dask_array(X):
        raise dataframe_error("X")
    if X.ndim != 2:
        raise ValueError(
            f"X must be a 2-d dask array of shape (n_samples, n_features); got "
            f"{X.ndim} dimensions."
        )
    if _has_unknown(X.chunks[0]) or _has_unknown(X.chunks[1]):
        raise ValueError(
            "X has unknown chunk sizes (NaN), as a dask array made from a "
            "DataFrame does: build it with df.to_dask_array(lengths=True), or "
            "call X.compute_chunk_sizes() first."
        )
    if len(X.chunks[1]) != 1:
        raise ValueError(
            f"X is split into {len(X.chunks[1])} chunks along its columns; each "
            "block must hold whole rows. Rechunk it with X.rechunk({1: -1})."
        )
    meta = getattr(X, "_meta", None)
    if meta is not None and not (isinstance(meta, np.ndarray) or sp.issparse(meta)):
        raise TypeError(
            "The blocks of X must be numpy arrays or scipy.sparse matrices; got "
            f"{type(meta).__module__}.{type(meta).__name__}."
        )
    if X.dtype.kind not in "biuf":
        raise TypeError(f"X must hold real numbers; got dtype {X.dtype}.")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"Found array with shape {X.shape}: at least 1 sample and 1 feature "
            "are required."
        )
    return X


def check_block(x, n_rows, n_features):
    """Check a computed block of ``X`` against what its chunks announced."""
    if not (isinstance(x, np.ndarray) or sp.issparse(x)):
        raise TypeError(
            "The blocks of X must be numpy arrays or scipy.sparse matrices; a "
            f"block is a {type(x).__module__}.{type(x).__name__}."
        )
    if x.shape != (n_rows, n_features):
        raise ValueError(
            f"A block of X has shape {x.shape} where its chunks say "
            f"{(n_rows, n_features)}."
        )


def _first_difference(chunks, x_chunks, name):
    for k, (size, x_size) in enumerate(zip(chunks, x_chunks)):
        if size != x_size:
            return f"block {k} of {name} has {size} rows where that of X has {x_size}"
    return f"{name} has {len(chunks)} blocks and X {len(x_chunks)}"


def row_pieces(values, X, name):
    """``values`` split into the row blocks of the dask array ``X``.

    Parameters
    ----------
    values : dask.array.Array or ndarray of shape (n_samples,)
        A dask array must have the row chunks of ``X``; an in-memory array
        (of the right length, checked by the caller) is split at their
        boundaries.
    X : dask.array.Array of shape (n_samples, n_features)
        Checked by :func:`check_dask_matrix`.
    name : str
        Named in the error messages.

    Returns
    -------
    pieces : list
        One entry per block: a ``dask.delayed.Delayed``, or a view of
        ``values``.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from skadv.linear_model._dask_blocks import row_pieces
    >>> X = da.zeros((5, 2), chunks=(3, 2))
    >>> row_pieces(np.arange(5), X, "y")
    [array([0, 1, 2]), array([3, 4])]
    >>> row_pieces(da.arange(5, chunks=2), X, "y")
    Traceback (most recent call last):
    ...
    ValueError: The row chunks of y do not match those of X: block 0 of y has \
2 rows where that of X has 3. Rechunk it with y.rechunk({0: X.chunks[0]}).
    """
    if is_dask_collection(values) and not is_dask_array(values):
        raise dataframe_error(name)
    if not is_dask_array(values):
        bounds = np.cumsum((0,) + X.chunks[0])
        return [values[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:])]
    if values.ndim != 1:
        raise ValueError(
            f"{name} must be 1-d with one entry per row of X; got shape {values.shape}."
        )
    if _has_unknown(values.chunks[0]):
        raise ValueError(
            f"{name} has unknown chunk sizes (NaN): build it with "
            f".to_dask_array(lengths=True), or call {name}.compute_chunk_sizes()."
        )
    if values.shape[0] != X.shape[0]:
        raise ValueError(
            f"X has {X.shape[0]} rows but {name} has {values.shape[0]} entries."
        )
    if values.chunks[0] != X.chunks[0]:
        raise ValueError(
            f"The row chunks of {name} do not match those of X: "
            f"{_first_difference(values.chunks[0], X.chunks[0], name)}. Rechunk "
            f"it with {name}.rechunk({{0: X.chunks[0]}})."
        )
    return list(values.to_delayed().ravel())


def check_labels(y, n_samples):
    """``y`` as 1-d: a dask array as it is, else in memory and of the right length.

    A column vector is flattened with scikit-learn's DataConversionWarning.
    """
    if is_dask_array(y):
        if y.ndim == 2 and y.shape[1] == 1:
            # column_or_1d gives the warning of a column; the data stay lazy.
            column_or_1d(np.zeros((1, 1)), warn=True)
            return y[:, 0]
        return y
    if is_dask_collection(y):
        raise dataframe_error("y")
    y = column_or_1d(y, warn=True)
    if y.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} rows but y has {y.shape[0]} entries.")
    return y


def check_weights(sample_weight, X):
    """``sample_weight`` as None, a float, an ndarray or a dask array.

    In-memory weights are checked as scikit-learn checks them: finite,
    non-negative, one per row of ``X``. A dask array is checked block by block
    when computed.
    """
    if sample_weight is None:
        return None
    if is_dask_collection(sample_weight):
        if not is_dask_array(sample_weight):
            raise dataframe_error("sample_weight")
        return sample_weight
    if np.ndim(sample_weight) == 0:
        return float(_check_sample_weight(sample_weight, np.empty((1, 0)))[0])
    return _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True
    )


def weight_pieces(sample_weight, X):
    """One entry per block of ``X``: None, a float, a view or a delayed piece."""
    if sample_weight is None or np.ndim(sample_weight) == 0:
        return [sample_weight] * X.numblocks[0]
    return row_pieces(sample_weight, X, "sample_weight")


def as_weights(s, n_rows):
    """Float64 weights of a block's rows from its piece (None, float or array)."""
    if s is None:
        return np.ones(n_rows)
    if np.ndim(s) == 0:
        return np.full(n_rows, float(s))
    return np.asarray(s, dtype=np.float64)


def note_incomplete(exc):
    """Add to ``exc`` that the fit did not complete (Python 3.11 and later)."""
    if hasattr(exc, "add_note"):
        exc.add_note(
            "The fit on the dask array did not complete; the estimator was not changed."
        )


def iter_computed(pieces):
    """Compute tuples of dask pieces in order, the next one in the background.

    Parameters
    ----------
    pieces : list of tuple
        Each tuple holds delayed objects or in-memory values.

    Yields
    ------
    values : tuple
        The computed tuple; at most two are held at once.
    """
    import dask

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        pending = pool.submit(dask.compute, *pieces[0]) if pieces else None
        for i in range(len(pieces)):
            try:
                current = pending.result()
            except Exception as exc:
                note_incomplete(exc)
                raise
            if i + 1 < len(pieces):
                pending = pool.submit(dask.compute, *pieces[i + 1])
            yield current
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def partial_fit_blocks(X, y, sample_weight):
    """The blocks of a ``partial_fit`` call on a dask array, computed in order.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
    y : dask.array.Array or array-like of shape (n_samples,)
    sample_weight : dask.array.Array, array-like, float or None

    Yields
    ------
    X_block, y_block, weight_block
        In memory; blocks without rows are skipped. ``weight_block`` is None
        or a float when ``sample_weight`` is.
    """
    X = check_dask_matrix(X)
    y = check_labels(y, X.shape[0])
    sample_weight = check_weights(sample_weight, X)
    pieces = list(
        zip(
            X.to_delayed().ravel(),
            row_pieces(y, X, "y"),
            weight_pieces(sample_weight, X),
        )
    )
    for x, y_block, s_block in iter_computed(pieces):
        if x.shape[0]:
            yield x, y_block, s_block


def block_futures(array):
    """The futures of the persisted blocks of a dask array, or None."""
    import distributed

    by_key = {future.key: future for future in distributed.futures_of(array)}
    futures = [by_key.get(piece.key) for piece in array.to_delayed().ravel()]
    return None if any(future is None for future in futures) else futures


def find_groups(client, X, y, sample_weight):
    """``(groups, (xs, labels, weights))`` on ``client``, or None.

    See :meth:`~skadv.linear_model._dask_fit.DaskFitData.worker_groups`;
    ``xs``, ``labels`` and ``weights`` hold one future (or, for the weights,
    one in-memory value) per block.
    """
    Future = sys.modules["distributed"].Future
    xs, labels = block_futures(X), block_futures(y)
    if is_dask_array(sample_weight):
        weights = block_futures(sample_weight)
    else:
        weights = weight_pieces(sample_weight, X)
    if xs is None or labels is None or weights is None:
        return None
    futures = [piece for piece in xs + labels + weights if isinstance(piece, Future)]
    if any(future.client is not client for future in futures):
        return None
    holders = client.who_has(xs)
    nthreads = client.nthreads()
    by_worker = {}
    for k, future in enumerate(xs):
        workers = holders.get(future.key) or ()
        if not workers or workers[0] not in nthreads:
            return None  # not computed yet, or held by a worker gone since
        by_worker.setdefault(workers[0], []).append(k)
    groups = []
    for address, blocks in by_worker.items():
        for run in np.array_split(blocks, min(nthreads[address], len(blocks))):
            groups.append((address, [int(k) for k in run]))
    return groups, (xs, labels, weights)
