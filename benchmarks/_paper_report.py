"""Markdown for reproduce_paper.py: our numbers beside the paper's, and context."""

import numpy as np

from ._cli import environment_lines
from ._paper_common import (
    DATASET_LABELS,
    MODEL_KINDS,
    MODEL_LABELS,
    PROFILES,
    Result,
    published_cell,
)
from ._paper_constants import (
    IMAGE_EPSILON,
    L1_LAMBDA,
    MADRY_MNIST_ROBUST,
    PAPER_TABULAR,
    TABULAR_EPSILON,
    TEST_SIZE,
)
from ._paper_discussion import discussion


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


def headline_table(results):
    """The issue's table: acc / Gini per model type, paper rows beside ours."""
    lines = [
        "| dataset | natural acc / Gini | L1 acc / Gini | adversarial acc / Gini |",
        "|---|---|---|---|",
    ]
    seen = set()
    for (dataset, recipe), by_kind in _by_recipe(results).items():
        if dataset in PAPER_TABULAR and dataset not in seen:
            seen.add(dataset)
            setups = {
                "natural": "",
                "l1": f"λ={L1_LAMBDA[dataset]:g}: ",
                "adversarial": f"ε={TABULAR_EPSILON:g}: ",
            }
            cells = [
                setups[kind] + published_cell(dataset, kind) for kind in MODEL_KINDS
            ]
            lines.append(
                f"| {DATASET_LABELS[dataset]} (paper) | " + " | ".join(cells) + " |"
            )
        cells = []
        for kind in MODEL_KINDS:
            r = by_kind.get(kind)
            if r is None:
                cells.append("–")
                continue
            cells.append(f"{100 * _mean(r.accuracy):.2f}% / {_mean(r.gini):.3f}")
        lines.append(
            f"| {DATASET_LABELS[dataset]} (skadv, {recipe}) | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines)


def detail_table(results):
    """Every number of every model: accuracy, robust accuracy, Gini, wall time."""
    lines = [
        "| dataset | training | model | set-up | test acc | robust acc (attack) "
        "| mean Gini of IG (rows) | fit s | eval s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        robust = f"{_pct(r.robust_accuracy)} ({r.robust_method})"
        notes = ""
        if r.extra.get("n_iter"):
            low, high = min(r.extra["n_iter"]), max(r.extra["n_iter"])
            span = f"{low}" if low == high else f"{low}–{high}"
            unit = "epochs" if "Adam" in r.recipe else "iterations"
            notes = f"; {unit}: {span}"
        if r.extra.get("not converged"):
            notes += f"; {r.extra['not converged']}× hit max_iter"
        lines.append(
            f"| {DATASET_LABELS[r.dataset]} | {r.recipe} | {MODEL_LABELS[r.kind]} "
            f"| {r.setup}{notes} | {_pct(r.accuracy)} of {r.n_test:,} | {robust} "
            f"| {_num(r.gini, 4)} ({r.n_eval:,}) | {_seconds(r.fit_seconds)} "
            f"| {_seconds(r.eval_seconds)} |"
        )
    return "\n".join(lines)


def claim_checks(results):
    """Does the adversarial model beat natural and L1 on Gini, at what accuracy?"""
    lines = []
    for (dataset, recipe), by_kind in _by_recipe(results).items():
        if not all(kind in by_kind for kind in MODEL_KINDS):
            continue
        g = {k: _mean(by_kind[k].gini) for k in MODEL_KINDS}
        a = {k: _mean(by_kind[k].accuracy) for k in MODEL_KINDS}
        ok = g["adversarial"] > g["natural"] and g["adversarial"] > g["l1"]
        lines.append(
            f"- {DATASET_LABELS[dataset]}, {recipe}: adversarial Gini "
            f"{g['adversarial']:.3f} vs natural {g['natural']:.3f} "
            f"({g['adversarial'] - g['natural']:+.3f}) and L1 {g['l1']:.3f} "
            f"({g['adversarial'] - g['l1']:+.3f}); accuracy "
            f"{100 * a['adversarial']:.2f}% vs {100 * a['natural']:.2f}% / "
            f"{100 * a['l1']:.2f}% — " + ("**holds**" if ok else "**does not hold**")
        )
    return "\n".join(lines)


def render_report(record):
    """The whole results file, from the record of a run (see reproduce_paper.py)."""
    results = [Result.from_dict(r) for r in record["results"]]
    profile = PROFILES[record["mode"]]
    seeds = len(profile.tabular_seeds)
    split = f"{100 * (1 - TEST_SIZE):.0f}/{100 * TEST_SIZE:.0f}"
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
        "## Headline: paper vs skadv",
        "",
        "Test accuracy / mean Gini index of the Integrated Gradients of the "
        "probability of the true class (zero baseline), over the test set. "
        f"Tabular numbers are means over {seeds} random {split} split"
        f"{'s' if seeds > 1 else ''} (seeds {list(profile.tabular_seeds)}).",
        "",
        headline_table(results),
        "",
        "For MNIST the paper's model is Madry et al.'s network, whose published "
        f"robust accuracy at ε = {IMAGE_EPSILON['mnist']:g} is "
        + ", ".join(f"{100 * v:.1f}% ({k})" for k, v in MADRY_MNIST_ROBUST.items())
        + ".",
        "",
        "## Does adversarial training give the sparsest explanations?",
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
