"""Quadrature rules on [0, 1] for the path integral of Integrated Gradients.

Integrated Gradients needs ``integral_0^1 dF(u + alpha (x - u)) / dx dalpha``. Every
rule here returns nodes ``alphas`` in [0, 1] and weights that sum to one, so that the
integral of a smooth ``f`` is approximated by ``sum(weights * f(alphas))``.

The node placements of the Riemann rules and of Gauss-Legendre follow the usual
Integrated Gradients conventions, so attributions agree with other implementations
at equal ``n_steps``. One rule deliberately differs: the trapezoid rule places
``n_steps`` equally spaced nodes on [0, 1], so the spacing is ``1 / (n_steps - 1)``
and the weights are that spacing with halved end points. A variant that keeps the
spacing ``1 / n_steps`` for the weights while placing the nodes on ``linspace(0, 1,
n_steps)`` has weights summing to ``(n_steps - 1) / n_steps`` and misses the
completeness property of Integrated Gradients by that factor, even for a linear
model; the rule here integrates constants and linear functions exactly.
"""

import numpy as np

RIEMANN_METHODS = (
    "riemann_left",
    "riemann_right",
    "riemann_middle",
    "riemann_trapezoid",
)
QUADRATURE_METHODS = RIEMANN_METHODS + ("gausslegendre",)

#: Largest number of nodes of a rule. numpy computes the Gauss-Legendre nodes
#: from the eigenvalues of an ``n_steps x n_steps`` matrix, in time growing as
#: ``n_steps**3`` (about a second at 1000, minutes beyond 5000); up to this
#: bound its weights sum to one within 1e-15 and the rule integrates smooth
#: functions to about 1e-13. No path integral needs more.
MAX_N_STEPS = 1000


def _riemann_left(n_steps):
    alphas = np.arange(n_steps, dtype=np.float64) / n_steps
    return alphas, np.full(n_steps, 1.0 / n_steps)


def _riemann_right(n_steps):
    alphas = np.arange(1, n_steps + 1, dtype=np.float64) / n_steps
    return alphas, np.full(n_steps, 1.0 / n_steps)


def _riemann_middle(n_steps):
    alphas = (np.arange(n_steps, dtype=np.float64) + 0.5) / n_steps
    return alphas, np.full(n_steps, 1.0 / n_steps)


def _riemann_trapezoid(n_steps):
    if n_steps < 2:
        raise ValueError(
            "The trapezoid rule needs n_steps >= 2 (both end points of the path); "
            f"got n_steps={n_steps}."
        )
    alphas = np.linspace(0.0, 1.0, n_steps)
    weights = np.full(n_steps, 1.0 / (n_steps - 1))
    weights[[0, -1]] *= 0.5
    return alphas, weights


def _gausslegendre(n_steps):
    nodes, weights = np.polynomial.legendre.leggauss(n_steps)
    # leggauss integrates over [-1, 1]; map the nodes and halve the weights.
    return 0.5 * (nodes + 1.0), 0.5 * weights


_RULES = {
    "riemann_left": _riemann_left,
    "riemann_right": _riemann_right,
    "riemann_middle": _riemann_middle,
    "riemann_trapezoid": _riemann_trapezoid,
    "gausslegendre": _gausslegendre,
}


def quadrature_rule(method, n_steps):
    """Nodes and weights of a quadrature rule on [0, 1].

    Parameters
    ----------
    method : {"riemann_left", "riemann_right", "riemann_middle", \
"riemann_trapezoid", "gausslegendre"}
        The rule. ``"riemann_trapezoid"`` is the composite trapezoid rule on
        ``n_steps`` equally spaced nodes including both ends (see the module
        docstring for why its weights sum to one).
    n_steps : int
        Number of nodes, from 1 (2 for the trapezoid rule) to
        ``MAX_N_STEPS`` (1000).

    Returns
    -------
    alphas : ndarray of shape (n_steps,)
        Nodes in [0, 1], increasing.
    weights : ndarray of shape (n_steps,)
        Positive weights summing to one.

    Examples
    --------
    >>> from skadv.inspection._quadrature import quadrature_rule
    >>> alphas, weights = quadrature_rule("riemann_trapezoid", 3)
    >>> alphas.tolist(), weights.tolist()
    ([0.0, 0.5, 1.0], [0.25, 0.5, 0.25])
    """
    if method not in _RULES:
        raise ValueError(
            f"Unknown quadrature method {method!r}; expected one of {sorted(_RULES)}."
        )
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)):
        raise TypeError(f"n_steps must be an int, got {type(n_steps).__name__}.")
    if n_steps < 1:
        raise ValueError(f"n_steps must be >= 1, got {n_steps}.")
    if n_steps > MAX_N_STEPS:
        raise ValueError(f"n_steps must be <= {MAX_N_STEPS}, got {n_steps}.")
    return _RULES[method](int(n_steps))


def _rule_array(values, name):
    try:
        arr = np.asarray(values)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"method {name} must be a 1-d array: {exc}") from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"method {name} must hold real numbers; got an array of dtype {arr.dtype}."
        )
    arr = arr.astype(np.float64)
    if arr.ndim != 1 or arr.shape[0] == 0:
        raise ValueError(
            f"method {name} must be a non-empty 1-d array; got shape {arr.shape}."
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"method {name} must be finite (no NaN or infinity).")
    return arr


def custom_rule(method):
    """Nodes and weights of a rule given as ``(alphas, weights)``, checked.

    Any rule on [0, 1] can be expressed this way, for instance the variant of
    Chalasani et al. (2020) for networks, with nodes ``k / S`` for ``k = 1, ...,
    S - 1`` and weights ``1 / (S - 1)``. The weights need not sum to one, but
    completeness of the attributions holds only when they do.

    Parameters
    ----------
    method : tuple of two array-likes
        ``(alphas, weights)``: 1-d finite arrays of the same non-zero length,
        ``alphas`` in [0, 1].

    Returns
    -------
    alphas : ndarray of shape (n_nodes,)
        The nodes, as float64 copies.
    weights : ndarray of shape (n_nodes,)
        The weights, as float64 copies.

    Examples
    --------
    >>> from skadv.inspection._quadrature import custom_rule
    >>> S = 4
    >>> alphas, weights = custom_rule(([k / S for k in range(1, S)], [1 / (S - 1)] * 3))
    >>> alphas.tolist()
    [0.25, 0.5, 0.75]
    """
    if not isinstance(method, tuple) or len(method) != 2:
        raise ValueError(
            "method given as a rule must be a tuple (alphas, weights) of two 1-d "
            f"arrays; got {type(method).__name__} of length {len(method)}."
            if isinstance(method, tuple)
            else "method must be a rule name or a tuple (alphas, weights); got a "
            f"{type(method).__name__}."
        )
    alphas = _rule_array(method[0], "alphas")
    weights = _rule_array(method[1], "weights")
    if alphas.shape != weights.shape:
        raise ValueError(
            f"method alphas and weights must have the same length; got "
            f"{alphas.shape[0]} alphas and {weights.shape[0]} weights."
        )
    if alphas.min() < 0.0 or alphas.max() > 1.0:
        raise ValueError(
            f"method alphas must lie in [0, 1]; got values in [{alphas.min()}, "
            f"{alphas.max()}]."
        )
    return alphas, weights
