"""Hand-written summary.json (format 2) dictionaries of a binary and a 3-class table.

Rendering tests draw these, so that what the report shows is checked apart
from how its numbers are made.
"""

import copy
import json

import numpy as np

MODELS = ("natural", "l1", "adversarial")
TITLES = {"natural": "Natural", "l1": "Natural + L1", "adversarial": "Adversarial"}
MARKUP = "<b>x</b>"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LEGEND_ADVERSARIAL = "Adversarial (eps = 0.05)"

# ----------------------------------------------------------------- fixtures

#: Original features and their encoded columns: numeric columns are their own
#: column, a categorical one has one column per value.
_FEATURES = {
    "age": None,
    "colour": ["blue", "green", "red"],
    MARKUP: ["a", "b"],
    "income": None,
}


def _encoded():
    names, groups, values = [], [], []
    for feature, categories in _FEATURES.items():
        for value in categories or ["(higher)"]:
            names.append(feature if categories is None else f"{feature}_{value}")
            groups.append(feature)
            values.append(value)
    return names, groups, values


# fmt: off
def _path(parameter, values, accuracy, gini, single, zero, chosen):
    n = len(values)
    accuracy, gini = np.asarray(accuracy), np.asarray(gini)
    valid = [bool(not (s or z) and a > 0.72) for s, z, a in zip(single, zero, accuracy)]
    return dict(
        values=list(values), parameter=parameter, accuracy=accuracy.tolist(),
        accuracy_std=[0.012, 0.015, 0.02, 0.03, 0.05][:n],
        robust_accuracy=(accuracy - 0.1).clip(0).tolist(),
        robust_accuracy_std=[0.02] * n,
        gini=gini.tolist(), gini_std=[0.01, 0.02, 0.02, 0.03, 0.04][:n],
        feature_gini=(gini * 0.8).tolist(), feature_gini_std=[0.03] * n,
        n_nonzero=[7.0, 6.0, 4.4, 3.0, 0.0][:n], single_class=list(single),
        all_zero=list(zero), valid=valid, chosen_index=chosen,
    )


def _frontier():
    # The last epsilon predicts one class; the strongest lambda zeroes every
    # weight; the near-perfect weakest lambda's error bar must stop at 1.
    adversarial = _path("epsilon", [0.0, 0.01, 0.05, 0.1, 0.5],
                        [0.86, 0.858, 0.85, 0.83, 0.70], [0.60, 0.68, 0.75, 0.80, 0.98],
                        [False, False, False, False, True], [False] * 5, 2)
    l1 = _path("l1_lambda", [0.001, 0.01, 0.05, 0.2], [0.995, 0.855, 0.84, 0.70],
               [0.55, 0.62, 0.70, 0.0], [False, False, False, True],
               [False, False, False, True], 1)
    equal = dict(accuracy_low=0.84, accuracy_high=0.855,
                 gini_difference=0.071, gini_difference_std=0.018,
                 feature_gini_difference=-0.042, feature_gini_difference_std=0.025)
    return {"adversarial": adversarial, "l1": l1, "majority_rate": 0.70,
            "equal_accuracy": equal}


def _model(name, classes, rng):
    k, i = len(classes), MODELS.index(name)
    matrix = rng.integers(1, 30, size=(k, k)) + np.diag(rng.integers(40, 90, size=k))
    names, groups, values = _encoded()
    top = [
        {"feature": groups[j], "value": values[j], "encoded": names[j],
         "class": classes[-1] if k == 2 else classes[j % k],
         "signed_impact": float(rng.choice([-1, 1]) * rng.uniform(0.01, 0.2))}
        for j in rng.permutation(len(names))[:4]
    ]
    return dict(
        title=TITLES[name], epsilon=[0.0, 0.0, 0.05][i], C=[1.0, 0.25, 1.0][i],
        l1_ratio=[0.0, 1.0, 0.0][i], l1_lambda=[None, 0.01, None][i],
        accuracy=float(np.trace(matrix) / matrix.sum()), majority_rate=0.705,
        balanced_accuracy=0.8123, roc_auc=[0.9134, None, 0.8876][i],
        robust_accuracy=0.7312, gini=[0.612, 0.655, 0.781][i],
        feature_gini=[0.401, 0.463, 0.598][i],
        class_gini={c: 0.5 + 0.1 * j + 0.01 * i for j, c in enumerate(classes)},
        n_impactful=5, n_nonzero_coef=[7, 5, 4][i], coef_l1_norm=3.25,
        confusion_matrix=matrix.tolist(), top_values=top,
    )


def _settings():
    return dict(
        epsilon_option="auto", epsilon_grid=[0.0, 0.01, 0.05, 0.1, 0.5],
        l1_lambda_grid=[0.001, 0.01, 0.05, 0.2], tolerance=0.02, gini_tie=0.005,
        cv_folds=3, test_size=0.25, random_state=0, C=1.0, baseline="mean",
        robust_epsilon=0.05, impact_threshold=0.05, convergence_warnings=0,
        near_constant_share=0.95, id_distinct_share=0.5, max_categories=30,
        max_classes=50, na_values=["", "?", "NA"], sep=None, top_values=4, max_bars=30,
    )


def _dataset(task, classes, n_encoded):
    return dict(
        name="credit <2024>.csv", source="/data/credit <2024>.csv", target="label",
        task=task, class_names=classes,
        positive_class="yes" if task == "binary" else None,
        n_samples=400, n_dropped_missing_target=3,
        categorical=["colour", MARKUP], numeric=["age", "income"], n_encoded=n_encoded,
        dropped_columns=[{"column": "row_id", "reason": "id_like"}],
        collapsed_columns=[{"column": "colour", "n_categories": 3}],
        n_train=300, n_test=100,
        train_class_counts={c: 300 // len(classes) for c in classes},
        test_class_counts={c: 100 // len(classes) for c in classes},
        test_source="split", test_file=None,
    )


WARNINGS = [
    {"kind": "near_constant", "column": "colour",
     "message": "column 'colour': 96% of the rows share the value <red>"},
    {"kind": "id_like", "column": "row_id",
     "message": "column 'row_id' looks like an identifier & was dropped"},
]


def make_summary(task):
    """A complete format-2 summary of a small mixed table."""
    rng = np.random.default_rng(0 if task == "binary" else 1)
    classes = ["no", "yes"] if task == "binary" else ["high & up", "low", "mid"]
    names, groups, _ = _encoded()
    features, k = list(_FEATURES), 1 if task == "binary" else len(classes)
    def draws(high, n):
        return rng.uniform(0.0, high, n).round(4).tolist()

    def normal(scale, shape):
        return rng.normal(0.0, scale, shape).tolist()

    impact = {m: draws(0.3, len(features)) for m in MODELS}
    per_class = None if task == "binary" else {
        m: {c: draws(0.3, len(features)) for c in classes} for m in MODELS
    }
    summary = {
        "skadv_report": 2, "skadv_version": "0.0.test",
        "dataset": _dataset(task, classes, len(names)), "settings": _settings(),
        "warnings": copy.deepcopy(WARNINGS),
        "majority_rate": {"test": 0.705, "cv": 0.6983}, "frontier": _frontier(),
        "epsilon": 0.05, "l1_lambda": 0.01, "epsilon_rule": "recipe",
        "no_more_concise": False, "impact_threshold": 0.0123,
        "models": {m: _model(m, classes, rng) for m in MODELS},
        "feature_impact": {"features": features, **impact, "per_class": per_class},
        "encoded_features": {
            "names": names, "groups": groups,
            "impact": {m: draws(0.2, len(names)) for m in MODELS},
            "signed_impact": {m: normal(0.1, len(names)) for m in MODELS},
            "coef": {m: normal(1.0, (k, len(names))) for m in MODELS},
        },
        "timing_s": {"load": 0.05, "sweep": 1.2, "total": 1.9},
    }
    # As summary.json holds it: plain JSON values only.
    return json.loads(json.dumps(summary))
# fmt: on


def no_more_concise(summary):
    """`summary` as it reads when every epsilon > 0 lost: epsilon 0 chosen."""
    summary = copy.deepcopy(summary)
    summary["epsilon"] = 0.0
    summary["no_more_concise"] = True
    summary["frontier"]["adversarial"]["chosen_index"] = 0
    summary["models"]["adversarial"]["epsilon"] = 0.0
    summary["warnings"].append(
        {"kind": "no_more_concise", "column": None, "message": "epsilon 0 was chosen"}
    )
    return summary
