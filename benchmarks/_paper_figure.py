"""Saliency figure: test images beside the IG maps of the three model types.

As in Figs. J.6/J.7 of the paper, the examples are test images that all three
models classify correctly with high probability, and each map is titled with
the Gini index of its attributions, as the paper defines it and (in brackets)
as the official code computes it.
"""

import numpy as np

from skadv.inspection import SaliencyMapDisplay

from ._paper_common import DATASET_LABELS, MODEL_KINDS, MODEL_LABELS
from ._paper_images import official_gini

IMAGE_SIDE = 28


def pick_examples(y, proba_by_kind, n_examples, threshold=0.9):
    """Rows every model gets right with probability >= threshold, one per class.

    Falls back to the rows with the highest smallest probability when too few
    rows pass the threshold (short training runs).
    """
    lowest = np.min(np.stack([proba_by_kind[k] for k in MODEL_KINDS]), axis=0)
    order = np.argsort(-lowest, kind="stable")
    confident = [row for row in order if lowest[row] >= threshold]
    chosen, classes = [], set()
    for row in confident:
        if y[row] not in classes:
            chosen.append(row)
            classes.add(y[row])
    # too few distinct confident classes: fill with the next most confident rows
    for row in order:
        if row not in chosen:
            chosen.append(row)
    return chosen[:n_examples]


def saliency_figure(figure_data, path, n_examples):
    """One row per example: the image, then the natural, L1 and adversarial IG.

    Returns ``{dataset: [{"label": ..., "gini": {kind: ...}, "gini_offset":
    {kind: ...}}, ...]}``, the examples shown and the Gini index of each of
    their maps, plain and in the official form.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    picks = {
        name: pick_examples(data["y"], data["proba"], n_examples)
        for name, data in figure_data.items()
    }
    n_rows = sum(len(rows) for rows in picks.values())
    n_cols = 1 + len(MODEL_KINDS)
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(2.2 * n_cols, 2.5 * n_rows), squeeze=False
    )
    start, examples = 0, {}
    for name, rows in picks.items():
        data = figure_data[name]
        shape = (len(rows), IMAGE_SIDE, IMAGE_SIDE)
        attributions = np.stack(
            [data["maps"][kind][rows].reshape(shape) for kind in MODEL_KINDS]
        )
        block = axes[start : start + len(rows)]
        display = SaliencyMapDisplay(
            attributions,
            images=data["X"][rows].reshape(shape),
            model_names=[MODEL_LABELS[kind] for kind in MODEL_KINDS],
        ).plot(axes=block)
        official = official_gini(attributions.reshape(len(MODEL_KINDS), len(rows), -1))
        for ax, row in zip(block[:, 0], rows):
            ax.set_title(f"{DATASET_LABELS[name]}, label {data['y'][row]}")
        for m, kind in enumerate(MODEL_KINDS):
            for i, ax in enumerate(block[:, 1 + m]):
                ax.set_title(
                    f"{MODEL_LABELS[kind]}\nGini {display.gini_[m, i]:.4f} "
                    f"({official[m, i]:.4f})",
                    fontsize="small",
                )
        examples[name] = [
            {
                "label": int(data["y"][row]),
                "gini": {
                    kind: float(display.gini_[m, i])
                    for m, kind in enumerate(MODEL_KINDS)
                },
                "gini_offset": {
                    kind: float(official[m, i]) for m, kind in enumerate(MODEL_KINDS)
                },
            }
            for i, row in enumerate(rows)
        ]
        start += len(rows)
    fig.suptitle(
        "Integrated Gradients of the true-class logit; "
        "Gini index (official form in brackets)"
    )
    fig.tight_layout(rect=(0, 0, 1, 0.98))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return examples
