"""Gini against accuracy along both paths of a frontier (matplotlib on demand)."""

from skadv.model_selection._frontier_result import (
    _CONCISENESS,
    PATHS,
    FrontierResult,
)

_LABELS = {"adversarial": "adversarial (epsilon)", "l1": "L1 (lambda)"}
_AXIS_LABELS = {
    "gini": "Gini index of IG (encoded columns)",
    "feature_gini": "Gini index of IG (original features)",
}


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "ConcisenessFrontierDisplay.plot needs matplotlib; install it with "
            "`pip install matplotlib`."
        ) from exc
    return plt


class ConcisenessFrontierDisplay:
    """Mean Gini index against mean accuracy along the adversarial and L1 paths.

    Each path is a line through its points in the order of its grid, with the
    fold standard deviation of both coordinates as error bars; the point that
    the most-concise-within rule selects on each path is circled, and a vertical
    line marks the mean majority-class rate (the accuracy of answering the most
    frequent class). Create it with :meth:`from_frontier` or
    :meth:`from_estimator`.

    Parameters
    ----------
    frontier : FrontierResult
        As returned by :func:`conciseness_frontier`.
    conciseness : {"gini", "feature_gini"}, default="gini"
        The Gini index on the vertical axis: over the encoded columns, or over
        the original features.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the plot.
    figure_ : matplotlib Figure
        Figure holding ``ax_``.
    lines_ : dict
        Path name -> the ``ErrorbarContainer`` of that path.
    selected_ : dict
        Path name -> the marker of its selected point (absent for a path with
        no valid point).
    majority_line_ : matplotlib Line2D
        The vertical line at the majority-class rate.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skadv.linear_model import AdversarialLogisticRegression
    >>> from skadv.model_selection import ConcisenessFrontierDisplay
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(90, 4))
    >>> y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    >>> display = ConcisenessFrontierDisplay.from_estimator(
    ...     AdversarialLogisticRegression(), X, y, epsilons=[0.0, 0.2],
    ...     l1_lambdas=[0.01, 0.1], cv=3)
    >>> sorted(display.lines_)
    ['adversarial', 'l1']
    """

    def __init__(self, frontier, *, conciseness="gini"):
        self.frontier = frontier
        self.conciseness = conciseness

    def _checked(self):
        if not isinstance(self.frontier, FrontierResult):
            raise TypeError(
                "frontier must be the FrontierResult of conciseness_frontier; got "
                f"{type(self.frontier).__name__}."
            )
        if self.conciseness not in _CONCISENESS:
            raise ValueError(
                f"conciseness must be one of {list(_CONCISENESS)}; got "
                f"{self.conciseness!r}."
            )

    def plot(self, *, ax=None):
        """Draw both paths, their selected points and the majority-class rate.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.

        Returns
        -------
        display : ConcisenessFrontierDisplay
            The object itself.
        """
        self._checked()
        plt = _pyplot()
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4.5))
        frame = self.frontier.to_frame()
        y_col = f"mean_{self.conciseness}"
        self.lines_, self.selected_ = {}, {}
        for path in PATHS:
            rows = frame[frame["path"] == path]
            self.lines_[path] = ax.errorbar(
                rows["mean_accuracy"].to_numpy(float),
                rows[y_col].to_numpy(float),
                xerr=rows["std_accuracy"].to_numpy(float),
                yerr=rows[f"std_{self.conciseness}"].to_numpy(float),
                marker="o",
                markersize=4,
                capsize=2,
                label=_LABELS[path],
            )
            chosen = rows[rows["selected"]]
            if len(chosen):
                color = self.lines_[path].lines[0].get_color()
                (self.selected_[path],) = ax.plot(
                    chosen["mean_accuracy"].to_numpy(float),
                    chosen[y_col].to_numpy(float),
                    "o",
                    markersize=12,
                    markerfacecolor="none",
                    markeredgecolor=color,
                    label=f"selected ({path})",
                )
        majority = float(frame["mean_majority_rate"].mean())
        self.majority_line_ = ax.axvline(
            majority, color="grey", linestyle="--", label="majority-class rate"
        )
        ax.set_xlabel("accuracy (cross-validated mean)")
        ax.set_ylabel(_AXIS_LABELS[self.conciseness])
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_frontier(cls, frontier, *, conciseness="gini", ax=None):
        """Plot the result of :func:`conciseness_frontier`.

        Parameters
        ----------
        frontier : FrontierResult
            The computed frontier.
        conciseness : {"gini", "feature_gini"}, default="gini"
            The Gini index on the vertical axis.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.

        Returns
        -------
        display : ConcisenessFrontierDisplay
        """
        return cls(frontier, conciseness=conciseness).plot(ax=ax)

    @classmethod
    def from_estimator(
        cls, estimator, X, y, *, conciseness="gini", ax=None, **frontier_params
    ):
        """Compute the frontier of ``estimator`` on ``(X, y)`` and plot it.

        Parameters
        ----------
        estimator : AdversarialLogisticRegression or Pipeline
            As in :func:`conciseness_frontier`.
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Inputs.
        y : array-like of shape (n_samples,)
            Labels.
        conciseness : {"gini", "feature_gini"}, default="gini"
            The Gini index on the vertical axis.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        **frontier_params : dict
            Keyword arguments of :func:`conciseness_frontier` (``epsilons``,
            ``l1_lambdas``, ``cv``, ``baselines``, ...).

        Returns
        -------
        display : ConcisenessFrontierDisplay
        """
        from skadv.model_selection._frontier import conciseness_frontier

        frontier = conciseness_frontier(estimator, X, y, **frontier_params)
        return cls.from_frontier(frontier, conciseness=conciseness, ax=ax)
