"""Mushroom and Spambase: logistic regression, natural vs L1 vs adversarial.

Set-up of the paper (appendix J.1; the values are in ``_paper_constants``): a
70/30 train/test split, one-hot Mushroom, one epsilon, an L1 strength lambda per
dataset on the *mean* training loss, Integrated Gradients of the predicted
probability of the true class from the all-zero baseline, in the space the
model sees.

Two training recipes are run for every model type:

- ``exact``: skadv's L-BFGS-B solver, the exact optimum of the convex objective;
- ``paper``: the paper's recipe, Adam at its learning rate and batch size for
  exactly its number of epochs (``max_iter`` equal to ``n_iter_no_change``, so
  the early stop never fires; checked on ``n_iter_``), no penalty besides the
  L1 term (``solver="adam"``).

skadv minimises ``L / S + [(1 - r) / 2 ||w||^2 + r ||w||_1] / (C S)`` with
``S = n_train`` for unit sample weights, so the paper's
``mean loss + lambda ||w||_1`` is exactly ``l1_ratio = 1, C = 1 / (lambda n_train)``,
and "no penalty" is ``C = inf``.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skadv.datasets import load_mushroom, load_spambase
from skadv.inspection import gini_index, integrated_gradients
from skadv.linear_model import AdversarialLogisticRegression
from skadv.metrics import robust_accuracy_score

from ._paper_common import Result, stopwatch
from ._paper_constants import (
    ADAM_BATCH_SIZE,
    ADAM_EPOCHS,
    ADAM_LEARNING_RATE,
    L1_LAMBDA,
    TABULAR_EPSILON,
    TEST_SIZE,
)

LOADERS = {"mushroom": load_mushroom, "spambase": load_spambase}

# The exact natural and adversarial models get this tiny ridge (on the mean
# loss) instead of none: natural Mushroom is linearly separable, so without any
# penalty its optimum lies at infinity and "exact" would mean "until max_iter".
EXACT_RIDGE = 1e-6

PREPROCESSING = {
    "mushroom": (
        "22 categorical columns one-hot encoded (missing stalk-root is its own "
        "category; encoder fitted on the training split, unseen test categories "
        "encode to all zeros)"
    ),
    "spambase": (
        "57 numeric columns standardised (StandardScaler fitted on the training "
        f"split); ε = {TABULAR_EPSILON:g} is measured in these standard units"
    ),
}

RECIPES = {
    "exact": "exact optimum (L-BFGS-B)",
    "paper": (
        f"paper recipe (Adam, lr {ADAM_LEARNING_RATE:g}, batch {ADAM_BATCH_SIZE}, "
        f"{ADAM_EPOCHS} epochs)"
    ),
}


def split(X, y, seed, max_rows=None):
    """The 70/30 split of one tabular dataset, stratified on the label."""
    if max_rows is not None and max_rows < len(y):
        X, _, y, _ = train_test_split(
            X, y, train_size=max_rows, random_state=seed, stratify=y
        )
    return train_test_split(X, y, test_size=TEST_SIZE, random_state=seed, stratify=y)


def _encoder(name):
    if name == "mushroom":
        return OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    return StandardScaler()


def model_specs(name, n_train, recipe):
    """``(kind, setup text, estimator keyword arguments)`` of the three models."""
    lam = L1_LAMBDA[name]
    C_l1 = 1.0 / (lam * n_train)
    if recipe == "exact":
        common = {"solver": "lbfgs", "max_iter": 5000, "tol": 1e-8}
        C_plain = 1.0 / (EXACT_RIDGE * n_train)
        plain = f"ridge {EXACT_RIDGE:g} (C={C_plain:.4g})"
    else:
        # exactly ADAM_EPOCHS epochs: with n_iter_no_change = max_iter the
        # early stop cannot fire (the first epoch always improves on +inf)
        common = {
            "solver": "adam",
            "learning_rate": ADAM_LEARNING_RATE,
            "batch_size": ADAM_BATCH_SIZE,
            "max_iter": ADAM_EPOCHS,
            "n_iter_no_change": ADAM_EPOCHS,
            "tol": 0.0,
        }
        C_plain = np.inf
        plain = "no penalty (C=inf)"
    return [
        ("natural", f"ε=0, {plain}", {"epsilon": 0.0, "C": C_plain, **common}),
        (
            "l1",
            f"λ={lam:g}: ε=0, l1_ratio=1, C=1/(λ·n)={C_l1:.4g}",
            {"epsilon": 0.0, "C": C_l1, "l1_ratio": 1.0, **common},
        ),
        (
            "adversarial",
            f"ε={TABULAR_EPSILON:g}, {plain}",
            {"epsilon": TABULAR_EPSILON, "C": C_plain, **common},
        ),
    ]


def _evaluate(model, X_test, y_test, result):
    """Test accuracy, exact robust accuracy and mean Gini of IG on the test set."""
    result.accuracy.append(float(model.score(X_test, y_test)))
    result.robust_accuracy.append(
        float(robust_accuracy_score(model, X_test, y_test, epsilon=TABULAR_EPSILON))
    )
    attributions = integrated_gradients(model, X_test, y_test)
    result.gini.append(float(np.mean(gini_index(np.abs(attributions)))))


def _fit_recording_max_iter(model, X, y):
    """Fit ``model``; whether its solver warned that it stopped at max_iter."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, y)
    for w in caught:
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return any(issubclass(w.category, ConvergenceWarning) for w in caught)


def _n_iter(estimator, recipe):
    """Iterations (epochs for Adam) of ``estimator``; checks the paper's epochs."""
    n_iter = np.atleast_1d(estimator.n_iter_)
    if recipe == "paper" and not np.all(n_iter == ADAM_EPOCHS):
        raise RuntimeError(
            f"the paper recipe must run exactly {ADAM_EPOCHS} epochs, "
            f"got n_iter_={n_iter.tolist()}"
        )
    return int(np.max(n_iter))


def _record_weights(model, feature_names, result, first_split):
    """The L1 norm of the weights; on the first split also the weights."""
    coef = np.ravel(model[-1].coef_)
    result.extra.setdefault("coef_l1", []).append(float(np.abs(coef).sum()))
    if first_split:
        names = model[0].get_feature_names_out(feature_names)
        result.extra["first_split_coef"] = dict(
            zip(map(str, names), map(float, coef), strict=True)
        )


def run_tabular(profile, datasets, log=print):
    """Train and evaluate every tabular model of ``profile``; one Result each."""
    results = []
    for name in datasets:
        table = {}
        # loaded once: every split and the names of the weights come from it
        data = LOADERS[name]()
        for seed in profile.tabular_seeds:
            X_train, X_test, y_train, y_test = split(
                data.data, data.target, seed, profile.tabular_max_rows
            )
            for recipe in RECIPES:
                for kind, setup, params in model_specs(name, len(y_train), recipe):
                    key = (recipe, kind)
                    if key not in table:
                        table[key] = Result(
                            dataset=name,
                            kind=kind,
                            recipe=RECIPES[recipe],
                            setup=setup,
                            n_test=len(y_test),
                            n_eval=len(y_test),
                            robust_method="exact",
                        )
                    result = table[key]
                    model = make_pipeline(
                        _encoder(name),
                        AdversarialLogisticRegression(random_state=seed, **params),
                    )
                    with stopwatch(result.fit_seconds):
                        hit_max_iter = _fit_recording_max_iter(model, X_train, y_train)
                    n_iter = _n_iter(model[-1], recipe)
                    # the Adam recipe ends at max_iter by design (its
                    # ConvergenceWarning is expected and counted in the log);
                    # only the exact solver's max_iter means "not at the optimum"
                    if recipe == "exact" and hit_max_iter:
                        result.extra["not converged"] = (
                            result.extra.get("not converged", 0) + 1
                        )
                    result.extra.setdefault("n_iter", []).append(n_iter)
                    first_split = seed == profile.tabular_seeds[0]
                    _record_weights(model, data.feature_names, result, first_split)
                    with stopwatch(result.eval_seconds):
                        _evaluate(model, X_test, y_test, result)
                    log(
                        f"{name:9s} seed={seed} {recipe:5s} {kind:11s} "
                        f"acc={result.accuracy[-1]:.4f} "
                        f"robust={result.robust_accuracy[-1]:.4f} "
                        f"gini={result.gini[-1]:.4f} "
                        f"fit={result.fit_seconds[-1]:.2f}s n_iter={n_iter}"
                        + (" (ConvergenceWarning: max_iter reached)" * hit_max_iter)
                    )
        results.extend(table.values())
    return results
