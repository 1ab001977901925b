"""Mushroom and Spambase: logistic regression, natural vs L1 vs adversarial.

Every model is trained on the official split and scored with the official
evaluation (``_paper_recipe``: 64% of the rows train, 20% test; IG of the
probability of class 1 from zero with 20 left-Riemann steps on the first 1,000
test rows; Gini with and without the official 1e-7 offset), so that the three
columns of the report differ only in how the weights were found:

- ``recipe_adam`` and ``recipe_ftrl``: the official training recipe with the
  optimizer the result files are named after (Adam) and with the one the
  committed hyper-parameters select (Ftrl);
- ``exact``: skadv's L-BFGS-B solver, the exact optimum of the same convex
  objective (the natural and adversarial ones with a ridge of ``EXACT_RIDGE``
  on the mean loss: natural Mushroom is separable, its optimum at infinity).

Preprocessing as in the official code: Mushroom's 22 columns one-hot encoded
over the categories of the whole table (its ``indicator_column`` has one
column per category of ``all.csv``), class 1 *poisonous*; Spambase's 57
columns standardised with statistics of training rows only.
"""

from typing import NamedTuple

import numpy as np
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skadv.datasets import load_mushroom, load_spambase
from skadv.linear_model import AdversarialLogisticRegression

from ._paper_common import Result, stopwatch
from ._paper_constants import L1_LAMBDA, TABULAR_EPSILON
from ._paper_recipe import (
    IG_MAX_ROWS,
    OFFICIAL_SEED,
    RECIPE_BATCH,
    RECIPE_EPOCHS,
    RECIPE_LEARNING_RATE,
    fit_recipe,
    official_scores,
    official_split,
)

LOADERS = {"mushroom": load_mushroom, "spambase": load_spambase}
EXACT_RIDGE = 1e-6

PREPROCESSING = {
    "mushroom": (
        "22 categorical columns one-hot encoded over the categories of the whole "
        "table (missing stalk-root is its own category), as the official "
        "`indicator_column` does; class 1 is *poisonous*"
    ),
    "spambase": (
        "57 numeric columns standardised with the mean and deviation of the "
        f"training rows; ε = {TABULAR_EPSILON:g} is measured in these standard units"
    ),
}

_SCHEDULE = f"lr {RECIPE_LEARNING_RATE:g}, batch {RECIPE_BATCH}, {RECIPE_EPOCHS} epochs"
RECIPES = {
    "recipe_adam": f"official recipe, Adam ({_SCHEDULE})",
    "recipe_ftrl": f"official recipe, Ftrl ({_SCHEDULE})",
    "exact": "exact optimum (L-BFGS-B)",
}


def positive_labels(name, data):
    """0/1 labels with the official positive class (Mushroom: poisonous)."""
    if name == "mushroom":
        (poisonous,) = np.flatnonzero(np.asarray(data.target_names) == "poisonous")
        return (data.target == poisonous).astype(np.int64)
    return np.asarray(data.target, dtype=np.int64)


def encoder(name, X):
    """The official preprocessing of ``name``, unfitted except for its categories."""
    if name == "mushroom":
        # scikit-learn's own listing, which keeps a missing value (NaN) as
        # a category of its own
        categories = OneHotEncoder().fit(X).categories_
        return OneHotEncoder(
            categories=categories, handle_unknown="ignore", sparse_output=False
        )
    return StandardScaler()


def split_seeds(profile):
    """One official split per seed: 312 (the official one), 313, ..."""
    return [OFFICIAL_SEED + offset for offset in profile.tabular_seeds]


def load_tabular(name, max_rows=None):
    """``(X, y, feature_names)`` of ``name``; ``max_rows`` keeps a seeded subset."""
    data = LOADERS[name]()
    X, y = data.data, positive_labels(name, data)
    if max_rows is not None and max_rows < len(y):
        keep = np.sort(np.random.default_rng(0).permutation(len(y))[:max_rows])
        X, y = X[keep], y[keep]
    return X, y, data.feature_names


class Split(NamedTuple):
    """One official split: its seed, row indices and encoded rows."""

    seed: int
    train: np.ndarray
    test: np.ndarray
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def encoded_split(name, X, y, seed):
    """The official split of seed ``seed``, encoded by an encoder of its train rows."""
    train, _, test = official_split(len(y), seed)
    enc = encoder(name, X).fit(X[train])
    return Split(
        seed,
        train,
        test,
        enc.transform(X[train]),
        y[train],
        enc.transform(X[test]),
        y[test],
    )


def model_specs(name):
    """``(kind, set-up text, epsilon, lambda)`` of the three model types."""
    lam = L1_LAMBDA[name]
    return [
        ("natural", "ε=0, λ=0", 0.0, 0.0),
        ("l1", f"λ={lam:g}: ε=0", 0.0, lam),
        ("adversarial", f"ε={TABULAR_EPSILON:g}, λ=0", TABULAR_EPSILON, 0.0),
    ]


def fit_exact(X, y, epsilon, lam):
    """The exact optimum of mean loss + lam ||w||_1 (or the tiny ridge)."""
    n = X.shape[0]
    if lam > 0:
        params = {"C": 1.0 / (lam * n), "l1_ratio": 1.0}
    else:
        params = {"C": 1.0 / (EXACT_RIDGE * n)}
    model = AdversarialLogisticRegression(
        epsilon=epsilon, solver="lbfgs", max_iter=5000, tol=1e-8, **params
    ).fit(X, y)
    return model


def robust_accuracy(w, b, X, y, epsilon):
    """Exact robust accuracy of the linear model ``(w, b)`` at budget ``epsilon``."""
    margin = (2 * np.asarray(y) - 1) * (X @ w + b) - epsilon * np.abs(w).sum()
    return float(np.mean(margin > 0))


def _train(recipe, Xtr, ytr, epsilon, lam, seed):
    """``(w, b, n_iter)`` of one model of ``recipe``."""
    if recipe == "exact":
        model = fit_exact(Xtr, ytr, epsilon, lam)
        n_iter = int(np.max(model.n_iter_))
        return np.ravel(model.coef_), float(model.intercept_[0]), n_iter
    w, b = fit_recipe(
        Xtr, ytr, epsilon=epsilon, l1=lam, adam=recipe == "recipe_adam", seed=seed
    )
    return w, b, RECIPE_EPOCHS


def _new_result(name, recipe, kind, setup, n_test):
    return Result(
        dataset=name,
        kind=kind,
        recipe=RECIPES[recipe],
        setup=setup,
        n_test=n_test,
        n_eval=min(IG_MAX_ROWS, n_test),
        robust_method="exact",
        extra={"gini_offset": [], "n_iter": [], "coef_l1": [], "seeds": []},
    )


def run_tabular(profile, datasets, log=print):
    """Train and score every tabular model of ``profile``; one Result each."""
    results = []
    for name in datasets:
        X, y, names = load_tabular(name, profile.tabular_max_rows)
        table = {}
        for seed in split_seeds(profile):
            _, _, _, Xtr, ytr, Xte, yte = encoded_split(name, X, y, seed)
            for recipe in RECIPES:
                for kind, setup, epsilon, lam in model_specs(name):
                    key = (recipe, kind)
                    if key not in table:
                        table[key] = _new_result(name, recipe, kind, setup, len(yte))
                    result = table[key]
                    with stopwatch(result.fit_seconds):
                        w, b, n_iter = _train(recipe, Xtr, ytr, epsilon, lam, seed)
                    with stopwatch(result.eval_seconds):
                        scores = official_scores(w, b, Xte, yte)
                        robust = robust_accuracy(w, b, Xte, yte, TABULAR_EPSILON)
                    result.accuracy.append(scores["accuracy"])
                    result.gini.append(scores["gini"])
                    result.robust_accuracy.append(robust)
                    result.extra["gini_offset"].append(scores["gini_offset"])
                    result.extra["n_iter"].append(n_iter)
                    result.extra["coef_l1"].append(float(np.abs(w).sum()))
                    result.extra["seeds"].append(seed)
                    log(
                        f"{name:9s} seed={seed} {recipe:11s} {kind:11s} "
                        f"acc={scores['accuracy']:.4f} robust={robust:.4f} "
                        f"gini={scores['gini']:.4f} "
                        f"gini+offset={scores['gini_offset']:.4f} "
                        f"fit={result.fit_seconds[-1]:.2f}s"
                    )
        results.extend(table.values())
    return results
