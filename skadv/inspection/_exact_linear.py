"""Exact Integrated Gradients of a model whose output is ``A(<w, x> + b)``.

Lemma 4.1 of Chalasani et al. (2020): along the straight path from ``u`` to
``x`` only the scalar logit changes, so the path integral of the gradient is
``w`` times the divided difference of the link ``A`` between the two logits.
For the logit output ``A`` is the identity; for probabilities it is the sigmoid,
whose divided difference is computed in log space so that neither nearly equal
nor huge logits lose precision.
"""

import numpy as np
from scipy.special import expit


def _log_sinhc_excess(h):
    """``log(sinh(h) / h) - |h|``, accurate for every real ``h`` including 0."""
    h = np.abs(h)
    small = h < 1e-3
    hs = np.where(small, h, 0.0)
    hl = np.where(small, 1.0, h)
    series = np.log1p(hs**2 / 6.0 + hs**4 / 120.0) - hs
    # sinh(h) / h = e^h (1 - e^{-2h}) / (2h); the e^h is the |h| taken out.
    with np.errstate(over="ignore"):  # e^{-2h} is 0 for h near 1e308
        large = np.log(-np.expm1(-2.0 * hl)) - np.log(2.0) - np.log(hl)
    return np.where(small, series, large)


def _log_cosh_excess(t):
    """``log(cosh(t)) - |t|``, in ``(-log 2, 0]``."""
    return np.log1p(np.exp(-2.0 * np.abs(t))) - np.log(2.0)


def sigmoid_divided_difference(a, b):
    """``(sigmoid(a) - sigmoid(b)) / (a - b)``, with its limit ``sigmoid'(a)`` at a=b.

    Uses ``sigmoid(a) - sigmoid(b) = sinh(h) / (2 cosh(a/2) cosh(b/2))`` with
    ``h = (a - b) / 2``, evaluated in log space: no subtraction of nearby numbers,
    no division by a small ``a - b`` and no overflow for large arguments. The
    linear parts of the three logarithms, ``|h| - |a|/2 - |b|/2``, are combined
    exactly (``-min(|a|, |b|)`` when ``a`` and ``b`` share a sign, else 0)
    before the bounded remainders are added, so logits as large as 1e300 lose
    no accuracy to cancellation.

    Parameters
    ----------
    a, b : ndarray
        Broadcastable arrays of logits.

    Returns
    -------
    ndarray
        The divided difference, in [0, 1/4].

    Examples
    --------
    >>> from skadv.inspection._exact_linear import sigmoid_divided_difference
    >>> float(sigmoid_divided_difference(0.0, 0.0))
    0.25
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    # Halving first keeps a - b finite for logits of opposite signs near 1e308.
    h = 0.5 * a - 0.5 * b
    same_sign = np.sign(a) * np.sign(b) > 0
    linear = np.where(same_sign, -np.minimum(np.abs(a), np.abs(b)), 0.0)
    log_dd = (
        linear
        + _log_sinhc_excess(h)
        - np.log(4.0)
        - _log_cosh_excess(0.5 * a)
        - _log_cosh_excess(0.5 * b)
    )
    return np.exp(log_dd)


def exact_linear_ig(provider, X, U, target, output):
    """Lemma 4.1: ``IG = D (x - u) * w`` with D the divided difference of the link."""
    W, b = provider._linear_logit(target)
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        z_x = np.einsum("ij,ij->i", X, W) + b
        z_u = np.einsum("ij,ij->i", U, W) + b
        terms = (X - U) * W
    if not (np.all(np.isfinite(z_x)) and np.all(np.isfinite(z_u))) or not np.all(
        np.isfinite(terms)
    ):
        raise ValueError(
            "The logits of X or of the baselines overflow float64 (|X @ coef_| "
            "beyond about 1.8e308), so their attributions are not finite. "
            "Rescale X (for example with a StandardScaler in a Pipeline)."
        )
    if output == "proba":
        scale = sigmoid_divided_difference(z_x, z_u)
        values = (expit(z_x), expit(z_u))
    else:
        scale = np.ones_like(z_x)
        values = (z_x, z_u)
    return terms * scale[:, None], values
