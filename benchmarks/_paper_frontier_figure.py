"""Figure of the equal-accuracy comparison: Gini against accuracy along both paths.

One panel per dataset and training: the mean over the splits of every point
of the adversarial (epsilon) and the L1 (lambda) sweep, with the standard
deviation over the splits as error bars, under the official Gini convention
(solid, the 1e-7 offset) and without the offset (dotted). The published
L1 and adversarial models are marked on the panels of the official recipe.
"""

import numpy as np

from ._paper_common import DATASET_LABELS
from ._paper_constants import PAPER_TABULAR
from ._paper_tabular import RECIPES

COLOURS = {"adversarial": "tab:red", "l1": "tab:blue"}
LABELS = {"adversarial": "adversarial (ε sweep)", "l1": "L1 (λ sweep)"}
# Mushroom's sweeps end far below the accuracies that matter (one feature,
# odor, alone gives about 89%): the panels show the top of the range.
ZOOM = {"mushroom": (94.0, 100.4)}


def _zoom(ax, summary, dataset):
    if dataset not in ZOOM:
        return
    low, high = ZOOM[dataset]
    ax.set_xlim(low, high)
    visible = []
    for points in summary["paths"].values():
        acc = 100 * np.asarray(points["mean_accuracy"])
        for key in ("mean_gini", "mean_gini_offset"):
            visible.extend(np.asarray(points[key])[(acc >= low) & (acc <= high)])
    if visible:
        ax.set_ylim(min(visible) - 0.01, max(visible) + 0.01)


def _panel(ax, summary, dataset, training):
    for path in ("adversarial", "l1"):
        points = summary["paths"][path]
        acc = 100 * np.asarray(points["mean_accuracy"])
        ax.errorbar(
            acc,
            points["mean_gini_offset"],
            xerr=100 * np.asarray(points["std_accuracy"]),
            yerr=points["std_gini_offset"],
            color=COLOURS[path],
            marker="o",
            markersize=3,
            linewidth=1,
            capsize=2,
            label=LABELS[path],
        )
        ax.plot(acc, points["mean_gini"], color=COLOURS[path], linestyle=":")
    if training != "exact":
        for kind, marker in (("adversarial", "*"), ("l1", "P")):
            acc, gini = PAPER_TABULAR[dataset][kind]
            ax.plot(
                100 * acc,
                gini,
                marker=marker,
                markersize=11,
                color=COLOURS[kind],
                markeredgecolor="black",
                linestyle="none",
                label=f"published {LABELS[kind].split()[0]}",
            )
    _zoom(ax, summary, dataset)
    ax.set_title(f"{DATASET_LABELS[dataset]}: {RECIPES[training]}", fontsize=8)
    ax.set_xlabel("test accuracy (%)")
    ax.set_ylabel("mean Gini of IG")
    ax.grid(alpha=0.3)


def frontier_figure(frontier, path):
    """Draw ``frontier`` (``run_frontier``'s record) to the PNG file ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(frontier)
    trainings = list(RECIPES)
    fig, axes = plt.subplots(
        len(datasets),
        len(trainings),
        figsize=(4.2 * len(trainings), 3.4 * len(datasets)),
        squeeze=False,
    )
    for row, dataset in enumerate(datasets):
        for col, training in enumerate(trainings):
            _panel(axes[row, col], frontier[dataset][training], dataset, training)
    axes[0, 0].legend(fontsize=7, loc="lower left")
    axes[0, 1].legend(fontsize=7, loc="lower left")
    fig.suptitle(
        "Gini (solid: official 1e-7 offset; dotted: none) against accuracy, "
        "mean ± std over the splits",
        fontsize=9,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
