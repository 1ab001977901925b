"""Fitting AdversarialLogisticRegression on dask arrays.

The solver runs where ``fit`` is called; the data stay where they are. Every
evaluation of the objective (and its gradient) at a point ``(w, b, r)`` is a
map-reduce over the row blocks of ``X``: one task per block runs the numba
kernel of :mod:`skadv.linear_model._loss` on that block, with the matching
blocks of the labels and sample weights, and returns the block's partial sums
``(loss, dL/db, dL/dr, dL/dw)``, a vector of ``n_features + 3`` floats. The
partial sums are added in the order of the blocks, so a fit is deterministic;
the data term is the very sum the in-memory fit computes, in another order.

Only ``w``, ``b`` and ``r`` travel to the blocks and the partial sums back: on
a ``distributed`` cluster the tasks of persisted blocks run on the workers that
hold them, and no block moves. The graph of each evaluation is computed with
the default scheduler: a ``distributed.Client``'s when one is active, else
dask's threaded scheduler, which also serves arrays larger than memory (each
evaluation then reads the blocks from their source, a block per thread).

A block is the unit of parallelism: each task runs the serial kernel, and as
many blocks are processed at once as the scheduler has threads. On a cluster
holding persisted blocks, an evaluation is rather one task per thread of each
worker, over the blocks it holds (see :meth:`DaskFitData.worker_groups`): the
scheduler's cost per task is much of an evaluation's time.
"""

import concurrent.futures
import contextlib
import threading
import uuid

import numba
import numpy as np
import scipy.sparse as sp
from sklearn.utils.multiclass import check_classification_targets

from skadv.linear_model._checks import check_class_weight
from skadv.linear_model._dask_blocks import (
    as_weights,
    check_block,
    check_dask_matrix,
    check_labels,
    check_weights,
    find_groups,
    iter_computed,
    note_incomplete,
    row_pieces,
    weight_pieces,
)
from skadv.linear_model._loss import LinearDesign
from skadv.linear_model._solvers import _threadpool_controller
from skadv.utils._dask import is_dask_array

# Partial sums that come back to the client in one evaluation, in floats: up
# to this many, every block's vector is returned and added on the client; above
# it (many blocks of wide sparse data), groups of _FAN_IN vectors are added on
# the workers first.
_CLIENT_FLOATS = 1 << 20
_FAN_IN = 16

# Points of up to this many floats go with every task; a larger one is a key of
# its own that each worker fetches once, rather than once per block.
_INLINE_FLOATS = 1 << 12


# One-vs-rest problems solved at once on a cluster when n_jobs is None; each
# thread mostly waits for its evaluations.
_CLUSTER_SOLVES = 32


class FitInterrupted(RuntimeError):
    """Raised in the solves still running once another one has failed."""


class _Labelling:
    """From a block's labels and weights to those of a binary problem.

    Small and picklable: it travels with every task.

    Parameters
    ----------
    classes : ndarray or None
        Sorted classes to encode the labels with; None when the pieces of
        labels already hold class indices.
    class_weights : ndarray of shape (n_classes,) or None
        Multiplied into the sample weights.
    """

    def __init__(self, classes, class_weights):
        self.classes = classes
        self.class_weights = class_weights

    def binary(self, labels, s, positive):
        """Labels in {-1, +1} and weights, class ``positive`` labelled +1."""
        codes = np.asarray(labels).reshape(-1)
        if self.classes is not None:
            codes = np.searchsorted(self.classes, codes)
        y_pm = np.where(codes == positive, 1.0, -1.0)
        weights = as_weights(s, codes.shape[0])
        if self.class_weights is not None:
            weights = weights * self.class_weights[codes]
        return y_pm, weights


def _block_summary(x, labels, s, n_rows, n_features):
    """What the checking pass needs of a block: validity, labels and weights."""
    check_block(x, n_rows, n_features)
    values = x.data if sp.issparse(x) else x
    weights = as_weights(s, n_rows)
    found, inverse = np.unique(np.asarray(labels).reshape(-1), return_inverse=True)
    return {
        "finite": bool(np.isfinite(values).all()),
        "weights_finite": bool(np.isfinite(weights).all()),
        "weights_negative": bool(np.any(weights < 0)),
        "labels": found,
        "counts": np.bincount(inverse, minlength=found.shape[0]),
        "weight_sums": np.bincount(inverse, weights=weights, minlength=len(found)),
    }


@contextlib.contextmanager
def _one_numba_thread():
    # As many blocks are processed at once as the scheduler has threads; a
    # parallel kernel in each would oversubscribe the cores. The setting is
    # local to the calling thread.
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def _block_terms(x, labels, s, params, positive, labelling):
    """Partial sums ``(loss, dL/db, dL/dr, dL/dw...)`` of one block."""
    y_pm, weights = labelling.binary(labels, s, positive)
    design = LinearDesign(x, y_pm, weights)
    with _one_numba_thread():
        loss, grad_w, grad_b, grad_r = design.loss_and_gradient(
            params[2:], params[0], params[1]
        )
    return np.concatenate(([loss, grad_b, grad_r], grad_w))


def _group_terms(xs, labels, weights, params, positive, labelling):
    """The partial sums of several blocks, one vector per block, in order."""
    return [
        _block_terms(x, labels_k, s, params, positive, labelling)
        for x, labels_k, s in zip(xs, labels, weights)
    ]


def _add_in_order(*parts):
    total = np.array(parts[0], dtype=np.float64)
    for part in parts[1:]:
        total += part
    return total


def _block_separable(x, labels, s, coef, intercept, positives, labelling, eps):
    """Whether every weighted row of the block keeps a positive robust margin."""
    scores = np.asarray(x @ coef.T) + intercept
    out = np.empty(len(positives), dtype=bool)
    for k, positive in enumerate(positives):
        y_pm, weights = labelling.binary(labels, s, positive)
        margins = y_pm * scores[:, k] - eps @ np.abs(coef[k])
        out[k] = bool(np.all(margins[weights > 0] > 0))
    return out


class DaskFitData:
    """The inputs of a fit on a dask array, checked in one pass over the data.

    That pass computes, block by block, whether ``X`` and the sample weights
    are finite (and the weights non-negative), the labels of ``y`` and the
    count and total sample weight of every class. The fit then reads the data
    once more per evaluation of the objective.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        See :func:`~skadv.linear_model._dask_blocks.check_dask_matrix`.
    y : dask.array.Array or array-like of shape (n_samples,)
        Labels: a dask array with the row chunks of ``X``, or in memory.
    sample_weight : dask.array.Array, array-like, float or None
        Non-negative weights, as ``y``; None weighs every row 1.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from skadv.linear_model._dask_fit import DaskFitData
    >>> X = da.from_array(np.eye(4), chunks=(2, 4))
    >>> data = DaskFitData(X, np.array(["a", "b", "b", "b"]), None)
    >>> data.classes.tolist(), data.counts.tolist()
    (['a', 'b'], [1, 3])
    >>> data.problems("balanced")
    [(2.0, 2.0)]
    """

    def __init__(self, X, y, sample_weight):
        import dask

        X = check_dask_matrix(X)
        self.n_samples, self.n_features = X.shape
        self.row_chunks = X.chunks[0]
        self.x = list(X.to_delayed().ravel())
        self._held = []
        y = check_labels(y, self.n_samples)
        if is_dask_array(y):
            self.labels = row_pieces(y, X, "y")
            classes = None
        else:
            check_classification_targets(y)
            classes, codes = np.unique(y, return_inverse=True)
            codes = codes.astype(np.min_scalar_type(max(len(classes) - 1, 0)))
            y = self._persisted(codes)
            self.labels = row_pieces(y, X, "y")
        sample_weight = check_weights(sample_weight, X)
        if isinstance(sample_weight, np.ndarray):
            sample_weight = self._persisted(sample_weight)
        self.s = weight_pieces(sample_weight, X)
        # The dask arrays behind the pieces, to find their persisted blocks.
        self._sources = (X, y, sample_weight)
        self._grouping = None
        self._grouping_lock = threading.Lock()
        summaries = dask.compute(
            *[
                dask.delayed(_block_summary, pure=True)(
                    x, labels, s, n_rows, self.n_features
                )
                for x, labels, s, n_rows in zip(
                    self.x, self.labels, self.s, self.row_chunks
                )
            ]
        )
        self._merge(summaries, classes)
        # Dask labels are encoded within each task, in-memory ones were here.
        self._encoding = self.classes if classes is None else None

    def _persisted(self, values):
        # In-memory labels and weights are handed to the scheduler once (on a
        # cluster, sent to the workers once), not with every evaluation.
        import dask
        import dask.array as da

        (pieces,) = dask.persist(da.from_array(values, chunks=(self.row_chunks,)))
        self._held.append(pieces)
        return pieces

    def _merge(self, summaries, classes):
        if not all(part["finite"] for part in summaries):
            raise ValueError("Input X contains NaN or infinity.")
        if not all(part["weights_finite"] for part in summaries):
            raise ValueError("Input sample_weight contains NaN or infinity.")
        if any(part["weights_negative"] for part in summaries):
            raise ValueError("Negative values in data passed to sample_weight.")
        found, inverse = np.unique(
            np.concatenate([part["labels"] for part in summaries]),
            return_inverse=True,
        )
        counts = np.zeros(found.shape[0], dtype=np.int64)
        weight_sums = np.zeros(found.shape[0])
        start = 0
        for part in summaries:
            where = inverse[start : start + part["labels"].shape[0]]
            start += part["labels"].shape[0]
            counts[where] += part["counts"]
            weight_sums[where] += part["weight_sums"]
        if classes is None:
            check_classification_targets(found)
            classes = found
        else:
            # The labels are class indices, and every class occurs in y.
            classes = classes[found]
        self.classes = classes
        self.counts = counts
        self.weight_sums = weight_sums

    def problems(self, class_weight):
        """Set the class weights and the one-vs-rest problems.

        Parameters
        ----------
        class_weight : dict, "balanced" or None
            As for the estimator.

        Returns
        -------
        balances : list of (float, float)
            Total weight of the positive and of the negative samples of each
            binary problem.
        """
        n_classes = self.classes.shape[0]
        if isinstance(class_weight, str):
            # scikit-learn's "balanced": n_samples / (n_classes * count).
            weights = self.counts.sum() / (n_classes * self.counts.astype(np.float64))
        else:
            weights = check_class_weight(class_weight, self.classes, None)
        per_class = self.weight_sums if weights is None else self.weight_sums * weights
        if not np.any(per_class > 0):
            raise ValueError(
                "The class weights leave every sample with zero weight; at least "
                "one sample must have a positive weight."
            )
        self.labelling = _Labelling(self._encoding, weights)
        self.total_weight = float(per_class.sum())
        self.positives = [1] if n_classes == 2 else list(range(n_classes))
        return [
            (float(per_class[k]), float(self.total_weight - per_class[k]))
            for k in self.positives
        ]

    def design(self, k, abort=None):
        """The design of binary problem ``k`` (see :meth:`problems`)."""
        return DaskDesign(self, self.positives[k], abort)

    def _pieces(self):
        return zip(self.x, self.labels, self.s)

    def worker_groups(self):
        """The groups of blocks evaluated by one task each, or None.

        Found once per fit (and client): when every block of ``X`` is
        persisted on the active ``distributed`` client, in memory on a worker
        (the first one named, when several hold it), each worker's blocks are
        split into as many runs as it has threads. ``y`` and the sample
        weights must be persisted too, wherever they are, or in memory. The
        partial sums still come back one per block and are added in the order
        of the blocks: the result is that of one task per block, to the bit.

        Returns
        -------
        groups : list of (str, list of int) or None
            The address of a worker and the indices of the blocks it holds;
            None when the evaluations go one task per block.
        """
        grouping = self._grouping_on(_active_client())
        return None if grouping is None else grouping[0]

    def _grouping_on(self, client):
        # (groups, pieces) on ``client``, or None; computed once per client.
        if client is None:
            return None
        with self._grouping_lock:
            if self._grouping is None or self._grouping[0] is not client:
                self._grouping = (client, find_groups(client, *self._sources))
            return self._grouping[1]

    def unbounded_problems(self, coef, intercept, eps):
        """Problems under which every weighted sample keeps a positive margin.

        Parameters
        ----------
        coef : ndarray of shape (n_problems, n_features)
        intercept : ndarray of shape (n_problems,)
        eps : ndarray of shape (n_features,)

        Returns
        -------
        separable : list of int
        """
        import dask

        tasks = [
            dask.delayed(_block_separable, pure=True)(
                x, labels, s, coef, intercept, self.positives, self.labelling, eps
            )
            for x, labels, s in self._pieces()
        ]
        flags = np.all(np.vstack(dask.compute(*tasks)), axis=0)
        return [k for k, flag in enumerate(flags) if flag]

    def blocks(self, k):
        """Iterate over ``(X_block, y_pm, weights)`` of problem ``k`` in memory."""
        for x, labels, s in iter_computed(list(self._pieces())):
            if x.shape[0]:
                yield (x, *self.labelling.binary(labels, s, self.positives[k]))


class DaskDesign:
    """One binary problem's design, its terms summed over the blocks of ``X``.

    The interface of :class:`~skadv.linear_model._loss.LinearDesign` that
    :class:`~skadv.linear_model._solvers.BinaryProblem` uses, for full passes
    only (``rows=None``).

    Parameters
    ----------
    data : DaskFitData
        The inputs, with :meth:`DaskFitData.problems` called.
    positive : int
        Index of the class labelled +1.
    abort : threading.Event or None
        Once set, evaluations raise :class:`FitInterrupted`.
    """

    def __init__(self, data, positive, abort=None):
        self.data = data
        self.positive = positive
        self.abort = abort
        self.n_samples = data.n_samples
        self.n_features = data.n_features
        self.total_weight = data.total_weight

    def _graph(self, params):
        """The delayed partial sums of one evaluation, reduced to a few."""
        import dask

        if params.shape[0] > _INLINE_FLOATS:
            params = dask.delayed(params, name=f"skadv-point-{uuid.uuid4().hex}")
        labelling = self.data.labelling
        parts = [
            dask.delayed(_block_terms, pure=False)(
                x, labels, s, params, self.positive, labelling
            )
            for x, labels, s in self.data._pieces()
        ]
        while len(parts) > 1 and len(parts) * (self.n_features + 3) > _CLIENT_FLOATS:
            parts = [
                dask.delayed(_add_in_order, pure=False)(*parts[i : i + _FAN_IN])
                for i in range(0, len(parts), _FAN_IN)
            ]
        return parts

    def _grouped_terms(self, client, groups, pieces, params):
        """The partial sums of one evaluation, one task per group of blocks."""
        xs, labels, weights = pieces
        if params.shape[0] > _INLINE_FLOATS:
            (params,) = client.scatter([params], hash=False, broadcast=True)
        futures = [
            client.submit(
                _group_terms,
                [xs[k] for k in blocks],
                [labels[k] for k in blocks],
                [weights[k] for k in blocks],
                params,
                self.positive,
                self.data.labelling,
                # A worker lost during the fit: another one computes the group.
                workers=[address],
                allow_other_workers=True,
                pure=False,
            )
            for address, blocks in groups
        ]
        try:
            results = client.gather(futures)
        except BaseException:
            client.cancel(futures)
            raise
        parts = [None] * len(xs)
        for (_, blocks), result in zip(groups, results):
            for k, part in zip(blocks, result):
                parts[k] = part
        return parts

    def loss_and_gradient(self, w, b, r, rows=None, out=None):
        """Data term and its partial derivatives, summed over the blocks."""
        import dask

        if rows is not None:
            raise ValueError("A dask design only evaluates full passes.")
        if self.abort is not None and self.abort.is_set():
            raise FitInterrupted("Another one-vs-rest problem failed.")
        params = np.concatenate(([float(b), float(r)], np.asarray(w, dtype=float)))
        try:
            client = _active_client()
            grouping = self.data._grouping_on(client)
            n_floats = len(self.data.x) * (self.n_features + 3)
            if grouping is not None and n_floats <= _CLIENT_FLOATS:
                parts = self._grouped_terms(client, *grouping, params)
            else:
                parts = dask.compute(*self._graph(params))
            total = _add_in_order(*parts)
        except Exception as exc:
            note_incomplete(exc)
            raise
        grad_w = total[3:]
        if out is not None:
            out[:] = grad_w
            grad_w = out
        return float(total[0]), grad_w, float(total[1]), float(total[2])


def _active_client():
    """The ``distributed.Client`` that is the default scheduler, or None."""
    from dask.base import get_scheduler

    client = getattr(get_scheduler(), "__self__", None)
    if type(client).__module__.partition(".")[0] != "distributed":
        return None
    return client


def _on_a_cluster():
    """Whether the default scheduler is a ``distributed.Client``."""
    return _active_client() is not None


def solve_all(solve, n_problems, n_jobs):
    """``[solve(k, abort) for k in range(n_problems)]``, several at once.

    The one-vs-rest problems are independent and each solve drives its own
    map-reduces. On a cluster, solving them at once hides the latency of each
    evaluation (15 to 30% faster on a local one); dask's threaded scheduler
    gives every caller a pool of its own, so there solving them at once would
    multiply the blocks held in memory, for a gain of a few percent. Threads,
    not processes: the work is in the tasks.

    Parameters
    ----------
    solve : callable
        ``solve(k, abort)`` returns the solution of problem ``k``; ``abort``
        is a threading.Event set once any solve has failed.
    n_problems : int
    n_jobs : int or None
        Most solves at once; a negative number: all of them. None: up to
        ``_CLUSTER_SOLVES`` on a distributed client, else one at a time.

    Returns
    -------
    results : list
    """
    abort = threading.Event()
    if n_jobs is None:
        n_threads = _CLUSTER_SOLVES if _on_a_cluster() else 1
    else:
        n_threads = n_problems if n_jobs < 0 else max(1, n_jobs)
    n_threads = min(n_threads, n_problems)
    if n_threads == 1:
        return [solve(k, abort) for k in range(n_problems)]
    # Each solver limits BLAS to one thread while it runs, a process-wide
    # setting; limited here first, the solvers' own limits all restore 1
    # whatever the order in which they end, and this one the original.
    with _threadpool_controller().limit(limits=1, user_api="blas"):
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=n_threads)
        futures = [pool.submit(solve, k, abort) for k in range(n_problems)]
        try:
            concurrent.futures.wait(
                futures, return_when=concurrent.futures.FIRST_EXCEPTION
            )
        except BaseException:
            abort.set()
            raise
        finally:
            failed = [f.exception() for f in futures if f.done() and f.exception()]
            if failed:
                abort.set()
            # The other solves stop at their next evaluation once abort is set.
            pool.shutdown(wait=True, cancel_futures=True)
    if failed:
        # The solves stopped by abort only echo the failure of another one.
        failed.sort(key=lambda exc: isinstance(exc, FitInterrupted))
        raise failed[0]
    return [future.result() for future in futures]
