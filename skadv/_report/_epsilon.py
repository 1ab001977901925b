"""Which epsilon values to try, and how the report picks one of them.

The paper's recipe trades a little accuracy for concise explanations: among
the epsilons whose cross-validated accuracy stays within a stated tolerance of
the best one, take the one whose explanations are sparsest (highest mean Gini
index of the Integrated Gradients), and among equally sparse ones the largest.
"""

import math
from numbers import Real

import numpy as np

from ._errors import ReportInputError

#: Candidates of ``epsilon="auto"``, in the units of the encoded features
#: (one-hot columns are 0/1, numeric columns are standardised).
AUTO_GRID = (0.0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3)

#: Gini values closer than this count as equal when choosing epsilon, so a
#: difference in the fourth decimal does not decide against a larger epsilon.
GINI_TIE = 1e-3


def parse_epsilon(text):
    """Parse the ``epsilon`` option of the report.

    Parameters
    ----------
    text : str
        ``"auto"`` or one or more non-negative numbers separated by commas.

    Returns
    -------
    grid : tuple of float
        The values to sweep, sorted, always including 0 (the natural model).
    fixed : float or None
        The single requested value when exactly one was given (the report
        then uses it instead of choosing), else None.

    Raises
    ------
    ReportInputError
        When the text is neither ``auto`` nor a list of finite numbers >= 0.

    Examples
    --------
    >>> from skadv._report import parse_epsilon
    >>> parse_epsilon("0.1")
    ((0.0, 0.1), 0.1)
    >>> parse_epsilon("0.05, 0.2")
    ((0.0, 0.05, 0.2), None)
    """
    text = str(text).strip()
    if text.lower() == "auto":
        return tuple(AUTO_GRID), None
    values = []
    for part in text.split(","):
        part = part.strip()
        try:
            value = float(part)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0:
            raise ReportInputError(
                lambda spell: (
                    f"could not parse {spell('epsilon', text)}: expected "
                    "'auto' or non-negative numbers separated by commas, such as "
                    "0.05,0.1"
                ),
                parameter="epsilon",
            )
        values.append(value)
    grid = tuple(sorted({0.0, *values}))
    fixed = values[0] if len(set(values)) == 1 else None
    return grid, fixed


def select_epsilon(epsilons, accuracy, gini, *, tolerance, fixed=None, valid=None):
    """Index of the epsilon the report uses.

    Parameters
    ----------
    epsilons, accuracy, gini : array-like of shape (n_candidates,)
        The candidates and their mean cross-validated accuracy and mean Gini
        index of Integrated Gradients.
    tolerance : float
        Largest accepted drop in accuracy below the best candidate.
    fixed : float or None, default=None
        When given, the index of this value is returned regardless of scores.
    valid : array-like of bool of shape (n_candidates,), default=None
        Candidates that passed the report's guards; the others are never
        chosen, nor count for the best accuracy. None: all candidates.

    Returns
    -------
    index : int
        Position of the chosen epsilon in ``epsilons``.

    Raises
    ------
    ValueError
        When the arrays are empty or differ in length, an epsilon is not a
        finite number, `accuracy` or `gini` has no finite value, `tolerance`
        is not a finite number >= 0, `fixed` is not among `epsilons`, or no
        candidate is valid.

    Notes
    -----
    A candidate whose accuracy is NaN is never chosen; a NaN Gini index
    counts as the least concise.

    Examples
    --------
    >>> from skadv._report import select_epsilon
    >>> select_epsilon([0, 0.1, 0.3], [0.99, 0.98, 0.90], [0.6, 0.8, 0.9],
    ...                tolerance=0.02)
    1
    """
    epsilons, accuracy, gini = _candidate_arrays(epsilons, accuracy, gini)
    if fixed is not None:
        matches = np.flatnonzero(np.isclose(epsilons, fixed))
        if not len(matches):
            raise ValueError(
                f"fixed epsilon {fixed!r} is not among the candidates "
                f"{epsilons.tolist()}"
            )
        return int(matches[0])
    if not (
        isinstance(tolerance, Real) and math.isfinite(tolerance) and tolerance >= 0
    ):
        raise ValueError(f"tolerance must be a finite number >= 0; got {tolerance!r}")
    if valid is not None:
        valid = np.asarray(valid, dtype=bool)
        if not valid.any():
            raise ValueError("no candidate passes the guards")
        accuracy = np.where(valid, accuracy, np.nan)
    best = np.nanmax(accuracy)
    with np.errstate(invalid="ignore"):
        admissible = accuracy >= best - tolerance - 1e-12
    gini = np.where(np.isnan(gini), -np.inf, gini)
    best_gini = np.max(gini[admissible])
    candidates = np.flatnonzero(admissible & (gini >= best_gini - GINI_TIE))
    return int(candidates[np.argmax(epsilons[candidates])])


def _candidate_arrays(epsilons, accuracy, gini):
    arrays = {}
    for name, values in (
        ("epsilons", epsilons),
        ("accuracy", accuracy),
        ("gini", gini),
    ):
        try:
            array = np.asarray(values, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be a sequence of numbers") from exc
        if array.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional; got shape {array.shape}")
        arrays[name] = array
    sizes = {name: len(array) for name, array in arrays.items()}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"epsilons, accuracy and gini differ in length: {sizes}")
    if sizes["epsilons"] == 0:
        raise ValueError("select_epsilon needs at least one candidate; got none")
    if not np.isfinite(arrays["epsilons"]).all():
        raise ValueError(f"epsilons must be finite; got {arrays['epsilons'].tolist()}")
    for name in ("accuracy", "gini"):
        if np.isnan(arrays[name]).all():
            raise ValueError(f"{name} has no value that is not NaN")
    return arrays["epsilons"], arrays["accuracy"], arrays["gini"]
