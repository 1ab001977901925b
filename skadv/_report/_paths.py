"""The cross-validated epsilon and lambda paths, their guards and the two choices.

The report sweeps the adversarial path (over epsilon) and the L1 path (over
lambda) of the same pipeline with :func:`~skadv.model_selection.conciseness_frontier`
and picks a point on each with the paper's rule. Before the rule looks at a
candidate, the guards take out the ones whose concise explanations would be
a sign of having learned nothing: a model that predicts one class on some
fold, has every weight zero on some fold, or whose mean accuracy does not beat
the majority-class rate by more than the spread of its own accuracy over the
folds. Every exclusion, and a choice of epsilon = 0, is said in a warning.
"""

from dataclasses import dataclass, field

import numpy as np

from ._epsilon import select_epsilon
from ._errors import ReportInputError

#: Candidates of the L1 path when no ``l1_lambda`` is given: lambda on the
#: mean loss, from a barely penalised model to one with few weights left.
AUTO_LAMBDAS = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.02, 0.05, 0.1)

_PATH_KEYS = ("accuracy", "robust_accuracy", "gini", "feature_gini", "n_nonzero")


@dataclass
class Paths:
    """Both paths as the summary shows them, and the chosen points.

    Attributes
    ----------
    paths : dict
        ``"adversarial"`` and ``"l1"``: the per-path entries of summary.json
        (``values``, means and standard deviations, flags, ``chosen_index``).
    epsilon, l1_lambda : float
        The chosen points.
    majority_rate : float
        Mean over the folds of the majority-class share of the held-out rows.
    equal_accuracy : dict or None
        The comparison at equal accuracy, None when the paths share no range.
    warnings : list of dict
        ``{"kind", "column", "message"}`` entries about the sweep.
    no_more_concise : bool
        Whether the chosen epsilon is 0.
    fixed_epsilon : bool
        Whether the epsilon was imposed by the user rather than chosen.
    """

    paths: dict
    epsilon: float
    l1_lambda: float
    majority_rate: float
    equal_accuracy: object
    warnings: list = field(default_factory=list)
    no_more_concise: bool = False
    fixed_epsilon: bool = False


def _all_zero(coefs):
    """Per point: whether some fold left every weight at zero."""
    return np.array(
        [
            any(not np.any(np.asarray(fold[i]) != 0) for fold in coefs)
            for i in range(len(coefs[0]))
        ]
    )


def _path_entry(result, path):
    scores = result.scores[path]
    entry = {"parameter": "epsilon" if path == "adversarial" else "l1_lambda"}
    values = result.epsilons if path == "adversarial" else result.l1_lambdas
    entry["values"] = [float(v) for v in values]
    for key in _PATH_KEYS:
        entry[key] = [float(v) for v in scores[key].mean(axis=0)]
        if key != "n_nonzero":
            entry[f"{key}_std"] = [float(v) for v in scores[key].std(axis=0)]
    single = scores["single_class"].astype(bool).any(axis=0)
    all_zero = _all_zero(result.coefs[path])
    accuracy = scores["accuracy"].mean(axis=0)
    margin = accuracy - scores["majority_rate"].mean(axis=0)
    # Beating the majority rate by less than the accuracy's own spread over
    # the folds is not evidence of having learned anything.
    beats = margin > scores["accuracy"].std(axis=0)
    entry["single_class"] = [bool(v) for v in single]
    entry["all_zero"] = [bool(v) for v in all_zero]
    entry["valid"] = [bool(v) for v in (~single & ~all_zero & beats)]
    return entry


def _choose(entry, fixed, tolerance):
    """Index chosen on one path, or that of the value imposed by the user."""
    return select_epsilon(
        entry["values"],
        entry["accuracy"],
        entry["gini"],
        tolerance=tolerance,
        fixed=fixed,
        valid=entry["valid"],
    )


def _imposed_warning(entry, name):
    index = entry["chosen_index"]
    if entry["valid"][index]:
        return None
    return {
        "kind": "degenerate_candidates",
        "column": None,
        "message": (
            f"{name} {entry['values'][index]:g} was imposed although it fails the "
            "guards: it predicts one class on some fold, leaves every weight at "
            "zero, or does not beat the majority-class rate by more than its "
            "accuracy's spread over the folds."
        ),
    }


def _excluded_warning(entry, name):
    bad = [
        v
        for i, (v, ok) in enumerate(zip(entry["values"], entry["valid"]))
        if not ok and i != entry["chosen_index"]
    ]
    if not bad:
        return None
    listed = ", ".join(f"{v:g}" for v in bad)
    return {
        "kind": "degenerate_candidates",
        "column": None,
        "message": (
            f"{name} {listed}: never chosen, as each predicts one class on some "
            "fold, leaves every weight at zero, or does not beat the majority-class "
            "rate by more than its accuracy's spread over the folds."
        ),
    }


def _equal_accuracy(result):
    try:
        encoded = result.at_equal_accuracy(conciseness="gini")
        features = result.at_equal_accuracy(conciseness="feature_gini")
    except ValueError:
        return None
    low, high = encoded.accuracy_range
    values = {
        "accuracy_low": low,
        "accuracy_high": high,
        "gini_difference": encoded.difference,
        "gini_difference_std": encoded.difference_std,
        "feature_gini_difference": features.difference,
        "feature_gini_difference_std": features.difference_std,
    }
    # A spread over folds is undefined where no fold reaches the range;
    # JSON has no NaN, so it is stated as missing.
    return {k: float(v) if np.isfinite(v) else None for k, v in values.items()}


def _sweep_warnings(paths, tolerance, zero_added, epsilon):
    found = []
    adversarial = paths["adversarial"]
    for path, name in (("adversarial", "epsilon"), ("l1", "lambda")):
        found.append(_excluded_warning(paths[path], name))
        found.append(_imposed_warning(paths[path], name))
    if zero_added:
        found.append(
            {
                "kind": "epsilon_zero_added",
                "column": None,
                "message": (
                    "epsilon 0 (the natural model) was added to the given list as "
                    "the reference the others are compared with."
                ),
            }
        )
    spread = adversarial["accuracy_std"][0]
    if tolerance < spread:
        found.append(
            {
                "kind": "tolerance_below_cv_std",
                "column": None,
                "message": (
                    f"the tolerance {tolerance:g} is smaller than the spread of the "
                    f"natural model's accuracy over the folds ({spread:.3g}): the "
                    "choice of epsilon rests on differences the folds cannot tell "
                    "apart."
                ),
            }
        )
    if epsilon == 0.0:
        found.append(
            {
                "kind": "no_more_concise",
                "column": None,
                "message": (
                    "adversarial training found no model more concise than the "
                    "natural one within the accuracy tolerance: the adversarial "
                    "model is the natural model (epsilon = 0)."
                ),
            }
        )
    return [w for w in found if w is not None]


def sweep_paths(pipeline, X, y, *, grids, fixed, tolerance, cv, baseline, n_jobs):
    """Cross-validate both paths of ``pipeline`` and choose a point on each.

    Parameters
    ----------
    pipeline : Pipeline
        Unfitted preprocessing followed by an AdversarialLogisticRegression.
    X, y : training data (raw table, integer class codes).
    grids : dict
        ``"epsilon"`` and ``"l1_lambda"``: sorted candidates; ``"zero_added"``:
        whether 0 was added to a list the user gave.
    fixed : dict
        ``"epsilon"`` and ``"l1_lambda"``: a value imposed by the user, or None.
    tolerance : float
        Accuracy a chosen point may lose against the best valid one.
    cv : cross-validation splitter
    baseline : {"mean", "zero"}
        Baselines of the Integrated Gradients behind the Gini indices.
    n_jobs : int or None
        Folds run in parallel.

    Returns
    -------
    paths : Paths

    Raises
    ------
    ReportInputError
        When no candidate of a path passes the guards.
    """
    from ..model_selection import conciseness_frontier

    epsilons = np.asarray(grids["epsilon"], dtype=float)
    result = conciseness_frontier(
        pipeline,
        X,
        y,
        epsilons=epsilons,
        l1_lambdas=grids["l1_lambda"],
        cv=cv,
        baselines=None if baseline == "zero" else baseline,
        robust_epsilon=float(np.median(epsilons)),
        tolerance=tolerance,
        n_jobs=n_jobs,
    )
    majority = float(result.scores["adversarial"]["majority_rate"].mean())
    paths = {path: _path_entry(result, path) for path in ("adversarial", "l1")}
    for path, key in (("adversarial", "epsilon"), ("l1", "l1_lambda")):
        try:
            index = _choose(paths[path], fixed[key], tolerance)
        except ValueError as exc:
            raise ReportInputError(
                lambda spell, key=key: (
                    f"no candidate of the {spell(key)} grid passes the guards (each "
                    "predicts one class on some fold, leaves every weight at zero or "
                    "does not beat the majority-class rate); try smaller values"
                ),
                parameter=key,
            ) from exc
        paths[path]["chosen_index"] = int(index)
    epsilon = paths["adversarial"]["values"][paths["adversarial"]["chosen_index"]]
    l1_lambda = paths["l1"]["values"][paths["l1"]["chosen_index"]]
    found = _sweep_warnings(paths, tolerance, grids["zero_added"], epsilon)
    return Paths(
        paths=paths,
        epsilon=float(epsilon),
        l1_lambda=float(l1_lambda),
        majority_rate=majority,
        equal_accuracy=_equal_accuracy(result),
        warnings=found,
        no_more_concise=epsilon == 0.0,
        fixed_epsilon=fixed["epsilon"] is not None,
    )
