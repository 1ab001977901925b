"""The closed-form adversarial logistic loss: value and gradient kernels.

For labels ``y`` in {-1, +1}, sample weights ``s`` and the worst-case shift
``r = sum_j e_j |w_j|`` (Lemma 2 of the paper), the data term is

    L(w, b) = sum_i s_i * log(1 + exp(r - y_i * (<w, x_i> + b)))

This module is the single source of truth for ``L`` and its derivatives. Every
solver (L-BFGS-B, minibatch SGD and Adam, ``partial_fit``) calls
:func:`loss_and_gradient`, which returns ``L`` and its partial derivatives with
respect to ``w``, ``b`` and ``r``; the solvers combine those with the penalty and
with the chain rule of their own parametrisation.

The kernels read each row of ``X`` once per call: the margin of a row and its
contribution to the gradient are computed while the row is still in cache. Rows
are split into one chunk per thread and each chunk accumulates into its own row of
a partial-gradient buffer, so no two threads ever write the same entry.
"""

import numba
import numpy as np
import scipy.sparse as sp
from numba import prange

# Reassociation lets LLVM vectorise the dot products; no flag that changes the
# handling of inf or nan is enabled.
_FASTMATH = {"reassoc", "contract"}

# Entries of X below which a thread is not worth waking: a few hundred
# microseconds of work, well above the cost of a parallel launch.
_MIN_WORK_PER_CHUNK = 1 << 19


@numba.njit(cache=True, fastmath=_FASTMATH)
def _loss_terms(t):
    """``log(1 + exp(t))`` and ``sigmoid(t)`` from one exponential, overflow-free."""
    e = np.exp(-abs(t))
    if t > 0.0:
        return t + np.log1p(e), 1.0 / (1.0 + e)
    return np.log1p(e), e / (1.0 + e)


@numba.njit(cache=True, nogil=True, fastmath=_FASTMATH)
def _dense_rows(X, y, s, rows, start, stop, w, b, r, g):
    # Rows go in pairs: the two dot products are independent chains that
    # share the loads of w, and g is read and written once per pair. On tens
    # to hundreds of features this is 10-20% faster than one row at a time,
    # whose short dot products wait on the latency of their own sums.
    n_features = X.shape[1]
    g[:] = 0.0
    loss = 0.0
    grad_b = 0.0
    grad_r = 0.0
    for k in range(start, stop, 2):
        i0 = rows[k]
        paired = k + 1 < stop
        # An odd last row is paired with itself, its copy weighted by zero.
        i1 = rows[k + 1] if paired else i0
        x0 = X[i0]
        x1 = X[i1]
        z0 = b
        z1 = b
        for j in range(n_features):
            z0 += x0[j] * w[j]
            z1 += x1[j] * w[j]
        value, slope = _loss_terms(r - y[i0] * z0)
        loss += s[i0] * value
        grad_r += s[i0] * slope
        dz0 = -y[i0] * s[i0] * slope
        dz1 = 0.0
        if paired:
            value, slope = _loss_terms(r - y[i1] * z1)
            loss += s[i1] * value
            grad_r += s[i1] * slope
            dz1 = -y[i1] * s[i1] * slope
        grad_b += dz0 + dz1
        for j in range(n_features):
            g[j] += dz0 * x0[j] + dz1 * x1[j]
    return loss, grad_b, grad_r


@numba.njit(cache=True, nogil=True, fastmath=_FASTMATH)
def _csr_rows(data, indices, indptr, y, s, rows, start, stop, w, b, r, g):
    # Unsigned indices spare every gather and scatter numba's handling of
    # negative indices, which nearly halves the time on short rows;
    # LinearDesign checked that the indices are in range.
    g[:] = 0.0
    loss = 0.0
    grad_b = 0.0
    grad_r = 0.0
    for k in range(start, stop):
        i = np.uint64(rows[k])
        lo = np.uint64(indptr[i])
        hi = np.uint64(indptr[i + np.uint64(1)])
        z = b
        for p in range(lo, hi):
            z += data[p] * w[np.uint64(indices[p])]
        value, slope = _loss_terms(r - y[i] * z)
        loss += s[i] * value
        dt = s[i] * slope
        grad_r += dt
        dz = -y[i] * dt
        grad_b += dz
        for p in range(lo, hi):
            g[np.uint64(indices[p])] += dz * data[p]
    return loss, grad_b, grad_r


@numba.njit(cache=True, parallel=True, nogil=True)
def _dense_parallel(X, y, s, rows, w, b, r, partial_grad, partial_scalar):
    n_chunks = partial_grad.shape[0]
    n_rows = rows.shape[0]
    for c in prange(n_chunks):
        start = c * n_rows // n_chunks
        stop = (c + 1) * n_rows // n_chunks
        loss, grad_b, grad_r = _dense_rows(
            X, y, s, rows, start, stop, w, b, r, partial_grad[c]
        )
        partial_scalar[c, 0] = loss
        partial_scalar[c, 1] = grad_b
        partial_scalar[c, 2] = grad_r


@numba.njit(cache=True, parallel=True, nogil=True)
def _csr_parallel(
    data, indices, indptr, y, s, rows, w, b, r, partial_grad, partial_scalar
):
    n_chunks = partial_grad.shape[0]
    n_rows = rows.shape[0]
    for c in prange(n_chunks):
        start = c * n_rows // n_chunks
        stop = (c + 1) * n_rows // n_chunks
        loss, grad_b, grad_r = _csr_rows(
            data, indices, indptr, y, s, rows, start, stop, w, b, r, partial_grad[c]
        )
        partial_scalar[c, 0] = loss
        partial_scalar[c, 1] = grad_b
        partial_scalar[c, 2] = grad_r


@numba.njit(cache=True, nogil=True, fastmath=_FASTMATH)
def _reduce_partials(partial_grad, partial_scalar, grad):
    grad[:] = partial_grad[0]
    for c in range(1, partial_grad.shape[0]):
        for j in range(grad.shape[0]):
            grad[j] += partial_grad[c, j]
    return (
        partial_scalar[:, 0].sum(),
        partial_scalar[:, 1].sum(),
        partial_scalar[:, 2].sum(),
    )


def _readonly(a):
    # The kernels are compiled for read-only arrays only: callers may pass
    # read-only memory maps, and one signature keeps compilation time low.
    view = a.view()
    view.flags.writeable = False
    return view


def _check_csr_structure(indices, indptr, shape):
    # The kernels index without bounds checks: a malformed matrix must fail
    # here with a clear message rather than read outside its arrays.
    n_samples, n_features = shape
    valid = (
        indptr.shape[0] == n_samples + 1
        and indptr[0] == 0
        and indptr[-1] <= indices.shape[0]
        and bool(np.all(indptr[1:] >= indptr[:-1]))
    )
    if valid and indptr[-1] > 0:
        stored = indices[: indptr[-1]]
        valid = bool(stored.min() >= 0 and stored.max() < n_features)
    if not valid:
        raise ValueError(
            "X is a malformed CSR matrix: indptr must be non-decreasing from 0 "
            f"and column indices must lie in [0, {n_features})."
        )


def _kernel_dtype(dtype):
    return np.float32 if dtype == np.float32 else np.float64


class LinearDesign:
    """A design matrix prepared once for repeated kernel calls.

    Holds read-only float64 views of ``X`` (C-contiguous when dense; CSR with
    matching index dtypes when sparse), the labels in {-1, +1} and the sample
    weights, plus scratch buffers reused across calls so that the solvers' inner
    loops allocate nothing of size ``n_samples``. Float32 inputs stay float32:
    the kernels accumulate in float64 all the same, so the sums are those of
    the float64 copy, without the copy (a block read from disk is used as is).

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Float64 or float32 input (any other dtype is converted to float64);
        never modified and never densified.
    y : ndarray of shape (n_samples,)
        Labels in {-1, +1}.
    sample_weight : ndarray of shape (n_samples,)
        Non-negative weights.
    """

    def __init__(self, X, y, sample_weight):
        self.n_samples, self.n_features = X.shape
        self.sparse = sp.issparse(X)
        if self.sparse:
            X = sp.csr_matrix(X) if X.format != "csr" else X
            small = max(X.nnz, X.shape[1]) < np.iinfo(np.int32).max
            index_dtype = np.int32 if small else np.int64
            self.data = _readonly(
                np.ascontiguousarray(X.data, dtype=_kernel_dtype(X.dtype))
            )
            self.indices = _readonly(np.ascontiguousarray(X.indices, dtype=index_dtype))
            self.indptr = _readonly(np.ascontiguousarray(X.indptr, dtype=index_dtype))
            _check_csr_structure(self.indices, self.indptr, X.shape)
            self.nbytes = self.data.nbytes + self.indices.nbytes + self.indptr.nbytes
        else:
            self.X = _readonly(np.ascontiguousarray(X, dtype=_kernel_dtype(X.dtype)))
            self.nbytes = self.X.nbytes
        self.y = _readonly(np.ascontiguousarray(y, dtype=np.float64))
        self.s = _readonly(np.ascontiguousarray(sample_weight, dtype=np.float64))
        self.all_rows = _readonly(np.arange(self.n_samples, dtype=np.int64))
        self.total_weight = float(np.sum(self.s))
        self._buffers = {}

    def _scratch(self, n_chunks):
        if n_chunks not in self._buffers:
            self._buffers[n_chunks] = (
                np.empty((n_chunks, self.n_features)),
                np.empty((n_chunks, 3)),
            )
        return self._buffers[n_chunks]

    def loss_and_gradient(self, w, b, r, rows=None, out=None):
        """Data term and its partial derivatives, see :func:`loss_and_gradient`."""
        rows = self.all_rows if rows is None else _readonly(rows)
        w = _readonly(np.ascontiguousarray(w, dtype=np.float64))
        b = float(b)
        r = float(r)
        grad_w = np.empty(self.n_features) if out is None else out
        if self.sparse:
            work = int(self.indptr[-1]) * rows.shape[0] // max(self.n_samples, 1)
        else:
            work = rows.shape[0] * self.n_features
        n_chunks = max(1, min(numba.get_num_threads(), work // _MIN_WORK_PER_CHUNK))
        if n_chunks == 1:
            # Waking a thread pool costs more than small inputs take to process.
            if self.sparse:
                loss, grad_b, grad_r = _csr_rows(
                    self.data,
                    self.indices,
                    self.indptr,
                    self.y,
                    self.s,
                    rows,
                    0,
                    rows.shape[0],
                    w,
                    b,
                    r,
                    grad_w,
                )
            else:
                loss, grad_b, grad_r = _dense_rows(
                    self.X, self.y, self.s, rows, 0, rows.shape[0], w, b, r, grad_w
                )
            return loss, grad_w, grad_b, grad_r
        partial_grad, partial_scalar = self._scratch(n_chunks)
        if self.sparse:
            _csr_parallel(
                self.data,
                self.indices,
                self.indptr,
                self.y,
                self.s,
                rows,
                w,
                b,
                r,
                partial_grad,
                partial_scalar,
            )
        else:
            _dense_parallel(
                self.X, self.y, self.s, rows, w, b, r, partial_grad, partial_scalar
            )
        loss, grad_b, grad_r = _reduce_partials(partial_grad, partial_scalar, grad_w)
        return loss, grad_w, grad_b, grad_r


def loss_and_gradient(X, y, sample_weight, w, b=0.0, epsilon=0.0):
    """Closed-form adversarial logistic loss and its gradient.

    .. math::

        L(w, b) = \\sum_i s_i \\log\\left(1 + \\exp\\left(\\sum_j e_j |w_j|
        - y_i (\\langle w, x_i \\rangle + b)\\right)\\right)

    is the exact worst case of the logistic loss over the perturbations
    :math:`|\\delta_j| \\le e_j`. Where some ``w_j = 0`` the returned gradient
    takes the derivative of :math:`|w_j|` as 0.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Inputs.
    y : ndarray of shape (n_samples,)
        Labels in {-1, +1}.
    sample_weight : ndarray of shape (n_samples,)
        Sample weights ``s``.
    w : ndarray of shape (n_features,)
        Coefficients.
    b : float, default=0.0
        Intercept (never attacked).
    epsilon : float or ndarray of shape (n_features,), default=0.0
        Per-feature budgets ``e``.

    Returns
    -------
    loss : float
        ``L(w, b)``.
    grad_w : ndarray of shape (n_features,)
        Gradient with respect to ``w``.
    grad_b : float
        Derivative with respect to ``b``.

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.linear_model._loss import loss_and_gradient
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> loss, grad_w, grad_b = loss_and_gradient(
    ...     X, np.array([1.0, -1.0]), np.ones(2), np.zeros(2))
    >>> round(loss, 6), grad_w, grad_b
    (1.386294, array([-0.5,  0.5]), 0.0)
    """
    design = LinearDesign(X, y, sample_weight)
    w = np.asarray(w, dtype=np.float64)
    eps = np.broadcast_to(np.asarray(epsilon, dtype=np.float64), w.shape)
    r = float(eps @ np.abs(w))
    loss, grad_w, grad_b, grad_r = design.loss_and_gradient(w, b, r)
    grad_w = grad_w + grad_r * eps * np.sign(w)
    return loss, grad_w, grad_b
