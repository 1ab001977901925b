"""The paper's question, "sparser at equal accuracy?", on the tabular data.

The official sweeps (``One-layer-Experiments/hparams/*-adv-ig.yaml`` and
``*-l1-ig.yaml``) train one model per epsilon and one per L1 strength lambda.
Here both sweeps are run on the official splits of every seed, in three ways:

- ``exact``: :func:`skadv.model_selection.conciseness_frontier` walks both
  paths with the exact solver (the adversarial path with the tiny ridge of
  ``EXACT_RIDGE``), each split being one fold;
- ``recipe_adam`` / ``recipe_ftrl``: the official training recipe at every
  point of the same grids, on the same splits.

Every point is scored with the official evaluation under both Gini
conventions, and the two paths are compared with
:meth:`~skadv.model_selection.FrontierResult.at_equal_accuracy`: each path's
upper frontier of (accuracy, Gini) interpolated at matched accuracies, the
spread being the standard deviation over the splits of the same difference.
"""

import numpy as np
from sklearn.pipeline import make_pipeline

from skadv.linear_model import AdversarialLogisticRegression
from skadv.model_selection import FrontierResult, conciseness_frontier
from skadv.model_selection._path_scores import count_nonzero

from ._paper_constants import TABULAR_EPSILON
from ._paper_recipe import RECIPE_EPOCHS, fit_recipe, official_scores
from ._paper_tabular import (
    EXACT_RIDGE,
    RECIPES,
    encoded_split,
    encoder,
    load_tabular,
    robust_accuracy,
    split_seeds,
)

# The grids of the official sweeps, per dataset.
EPSILON_GRID = {
    "mushroom": (0.0, 0.05, 0.1, 0.15, 0.2, 0.23, 0.24, 0.25, 0.26, 0.27, 0.28, 0.3),
    "spambase": (
        0.0,
        0.03,
        0.07,
        0.1,
        0.12,
        0.13,
        0.14,
        0.15,
        0.16,
        0.17,
        0.18,
        0.19,
        0.2,
    ),
}
# lambda = 0 is the natural model, the first point of both paths here
# (conciseness_frontier's L1 path needs lambda > 0).
LAMBDA_GRID = {
    "mushroom": (0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.1, 0.13, 0.15, 0.2),
    "spambase": (0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.08, 0.1),
}
CONVENTIONS = {"gini": "without offset", "gini_offset": "with the 1e-7 offset"}
N_MATCHED = 21
PATHS = ("adversarial", "l1")


def _scored(point_scores):
    """Stack per-fold lists of score dicts into arrays (n_folds, n_points)."""
    names = point_scores[0][0].keys()
    return {
        name: np.array([[p[name] for p in fold] for fold in point_scores])
        for name in names
    }


def _point(w, b, fold, n_iter):
    """The scores of one model on the test rows of ``fold``, as FoldScorer's."""
    scores = official_scores(w, b, fold.X_test, fold.y_test)
    pred = (fold.X_test @ w + b) > 0
    positive = float(np.mean(fold.y_test))
    scores.update(
        robust_accuracy=robust_accuracy(
            w, b, fold.X_test, fold.y_test, TABULAR_EPSILON
        ),
        # the grouping of one-hot columns is not used here: no feature level
        feature_gini=np.nan,
        n_nonzero=count_nonzero(w),
        n_iter=n_iter,
        single_class=bool(np.unique(pred).shape[0] < 2),
        majority_rate=max(positive, 1.0 - positive),
    )
    return scores


def _exact_scores(name, X, y, folds):
    """Both paths with conciseness_frontier, rescored with the official protocol."""
    n_train = len(folds[0].train)
    pipe = make_pipeline(
        encoder(name, X),
        AdversarialLogisticRegression(C=1.0 / (EXACT_RIDGE * n_train), tol=1e-8),
    )
    result = conciseness_frontier(
        pipe,
        X,
        y,
        epsilons=EPSILON_GRID[name],
        l1_lambdas=LAMBDA_GRID[name],
        cv=[(fold.train, fold.test) for fold in folds],
        robust_epsilon=TABULAR_EPSILON,
    )
    scores = {}
    for path in PATHS:
        per_fold = []
        for f, fold in enumerate(folds):
            coefs, intercepts = result.coefs[path][f], result.intercepts[path][f]
            n_iter = result.scores[path]["n_iter"][f]
            per_fold.append(
                [
                    _point(coefs[k, 0], float(intercepts[k, 0]), fold, int(n_iter[k]))
                    for k in range(coefs.shape[0])
                ]
            )
        scores[path] = _scored(per_fold)
        # the rescoring changes the Gini convention, never the predictions
        np.testing.assert_allclose(
            scores[path]["accuracy"], result.scores[path]["accuracy"], atol=1e-12
        )
    return scores


def _recipe_scores(name, folds, adam):
    """Both paths of the official recipe on the same grids and splits."""
    grids = {
        "adversarial": [(eps, 0.0) for eps in EPSILON_GRID[name]],
        "l1": [(0.0, lam) for lam in LAMBDA_GRID[name]],
    }
    scores = {}
    for path, grid in grids.items():
        per_fold = []
        for fold in folds:
            points = []
            for eps, lam in grid:
                w, b = fit_recipe(
                    fold.X_train,
                    fold.y_train,
                    epsilon=eps,
                    l1=lam,
                    adam=adam,
                    seed=fold.seed,
                )
                points.append(_point(w, b, fold, RECIPE_EPOCHS))
            per_fold.append(points)
        scores[path] = _scored(per_fold)
    return scores


def _summary(name, scores):
    """Path points and the equal-accuracy comparison under both conventions."""
    out = {"paths": {}, "equal_accuracy": {}}
    for path in PATHS:
        out["paths"][path] = {
            "parameter": list(
                EPSILON_GRID[name] if path == "adversarial" else LAMBDA_GRID[name]
            ),
            **{
                f"{stat}_{key}": getattr(np, stat)(scores[path][key], axis=0).tolist()
                for key in ("accuracy", "gini", "gini_offset", "robust_accuracy")
                for stat in ("mean", "std")
            },
        }
    for convention in CONVENTIONS:
        # at_equal_accuracy compares the "gini" entry: put the convention there
        chosen = {
            path: {**scores[path], "gini": scores[path][convention]} for path in PATHS
        }
        frontier = FrontierResult(
            epsilons=np.asarray(EPSILON_GRID[name], dtype=float),
            l1_lambdas=np.asarray(LAMBDA_GRID[name], dtype=float),
            scores=chosen,
            coefs={},
            intercepts={},
            robust_epsilon=TABULAR_EPSILON,
        )
        try:
            comparison = frontier.at_equal_accuracy(n_points=N_MATCHED)
        except ValueError as exc:
            out["equal_accuracy"][convention] = {"error": str(exc)}
            continue
        out["equal_accuracy"][convention] = {
            "difference": comparison.difference,
            "difference_std": comparison.difference_std,
            "accuracy_range": list(comparison.accuracy_range),
            "frame": comparison.frame.to_dict(orient="list"),
        }
    return out


def run_frontier(profile, datasets, log=print):
    """``{dataset: {training: summary}}`` for the trainings of ``RECIPES``."""
    record = {}
    for name in datasets:
        X, y, _ = load_tabular(name, profile.tabular_max_rows)
        seeds = split_seeds(profile)
        folds = [encoded_split(name, X, y, seed) for seed in seeds]
        record[name] = {}
        for training in RECIPES:
            if training == "exact":
                scores = _exact_scores(name, X, y, folds)
            else:
                scores = _recipe_scores(name, folds, adam=training == "recipe_adam")
            record[name][training] = _summary(name, scores)
            for convention, cmp in record[name][training]["equal_accuracy"].items():
                if "error" in cmp:
                    log(f"{name} {training} {convention}: {cmp['error']}")
                    continue
                log(
                    f"{name:9s} {training:11s} {convention:11s} "
                    f"adversarial - L1 at equal accuracy: {cmp['difference']:+.4f} "
                    f"± {cmp['difference_std']:.4f} over accuracies "
                    f"{cmp['accuracy_range'][0]:.4f}-{cmp['accuracy_range'][1]:.4f}"
                )
    return record
