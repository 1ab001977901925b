"""The tabular tables of paper.md and the headline JSON of ``--json``.

Three sources side by side for every dataset and model type: the published
number, the official recipe (mean ± standard deviation over the splits) and
the exact optimum, each under both Gini conventions: without the offset
("G") and with the official 1e-7 offset ("G+"), the one the published numbers
were computed with.
"""

import numpy as np

from ._paper_common import DATASET_LABELS, MODEL_KINDS, MODEL_LABELS, TABULAR
from ._paper_constants import L1_LAMBDA, PAPER_TABULAR, TABULAR_EPSILON
from ._paper_tabular import RECIPES

#: The JSON's columns: which training each stands for.
JSON_COLUMNS = {"recipe": "recipe_adam", "exact": "exact"}
_TABLE_COLUMNS = ("recipe_adam", "recipe_ftrl", "exact")


def _mean_std(values, digits, scale=1.0, unit=""):
    values = scale * np.asarray(values, dtype=float)
    if values.size == 1:
        return f"{values[0]:.{digits}f}{unit}"
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}{unit}"


def _cell(result):
    return " / ".join(
        [
            _mean_std(result.accuracy, 2, 100, "%"),
            _mean_std(result.gini, 3),
            _mean_std(result.extra["gini_offset"], 3),
        ]
    )


def tabular_by_key(results):
    """``{(dataset, training key, kind): result}`` of the tabular results."""
    keys = {label: key for key, label in RECIPES.items()}
    return {
        (r.dataset, keys[r.recipe], r.kind): r
        for r in results
        if r.dataset in TABULAR and r.recipe in keys
    }


def _setup(dataset, kind):
    if kind == "l1":
        return f" (λ={L1_LAMBDA[dataset]:g})"
    if kind == "adversarial":
        return f" (ε={TABULAR_EPSILON:g})"
    return ""


def three_column_table(results):
    """Published, official recipe (Adam, Ftrl) and exact optimum, side by side."""
    by_key = tabular_by_key(results)
    lines = [
        "| dataset | model | published: acc / G+ | "
        + " | ".join(f"{RECIPES[c]}: acc / G / G+" for c in _TABLE_COLUMNS)
        + " |",
        "|---|---|---|" + "---|" * len(_TABLE_COLUMNS),
    ]
    for dataset in TABULAR:
        for kind in MODEL_KINDS:
            if (dataset, "exact", kind) not in by_key:
                continue
            acc, gini = PAPER_TABULAR[dataset][kind]
            cells = [_cell(by_key[(dataset, c, kind)]) for c in _TABLE_COLUMNS]
            lines.append(
                f"| {DATASET_LABELS[dataset]} | {MODEL_LABELS[kind]}"
                f"{_setup(dataset, kind)} | {100 * acc:g}% / {gini:g} | "
                + " | ".join(cells)
                + " |"
            )
    return "\n".join(lines)


def equal_accuracy_table(frontier):
    """Adversarial minus L1 Gini at matched accuracies, per dataset and training."""
    lines = [
        "| dataset | training | accuracy range compared | Gini adversarial − L1, "
        "G | Gini adversarial − L1, G+ |",
        "|---|---|---|---:|---:|",
    ]
    for dataset, trainings in frontier.items():
        for training, summary in trainings.items():
            cells, span = [], "–"
            for convention in ("gini", "gini_offset"):
                cmp = summary["equal_accuracy"][convention]
                if "error" in cmp:
                    cells.append("no common range")
                    continue
                low, high = cmp["accuracy_range"]
                span = f"{100 * low:.1f}% to {100 * high:.1f}%"
                cells.append(f"{cmp['difference']:+.4f} ± {cmp['difference_std']:.4f}")
            lines.append(
                f"| {DATASET_LABELS[dataset]} | {RECIPES[training]} | {span} | "
                + " | ".join(cells)
                + " |"
            )
    return "\n".join(lines)


def headline_json(results):
    """``{dataset: {kind: {column: {"accuracy", "gini", "gini_offset"}}}}``.

    ``published`` holds the published values in the convention they were
    computed with (the offset one) and None in the other; ``recipe`` and
    ``exact`` hold means over the splits.
    """
    by_key = tabular_by_key(results)
    out = {}
    for dataset in TABULAR:
        for kind in MODEL_KINDS:
            if (dataset, "exact", kind) not in by_key:
                continue
            acc, gini = PAPER_TABULAR[dataset][kind]
            entry = {"published": {"accuracy": acc, "gini": None, "gini_offset": gini}}
            for column, training in JSON_COLUMNS.items():
                r = by_key[(dataset, training, kind)]
                entry[column] = {
                    "accuracy": float(np.mean(r.accuracy)),
                    "gini": float(np.mean(r.gini)),
                    "gini_offset": float(np.mean(r.extra["gini_offset"])),
                }
            out.setdefault(dataset, {})[kind] = entry
    return out
