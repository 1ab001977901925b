"""The report's three PNG figures, drawn from the summary dictionary.

Figures are built on matplotlib's Agg canvas directly (no pyplot), so making a
report neither needs a display nor changes the caller's matplotlib backend.
Legends sit outside the axes, where they never hide a bar or a point.
"""

import io

import numpy as np

from ._models import MODEL_NAMES

# No model is grey: grey marks the frontier's invalid candidates.
COLORS = {"natural": "#4c72b0", "l1": "#55a868", "adversarial": "#dd5143"}
_INVALID = "#a0a0a0"
_DPI = 110
#: Most bars of the feature impact figure; the summary records it as
#: ``settings["max_bars"]``, which is what the figure reads.
MAX_BARS = 30


def literal_text(text):
    r"""`text` escaped so that matplotlib draws it as written.

    Matplotlib reads a pair of ``$`` as mathtext, so a column named
    ``$\frac$`` would fail to parse; ``\$`` is its literal dollar sign.

    Parameters
    ----------
    text : object
        Anything; drawn as its ``str``.

    Returns
    -------
    text : str

    Examples
    --------
    >>> from skadv._report._figures import literal_text
    >>> literal_text("price in $ (2024)")
    'price in \\$ (2024)'
    """
    return str(text).replace("$", r"\$")


def _new_figure(width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()


def _legend_outside(ax, **kwargs):
    # Anchored just right of the axes; constrained layout makes room for it.
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        borderaxespad=0.0,
        fontsize="small",
        **kwargs,
    )


def model_label(summary, name):
    """Legend text of one model: its title and its regularisation.

    Parameters
    ----------
    summary : dict
        A report summary (format 2).
    name : {"natural", "l1", "adversarial"}

    Returns
    -------
    label : str
    """
    title = literal_text(summary["models"][name]["title"])
    if name == "l1":
        return f"{title} (lambda = {summary['l1_lambda']:g})"
    if name == "adversarial":
        return f"{title} (eps = {summary['epsilon']:g})"
    return title


def shown_features(summary, fraction=0.05):
    """Features the impact plot shows, in the plot's order.

    As in the paper's Figure J.5: features whose impact reaches `fraction` of
    the largest impact of any of the three models, sorted by the natural
    model's impact, at most ``summary["settings"]["max_bars"]`` of them.

    Parameters
    ----------
    summary : dict
        A report summary (format 2).
    fraction : float, default=0.05
        Share of the largest impact a feature must reach.

    Returns
    -------
    index : ndarray of int
        Positions in ``summary["feature_impact"]["features"]``.
    """
    impact = summary["feature_impact"]
    values = np.array([impact[name] for name in MODEL_NAMES], dtype=float)
    if values.size == 0:
        return np.zeros(0, dtype=int)
    largest = values.max(axis=0)
    keep = np.flatnonzero(largest >= fraction * largest.max(initial=0.0))
    natural, adversarial = values[0], values[-1]
    order = keep[np.lexsort((-adversarial[keep], -natural[keep]))]
    return order[: summary["settings"]["max_bars"]]


def impact_axis_label(summary):
    """What the bars of the feature impact figure measure.

    Parameters
    ----------
    summary : dict
        A report summary (format 2).

    Returns
    -------
    label : str
    """
    if summary["dataset"]["task"] == "multiclass":
        return (
            "Feature impact: mean over classes of the per-class mean |IG|, "
            "summed per feature"
        )
    return "Feature impact: mean |IG| over test rows, summed per feature"


def feature_impact_figure(summary):
    """The feature impact of the three models, side by side per feature.

    Parameters
    ----------
    summary : dict
        A report summary (format 2).

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    impact = summary["feature_impact"]
    index = shown_features(summary)
    names = [literal_text(impact["features"][i]) for i in index]
    fig = _new_figure(9.0, 1.6 + 0.42 * max(len(index), 2))
    ax = fig.add_subplot()
    rows = np.arange(len(index))
    bar = 0.8 / len(MODEL_NAMES)
    for k, name in enumerate(MODEL_NAMES):
        offset = (k - (len(MODEL_NAMES) - 1) / 2) * bar
        values = np.asarray(impact[name], dtype=float)[index]
        ax.barh(
            rows + offset,
            values,
            height=bar,
            color=COLORS[name],
            label=model_label(summary, name),
        )
    ax.set_yticks(rows, names)
    ax.invert_yaxis()
    ax.set_xlabel(impact_axis_label(summary))
    ax.set_title(f"Feature impact on {literal_text(summary['dataset']['name'])}")
    ax.grid(axis="x", alpha=0.3)
    _legend_outside(ax)
    return fig


def feature_impact_png(summary):
    """The feature impact figure as PNG bytes.

    Parameters
    ----------
    summary : dict
        A report summary (format 2).

    Returns
    -------
    png : bytes
    """
    return _png(feature_impact_figure(summary))


def clipped_errors(mean, std, low=0.0, high=1.0):
    """Asymmetric error bars of ``mean ± std`` that stop at `low` and `high`.

    Parameters
    ----------
    mean, std : array-like of float
    low, high : float, default=0.0, 1.0
        The range the quantity lives in.

    Returns
    -------
    errors : ndarray of shape (2, n)
        Lengths below and above each mean, as matplotlib's ``errorbar`` takes.

    Examples
    --------
    >>> from skadv._report._figures import clipped_errors
    >>> clipped_errors([0.95, 0.5], [0.1, 0.1]).round(2).tolist()
    [[0.1, 0.1], [0.05, 0.1]]
    """
    mean = np.asarray(mean, dtype=float)
    std = np.asarray(std, dtype=float)
    below = np.clip(np.minimum(std, mean - low), 0.0, None)
    above = np.clip(np.minimum(std, high - mean), 0.0, None)
    return np.vstack([below, above])


def _draw_path(ax, path, name, color):
    accuracy = np.asarray(path["accuracy"], dtype=float)
    gini = np.asarray(path["gini"], dtype=float)
    valid = np.asarray(path["valid"], dtype=bool)
    symbol = "eps" if path["parameter"] == "epsilon" else "lambda"
    ax.plot(accuracy, gini, color=color, lw=1, alpha=0.6, zorder=1)
    xerr = clipped_errors(accuracy, path["accuracy_std"])
    yerr = clipped_errors(gini, path["gini_std"])
    for points, shade in ((valid, color), (~valid, _INVALID)):
        if points.any():
            ax.errorbar(
                accuracy[points],
                gini[points],
                xerr=xerr[:, points],
                yerr=yerr[:, points],
                fmt="none",
                ecolor=shade,
                elinewidth=0.8,
                capsize=2,
                zorder=2,
            )
    ax.scatter(
        accuracy[valid],
        gini[valid],
        color=color,
        zorder=3,
        label=f"{name} path (labels: {symbol})",
    )
    # Epsilons are written left of their points and lambdas right, so that
    # the labels of two paths crossing each other do not land on one spot.
    left = path["parameter"] == "epsilon"
    for value, x, y in zip(path["values"], accuracy, gini):
        ax.annotate(
            f"{value:g}",
            (x, y),
            xytext=(-5 if left else 5, 4),
            textcoords="offset points",
            ha="right" if left else "left",
            fontsize=7,
            color=color,
        )
    chosen = path["chosen_index"]
    if chosen is not None:
        ax.scatter(
            accuracy[chosen],
            gini[chosen],
            s=220,
            facecolors="none",
            edgecolors=color,
            linewidths=2,
            zorder=4,
            label=f"chosen {symbol} = {path['values'][chosen]:g}",
        )


def _draw_invalid(ax, frontier):
    accuracy, gini = [], []
    for path in (frontier["adversarial"], frontier["l1"]):
        invalid = ~np.asarray(path["valid"], dtype=bool)
        accuracy += list(np.asarray(path["accuracy"], dtype=float)[invalid])
        gini += list(np.asarray(path["gini"], dtype=float)[invalid])
    if accuracy:
        ax.scatter(
            accuracy,
            gini,
            facecolors="white",
            edgecolors=_INVALID,
            zorder=3,
            label="invalid candidate (never chosen)",
        )


def frontier_figure(summary):
    """Mean Gini of IG against mean CV accuracy along both paths.

    Parameters
    ----------
    summary : dict
        A report summary (format 2).

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    frontier = summary["frontier"]
    fig = _new_figure(9.0, 4.6)
    ax = fig.add_subplot()
    titles = {name: summary["models"][name]["title"] for name in ("adversarial", "l1")}
    for name in ("adversarial", "l1"):
        _draw_path(ax, frontier[name], literal_text(titles[name]), COLORS[name])
    _draw_invalid(ax, frontier)
    majority = frontier["majority_rate"]
    ax.axvline(
        majority,
        color="#555555",
        ls="--",
        lw=1,
        label=f"majority-class rate ({100 * majority:.1f}%)",
    )
    folds = summary["settings"]["cv_folds"]
    ax.set_xlabel(f"mean accuracy over {folds} cross-validation folds")
    ax.set_ylabel("mean Gini index of IG (encoded)")
    ax.set_title("Conciseness against accuracy (± one standard deviation)")
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    return fig


def weight_magnitudes(coef):
    """One |weight| per encoded feature: the largest over the rows of `coef`.

    Parameters
    ----------
    coef : array-like of shape (n_rows, n_features)
        A model's ``coef_``: one row for a binary model, one per class.

    Returns
    -------
    magnitudes : ndarray of shape (n_features,)

    Examples
    --------
    >>> from skadv._report._figures import weight_magnitudes
    >>> weight_magnitudes([[1.0, -3.0], [-2.0, 0.5]]).tolist()
    [2.0, 3.0]
    """
    coef = np.atleast_2d(np.asarray(coef, dtype=float))
    return np.abs(coef).max(axis=0, initial=0.0)


def weights_figure(summary):
    """Sorted |coef| of the three models, as shares of their sum.

    Parameters
    ----------
    summary : dict
        A report summary (format 2).

    Returns
    -------
    figure : matplotlib.figure.Figure
    """
    coefs = summary["encoded_features"]["coef"]
    fig = _new_figure(8.0, 3.8)
    ax = fig.add_subplot()
    for name in MODEL_NAMES:
        weights = np.sort(weight_magnitudes(coefs[name]))[::-1]
        total = weights.sum()
        share = weights / total if total > 0 else weights
        ax.plot(
            np.arange(1, len(share) + 1),
            share,
            color=COLORS[name],
            marker=".",
            label=f"{model_label(summary, name)}, "
            f"{summary['models'][name]['n_nonzero_coef']} non-zero",
        )
    ax.set_xlabel("rank of encoded feature (largest |weight| first)")
    ax.set_ylabel("|weight| / sum of |weights|")
    n_classes = len(summary["dataset"]["class_names"])
    if summary["dataset"]["task"] == "multiclass":
        title = f"Weight concentration (max |weight| over the {n_classes} classes)"
    else:
        title = "Weight concentration"
    ax.set_title(title)
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    return fig


#: Every figure of a report: file name -> function of the summary making it.
FIGURES = {
    "feature_impact.png": feature_impact_figure,
    "frontier.png": frontier_figure,
    "weights.png": weights_figure,
}


def render_figures(summary):
    """All figures as ``{file name: PNG bytes}``.

    Drawn with matplotlib's own text engine whatever the user's settings:
    with ``text.usetex`` LaTeX would read column names as markup.

    Parameters
    ----------
    summary : dict
        A report summary (format 2).

    Returns
    -------
    figures : dict of str to bytes
        The keys of :data:`FIGURES`.
    """
    import matplotlib

    with matplotlib.rc_context({"text.usetex": False}):
        return {name: _png(draw(summary)) for name, draw in FIGURES.items()}
