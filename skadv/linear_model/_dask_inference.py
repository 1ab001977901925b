"""Lazy prediction on dask arrays for the linear models.

A dask array of inputs is predicted block by block: every block of rows goes
through the estimator's own in-memory method where it lives, and the results
form a dask array with the row chunks of the inputs. Nothing is computed until
the caller asks, and each task holds one block at a time.
"""

import functools

from skadv.utils._dask import is_dask_array
from skadv.utils._dask_models import PREDICTION_METHODS, lazy_prediction


def _lazy_on_dask(method):
    """``method`` for in-memory inputs, its block-wise map for a dask array."""
    name = method.__name__

    @functools.wraps(method)
    def dispatch(self, X):
        if is_dask_array(X):
            return lazy_prediction(self, name, X)
        return method(self, X)

    dispatch._maps_dask_blocks = True
    return dispatch


class DaskInferenceMixin:
    """Prediction methods that return dask arrays for dask inputs.

    ``decision_function``, ``predict``, ``predict_proba`` and
    ``predict_log_proba`` of the estimator take an in-memory ``X``. Given a
    :class:`dask.array.Array` (dense chunks or scipy.sparse CSR chunks, row
    chunks of known or unknown sizes; column chunks are merged), each method
    returns a dask array with the row chunks of ``X``, each block predicted by
    the in-memory method, so that the lazy result equals the eager one row for
    row. Inputs of another width than seen in ``fit`` are refused before any
    computation.

    The class defining a model declares these methods in its own body, where a
    base class cannot override them; this mixin wraps them instead, when the
    class (or a subclass that overrides one of them) is created. It goes first
    among the bases.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> clf = AdversarialLogisticRegression(epsilon=0.0).fit(X, [0, 0, 1, 1])
    >>> proba = clf.predict_proba(da.from_array(X, chunks=2))
    >>> proba.chunks
    ((2, 2), (2,))
    >>> bool(np.allclose(proba.compute(), clf.predict_proba(X)))
    True
    """

    def __init_subclass__(cls, **kwargs):
        for name in PREDICTION_METHODS:
            method = cls.__dict__.get(name)
            if callable(method) and not getattr(method, "_maps_dask_blocks", False):
                setattr(cls, name, _lazy_on_dask(method))
        super().__init_subclass__(**kwargs)
