"""The selection rule of Chalasani et al. (2020), on arrays of mean scores.

Among the candidates that pass the guards, keep those whose mean accuracy is
within ``tolerance`` of the best one, take the one with the most concise
explanations, and break ties towards the strongest regularisation (the larger
epsilon or lambda). The refit callable of a search and the frontier both call
:func:`select_index`, so that they choose alike on the same numbers.
"""

import numpy as np

# Means of fold scores computed in different orders differ by a few ulps; such
# differences must count as ties, not decide the choice.
_TIE_RTOL = 1e-12


def _valid(accuracy, single_class, majority_rate):
    accuracy = np.asarray(accuracy, dtype=np.float64)
    valid = np.isfinite(accuracy) & ~np.asarray(single_class, dtype=bool)
    # A model that does not beat always answering the majority class has
    # learned nothing, however concise its explanations look.
    return valid & (accuracy > np.asarray(majority_rate, dtype=np.float64))


def select_index(
    accuracy, conciseness, *, tolerance, single_class, majority_rate, strength=None
):
    """Index of the candidate chosen by the most-concise-within rule.

    Parameters
    ----------
    accuracy, conciseness : array-like of shape (n_candidates,)
        Mean accuracy and mean conciseness (Gini index) of each candidate.
    tolerance : float
        Largest accuracy below the best valid one that a candidate may lose.
    single_class : array-like of bool of shape (n_candidates,)
        Whether the candidate predicted a single class on some fold.
    majority_rate : array-like of shape (n_candidates,)
        Mean share of the majority class in the evaluation folds.
    strength : array-like of shape (n_candidates,) or None, default=None
        Regularisation strength (epsilon): ties go to the largest; None, or
        NaN entries, leave ties to the first candidate.

    Returns
    -------
    index : int

    Raises
    ------
    ValueError
        When no candidate passes the guards.

    Examples
    --------
    >>> from skadv.model_selection._rule import select_index
    >>> select_index([0.90, 0.89, 0.95], [0.2, 0.5, 0.9], tolerance=0.02,
    ...              single_class=[False, False, True],
    ...              majority_rate=[0.6, 0.6, 0.6])
    1
    """
    accuracy = np.asarray(accuracy, dtype=np.float64)
    conciseness = np.asarray(conciseness, dtype=np.float64)
    valid = _valid(accuracy, single_class, majority_rate) & np.isfinite(conciseness)
    if not valid.any():
        raise ValueError(
            "No candidate passes the guards of the most-concise-within rule: every "
            "one predicts a single class on some fold, does not beat the "
            "majority-class rate, or has a missing (NaN) score. Use smaller "
            "regularisation (epsilon or lambda) values."
        )
    best = accuracy[valid].max()
    slack = _TIE_RTOL * max(1.0, abs(best))
    within = valid & (accuracy >= best - tolerance - slack)
    top = conciseness[within].max()
    tied = within & (conciseness >= top - _TIE_RTOL * max(1.0, abs(top)))
    candidates = np.flatnonzero(tied)
    if strength is None:
        return int(candidates[0])
    strength = np.asarray(strength, dtype=np.float64)[candidates]
    if np.all(np.isnan(strength)):
        return int(candidates[0])
    # nanargmax returns the first of equal maxima: ties of strength keep the
    # first candidate.
    return int(candidates[np.nanargmax(strength)])
