"""The result of :func:`conciseness_frontier`: fold scores of both paths.

Gini against accuracy is not a function along a path (accuracy may rise and
fall with the regularisation), so the two paths are compared on their upper
frontiers: the points that no other valid point of the same path beats in both
accuracy and Gini, joined by straight lines. At a matched accuracy each
frontier gives the most concise explanations its path reaches there.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.utils import Bunch

from skadv.model_selection._rule import select_index

#: The two paths, in the order of the frames.
PATHS = ("adversarial", "l1")
#: Conciseness measures a selection or a comparison may use.
_CONCISENESS = ("gini", "feature_gini")
_SUMMARISED = (
    "accuracy",
    "robust_accuracy",
    "gini",
    "feature_gini",
    "n_nonzero",
    "n_iter",
)


def _check_conciseness(conciseness):
    if conciseness not in _CONCISENESS:
        raise ValueError(
            f"conciseness must be one of {list(_CONCISENESS)}; got {conciseness!r}."
        )


def _upper_frontier(accuracy, gini, valid):
    """Non-dominated (accuracy, gini) points, by increasing accuracy."""
    acc, gin = accuracy[valid], gini[valid]
    # Scanned from the most accurate point down, a point joins the frontier
    # when it is more concise than every more accurate one; of equal
    # accuracies the most concise comes first and alone qualifies.
    order = np.lexsort((-gin, -acc))
    keep, best = [], -np.inf
    for i in order:
        if gin[i] > best:
            keep.append(i)
            best = gin[i]
    keep = np.array(keep[::-1], dtype=np.intp)
    return acc[keep], gin[keep]


def _valid_points(scores):
    return ~scores["single_class"].astype(bool) & (
        scores["accuracy"] > scores["majority_rate"]
    )


def _curve_at(curves, grid):
    """Each path's frontier interpolated on ``grid``; NaN outside its range."""
    values = []
    for acc, gin in curves:
        if acc.shape[0] == 0:
            values.append(np.full(grid.shape, np.nan))
            continue
        inside = (grid >= acc[0]) & (grid <= acc[-1])
        values.append(np.where(inside, np.interp(grid, acc, gin), np.nan))
    return values


@dataclass
class FrontierResult:
    """Cross-validated scores of the adversarial and the L1 path of a model.

    Returned by :func:`conciseness_frontier`; not meant to be built by hand.
    The parameters are stored as attributes of the same names.

    Parameters
    ----------
    epsilons : ndarray of shape (n_epsilons,)
        Budgets of the adversarial path, increasing.
    l1_lambdas : ndarray of shape (n_lambdas,)
        L1 strengths of the L1 path (mean-loss convention), increasing.
    scores : dict
        ``scores[path][name]``: ndarray of shape (n_folds, n_points) for each
        path in ``("adversarial", "l1")`` and each name among ``"accuracy"``,
        ``"robust_accuracy"``, ``"gini"``, ``"feature_gini"``,
        ``"n_nonzero"``, ``"n_iter"`` (solver iterations of the warm-started
        fit), ``"single_class"`` and ``"majority_rate"``.
    coefs : dict
        ``coefs[path][fold]``: ndarray of shape (n_points, n_rows,
        n_features), the fitted ``coef_`` of every point of the fold (folds
        may differ in ``n_features`` when an encoder sees different
        categories).
    intercepts : dict
        ``intercepts[path][fold]``: ndarray of shape (n_points, n_rows).
    tolerance : float, default=0.02
        Tolerance of :attr:`selected`.
    robust_epsilon : float, default=0.0
        Budget of the robust accuracies.

    Examples
    --------
    >>> import numpy as np
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> from skadv.model_selection import conciseness_frontier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(120, 4))
    >>> y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    >>> result = conciseness_frontier(
    ...     AdversarialLogisticRegression(), X, y, epsilons=[0.0, 0.1, 0.3],
    ...     l1_lambdas=[0.001, 0.01, 0.05], cv=3)
    >>> result.scores["l1"]["accuracy"].shape
    (3, 3)
    >>> result.selected["path"].tolist()
    ['adversarial', 'l1']
    >>> comparison = result.at_equal_accuracy(n_points=5)
    >>> list(comparison.frame.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['accuracy', 'gini_adversarial', 'gini_l1', 'difference', 'difference_std',
     'n_folds']
    """

    epsilons: np.ndarray
    l1_lambdas: np.ndarray
    scores: dict
    coefs: dict = field(repr=False)
    intercepts: dict = field(repr=False)
    tolerance: float = 0.02
    robust_epsilon: float = 0.0

    def _parameters(self, path):
        if path == "adversarial":
            return self.epsilons, np.zeros_like(self.epsilons)
        return np.zeros_like(self.l1_lambdas), self.l1_lambdas

    def _path_frame(self, path):
        scores = self.scores[path]
        epsilon, lam = self._parameters(path)
        columns = {"path": path, "epsilon": epsilon, "l1_lambda": lam}
        for name in _SUMMARISED:
            columns[f"mean_{name}"] = scores[name].mean(axis=0)
            columns[f"std_{name}"] = scores[name].std(axis=0)
        columns["mean_majority_rate"] = scores["majority_rate"].mean(axis=0)
        columns["any_single_class"] = scores["single_class"].astype(bool).any(axis=0)
        return columns

    def to_frame(self):
        """One row per path point, with fold means and standard deviations.

        Returns
        -------
        frame : pandas.DataFrame
            Columns ``path`` ("adversarial" or "l1"), ``epsilon`` (0 on the L1
            path), ``l1_lambda`` (0 on the adversarial path), ``mean_X`` and
            ``std_X`` for X in accuracy, robust_accuracy, gini, feature_gini,
            n_nonzero and n_iter, ``mean_majority_rate``, ``any_single_class`` (a fold
            predicted one class only) and ``selected`` (the point of
            :attr:`selected`).
        """
        import pandas as pd

        frames = [pd.DataFrame(self._path_frame(path)) for path in PATHS]
        frame = pd.concat(frames, ignore_index=True)
        chosen = self.select_indices(self.tolerance)
        offsets = {"adversarial": 0, "l1": len(self.epsilons)}
        frame["selected"] = False
        for path, index in chosen.items():
            if index is not None:
                frame.loc[offsets[path] + index, "selected"] = True
        return frame

    def select_indices(self, tolerance=None, conciseness="gini"):
        """Index of the point each path's rule chooses (None where none passes).

        Parameters
        ----------
        tolerance : float, default=None
            As in :func:`most_concise_within`; None means :attr:`tolerance`.
        conciseness : {"gini", "feature_gini"}, default="gini"
            The Gini index the rule maximises.

        Returns
        -------
        indices : dict
            Path name -> index into that path's grid, or None when no point of
            the path passes the guards.
        """
        _check_conciseness(conciseness)
        tolerance = self.tolerance if tolerance is None else float(tolerance)
        if not 0 <= tolerance <= 1:
            raise ValueError(f"tolerance must be in [0, 1]; got {tolerance!r}.")
        indices = {}
        for path in PATHS:
            columns = self._path_frame(path)
            strength = columns["epsilon" if path == "adversarial" else "l1_lambda"]
            try:
                indices[path] = select_index(
                    columns["mean_accuracy"],
                    columns[f"mean_{conciseness}"],
                    tolerance=tolerance,
                    single_class=columns["any_single_class"],
                    majority_rate=columns["mean_majority_rate"],
                    strength=strength,
                )
            except ValueError:
                indices[path] = None
        return indices

    @property
    def selected(self):
        """The point each path's most-concise-within rule chooses.

        The rule of :func:`most_concise_within` at :attr:`tolerance`, applied
        to each path on its own (ties to the larger epsilon or lambda).

        Returns
        -------
        frame : pandas.DataFrame
            The rows of :meth:`to_frame` that are chosen, at most one per path
            (none for a path whose every point fails the guards).
        """
        frame = self.to_frame()
        return frame[frame["selected"]].reset_index(drop=True)

    def _fold_curves(self, fold, conciseness):
        curves = []
        for path in PATHS:
            scores = {k: v[fold] for k, v in self.scores[path].items()}
            curves.append(
                _upper_frontier(
                    scores["accuracy"], scores[conciseness], _valid_points(scores)
                )
            )
        return curves

    def _mean_curves(self, conciseness):
        curves = []
        for path in PATHS:
            columns = self._path_frame(path)
            valid = ~columns["any_single_class"] & (
                columns["mean_accuracy"] > columns["mean_majority_rate"]
            )
            curves.append(
                _upper_frontier(
                    columns["mean_accuracy"], columns[f"mean_{conciseness}"], valid
                )
            )
        return curves

    def _fold_differences(self, conciseness, grid):
        n_folds = self.scores[PATHS[0]]["accuracy"].shape[0]
        fold_diff = np.full((n_folds, grid.shape[0]), np.nan)
        for fold in range(n_folds):
            a, b = _curve_at(self._fold_curves(fold, conciseness), grid)
            fold_diff[fold] = a - b
        return fold_diff

    def at_equal_accuracy(self, *, conciseness="gini", n_points=21):
        """The two paths' Gini indices compared at matched accuracies.

        Each path is reduced to its upper frontier of valid points (see the
        guards of :func:`most_concise_within`) in the plane of mean accuracy
        and mean Gini, which is interpolated linearly on ``n_points`` evenly
        spaced accuracies spanning the range both frontiers cover. The spread
        comes from the same construction on each fold's own scores: at each
        accuracy, the standard deviation over the folds of the fold-level
        difference (folds whose frontiers do not reach that accuracy are left
        out).

        Parameters
        ----------
        conciseness : {"gini", "feature_gini"}, default="gini"
            Encoded-level or feature-level Gini index.
        n_points : int, default=21
            Number of matched accuracies.

        Returns
        -------
        comparison : Bunch
            ``frame``: DataFrame with columns ``accuracy``,
            ``gini_adversarial``, ``gini_l1``, ``difference`` (adversarial
            minus L1), ``difference_std`` and ``n_folds`` (folds defining the
            difference there); ``difference``: mean of the difference over the
            matched accuracies; ``difference_std``: standard deviation over the
            folds of each fold's mean difference; ``accuracy_range``: the
            ``(low, high)`` range compared; ``conciseness``.

        Raises
        ------
        ValueError
            When the two paths' valid points share no accuracy range.
        """
        import pandas as pd

        _check_conciseness(conciseness)
        if isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)):
            raise ValueError(f"n_points must be an int >= 1; got {n_points!r}.")
        if n_points < 1:
            raise ValueError(f"n_points must be an int >= 1; got {n_points!r}.")
        curves = self._mean_curves(conciseness)
        if any(len(acc) == 0 for acc, _ in curves):
            raise ValueError(
                "A path has no valid point (each predicts one class on some fold "
                "or does not beat the majority-class rate); nothing to compare."
            )
        low = max(acc[0] for acc, _ in curves)
        high = min(acc[-1] for acc, _ in curves)
        if low > high:
            raise ValueError(
                "The accuracy ranges of the two paths do not overlap "
                f"(adversarial {curves[0][0][[0, -1]]}, l1 {curves[1][0][[0, -1]]}); "
                "widen the grids so that both reach common accuracies."
            )
        # Frontiers meeting at one accuracy are compared there only.
        grid = np.linspace(low, high, n_points if high > low else 1)
        adversarial, l1 = _curve_at(curves, grid)
        fold_diff = self._fold_differences(conciseness, grid)
        counts = np.isfinite(fold_diff).sum(axis=0)
        with warnings.catch_warnings():
            # All-NaN slices (no fold reaches an accuracy) are expected.
            warnings.simplefilter("ignore", RuntimeWarning)
            spread = np.nanstd(fold_diff, axis=0)
            fold_means = np.nanmean(fold_diff, axis=1)
        frame = pd.DataFrame(
            {
                "accuracy": grid,
                "gini_adversarial": adversarial,
                "gini_l1": l1,
                "difference": adversarial - l1,
                "difference_std": np.where(counts > 0, spread, np.nan),
                "n_folds": counts,
            }
        )
        finite = fold_means[np.isfinite(fold_means)]
        return Bunch(
            frame=frame,
            difference=float(np.mean(adversarial - l1)),
            difference_std=float(np.std(finite)) if finite.size else np.nan,
            accuracy_range=(float(low), float(high)),
            conciseness=conciseness,
        )
