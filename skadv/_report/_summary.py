"""summary.json: every number the report shows, and the terminal summary.

The HTML page, the figures and the terminal text are all rendered from this
one dictionary, so nothing appears in the report that is not in the JSON.
"""

import numpy as np

from ._models import MODEL_NAMES, MODEL_TITLES
from ._output import MARKER_KEY

FORMAT_VERSION = 1
METRIC_LABELS = {
    "accuracy": "Accuracy",
    "roc_auc": "ROC AUC",
    "robust_accuracy": "Robust accuracy",
    "gini": "Mean Gini of IG",
    "n_impactful": "Impactful encoded features",
}
_SHORT_LABELS = {
    "accuracy": "accuracy",
    "roc_auc": "ROC AUC",
    "robust_accuracy": "robust acc",
    "gini": "Gini IG",
    "n_impactful": "impactful",
}


def _floats(values):
    return [float(v) for v in np.asarray(values, dtype=float)]


def _model_entry(result, threshold):
    from ._evaluate import count_impactful

    coef = np.abs(result.coef)
    top = float(coef.max(initial=0.0))
    return {
        "title": MODEL_TITLES[result.name],
        "epsilon": result.epsilon,
        "C": result.C,
        "l1_ratio": result.l1_ratio,
        "accuracy": result.accuracy,
        "roc_auc": result.roc_auc,
        "robust_accuracy": result.robust_accuracy,
        "gini": result.gini,
        "n_impactful": count_impactful(result, threshold),
        "n_nonzero_coef": int(np.sum(coef > 1e-6 * top)) if top > 0 else 0,
        "coef_l1_norm": float(coef.sum()),
    }


def build_summary(table, settings, split, sweep, results, names, timing):
    """The JSON-ready dictionary of a report.

    Parameters
    ----------
    table : TabularData
    settings : dict
        The options the report ran with (already JSON-ready).
    split : dict
        ``n_train``, ``n_test`` and per-class counts.
    sweep : Sweep
    results : dict of str to ModelResult
    names : dict
        ``encoded`` (names of encoded columns) and ``groups`` (their
        original column).
    timing : dict of str to float
        Seconds spent per stage.

    Returns
    -------
    summary : dict
    """
    from .. import __version__
    from ._evaluate import impact_threshold

    ordered = [results[name] for name in MODEL_NAMES]
    threshold = impact_threshold(ordered, settings["impact_threshold"])
    reference = results["natural"]
    return {
        MARKER_KEY: FORMAT_VERSION,
        "skadv_version": __version__,
        "dataset": {
            "name": table.name,
            "source": table.source,
            "target": table.target,
            "class_names": list(table.class_names),
            "positive_class": table.class_names[1],
            "n_samples": int(len(table.y)),
            "n_dropped_missing_target": int(table.n_dropped),
            "categorical": list(table.categorical),
            "numeric": list(table.numeric),
            "n_encoded": int(len(names["encoded"])),
            **split,
        },
        "settings": settings,
        "sweep": {
            "epsilon": _floats(sweep.epsilons),
            "accuracy": _floats(sweep.accuracy),
            "accuracy_std": _floats(sweep.accuracy_std),
            "robust_accuracy": _floats(sweep.robust_accuracy),
            "robust_accuracy_std": _floats(sweep.robust_accuracy_std),
            "gini": _floats(sweep.gini),
            "gini_std": _floats(sweep.gini_std),
            "chosen_index": int(sweep.index),
            "rule": "fixed" if sweep.fixed else "recipe",
        },
        "epsilon": sweep.chosen,
        "impact_threshold": float(threshold),
        "models": {
            name: _model_entry(results[name], threshold) for name in MODEL_NAMES
        },
        "feature_impact": {
            "features": [str(g) for g in reference.group_names],
            **{name: _floats(results[name].feature_impact) for name in MODEL_NAMES},
        },
        "encoded_features": {
            "names": [str(n) for n in names["encoded"]],
            "groups": [str(g) for g in names["groups"]],
            "impact": {
                name: _floats(results[name].feature_value_impact)
                for name in MODEL_NAMES
            },
            "coef": {name: _floats(results[name].coef) for name in MODEL_NAMES},
        },
        "timing_s": {key: round(float(value), 3) for key, value in timing.items()},
    }


def _percent(value):
    return f"{100 * value:.2f}%"


def format_metric(key, value):
    """Text of one table cell.

    Examples
    --------
    >>> from skadv._report._summary import format_metric
    >>> format_metric("accuracy", 0.98523), format_metric("gini", 0.97712)
    ('98.52%', '0.977')
    """
    if key in ("accuracy", "robust_accuracy"):
        return _percent(value)
    if key == "n_impactful":
        return str(int(value))
    return f"{value:.3f}"


def terminal_summary(summary, out):
    """Short plain-text summary printed when the report is done."""
    data = summary["dataset"]
    lines = [
        f"{data['name']}: {data['n_train']} train / {data['n_test']} test rows, "
        f"{data['n_encoded']} encoded features, chosen epsilon = "
        f"{summary['epsilon']:g} ({summary['sweep']['rule']})",
    ]
    header = f"{'model':<14}" + "".join(
        f"{_SHORT_LABELS[k]:>11}" for k in METRIC_LABELS
    )
    lines.append(header)
    for name in MODEL_NAMES:
        entry = summary["models"][name]
        cells = "".join(f"{format_metric(k, entry[k]):>11}" for k in METRIC_LABELS)
        lines.append(f"{entry['title']:<14}{cells}")
    lines.append(f"report: {out / 'index.html'}")
    return "\n".join(lines)
