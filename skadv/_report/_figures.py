"""The report's three PNG figures, drawn from the summary dictionary.

Figures are built on matplotlib's Agg canvas directly (no pyplot), so making a
report neither needs a display nor changes the caller's matplotlib backend.
"""

import io

import numpy as np

from ._models import MODEL_NAMES, MODEL_TITLES

COLORS = {"natural": "#4c72b0", "l1": "#8c8c8c", "adversarial": "#dd5143"}
_MAX_BARS = 30
_DPI = 110


def literal_text(text):
    r"""`text` escaped so that matplotlib draws it as written.

    Matplotlib reads a pair of ``$`` as mathtext, so a column named
    ``$\frac$`` would fail to parse; ``\$`` is its literal dollar sign.

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


def shown_features(summary, fraction=0.05, max_bars=_MAX_BARS):
    """Features the impact plot shows, in the plot's order.

    As in the paper's Figure J.5: features whose impact reaches `fraction` of
    the largest impact of either model, sorted by the natural model's impact.

    Returns
    -------
    index : ndarray of int
        Positions in ``summary["feature_impact"]["features"]``.
    """
    impact = summary["feature_impact"]
    natural = np.asarray(impact["natural"])
    adversarial = np.asarray(impact["adversarial"])
    top = max(natural.max(initial=0.0), adversarial.max(initial=0.0))
    keep = np.flatnonzero(np.maximum(natural, adversarial) >= fraction * top)
    order = keep[np.lexsort((-adversarial[keep], -natural[keep]))]
    return order[:max_bars]


def feature_impact_png(summary):
    """Side-by-side feature impact of the natural and adversarial models.

    Examples
    --------
    >>> from skadv._report._figures import feature_impact_png
    >>> summary = {"epsilon": 0.1, "dataset": {"name": "toy"},
    ...            "feature_impact": {"features": ["a", "b"],
    ...                               "natural": [0.3, 0.1],
    ...                               "adversarial": [0.4, 0.0]}}
    >>> feature_impact_png(summary)[:4]
    b'\\x89PNG'
    """
    impact = summary["feature_impact"]
    index = shown_features(summary)
    names = [literal_text(impact["features"][i]) for i in index]
    height = 1.6 + 0.32 * max(len(index), 2)
    fig = _new_figure(8.0, height)
    ax = fig.add_subplot()
    rows = np.arange(len(index))
    bar = 0.4
    for offset, name in ((-bar / 2, "natural"), (bar / 2, "adversarial")):
        values = np.asarray(impact[name])[index]
        label = MODEL_TITLES[name]
        if name == "adversarial":
            label += f" (eps = {summary['epsilon']:g})"
        ax.barh(rows + offset, values, height=bar, color=COLORS[name], label=label)
    ax.set_yticks(rows, names)
    ax.invert_yaxis()
    ax.set_xlabel("Feature impact: mean |IG| over test rows, summed per feature")
    ax.set_title(f"Feature impact on {literal_text(summary['dataset']['name'])}")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right")
    return _png(fig)


def sweep_png(summary):
    """Cross-validated accuracy, robust accuracy and Gini against epsilon."""
    sweep = summary["sweep"]
    eps = np.asarray(sweep["epsilon"])
    chosen = summary["epsilon"]
    fig = _new_figure(9.0, 3.6)
    left, right = fig.subplots(1, 2)
    for key, label, color in (
        ("accuracy", "accuracy", COLORS["natural"]),
        ("robust_accuracy", "robust accuracy at the same eps", COLORS["adversarial"]),
    ):
        left.errorbar(
            eps,
            sweep[key],
            yerr=sweep[f"{key}_std"],
            marker="o",
            capsize=3,
            color=color,
            label=label,
        )
    tolerance = summary["settings"]["tolerance"]
    floor = max(sweep["accuracy"]) - tolerance
    left.axhline(floor, color="#555555", ls=":", lw=1, label="accuracy tolerance")
    left.set_ylabel("cross-validated score")
    right.errorbar(
        eps,
        sweep["gini"],
        yerr=sweep["gini_std"],
        marker="o",
        capsize=3,
        color="#55a868",
    )
    right.set_ylabel("mean Gini index of IG")
    for ax in (left, right):
        ax.axvline(chosen, color="black", ls="--", lw=1)
        ax.set_xlabel("training epsilon")
        ax.grid(alpha=0.3)
    left.legend(loc="lower left", fontsize="small")
    left.set_title("Accuracy")
    right.set_title(f"Conciseness (chosen eps = {chosen:g})")
    return _png(fig)


def weights_png(summary):
    """Sorted |coef| of the three models, as shares of their L1 norm."""
    coefs = summary["encoded_features"]["coef"]
    fig = _new_figure(7.0, 3.6)
    ax = fig.add_subplot()
    for name in MODEL_NAMES:
        weights = np.sort(np.abs(np.asarray(coefs[name])))[::-1]
        total = weights.sum()
        share = weights / total if total > 0 else weights
        ax.plot(
            np.arange(1, len(share) + 1),
            share,
            color=COLORS[name],
            marker=".",
            label=f"{MODEL_TITLES[name]} "
            f"({summary['models'][name]['n_nonzero_coef']} non-zero)",
        )
    ax.set_xlabel("rank of encoded feature (largest |weight| first)")
    ax.set_ylabel("|weight| / sum of |weights|")
    ax.set_title("Weight concentration")
    ax.grid(alpha=0.3)
    ax.legend()
    return _png(fig)


FIGURES = {
    "feature_impact.png": feature_impact_png,
    "epsilon_sweep.png": sweep_png,
    "weights.png": weights_png,
}


def render_figures(summary):
    """All figures as ``{file name: PNG bytes}``.

    Drawn with matplotlib's own text engine whatever the user's settings:
    with ``text.usetex`` LaTeX would read column names as markup.
    """
    import matplotlib

    with matplotlib.rc_context({"text.usetex": False}):
        return {name: draw(summary) for name, draw in FIGURES.items()}
