"""Markdown for reproduce_paper.py: our numbers beside the paper's, and context."""

import numpy as np

from ._cli import environment_lines
from ._paper_common import (
    DATASET_LABELS,
    MODEL_KINDS,
    MODEL_LABELS,
    PROFILES,
    TABULAR,
    Result,
)
from ._paper_constants import (
    GINI_OFFSET,
    IMAGE_EPSILON,
    MADRY_MNIST_ROBUST,
    PAPER_TABULAR,
)
from ._paper_discussion import discussion
from ._paper_frontier import N_MATCHED
from ._paper_prose import _sci
from ._paper_recipe import IG_MAX_ROWS, OFFICIAL_SEED, TABULAR_IG_STEPS
from ._paper_report_tabular import equal_accuracy_table, three_column_table

CONVENTION_LABELS = {"gini": "G (no offset)", "gini_offset": "G+ (official offset)"}


def _pct(values):
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return "–"
    if values.size == 1:
        return f"{100 * values[0]:.2f}%"
    return f"{100 * values.mean():.2f} ± {100 * values.std(ddof=1):.2f}%"


def _num(values, digits=3):
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return "–"
    if values.size == 1:
        return f"{values[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"


def _seconds(values):
    values = np.asarray(values, dtype=float)
    return "–" if values.size == 0 else f"{values.mean():.1f}"


def _mean(values):
    return float(np.mean(values)) if len(values) else float("nan")


def _by_recipe(results):
    """``{(dataset, recipe): {kind: result}}``, in the order of ``results``."""
    groups = {}
    for r in results:
        groups.setdefault((r.dataset, r.recipe), {})[r.kind] = r
    return groups


def image_table(results):
    """Accuracy and mean Gini (both conventions) of the image models."""
    lines = [
        "| dataset | natural acc / G / G+ | L1 acc / G / G+ "
        "| adversarial acc / G / G+ |",
        "|---|---|---|---|",
    ]
    for (dataset, recipe), by_kind in _by_recipe(results).items():
        if dataset in PAPER_TABULAR:
            continue
        cells = []
        for kind in MODEL_KINDS:
            r = by_kind.get(kind)
            if r is None:
                cells.append("–")
                continue
            cells.append(
                f"{100 * _mean(r.accuracy):.2f}% / {_mean(r.gini):.3f} / "
                f"{_mean(r.extra.get('gini_offset', [])):.3f}"
            )
        lines.append(
            f"| {DATASET_LABELS[dataset]} ({recipe}) | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def detail_table(results):
    """Every number of every model: accuracy, robust accuracy, Gini, wall time."""
    lines = [
        "| dataset | training | model | set-up | test acc | robust acc (attack) "
        "| mean Gini G (rows) | mean Gini G+ | fit s | eval s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        robust = f"{_pct(r.robust_accuracy)} ({r.robust_method})"
        notes = ""
        if r.extra.get("n_iter"):
            low, high = min(r.extra["n_iter"]), max(r.extra["n_iter"])
            span = f"{low}" if low == high else f"{low}–{high}"
            unit = "iterations" if "exact" in r.recipe else "epochs"
            notes = f"; {unit}: {span}"
        if r.extra.get("not converged"):
            notes += f"; {r.extra['not converged']}× hit max_iter"
        lines.append(
            f"| {DATASET_LABELS[r.dataset]} | {r.recipe} | {MODEL_LABELS[r.kind]} "
            f"| {r.setup}{notes} | {_pct(r.accuracy)} of {r.n_test:,} | {robust} "
            f"| {_num(r.gini, 4)} ({r.n_eval:,}) "
            f"| {_num(r.extra.get('gini_offset', []), 4)} | {_seconds(r.fit_seconds)} "
            f"| {_seconds(r.eval_seconds)} |"
        )
    return "\n".join(lines)


def _claim_line(dataset, recipe, by_kind, key):
    g = {k: _mean(_gini_values(by_kind[k], key)) for k in MODEL_KINDS}
    a = {k: _mean(by_kind[k].accuracy) for k in MODEL_KINDS}
    ok = g["adversarial"] > g["natural"] and g["adversarial"] > g["l1"]
    return (
        f"- {DATASET_LABELS[dataset]}, {recipe}, {CONVENTION_LABELS[key]}: "
        f"adversarial {g['adversarial']:.3f} vs natural {g['natural']:.3f} "
        f"({g['adversarial'] - g['natural']:+.3f}) and L1 {g['l1']:.3f} "
        f"({g['adversarial'] - g['l1']:+.3f}); accuracy "
        f"{100 * a['adversarial']:.2f}% vs {100 * a['natural']:.2f}% / "
        f"{100 * a['l1']:.2f}% — " + ("**holds**" if ok else "**does not hold**")
    )


def _gini_values(result, key):
    return result.gini if key == "gini" else result.extra.get(key, [])


def claim_checks(results):
    """Does the adversarial model beat natural and L1 on Gini, at what accuracy?"""
    lines = []
    for (dataset, recipe), by_kind in _by_recipe(results).items():
        if not all(kind in by_kind for kind in MODEL_KINDS):
            continue
        for key in CONVENTION_LABELS:
            if all(_gini_values(by_kind[k], key) for k in MODEL_KINDS):
                lines.append(_claim_line(dataset, recipe, by_kind, key))
    return "\n".join(lines)


def _tabular_parts(record, results, seeds):
    if not any(r.dataset in TABULAR for r in results):
        return []
    parts = [
        "## Tabular data: published, official recipe, exact optimum",
        "",
        "Every model is trained on the official split (80/20, then 80/20 of the "
        f"rest: 64% train, 20% test) of {seeds} seed{'s' if seeds > 1 else ''} "
        f"({_seed_list(seeds)}; {OFFICIAL_SEED} is the official one) and scored "
        "as the official code scores it: accuracy on the whole test split; "
        "Integrated Gradients of the predicted probability of class 1 from the "
        f"zero baseline, {TABULAR_IG_STEPS} left-Riemann steps, on the first "
        f"{IG_MAX_ROWS:,} test rows; the mean Gini index of |IG| without the "
        f"offset (G) and with {_sci(GINI_OFFSET)} added to every entry (G+), the "
        "convention of the published numbers. Cells: accuracy / G / G+, "
        "mean ± standard deviation over the splits.",
        "",
        three_column_table(results),
        "",
    ]
    if record.get("frontier"):
        parts += [
            "## Sparser at equal accuracy?",
            "",
            "Both official sweeps (ε and λ grids of "
            "`One-layer-Experiments/hparams/*-adv-ig.yaml` and `*-l1-ig.yaml`) on "
            "the same splits, each split a fold of "
            "`skadv.model_selection.conciseness_frontier` (exact optimum) or of "
            "the same construction for the recipe's models: each path's upper "
            f"frontier of (mean accuracy, mean Gini), interpolated at {N_MATCHED} "
            "accuracies across the range both paths reach, and the difference "
            "averaged over them (`FrontierResult.at_equal_accuracy`); ± is the "
            "standard deviation over the splits of the same difference computed "
            "on each split's own points.",
            "",
            equal_accuracy_table(record["frontier"]),
            "",
        ]
        if record.get("frontier_figure"):
            parts += [
                f"![Gini against accuracy along both sweeps]"
                f"({record['frontier_figure']})",
                "",
            ]
    return parts


def _seed_list(seeds):
    return ", ".join(str(OFFICIAL_SEED + k) for k in range(seeds))


def render_report(record):
    """The whole results file, from the record of a run (see reproduce_paper.py)."""
    results = [Result.from_dict(r) for r in record["results"]]
    profile = PROFILES[record["mode"]]
    seeds = len(profile.tabular_seeds)
    note = {"quick": " (`make reproduce`)", "full": " (`make reproduce FULL=1`)"}
    parts = [
        "# Reproducing Chalasani et al. (ICML 2020): adversarial training gives "
        "concise explanations",
        "",
        f"**Mode: {profile.label}.**",
        "",
        *environment_lines(
            record["command"], record["environment"], note.get(profile.name, "")
        ),
        "",
        *_tabular_parts(record, results, seeds),
    ]
    if any(r.dataset not in TABULAR for r in results):
        parts += [
            "## Images",
            "",
            "Test accuracy / mean Gini index of the Integrated Gradients of the "
            "true-class logit from the all-black image, with the official rule "
            "(nodes k/S for k = 1, ..., S − 1, weights 1/(S − 1); "
            "`DNN-Experiments/MNIST/utils.py`), under both conventions (G: "
            "without offset, G+: the official one) over the evaluated test "
            "images. For MNIST the paper's model is Madry et al.'s network, whose "
            f"published robust accuracy at ε = {IMAGE_EPSILON['mnist']:g} is "
            + ", ".join(f"{100 * v:.1f}% ({k})" for k, v in MADRY_MNIST_ROBUST.items())
            + ".",
            "",
            image_table(results),
            "",
        ]
    parts += [
        "## Does adversarial training give the sparsest explanations?",
        "",
        "At the published ε and λ, under each Gini convention:",
        "",
        claim_checks(results),
        "",
        "## All numbers",
        "",
        "Robust accuracy is measured at the training ε of the dataset: exactly "
        "for the linear models (closed form of the worst case), with PGD from a "
        "random start for the networks (an upper bound). Tabular cells are "
        "mean ± standard deviation over the splits. Wall times are per model and "
        "split: `fit` is training, `eval` is accuracy + robust accuracy + IG.",
        "",
        detail_table(results),
        "",
        "## Preprocessing and parameters",
        "",
        *[f"- {DATASET_LABELS[k]}: {v}" for k, v in record["preprocessing"].items()],
        "",
    ]
    if record["figure"]:
        parts += [
            "## Saliency maps (cf. Figs. J.6 and J.7)",
            "",
            f"![IG saliency maps of the three model types]({record['figure']})",
            "",
        ]
    parts += ["## Discussion", "", discussion(record, results).strip(), ""]
    return "\n".join(parts)
