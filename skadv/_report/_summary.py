"""summary.json: every number the report shows.

The HTML page, the figures and the terminal text are all rendered from this
one dictionary, so nothing appears in the report that is not in the JSON.
"""

import numpy as np

from ._models import MODEL_NAMES, MODEL_TITLES
from ._output import MARKER_KEY

FORMAT_VERSION = 2


def _floats(values):
    return [float(v) for v in np.asarray(values, dtype=float).ravel()]


def _nonzero(coef):
    coef = np.abs(coef)
    top = float(coef.max(initial=0.0))
    return int(np.sum(coef > 1e-6 * top)) if top > 0 else 0


def _model_entry(result, threshold, l1_lambda, grouping):
    from ._evaluate import count_impactful, top_values

    return {
        "title": MODEL_TITLES[result.name],
        **result.params,
        "l1_lambda": float(l1_lambda) if result.name == "l1" else None,
        **result.scores,
        "n_impactful": count_impactful(result, threshold),
        "n_nonzero_coef": _nonzero(result.coef),
        "coef_l1_norm": float(np.abs(result.coef).sum()),
        "confusion_matrix": result.confusion.astype(int).tolist(),
        "top_values": top_values(result, grouping),
    }


def _dataset(table, split, grouping):
    binary = len(table.class_names) == 2
    test_file = getattr(table, "test_file", None)
    return {
        "name": table.name,
        "source": table.source,
        "target": table.target,
        "task": "binary" if binary else "multiclass",
        "class_names": [str(c) for c in table.class_names],
        "positive_class": str(table.class_names[1]) if binary else None,
        "n_samples": int(len(table.y)),
        "n_dropped_missing_target": int(table.n_dropped),
        "categorical": list(table.categorical),
        "numeric": list(table.numeric),
        "n_encoded": int(len(grouping.encoded)),
        "dropped_columns": list(getattr(table, "dropped", []) or []),
        "collapsed_columns": list(getattr(table, "collapsed", []) or []),
        **split,
        "test_source": "file" if test_file else "split",
        "test_file": test_file,
    }


def _feature_impact(results, grouping):
    impact = {"features": [str(g) for g in grouping.features]}
    impact.update({name: _floats(results[name].feature_impact) for name in MODEL_NAMES})
    per_class = None
    if results["natural"].class_impact is not None:
        per_class = {
            name: {c: _floats(v) for c, v in results[name].class_impact.items()}
            for name in MODEL_NAMES
        }
    impact["per_class"] = per_class
    return impact


def build_summary(table, settings, split, paths, results, grouping, timing):
    """The JSON-ready dictionary of a report (format 2).

    Parameters
    ----------
    table : TabularData
    settings : dict
        The options the report ran with (already JSON-ready).
    split : dict
        ``n_train``, ``n_test`` and per-class counts.
    paths : Paths
        Both cross-validated paths and the chosen points.
    results : dict of str to ModelResult
    grouping : Grouping
        Encoded columns and their original features.
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
    test_majority = results["natural"].scores["majority_rate"]
    notes = list(getattr(table, "notes", []) or [])
    return {
        MARKER_KEY: FORMAT_VERSION,
        "skadv_version": __version__,
        "dataset": _dataset(table, split, grouping),
        "settings": settings,
        "warnings": notes + list(paths.warnings),
        "majority_rate": {"test": test_majority, "cv": paths.majority_rate},
        "frontier": {
            **paths.paths,
            "majority_rate": paths.majority_rate,
            "equal_accuracy": paths.equal_accuracy,
        },
        "epsilon": paths.epsilon,
        "l1_lambda": paths.l1_lambda,
        "epsilon_rule": "fixed" if paths.fixed_epsilon else "recipe",
        "no_more_concise": bool(paths.no_more_concise),
        "impact_threshold": float(threshold),
        "models": {
            name: _model_entry(results[name], threshold, paths.l1_lambda, grouping)
            for name in MODEL_NAMES
        },
        "feature_impact": _feature_impact(results, grouping),
        "encoded_features": {
            "names": [str(n) for n in grouping.encoded],
            "groups": [str(grouping.features[p]) for p in grouping.parents],
            "impact": {
                name: _floats(results[name].value_impact) for name in MODEL_NAMES
            },
            "signed_impact": {
                name: _floats(results[name].signed_impact) for name in MODEL_NAMES
            },
            "coef": {name: results[name].coef.tolist() for name in MODEL_NAMES},
        },
        "timing_s": {key: round(float(value), 3) for key, value in timing.items()},
    }
